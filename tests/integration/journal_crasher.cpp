// Helper for tst_journalcrash: a Fleetdeck controller with a journal that starts a six-server change set on the
// lab's two HAProxy (three servers each) and then stalls at a chosen point, for the test to kill it there:
// "attempts": once the six attempts are on disk, before anything is sent; "results": once the first gateway's three
// results are on disk, before the second's.
#include <QCoreApplication>
#include <QFile>
#include <QThread>
#include <QTimer>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "journal.h"
#include "journalmodel.h"
#include "registry.h"

using namespace Fleetdeck;

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc < 4)
        return 2;
    QFile f(QString::fromLocal8Bit(argv[1]));
    if (!f.open(QIODevice::ReadOnly))
        return 2;
    const auto fleet = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    Journal journal;
    if (!fleet || fleet.value().gateways.size() < 2 || !journal.open(QString::fromLocal8Bit(argv[2])))
        return 2;
    const bool afterResults = QByteArray(argv[3]) == "results";
    Assembly assembly;
    FleetStore& store = assembly.store();
    FleetController& controller = assembly.controller();
    controller.setJournal(&journal);
    const QList<GatewayConfig> gateways = fleet.value().gateways.mid(0, 2);
    for (const GatewayConfig& g : gateways)
        controller.addGateway(g);
    // Stall the whole process right after the chosen row is committed, so the kill lands there every time.
    int attempts = 0, results = 0;
    QObject::connect(&journal, &Journal::appended, &app, [&](const JournalEntry& e) {
        (e.kind == QLatin1String("attempt") ? attempts : results) += 1;
        if ((!afterResults && attempts == 6) || (afterResults && results == 3))
            QThread::sleep(30);
    });
    QTimer wait;
    QObject::connect(&wait, &QTimer::timeout, &app, [&] {
        for (int i = 0; i < 2; ++i) {
            if (store.gatewayCount() < 2 || !store.entry(i).snapshot)
                return;
        }
        wait.stop();
        QList<ServerRef> set;
        for (const GatewayConfig& g : gateways)
            for (const char* server : { "s1", "s2", "s3" })
                set.append({ g.name, QStringLiteral("static"), QLatin1String(server) });
        controller.setServerState(set, AdminState::Maint);
    });
    wait.start(50);
    return QCoreApplication::exec(); // runs until killed
}
