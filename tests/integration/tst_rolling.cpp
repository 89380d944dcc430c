// Rolling and fleet-wide changes on the lab's real HAProxy fleet: batches with a health gate that really stops
// when an upstream goes down, abort leaving an exact state, and a half-failed set rolled back.
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"

using namespace Fleetdeck;

class TestRolling : public QObject
{
    Q_OBJECT

    QString status(int gateway, const char* backend, const char* server)
    {
        return Test::haproxyServerField(
            lab.haproxy.at(gateway).adminPort, QLatin1String(backend), QLatin1String(server), QStringLiteral("status"));
    }
    ActionReport waitReport(QSignalSpy& finished, quint64 id)
    {
        for (int tries = 0; tries < 200; ++tries) {
            for (const auto& args : std::as_const(finished)) {
                const auto r = args.at(0).value<ActionReport>();
                if (r.id == id)
                    return r;
            }
            finished.wait(100);
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        for (GatewayConfig c : lab.gateways) {
            c.pollIntervalMs = 500;
            controller.addGateway(c);
        }
        for (int i = 0; i < store.gatewayCount(); ++i)
            QTRY_VERIFY_WITH_TIMEOUT(store.entry(i).snapshot.has_value(), 10000);
        for (const auto& h : lab.haproxy)
            names.append(h.name);
    }

    void rollingDrainInBatches()
    {
        const QList<ServerRef> targets { { names[0], QStringLiteral("api"), QStringLiteral("s1") },
            { names[0], QStringLiteral("api"), QStringLiteral("s2") },
            { names[1], QStringLiteral("api"), QStringLiteral("s1") },
            { names[1], QStringLiteral("api"), QStringLiteral("s2") } };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QSignalSpy progress(&controller, &FleetActions::rollingProgress);
        const quint64 id = controller.rollingState(targets, AdminState::Drain, 2, 0.5, 200);
        const ActionReport report = waitReport(finished, id);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QCOMPARE(report.outcomes.size(), 4);
        for (int g = 0; g < 2; ++g) {
            QVERIFY(status(g, "api", "s1").startsWith(QLatin1String("DRAIN")));
            QVERIFY(status(g, "api", "s2").startsWith(QLatin1String("DRAIN")));
        }
        QVERIFY(progress.size() >= 3);
        QCOMPARE(progress.last().at(3).toString(), QStringLiteral("done"));
        const quint64 back = controller.setServerState(targets, AdminState::Ready);
        QVERIFY(waitReport(finished, back).ok());
    }

    void healthGateStopsTheRoll()
    {
        // static/s3's upstream (index 5: backend 1, server 2) fails its checks: HAProxy marks it DOWN on both.
        QVERIFY(lab.setUpstreamHealthy(5, false));
        QTRY_VERIFY_WITH_TIMEOUT(status(0, "static", "s3").startsWith(QLatin1String("DOWN")), 10000);
        const QList<ServerRef> targets { { names[0], QStringLiteral("api"), QStringLiteral("s1") },
            { names[1], QStringLiteral("api"), QStringLiteral("s1") } };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const quint64 id = controller.rollingState(targets, AdminState::Drain, 1, 0.5, 100);
        const ActionReport report = waitReport(finished, id);
        QVERIFY(lab.setUpstreamHealthy(5, true));
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.at(0).ok);
        QVERIFY2(report.outcomes.at(1).message.contains(QLatin1String("stopped at the health gate"))
                && report.outcomes.at(1).message.contains(QLatin1String("static/s3")),
            qPrintable(report.outcomes.at(1).message));
        // The second gateway was never touched.
        QVERIFY(status(1, "api", "s1").startsWith(QLatin1String("UP")));
        QVERIFY(status(0, "api", "s1").startsWith(QLatin1String("DRAIN")));
        const quint64 back = controller.setServerState({ targets.first() }, AdminState::Ready);
        QVERIFY(waitReport(finished, back).ok());
        QTRY_VERIFY_WITH_TIMEOUT(status(0, "static", "s3").startsWith(QLatin1String("UP")), 15000);
    }

    void abortLeavesAnExactState()
    {
        const QList<ServerRef> targets { { names[0], QStringLiteral("static"), QStringLiteral("s1") },
            { names[0], QStringLiteral("static"), QStringLiteral("s2") },
            { names[1], QStringLiteral("static"), QStringLiteral("s1") },
            { names[1], QStringLiteral("static"), QStringLiteral("s2") } };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QSignalSpy progress(&controller, &FleetActions::rollingProgress);
        const quint64 id = controller.rollingState(targets, AdminState::Maint, 1, 0.5, 300);
        QTRY_VERIFY_WITH_TIMEOUT(progress.size() >= 2, 5000); // the first batch is under way
        controller.cancel(id);
        const ActionReport report = waitReport(finished, id);
        QVERIFY(!report.ok());
        // Exactly the servers the report says took are in maintenance; the others are as they were.
        for (int i = 0; i < targets.size(); ++i) {
            const int g = targets.at(i).gateway == names[0] ? 0 : 1;
            const bool maint = Test::haproxyServerField(
                lab.haproxy.at(g).adminPort, targets.at(i).backend, targets.at(i).server, QStringLiteral("status"))
                                   .startsWith(QLatin1String("MAINT"));
            QCOMPARE(maint, report.outcomes.at(i).ok);
        }
        QVERIFY(report.outcomes.last().message.contains(QLatin1String("aborted")));
        const quint64 back = controller.setServerState(targets, AdminState::Ready);
        QVERIFY(waitReport(finished, back).ok());
    }

    void halfFailedSetIsRolledBack()
    {
        const QList<ServerRef> targets { { names[0], QStringLiteral("api"), QStringLiteral("s2") },
            { names[0], QStringLiteral("api"), QStringLiteral("ghost") } };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const ActionReport report = waitReport(finished, controller.setServerState(targets, AdminState::Maint));
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.at(0).ok);
        QVERIFY(status(0, "api", "s2").startsWith(QLatin1String("MAINT")));
        const QList<Change> back = report.undoChanges();
        QCOMPARE(back.size(), 1);
        QVERIFY(back.first().as<ServerStateChange>());
        QCOMPARE(back.first().as<ServerStateChange>()->state, AdminState::Ready);
        QVERIFY(waitReport(finished, controller.apply(back, QStringLiteral("rollback"))).ok());
        QTRY_VERIFY_WITH_TIMEOUT(!status(0, "api", "s2").startsWith(QLatin1String("MAINT")), 5000);
    }

private:
    Test::Lab lab;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
    QStringList names;
};

QTEST_GUILESS_MAIN(TestRolling)
#include "tst_rolling.moc"
