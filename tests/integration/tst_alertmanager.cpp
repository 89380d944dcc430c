// Alerts from the lab's real Alertmanager (lab --alertmanager), fed by the lab's Prometheus rule LabServerDown:
// placed on the server they name, on the timeline when they fire and resolve, and a silence made, verified with
// Alertmanager's API (read by curl, not by Fleetdeck) and expired by undo. Each function is its own CTest test
// (label "alertmanager").
#include <limits>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "alerts.h"
#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "lab.h"
#include "serieskeys.h"

using namespace Fleetdeck;

namespace {

// The lab's upstream 4 is the second server of the "static" pool on every lab HAProxy (3 servers per pool).
constexpr int kUpstream = 4;
const QString kPool = QStringLiteral("static");
const QString kServer = QStringLiteral("s2");

// A silence's state as Alertmanager itself answers (curl): "active", "expired", or why it could not be read.
QString silenceStateByCurl(const QString& base, const QString& id)
{
    QProcess curl;
    curl.start(QStringLiteral("curl"),
        { QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("5"),
            base + QStringLiteral("/api/v2/silence/") + id });
    if (!curl.waitForFinished(10000) || curl.exitCode() != 0)
        return QStringLiteral("(could not ask: curl failed)");
    const QJsonObject o = QJsonDocument::fromJson(curl.readAllStandardOutput()).object();
    const QString state = o.value(QLatin1String("status")).toObject().value(QLatin1String("state")).toString();
    return state.isEmpty() ? QStringLiteral("(could not ask: no state in the answer)") : state;
}

} // namespace

