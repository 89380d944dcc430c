// A fleet none of which can be reached (a VPN down): 2,000 gateways whose admin ports refuse, in the whole window.
// Their cost must follow their number, not its square: the event loop is never away more than 100 ms once they
// are added, and after the first minute the UI thread spends under 5 % of a core on them (it was busy for the first
// 45 s at 1,000 gateways, and about 15 % after). Memory stays under 300 MB more. The program ends within a second of
// SIGTERM whenever it comes.
#include <csignal>

#include <sys/resource.h>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "fleetstore.h"
#include "mainwindow.h"
#include "uiwatch.h"

using namespace Fleetdeck;

namespace {
constexpr int kGateways = 2000;

// CPU time of the calling thread (user and system), in ms.
qint64 threadCpuMs()
{
    rusage usage {};
    getrusage(RUSAGE_THREAD, &usage);
    return (qint64(usage.ru_utime.tv_sec) + usage.ru_stime.tv_sec) * 1000
        + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000;
}
} // namespace

class TestUnreachableFleet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoThousandRefusingGatewaysCostLittle()
    {
        QStandardPaths::setTestModeEnabled(true);
        // Ports nothing listens on: each taken from the system, then let go (two gateways may share one).
        QList<GatewayConfig> gateways;
        for (int i = 0; i < kGateways; ++i) {
            QTcpServer server;
            QVERIFY(server.listen(QHostAddress::LocalHost));
            GatewayConfig c;
            c.name = QStringLiteral("edge-%1").arg(i);
            c.product = QStringLiteral("haproxy");
            c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(server.serverPort()));
            gateways.append(c);
        }
        Assembly app;
        MainWindow window(app.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        app.addGateways(gateways);
        QCOMPARE(app.store().gatewayCount(), kGateways);

        Test::Watch watch; // from here: the event loop's longest absence, and the memory added
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(kGateways - 1).status.connection == Connection::Unreachable, 30000);
        QTest::qWait(60000); // the first minute: every gateway fails, and their retries back off
        const qint64 cpuBefore = threadCpuMs();
        QTest::qWait(15000);
        const double share = double(threadCpuMs() - cpuBefore) / 15000.0 * 100.0;
        int unreachable = 0;
        for (int i = 0; i < kGateways; ++i)
            unreachable += app.store().entry(i).status.connection == Connection::Unreachable ? 1 : 0;
        qInfo("%d gateways refusing: longest UI stall %lld ms after adding them, UI thread %.1f %% of a core from 60 "
              "to 75 s, memory +%lld MiB",
            kGateways, watch.worstStallMs(), share, watch.grownMiB());
        QCOMPARE(unreachable, kGateways);
        const auto* summary = window.findChild<QLabel*>(QStringLiteral("gatewaySummary"));
        QVERIFY(summary);
        QVERIFY2(summary->text().startsWith(QStringLiteral("2000 gateways: 0 up, 2000 unreachable")),
            qPrintable(summary->text()));
        QVERIFY2(watch.worstStallMs() < 100, qPrintable(QStringLiteral("stalled %1 ms").arg(watch.worstStallMs())));
        QVERIFY2(share < 5.0, qPrintable(QStringLiteral("%1 %").arg(share)));
        QVERIFY2(watch.grownMiB() < 300, qPrintable(QStringLiteral("+%1 MiB").arg(watch.grownMiB())));
    }

    // The program itself, offscreen, with the same 2,000 refusing gateways: SIGTERM at any moment of its busy start
    // or after it ends it within a second (it once ignored SIGTERM while its UI thread was busy).
    void theProgramEndsWithinASecondOfSigterm()
    {
        QTemporaryDir dir;
        QFile fleet(dir.filePath(QStringLiteral("fleet.json")));
        QVERIFY(fleet.open(QIODevice::WriteOnly));
        QJsonArray gateways;
        for (int i = 0; i < kGateways; ++i) {
            QTcpServer server;
            QVERIFY(server.listen(QHostAddress::LocalHost));
            gateways.append(QJsonObject { { QStringLiteral("name"), QStringLiteral("edge-%1").arg(i) },
                { QStringLiteral("product"), QStringLiteral("haproxy") },
                { QStringLiteral("admin"), QStringLiteral("tcp://127.0.0.1:%1").arg(server.serverPort()) } });
        }
        fleet.write(QJsonDocument(QJsonObject { { QStringLiteral("gateways"), gateways } }).toJson());
        fleet.close();
        for (const int afterMs : { 500, 3000, 8000 }) {
            QProcess fleetdeck;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
            env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
            env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
            fleetdeck.setProcessEnvironment(env);
            fleetdeck.start(QStringLiteral(FLEETDECK_BINARY),
                { QStringLiteral("--fleet"), fleet.fileName(), QStringLiteral("--read-only") });
            QVERIFY(fleetdeck.waitForStarted());
            QTest::qWait(afterMs);
            QCOMPARE(fleetdeck.state(), QProcess::Running);
            QElapsedTimer clock;
            clock.start();
            ::kill(pid_t(fleetdeck.processId()), SIGTERM);
            const bool ended = fleetdeck.waitForFinished(5000);
            const qint64 took = clock.elapsed();
            qInfo("SIGTERM %d ms after the start: ended after %lld ms", afterMs, took);
            if (!ended)
                fleetdeck.kill();
            QVERIFY2(ended && took < 1000, qPrintable(QStringLiteral("%1 ms").arg(took)));
            QCOMPARE(fleetdeck.exitStatus(), QProcess::NormalExit);
        }
    }
};

QTEST_MAIN(TestUnreachableFleet)
#include "tst_unreachablefleet.moc"
