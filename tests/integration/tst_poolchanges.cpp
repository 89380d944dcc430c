// Pool changes against the lab's real HAProxy: add a server and see traffic reach it, refuse a bad one before
// sending, and remove one safely while a slow request is in flight (the delete waits for it).
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "journal.h"
#include "lab.h"
#include "metricstore.h"
#include "serverspec.h"

using namespace Fleetdeck;

class TestPoolChanges : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(!lab.upstreamPorts.isEmpty());
        QVERIFY(journal.open(dir.filePath(QStringLiteral("journal.sqlite"))).ok());
        controller.setJournal(&journal);
        GatewayConfig c = lab.gateways.first();
        c.pollIntervalMs = 500;
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        gateway = c.name;
        port = lab.haproxy.at(0).adminPort;
    }

    void addServerAndTrafficFollows()
    {
        ServerSpec spec { gateway, QStringLiteral("static"), QStringLiteral("s9"), QStringLiteral("127.0.0.1"),
            lab.upstreamPorts.first(), 1, 0, true };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.addServer(spec);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        // HAProxy itself lists it, health-checked and UP, and it takes a share of the lab's /static/ traffic.
        QTRY_VERIFY_WITH_TIMEOUT(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s9"), QStringLiteral("status"))
                .startsWith(QLatin1String("UP")),
            10000);
        // Its first health check runs within the default 2 s interval (dynamic servers inherit no default-server).
        QTRY_COMPARE_WITH_TIMEOUT(Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s9"),
                                      QStringLiteral("check_status")),
            QStringLiteral("L7OK"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s9"), QStringLiteral("stot"))
                    .toInt()
                > 0,
            10000);
    }

    void badServerIsRefusedBeforeSending()
    {
        ServerSpec spec { gateway, QStringLiteral("static"), QStringLiteral("s10"), QStringLiteral("127.0.0.1"), 0, 1,
            0, true };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.addServer(spec);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("port: 0 is not a port")),
            qPrintable(report.outcomes.first().message));
        const Test::Seen s10
            = Test::haproxyServer(port, QStringLiteral("static"), QStringLiteral("s10"), QStringLiteral("status"));
        QVERIFY2(s10.absent(), qPrintable(s10.describe()));
        // A duplicate name is caught against the pool as it is now.
        spec.name = QStringLiteral("s9");
        spec.port = lab.upstreamPorts.first();
        controller.addServer(spec);
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().outcomes.first().message.contains(
            QLatin1String("already has a server named \"s9\"")));
    }

    void safeRemovalWaitsForTheSlowRequest()
    {
        // Only s9 takes new sessions, so the slow request lands there.
        for (const char* s : { "s1", "s2", "s3" })
            QVERIFY(
                Test::haproxyCommand(port, QByteArray("set server static/") + s + " state drain").trimmed().isEmpty());
        QProcess slow;
        slow.start(QStringLiteral("curl"),
            { QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                QStringLiteral("%{http_code}"), QStringLiteral("--max-time"), QStringLiteral("15"),
                QStringLiteral("-H"), QStringLiteral("X-API-Key: key-load"),
                QStringLiteral("http://127.0.0.1:%1/static/slow").arg(lab.haproxy.at(0).frontendPort) });
        QVERIFY(slow.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s9"), QStringLiteral("scur"))
                    .toInt()
                >= 1,
            3000);

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QSignalSpy progress(&controller, &FleetActions::removalProgress);
        QElapsedTimer clock;
        clock.start();
        controller.removeServer({ gateway, QStringLiteral("static"), QStringLiteral("s9") }, 15000);
        QVERIFY(finished.wait(20000));
        const qint64 tookMs = clock.elapsed();
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        // The slow request was answered in full before the server went: the removal waited for it.
        QVERIFY(slow.state() == QProcess::NotRunning || slow.waitForFinished(100));
        QCOMPARE(slow.readAllStandardOutput(), QByteArray("200"));
        QVERIFY2(tookMs >= 1500, qPrintable(QString::number(tookMs)));
        bool sawSessions = false;
        for (const auto& p : progress)
            sawSessions = sawSessions || p.at(2).toInt() >= 1;
        QVERIFY(sawSessions); // the operator was shown the live count
        const Test::Seen s9
            = Test::haproxyServer(port, QStringLiteral("static"), QStringLiteral("s9"), QStringLiteral("status"));
        QVERIFY2(s9.absent(), qPrintable(s9.describe()));
        for (const char* s : { "s1", "s2", "s3" })
            QVERIFY(
                Test::haproxyCommand(port, QByteArray("set server static/") + s + " state ready").trimmed().isEmpty());
    }

    void cancelledRemovalLeavesTheServer()
    {
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const quint64 id = controller.removeServer({ gateway, QStringLiteral("api"), QStringLiteral("s3") }, 15000);
        controller.cancel(id);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.startsWith(QLatin1String("cancelled before anything was sent")),
            qPrintable(report.outcomes.first().message));
        // As the report says: still there, and still in service (not left drained or in maintenance).
        const Test::Seen s3
            = Test::haproxyServer(port, QStringLiteral("api"), QStringLiteral("s3"), QStringLiteral("status"));
        QVERIFY2(s3.present() && s3.value.startsWith(QLatin1String("UP")), qPrintable(s3.describe()));
        QTest::qWait(600); // and nothing arrives later
        QCOMPARE(Test::haproxyServerField(port, QStringLiteral("api"), QStringLiteral("s3"), QStringLiteral("status"))
                     .left(2),
            QStringLiteral("UP"));
        Test::haproxyCommand(port, "set server api/s3 state ready");
    }

    void journalHasEveryAttempt()
    {
        int attempts = 0, results = 0;
        for (const JournalEntry& e : journal.readAll()) {
            attempts += e.kind == QLatin1String("attempt") ? 1 : 0;
            results += e.kind == QLatin1String("result") ? 1 : 0;
        }
        // add s9 (sent), remove s9 (sent), remove api/s3 (cancelled after its attempt was written); refusals before
        // sending leave a result only.
        QCOMPARE(attempts, 3);
        QCOMPARE(results, 5);
    }

private:
    Test::Lab lab;
    QTemporaryDir dir;
    Journal journal;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
    QString gateway;
    int port = 0;
};

QTEST_GUILESS_MAIN(TestPoolChanges)
#include "tst_poolchanges.moc"