class TestAlertmanager : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY2(!lab.alertmanagerUrl.isEmpty(), "the lab runs without --alertmanager");
        QVERIFY(journal.open(journalDir.filePath(QStringLiteral("journal.sqlite"))).ok());
        controller.setJournal(&journal);
        controller.setEventLog(&events);
        for (GatewayConfig c : lab.gateways) {
            c.pollIntervalMs = 500;
            controller.addGateway(c);
        }
        controller.setAlertmanager(QUrl(lab.alertmanagerUrl), AlertLabels {}, 500);
        QVERIFY(controller.alerts());
        gateway = lab.gateways.first().name;
    }

    void cleanup() { QVERIFY(lab.setUpstreamHealthy(kUpstream, true)); }

    void alertsFireAndResolveOnTheTimeline()
    {
        // Prometheus' rule fires once HAProxy marks the server down (3 failed checks a second apart), and
        // Alertmanager lists the alert; it names the server by the labels proxy, server and instance (the metrics
        // host:port), which Fleetdeck matches to the gateway whose metrics address that is.
        QCOMPARE(firing(), 0);
        QVERIFY(lab.setUpstreamHealthy(kUpstream, false));
        QTRY_COMPARE_WITH_TIMEOUT(firing(), 1, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(
            alertEvents(QStringLiteral("alert firing: LabServerDown: static/s2 fails its health checks")), 1, 5000);
        // On the server, and counted on its pool and gateway (the badges), on every lab gateway.
        QCOMPARE(controller.alerts()->firingCount(gateway, kPool), 1);
        QCOMPARE(controller.alerts()->firingCount(gateway), 1);
        for (const GatewayConfig& c : lab.gateways)
            QTRY_COMPARE_WITH_TIMEOUT(controller.alerts()->firingCount(c.name, kPool, kServer), 1, 5000);
        const Alert alert = controller.alerts()->alertsFor(gateway, kPool, kServer).first();
        QCOMPARE(alert.name, QStringLiteral("LabServerDown"));
        QCOMPARE(alert.severity, QStringLiteral("page"));
        QVERIFY(alert.startsAtMs > 0);

        QVERIFY(lab.setUpstreamHealthy(kUpstream, true));
        QTRY_COMPARE_WITH_TIMEOUT(firing(), 0, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(alertEvents(QStringLiteral("alert resolved: LabServerDown")), 1, 5000);
        QCOMPARE(alertEvents(QStringLiteral("alert firing: LabServerDown")), 1); // once, not on every read
    }

    void aSilenceIsCreatedVerifiedAndExpiredByUndo()
    {
        QVERIFY(lab.setUpstreamHealthy(kUpstream, false));
        QTRY_COMPARE_WITH_TIMEOUT(firing(), 1, 30000);
        const Alert alert = controller.alerts()->alertsFor(gateway, kPool, kServer).first();
        QVERIFY(!alert.silenced());

        QSignalSpy finished(&controller, &FleetActions::silenceFinished);
        // Refused without a comment (Alertmanager would refuse it too), and nothing is sent.
        const quint64 bare = controller.silenceAlert(alert.fingerprint, 30, QStringLiteral("  "));
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.first().at(0).toULongLong(), bare);
        QVERIFY(!finished.first().at(1).toBool());
        QCOMPARE(finished.takeFirst().at(2).toString(),
            QStringLiteral("a silence needs a comment: Alertmanager refuses one without"));
        const qsizetype rowsBefore = journal.readAll().size();

        const quint64 id = controller.silenceAlert(alert.fingerprint, 30, QStringLiteral("fleetdeck test"));
        QVERIFY(finished.wait(10000));
        const QList<QVariant> report = finished.takeFirst();
        QCOMPARE(report.at(0).toULongLong(), id);
        QVERIFY2(report.at(1).toBool(), qPrintable(report.at(2).toString()));
        const QString silenceId = report.at(3).toString();
        QVERIFY(!silenceId.isEmpty());
        QCOMPARE(silenceStateByCurl(lab.alertmanagerUrl, silenceId), QStringLiteral("active"));
        // The alert shows silenced: no longer counted on the badges.
        QTRY_VERIFY_WITH_TIMEOUT(controller.alerts()->find(alert.fingerprint)
                && controller.alerts()->find(alert.fingerprint)->silencedBy.contains(silenceId),
            5000);
        QCOMPARE(controller.alerts()->firingCount(gateway, kPool, kServer), 0);
        // Journaled: the attempt before sending, the verified result after, on the alert's server.
        QVector<JournalEntry> rows = journal.readAll().mid(rowsBefore);
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0).kind, QStringLiteral("attempt"));
        QCOMPARE(rows.at(1).result, QStringLiteral("verified"));
        QCOMPARE(rows.at(1).gateway, gateway);
        QCOMPARE(rows.at(1).object, QStringLiteral("static/s2"));
        QVERIFY(rows.at(1).after.contains(QLatin1String("fleetdeck test")));

        // Undo: the silence expires, read back as expired, and the alert counts again.
        const quint64 undo = controller.expireSilence(silenceId);
        QVERIFY(finished.wait(10000));
        const QList<QVariant> undone = finished.takeFirst();
        QCOMPARE(undone.at(0).toULongLong(), undo);
        QVERIFY2(undone.at(1).toBool(), qPrintable(undone.at(2).toString()));
        QCOMPARE(silenceStateByCurl(lab.alertmanagerUrl, silenceId), QStringLiteral("expired"));
        QTRY_COMPARE_WITH_TIMEOUT(controller.alerts()->firingCount(gateway, kPool, kServer), 1, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(alertEvents(QStringLiteral("alert no longer silenced: LabServerDown")), 1, 5000);
        rows = journal.readAll().mid(rowsBefore);
        QCOMPARE(rows.size(), 4);
        QCOMPARE(rows.at(3).result, QStringLiteral("verified"));
        QCOMPARE(rows.at(3).after, QStringLiteral("silence %1 expired").arg(silenceId));
    }

    void readOnlyMakesNoSilence()
    {
        QVERIFY(lab.setUpstreamHealthy(kUpstream, false));
        QTRY_COMPARE_WITH_TIMEOUT(firing(), 1, 30000);
        const Alert alert = controller.alerts()->alertsFor(gateway, kPool, kServer).first();
        controller.setReadOnly(QStringLiteral("test says so"));
        QSignalSpy finished(&controller, &FleetActions::silenceFinished);
        const qsizetype rowsBefore = journal.readAll().size();
        controller.silenceAlert(alert.fingerprint, 30, QStringLiteral("must not happen"));
        QVERIFY(finished.wait(5000));
        controller.setReadOnly({});
        QVERIFY(!finished.first().at(1).toBool());
        QCOMPARE(finished.first().at(2).toString(), QStringLiteral("refused: test says so"));
        QCOMPARE(journal.readAll().size(), rowsBefore);
        QTest::qWait(1500); // two reads of Alertmanager: still not silenced
        QVERIFY(!controller.alerts()->find(alert.fingerprint)->silenced());
    }

    void anAlertmanagerThatDoesNotAnswerIsSaid()
    {
        // The last alerts read stay, with why they may be old; the timeline says it once.
        controller.setAlertmanager(QUrl(QStringLiteral("http://127.0.0.1:9")), AlertLabels {}, 300);
        QTRY_VERIFY_WITH_TIMEOUT(!controller.alerts()->error().isEmpty(), 5000);
        QVERIFY2(controller.alerts()->error().startsWith(QLatin1String("Alertmanager http://127.0.0.1:9: ")),
            qPrintable(controller.alerts()->error()));
        QTest::qWait(1000);
        int unreachable = 0;
        for (const FleetEvent& e : events.events())
            unreachable
                += e.gateway == QLatin1String("alertmanager") && e.text.startsWith(QLatin1String("unreachable"));
        QCOMPARE(unreachable, 1);
        controller.setAlertmanager(QUrl(lab.alertmanagerUrl), AlertLabels {}, 500);
        QTRY_VERIFY_WITH_TIMEOUT(controller.alerts()->error().isEmpty(), 5000);
    }

private:
    int firing() const { return controller.alerts()->firingCount(gateway, kPool, kServer); }
    int alertEvents(const QString& prefix) const
    {
        int n = 0;
        for (const FleetEvent& e :
            events.eventsFor(SeriesKeys::subject(gateway, kPool, kServer), 0, std::numeric_limits<qint64>::max()))
            n += e.kind == FleetEvent::Kind::Alert && e.text.startsWith(prefix) ? 1 : 0;
        return n;
    }

    Test::Lab lab;
    QString gateway;
    QTemporaryDir journalDir;
    Journal journal;
    Assembly assembly;
    EventLog& events = assembly.events();
    FleetController& controller = assembly.controller();
};

QTEST_GUILESS_MAIN(TestAlertmanager)
#include "tst_alertmanager.moc"
