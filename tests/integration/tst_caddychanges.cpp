// Changes to a real Caddy 2.6 (the lab's caddy-2) through the controller: an upstream added and removed with
// requests through Caddy following, a change made behind Fleetdeck's back caught by Caddy's own 412, a
// Cache-Control rule pushed and seen on real responses (and undone), and HTTP metrics switched back on.
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "reports.h"
#include "metricstore.h"
#include "serverspec.h"

using namespace Fleetdeck;

namespace {
// Which nginx upstreams answered n requests through Caddy (each upstream answers with its name, u1..u6).
QSet<QString> answeredBy(int port, int n, const QString& path = QStringLiteral("/"))
{
    QSet<QString> names;
    static const QRegularExpression name(QStringLiteral("\\r?\\n\\r?\\n(u\\d+)\\n"));
    for (int i = 0; i < n; ++i) {
        const auto m = name.match(QString::fromUtf8(Test::httpGet(port, path)));
        if (m.hasMatch())
            names.insert(m.captured(1));
    }
    return names;
}

} // namespace

class TestCaddyChanges : public QObject
{
    Q_OBJECT

private:
    Test::Lab m_lab;
    Test::LabCaddy m_caddy;
    GatewayConfig config(int pollMs) const
    {
        GatewayConfig c;
        c.name = m_caddy.name;
        c.product = QStringLiteral("caddy");
        c.admin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_caddy.adminPort));
        c.pollIntervalMs = pollMs;
        return c;
    }
    QString upstream(int index) const { return QStringLiteral("127.0.0.1:%1").arg(m_lab.upstreamPorts.at(index)); }
    // The lab's nginx upstream at index, as a new member of caddy-2's pool "api" (Caddy names it by address).
    ServerSpec upstreamSpec(int index) const
    {
        ServerSpec spec;
        spec.gateway = m_caddy.name;
        spec.backend = QStringLiteral("api");
        spec.host = QStringLiteral("127.0.0.1");
        spec.port = m_lab.upstreamPorts.at(index);
        spec.name = spec.address();
        return spec;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.caddy.size() >= 2, "the lab runs two Caddy instances; caddy-2 is the one changed here");
        QVERIFY(m_lab.upstreamPorts.size() >= 5);
        m_caddy = m_lab.caddy.at(1);
        qRegisterMetaType<ActionReport>();
    }

    void addAndRemoveAnUpstream()
    {
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.addGateway(config(500));
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        QVERIFY(store.entry(0).capabilities.can(Feature::AddMember));
        QCOMPARE(answeredBy(m_caddy.listenPort, 12),
            (QSet<QString> { QStringLiteral("u1"), QStringLiteral("u2"), QStringLiteral("u3") }));

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const ServerSpec spec = upstreamSpec(3);
        controller.addServer(spec);
        FLEETDECK_REPORT(added, finished);
        QVERIFY2(added.ok(), qPrintable(added.outcomes.value(0).message));
        // Round robin over four: u4 answers among the next requests through Caddy.
        QVERIFY(answeredBy(m_caddy.listenPort, 12).contains(QStringLiteral("u4")));

        // A bad address is refused before anything is sent.
        ServerSpec bad = spec;
        bad.port = 70000;
        bad.name = bad.address();
        controller.addServer(bad);
        FLEETDECK_REPORT(refused, finished);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.outcomes.first().message.contains(QLatin1String("port: 70000 is not a port")),
            qPrintable(refused.outcomes.first().message));

        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot->server(QStringLiteral("api"), spec.name), 5000);
        controller.removeServer({ m_caddy.name, QStringLiteral("api"), spec.name }, 5000);
        FLEETDECK_REPORT(removed, finished);
        QVERIFY2(removed.ok(), qPrintable(removed.outcomes.value(0).message));
        QCOMPARE(answeredBy(m_caddy.listenPort, 12),
            (QSet<QString> { QStringLiteral("u1"), QStringLiteral("u2"), QStringLiteral("u3") }));
    }

    void conflictBehindFleetdecksBackIs412()
    {
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.addGateway(config(3600 * 1000)); // one poll: what the operator saw stays as it was
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);

        // Someone else adds u5 straight through the admin API.
        const QByteArray other = Test::caddyAdmin(m_caddy.adminPort, QStringLiteral("POST"),
            QStringLiteral("/id/api/upstreams"), QStringLiteral("{\"dial\":\"%1\"}").arg(upstream(4)).toUtf8());
        QVERIFY2(other.startsWith("200"), other.constData());

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const ServerSpec spec = upstreamSpec(3);
        controller.addServer(spec);
        FLEETDECK_REPORT(report, finished);
        QVERIFY(!report.ok());
        const ActionOutcome& o = report.outcomes.first();
        QVERIFY(o.conflict);
        QVERIFY2(o.message.contains(QLatin1String("412")), qPrintable(o.message));
        // Nothing was overwritten: the other change is there, ours is not.
        const QByteArray now
            = Test::caddyAdmin(m_caddy.adminPort, QStringLiteral("GET"), QStringLiteral("/id/api/upstreams"));
        QVERIFY2(now.startsWith("200") && now.contains(upstream(4).toUtf8()), now.constData());
        QVERIFY(!now.contains(upstream(3).toUtf8()));

        // Put it back as the lab had it: remove u5 (the fourth upstream).
        QVERIFY(Test::caddyAdmin(m_caddy.adminPort, QStringLiteral("DELETE"), QStringLiteral("/id/api/upstreams/3"))
                    .startsWith("200"));
    }

    void cacheControlRulePushedSeenAndUndone()
    {
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.addGateway(config(1000));
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        QVERIFY(store.entry(0).capabilities.can(Feature::CachePolicy));
        QSignalSpy policy(&controller, &FleetActions::cachePolicyReceived);
        controller.requestCachePolicy(m_caddy.name);
        QVERIFY(policy.wait(5000));
        const auto before = policy.takeFirst().at(1).value<CachePolicy>();
        QVERIFY(before.rule(QStringLiteral("srv0"), QStringLiteral("/static/*")) == nullptr);

        CacheRuleChange rule;
        rule.gateway = m_caddy.name;
        rule.scope = QStringLiteral("srv0");
        rule.path = QStringLiteral("/static/*");
        rule.control.visibility = CacheControl::Visibility::Public;
        rule.control.maxAge = 600;
        rule.control.staleWhileRevalidate = 30;
        const Change change(rule, before.configVersion);
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ change });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QVERIFY(report.outcomes.first().undo.has_value());

        // Real responses through Caddy carry it on /static/ only (each read from a 200 answer: an empty reply or one
        // of the lab's deliberate 500s proves nothing).
        const Test::Seen onStatic
            = Test::responseHeader(m_caddy.listenPort, QStringLiteral("/static/app.js"), "Cache-Control");
        QVERIFY2(
            onStatic.present() && onStatic.value == QLatin1String("public, max-age=600, stale-while-revalidate=30"),
            qPrintable(onStatic.describe()));
        const Test::Seen onApi = Test::responseHeader(m_caddy.listenPort, QStringLiteral("/api/x"), "Cache-Control");
        QVERIFY2(onApi.absent() || (onApi.present() && !onApi.value.contains(QLatin1String("max-age=600"))),
            qPrintable(onApi.describe()));

        // The same change against the config as it was before is now stale: Caddy's 412, nothing sent.
        Change stale = change;
        stale.as<CacheRuleChange>()->control.maxAge = 5;
        controller.changePolicy({ stale });
        FLEETDECK_REPORT(conflict, finished);
        QVERIFY(!conflict.ok());
        QVERIFY(conflict.outcomes.first().conflict);

        // Undo: the inverse change removes the rule again.
        controller.changePolicy({ *report.outcomes.first().undo });
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        const Test::Seen undoneStatic
            = Test::responseHeader(m_caddy.listenPort, QStringLiteral("/static/app.js"), "Cache-Control");
        QVERIFY2(undoneStatic.absent(), qPrintable(undoneStatic.describe()));
    }

    void metricsOffIsSaidAndCanBeEnabled()
    {
        QVERIFY(Test::caddyAdmin(
            m_caddy.adminPort, QStringLiteral("DELETE"), QStringLiteral("/config/apps/http/servers/srv0/metrics"))
                    .startsWith("200"));
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.addGateway(config(500));
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        QVERIFY2(store.entry(0).snapshot->noticeText().contains(QLatin1String("metrics are off")),
            qPrintable(store.entry(0).snapshot->noticeText()));
        // The notice's own remedy, sent as it comes (with the gateway it belongs to), is what fixes it.
        QVERIFY(store.entry(0).snapshot->notices.first().remedy.has_value());
        SettingChange enable = *store.entry(0).snapshot->notices.first().remedy;
        enable.gateway = m_caddy.name;
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ enable });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot->notices.isEmpty(), 5000);
        // Requests are counted again.
        for (int i = 0; i < 3; ++i)
            Test::httpGet(m_caddy.listenPort, QStringLiteral("/"));
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot->requestsTotal() > 0, 5000);
    }
};

QTEST_GUILESS_MAIN(TestCaddyChanges)
#include "tst_caddychanges.moc"
