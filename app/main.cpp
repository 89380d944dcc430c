// Fleetdeck's composition root: parse the command line, build the stores, the controller and the window.
#include <cstdio>

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include "commandline.h"
#include "eventlog.h"
#include "historycache.h"
#include "journal.h"
#include "credentialstore.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "mainwindow.h"
#include "pages/poolpage.h"
#include "metricstore.h"
#include "settings.h"

using namespace Fleetdeck;

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("fleetdeck"));
    QApplication::setOrganizationName(QStringLiteral("Fleetdeck"));
    QApplication::setApplicationDisplayName(QStringLiteral("Fleetdeck"));
    QApplication::setApplicationVersion(QStringLiteral(FLEETDECK_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/fleetdeck.svg")));

    const CommandLine options = CommandLine::parse(QApplication::arguments());
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "fleetdeck: %s\n", qUtf8Printable(options.error));
        return 2;
    }

    KeychainCredentialStore credentials;
    if (!options.storeCredential.isEmpty()) {
        // The secret comes on stdin, never in argv (other users can read a process's arguments).
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fleetdeck: cannot read the secret from standard input\n");
            return 2;
        }
        const QByteArray secret = in.read(64 * 1024);
        if (secret.isEmpty()) {
            std::fprintf(stderr, "fleetdeck: no secret on standard input; nothing stored\n");
            return 2;
        }
        int status = 1;
        QTimer::singleShot(0, &credentials, [&] {
            credentials.write(
                options.storeCredential, QString::fromUtf8(secret), [&status, &options](Result<bool> done) {
                    if (done) {
                        std::printf("stored credential %s in the keychain\n", qUtf8Printable(options.storeCredential));
                        status = 0;
                    } else {
                        std::fprintf(stderr, "fleetdeck: %s\n", qUtf8Printable(done.error()));
                    }
                    QCoreApplication::exit(status);
                });
        });
        QApplication::exec();
        return status;
    }

    QList<GatewayConfig> gateways;
    QUrl prometheus;
    const bool fromFile = !options.fleetFile.isEmpty();
    if (fromFile) {
        QFile file(options.fleetFile);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fleetdeck: cannot read fleet file %s: %s\n", qUtf8Printable(options.fleetFile),
                qUtf8Printable(file.errorString()));
            return 2;
        }
        const auto fleet = parseFleetFile(file.read(16 * 1024 * 1024));
        if (!fleet) {
            std::fprintf(
                stderr, "fleetdeck: %s: %s\n", qUtf8Printable(options.fleetFile), qUtf8Printable(fleet.error()));
            return 2;
        }
        gateways = fleet.value().gateways;
        prometheus = fleet.value().prometheus;
    } else {
        gateways = Settings::loadFleet();
    }

    FleetStore store;
    MetricStore metrics;
    EventLog events;
    FleetController controller(&store, &metrics);
    controller.setEventLog(&events);
    controller.setCredentialStore(&credentials);
    if (options.readOnly)
        controller.setReadOnly(QStringLiteral("started with --read-only"));
    // The journal comes first: without it no change may be made, since none could be recorded.
    Journal journal;
    JournalModel journalModel;
    const QString journalPath = options.journalFile.isEmpty() ? Journal::defaultPath() : options.journalFile;
    if (const auto opened = journal.open(journalPath); opened) {
        journalModel.setEntries(journal.readAll());
        QObject::connect(&journal, &Journal::appended, &journalModel, &JournalModel::append);
        controller.setJournal(&journal);
    } else {
        std::fprintf(stderr, "fleetdeck: %s; running read-only\n", qUtf8Printable(opened.error()));
        controller.setReadOnly(opened.error());
    }
    MainWindow window(&store, &metrics, &events, &controller);
    window.setJournal(&journalModel);
    HistoryCache history;
    if (!prometheus.isEmpty()) {
        controller.setPrometheus(prometheus, &history);
        window.setHistory(&history);
    }
    if (fromFile)
        window.setWindowTitle(QStringLiteral("Fleetdeck — %1").arg(QFileInfo(options.fleetFile).fileName()));
    else // the fleet built in the app is remembered; a fleet file is not copied into the settings
        QObject::connect(&store, &FleetStore::gatewayAdded, &store, [&store] { Settings::saveFleet(store.configs()); });
    if (!fromFile)
        QObject::connect(
            &store, &FleetStore::gatewayRemoved, &store, [&store] { Settings::saveFleet(store.configs()); });
    for (const GatewayConfig& c : gateways)
        controller.addGateway(c);
    if (options.page == QLatin1String("overview"))
        window.action(QStringLiteral("view.overview"))->trigger();
    window.show();

    if (!options.screenshotFile.isEmpty()) {
        window.setLayoutSaved(false);
        QTimer::singleShot(int(options.screenshotAfterSeconds * 1000), &window, [&window, &options] {
            window.poolPage()->refreshCharts();
            const QString path = QFileInfo(options.screenshotFile).absoluteFilePath();
            QDir().mkpath(QFileInfo(path).absolutePath());
            if (!window.grab().save(path, "PNG")) {
                std::fprintf(stderr, "fleetdeck: cannot write screenshot %s\n", qUtf8Printable(path));
                QApplication::exit(1);
                return;
            }
            std::printf("%s\n", qUtf8Printable(path));
            std::fflush(stdout);
            QApplication::quit();
        });
    }
    return QApplication::exec();
}
