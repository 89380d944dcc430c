// The Varnish driver against the lab's real Varnish 7.1, through the controller with the CLI secret in a
// credential store: the VCL's backends, one made sick and given back to its probe, default_ttl changed and read
// back (and undone), a ban that turns a cached HIT into a MISS, and wrong or missing secrets.
#include <algorithm>

#include <QDir>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "credentialstore.h"
#include "varnish/varnishcli.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "reports.h"
#include "metricstore.h"
#include "serieskeys.h"

using namespace Fleetdeck;

namespace {
// Asks Varnish with its own varnishadm, independent of Fleetdeck's client.
QString varnishadm(const Test::LabVarnish& v, const QStringList& command)
{
    QProcess p;
    p.start(QStringLiteral("varnishadm"),
        QStringList {
            QStringLiteral("-T"), QStringLiteral("127.0.0.1:%1").arg(v.adminPort), QStringLiteral("-S"), v.secretFile }
            + command);
    p.waitForFinished(10000);
    return QString::fromUtf8(p.readAllStandardOutput());
}

// The Admin column of a backend in varnishadm's own backend.list ("probe", "sick", "healthy"), or what went wrong.
QString adminOf(const Test::LabVarnish& v, const QString& backend)
{
    const QString list = varnishadm(v, { QStringLiteral("backend.list"), backend });
    for (const QString& line : list.split(QLatin1Char('\n'))) {
        const QStringList columns = line.simplified().split(QLatin1Char(' '));
        if (columns.size() >= 2 && columns.first() == backend)
            return columns.at(1);
    }
    return QStringLiteral("(no row for %1 in: %2)").arg(backend, list.left(200));
}

QString xCache(int port, const QString& path)
{
    // Retry past nginx's deliberate 500s, which Varnish does not cache.
    for (int i = 0; i < 10; ++i) {
        const QByteArray answer = Test::httpGet(port, path);
        if (!answer.startsWith("HTTP/1.1 200"))
            continue;
        if (answer.contains("X-Cache: HIT"))
            return QStringLiteral("HIT");
        if (answer.contains("X-Cache: MISS"))
            return QStringLiteral("MISS");
    }
    return QStringLiteral("no answer");
}
// A controller watching the lab's Varnish, its CLI secret in a session credential store.
struct Session
{
    Session(const QString& secret, const GatewayConfig& config)
    {
        credentials.write(config.credential, secret, [](Result<bool>) {});
        controller.setCredentialStore(&credentials);
        controller.addGateway(config);
    }
    SessionCredentialStore credentials;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
};
} // namespace

class TestVarnishDriver : public QObject
{
    Q_OBJECT

private:
    Test::Lab m_lab;
    Test::LabVarnish m_varnish;
    QString m_secret;

