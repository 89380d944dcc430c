// Helper for tst_journalcrash: a Fleetdeck controller with a journal that starts a six-server change set on the
// lab's first HAProxy and is then killed by the test, mid-set.
#include <QCoreApplication>
#include <QFile>
#include <QThread>
#include <QTimer>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "registry.h"
#include "fleetstore.h"
#include "journal.h"
#include "metricstore.h"

using namespace Fleetdeck;

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 3)
        return 2;
    QFile f(QString::fromLocal8Bit(argv[1]));
    if (!f.open(QIODevice::ReadOnly))
        return 2;
    const auto fleet = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    Journal journal;
    if (!fleet || !journal.open(QString::fromLocal8Bit(argv[2])))
        return 2;
    Assembly assembly;
    FleetStore& store = assembly.store();
    FleetController& controller = assembly.controller();
    controller.setJournal(&journal);
    const GatewayConfig gateway = fleet.value().gateways.first();
    controller.addGateway(gateway);
    QTimer wait;
    QObject::connect(&wait, &QTimer::timeout, &app, [&] {
        if (store.gatewayCount() == 0 || !store.entry(0).snapshot)
            return;
        wait.stop();
        QList<ServerRef> set;
        for (const char* backend : { "api", "static" })
            for (const char* server : { "s1", "s2", "s3" })
                set.append({ gateway.name, QLatin1String(backend), QLatin1String(server) });
        controller.setServerState(set, AdminState::Maint);
        // The set's attempts are journaled by now and nothing has been sent yet: stall here, so the test's kill
        // lands mid-set every time, not only when it happens to be quick enough.
        QThread::sleep(5);
    });
    wait.start(50);
    return QCoreApplication::exec(); // runs until killed
}
