// The Caddy driver against the lab's real Caddy 2.6: its pool and upstreams, through the
// controller like any gateway; and a change refused with the reason.
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"

using namespace Fleetdeck;

class TestCaddyDriver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void poolsFromTheRealCaddy()
    {
        const Test::Lab lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(!lab.caddyAdminPorts.isEmpty());
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        GatewayConfig c;
        c.name = QStringLiteral("caddy-1");
        c.product = QStringLiteral("caddy");
        c.admin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(lab.caddyAdminPorts.first()));
        c.pollIntervalMs = 500;
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        QCOMPARE(store.entry(0).status.connection, Connection::Up);
        const BackendSnapshot* api = store.entry(0).snapshot->backend(QStringLiteral("api"));
        QVERIFY(api);
        QCOMPARE(api->servers.size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(api->servers.at(i).address, QStringLiteral("127.0.0.1:%1").arg(lab.upstreamPorts.at(i)));
        QVERIFY(!store.entry(0).capabilities.can(Feature::Drain));

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.setServerState({ { c.name, QStringLiteral("api"), api->servers.first().name } }, AdminState::Drain);
        QVERIFY(finished.wait(5000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        // Refused before anything is sent, with the product's own reason.
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("has no drain at runtime"))
                && report.outcomes.first().message.contains(QLatin1String("remove the upstream instead")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(!report.outcomes.first().sent);
    }
};

QTEST_GUILESS_MAIN(TestCaddyDriver)
#include "tst_caddydriver.moc"