    GatewayConfig config(const QString& credential) const
    {
        GatewayConfig c;
        c.name = m_varnish.name;
        c.product = QStringLiteral("varnish");
        c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(m_varnish.adminPort));
        c.metrics = QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_varnish.exporterPort));
        c.credential = credential;
        c.pollIntervalMs = 500;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(!m_lab.varnish.isEmpty(), "the lab runs a Varnish");
        m_varnish = m_lab.varnish.first();
        // The exporter is part of the lab: a run without it would skip the counters' check, so it is an error.
        QVERIFY2(m_varnish.exporterPort > 0, "the lab's Varnish has no prometheus-varnish-exporter");
        QFile secret(m_varnish.secretFile);
        QVERIFY(secret.open(QIODevice::ReadOnly));
        m_secret = QString::fromUtf8(secret.readAll()); // the file's bytes, trailing newline included
        qRegisterMetaType<ActionReport>();
    }

    void batchedCountersAreSmoothedAndSaySo()
    {
        // Varnish's worker threads add to the shared counters in batches: rated per poll, the lab's steady traffic
        // jumps about; rated over 10 s, it stays near its mean. Both are computed from the same real totals.
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        QList<QPair<qint64, qint64>> totals; // (taken at, client requests)
        connect(&session.store, &FleetStore::snapshotApplied, this, [&session, &totals](int index) {
            const auto& snap = session.store.entry(index).snapshot;
            if (snap && !snap->frontends.isEmpty())
                totals.append({ snap->takenAtMs, snap->frontends.first().requestsTotal });
        });
        QTRY_VERIFY_WITH_TIMEOUT(totals.size() >= 32, 25000); // 16 s at 500 ms
        QCOMPARE(session.store.entry(0).snapshot->counterWindowMs, 10000);
        const QString key = SeriesKeys::requestRate(SeriesKeys::subject(m_varnish.name));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<float> smoothed;
        for (const MetricStore::Bucket& b : session.metrics.range(key, now - 5000, now))
            if (!b.isGap())
                smoothed.append(b.mean);
        QVERIFY(smoothed.size() >= 3);
        std::sort(smoothed.begin(), smoothed.end());
        QList<double> raw;
        for (qsizetype i = totals.size() - 10; i < totals.size(); ++i)
            raw.append(double(totals.at(i).second - totals.at(i - 1).second) * 1000.0
                / double(qMax<qint64>(1, totals.at(i).first - totals.at(i - 1).first)));
        std::sort(raw.begin(), raw.end());
        qInfo("Varnish client req/s over the last 5 s: smoothed %.1f..%.1f, per poll %.1f..%.1f", smoothed.first(),
            smoothed.last(), raw.first(), raw.last());
        const double mean = double(totals.last().second - totals.at(totals.size() - 21).second) * 1000.0
            / double(totals.last().first - totals.at(totals.size() - 21).first);
        QVERIFY(mean > 1);
        QVERIFY2(smoothed.first() >= mean * 0.6 && smoothed.last() <= mean * 1.4,
            qPrintable(QStringLiteral("smoothed %1..%2 around a mean of %3")
                           .arg(smoothed.first())
                           .arg(smoothed.last())
                           .arg(mean)));
    }

    void backendsSickAndBack()
    {
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        FleetStore& store = session.store;
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        const GatewaySnapshot& snap = *store.entry(0).snapshot;
        QCOMPARE(snap.backends.size(), 1);
        QCOMPARE(snap.backends.first().name, QStringLiteral("boot"));
        QCOMPARE(snap.backends.first().servers.size(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot->backends.first().servers.first().health == Health::Up, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot->requestsTotal() > 0, 10000);

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const ServerRef u1 { m_varnish.name, QStringLiteral("boot"), QStringLiteral("u1") };
        controller.setServerState({ u1 }, AdminState::Drain);
        FLEETDECK_REPORT(sick, finished);
        QVERIFY2(sick.ok(), qPrintable(sick.outcomes.value(0).message));
        QCOMPARE(adminOf(m_varnish, QStringLiteral("boot.u1")), QStringLiteral("sick"));
        controller.setServerState({ u1 }, AdminState::ForcedUp);
        FLEETDECK_REPORT(forced, finished);
        QVERIFY2(forced.ok(), qPrintable(forced.outcomes.value(0).message));
        QCOMPARE(adminOf(m_varnish, QStringLiteral("boot.u1")), QStringLiteral("healthy"));
        controller.setServerState({ u1 }, AdminState::Ready);
        FLEETDECK_REPORT(back, finished);
        QVERIFY2(back.ok(), qPrintable(back.outcomes.value(0).message));
        QCOMPARE(adminOf(m_varnish, QStringLiteral("boot.u1")), QStringLiteral("probe"));
        // Maintenance does not exist in Varnish: refused with the product's reason, nothing sent.
        controller.setServerState({ u1 }, AdminState::Maint);
        FLEETDECK_REPORT(maint, finished);
        QVERIFY(!maint.ok());
        QVERIFY(!maint.outcomes.first().sent);
        QVERIFY2(maint.outcomes.first().message.contains(
                     QLatin1String("has no maintenance at runtime: drain sets a backend sick instead; nothing sent")),
            qPrintable(maint.outcomes.first().message));
        QCOMPARE(adminOf(m_varnish, QStringLiteral("boot.u1")), QStringLiteral("probe"));
    }

    void defaultTtlChangedReadBackAndUndone()
    {
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        FleetStore& store = session.store;
        FleetController& controller = session.controller;
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const CacheTtlChange ttl { m_varnish.name, CacheTtl::Ttl, 30 };
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        controller.changePolicy({ ttl });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QCOMPARE(report.outcomes.first().beforeText, QStringLiteral("default TTL 60 s"));
        QVERIFY2(varnishadm(m_varnish, { QStringLiteral("param.show"), QStringLiteral("default_ttl") })
                     .contains(QLatin1String("Value is: 30.000")),
            "varnishadm does not read 30 back");
        QVERIFY(report.outcomes.first().undo.has_value());
        controller.changePolicy({ *report.outcomes.first().undo });
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QVERIFY(varnishadm(m_varnish, { QStringLiteral("param.show"), QStringLiteral("default_ttl") })
                    .contains(QLatin1String("Value is: 60.000")));
    }

    void graceAndKeepInOneReviewedRequest()
    {
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
        auto param = [this](const char* name) {
            const QString shown = varnishadm(m_varnish, { QStringLiteral("param.show"), QLatin1String(name) });
            const auto m = QRegularExpression(QStringLiteral("Value is: ([0-9.]+)")).match(shown);
            return m.hasMatch() ? m.captured(1) : QStringLiteral("(unread: %1)").arg(shown.left(80));
        };
        const QString graceBefore = param("default_grace");
        const QString keepBefore = param("default_keep");
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ CacheTtlChange { m_varnish.name, CacheTtl::Grace, 25 },
            CacheTtlChange { m_varnish.name, CacheTtl::Keep, 35 } });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(1).message));
        QCOMPARE(param("default_grace"), QStringLiteral("25.000"));
        QCOMPARE(param("default_keep"), QStringLiteral("35.000"));
        // Undone together, last first, to what varnishadm showed before.
        controller.apply(report.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(param("default_grace"), graceBefore);
        QCOMPARE(param("default_keep"), keepBefore);
    }

    void banTurnsHitIntoMiss()
    {
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        FleetStore& store = session.store;
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        const QString path = QStringLiteral("/ban-test/%1").arg(QDateTime::currentMSecsSinceEpoch());
        xCache(m_varnish.listenPort, path);
        QCOMPARE(xCache(m_varnish.listenPort, path), QStringLiteral("HIT"));
        xCache(m_varnish.listenPort, QStringLiteral("/kept"));
        QCOMPARE(xCache(m_varnish.listenPort, QStringLiteral("/kept")), QStringLiteral("HIT"));

        const PurgeChange ban { m_varnish.name, QStringLiteral("^/ban-test/"), {} };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ ban });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QVERIFY(!report.outcomes.first().undo.has_value()); // a ban cannot be undone, and says so by having no undo
        QCOMPARE(xCache(m_varnish.listenPort, path), QStringLiteral("MISS"));
        QCOMPARE(xCache(m_varnish.listenPort, QStringLiteral("/kept")), QStringLiteral("HIT"));
        QVERIFY(varnishadm(m_varnish, { QStringLiteral("ban.list") }).contains(QLatin1String("req.url ~ ^/ban-test/")));
    }

    void vclListedAndSwitched()
    {
        // A second VCL loaded behind the scenes (the lab's own file again, as "v2"); Fleetdeck lists it, makes it
        // active, verifies, and its undo makes the first one active again.
        const QString vclFile = QFileInfo(m_varnish.secretFile).dir().filePath(QStringLiteral("default.vcl"));
        varnishadm(m_varnish, { QStringLiteral("vcl.discard"), QStringLiteral("v2") });
        varnishadm(m_varnish, { QStringLiteral("vcl.load"), QStringLiteral("v2"), vclFile });
        QVERIFY(varnishadm(m_varnish, { QStringLiteral("vcl.list") }).contains(QLatin1String("v2")));
        Session session(m_secret, config(QStringLiteral("varnish-1/cli")));
        FleetStore& store = session.store;
        FleetController& controller = session.controller;
        QSignalSpy policy(&controller, &FleetActions::cachePolicyReceived);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        controller.requestCachePolicy(m_varnish.name);
        QVERIFY(policy.wait(5000));
        const auto before = policy.takeFirst().at(1).value<CachePolicy>();
        const Setting* vcl = before.setting(QStringLiteral("vcl"));
        QVERIFY(vcl);
        QCOMPARE(vcl->value, QStringLiteral("boot"));
        QVERIFY(vcl->choices.contains(QStringLiteral("v2")));

        const SettingChange use { m_varnish.name, QStringLiteral("vcl"), {}, QStringLiteral("v2"), vcl->label };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ use });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QVERIFY(varnishadm(m_varnish, { QStringLiteral("vcl.list") })
                    .contains(QRegularExpression(QStringLiteral("active\\s+\\S+\\s+\\S+\\s+\\d+\\s+v2"))));
        // The pool follows the active VCL.
        QTRY_COMPARE_WITH_TIMEOUT(store.entry(0).snapshot->backends.first().name, QStringLiteral("v2"), 5000);
        QVERIFY(report.outcomes.first().undo.has_value());
        controller.changePolicy({ *report.outcomes.first().undo });
        FLEETDECK_REPORT(vclBack, finished);
        QVERIFY(vclBack.ok());
        QTRY_COMPARE_WITH_TIMEOUT(store.entry(0).snapshot->backends.first().name, QStringLiteral("boot"), 5000);
        varnishadm(m_varnish, { QStringLiteral("vcl.discard"), QStringLiteral("v2") });
    }

    void cliStatusesAreExplained()
    {
        // 101 for an unknown command and 106 with the VCL compiler's own text, straight from the CLI session.
        QFile secretFile(m_varnish.secretFile);
        QVERIFY(secretFile.open(QIODevice::ReadOnly));
        const QByteArray secret = secretFile.readAll();
        std::optional<Result<QList<Drivers::Varnish::CliReply>>> got;
        Drivers::Varnish::CliSession::run(
            m_varnish.name, QStringLiteral("127.0.0.1"), quint16(m_varnish.adminPort), secret, { "no.such.command" },
            [&got](auto r) { got = r; }, this);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
        QVERIFY2(got->ok(), qPrintable(got->error()));
        QCOMPARE(got->value().last().status, 101);
        QCOMPARE(Drivers::Varnish::cliStatusText(101), QStringLiteral("unknown request"));
        got.reset();
        Drivers::Varnish::CliSession::run(
            m_varnish.name, QStringLiteral("127.0.0.1"), quint16(m_varnish.adminPort), secret,
            { "vcl.inline broken \"vcl 4.1; backend b { .host = ; }\"" }, [&got](auto r) { got = r; }, this);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
        QVERIFY2(got->ok(), qPrintable(got->error()));
        QCOMPARE(got->value().last().status, 106);
        QVERIFY2(got->value().last().body.contains("VCL compilation failed"), got->value().last().body.constData());
    }

    void wrongOrMissingSecret()
    {
        SessionCredentialStore credentials;
        credentials.write(QStringLiteral("varnish-1/cli"), QStringLiteral("not-the-secret\n"), [](Result<bool>) {});
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.setCredentialStore(&credentials);
        controller.addGateway(config(QStringLiteral("varnish-1/cli")));
        GatewayConfig missing = config(QStringLiteral("varnish-1/nowhere"));
        missing.name = QStringLiteral("varnish-missing");
        controller.addGateway(missing);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection == Connection::Unreachable, 10000);
        const QString wrong = store.entry(0).status.lastError;
        QVERIFY2(wrong.contains(QLatin1String("authentication failed")) && wrong.contains(m_varnish.name),
            qPrintable(wrong));
        QVERIFY(!wrong.contains(QLatin1String("not-the-secret"))); // never in an error
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(1).status.connection == Connection::Unreachable, 10000);
        const QString none = store.entry(1).status.lastError;
        QVERIFY2(none.contains(QLatin1String("none is set")) && none.contains(QLatin1String("varnish-1/nowhere")),
            qPrintable(none));
    }
};

QTEST_GUILESS_MAIN(TestVarnishDriver)
#include "tst_varnishdriver.moc"
