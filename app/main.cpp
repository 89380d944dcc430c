// The executable: the command line, then the assembly (app/assembly.h) and the window built from it.
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <utility>

#include <sys/socket.h>
#include <unistd.h>

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEvent>
#include <QFile>
#include <QFileInfo>
#include <QIcon>
#include <QPalette>
#include <QSaveFile>
#include <QStyle>
#include <QSet>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTimer>

#include "assembly.h"
#include "bigfleetservice.h"
#include "fleetcontroller.h"
#include "commandline.h"
#include "credentialstore.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "mainwindow.h"
#include "recentfiles.h"
#include "metricstore.h"
#include "charts/timeserieschart.h"
#include "pages/poolpage.h"
#include "printable.h"
#include "registry.h"
#include "settings.h"

using namespace Fleetdeck;

namespace {
// Text from outside (the command line, the fleet file, a peer) as the terminal shows it: escaped, so an escape sequence
// in a gateway's name cannot drive the terminal, and cut.
QString shown(const QString& text)
{
    return printableLines(text, kMaxMessageLength);
}

// --store-credential: the secret comes on stdin, never in argv (other users can read a process's arguments).
int storeCredential(const QString& name)
{
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
    KeychainCredentialStore credentials;
    int status = 1;
    QTimer::singleShot(0, &credentials, [&] {
        credentials.write(name, QString::fromUtf8(secret), [&status, &name](Result<bool> done) {
            if (done) {
                std::printf("stored credential %s in the keychain\n", qUtf8Printable(name));
                status = 0;
            } else {
                std::fprintf(stderr, "fleetdeck: %s\n", qUtf8Printable(shown(done.error())));
            }
            QCoreApplication::exit(status);
        });
    });
    QCoreApplication::exec();
    return status;
}

// SIGTERM and SIGINT (a logout, `kill`, Ctrl+C in the terminal) quit the way closing the window does, so what is
// kept on quit is kept: the signal handler only writes a byte, which the event loop reads.
int g_signalPipe[2] = { -1, -1 };

void onQuitSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalPipe[0], &byte, 1);
}

void quitOnSignals(QObject* parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return;
    auto* notifier = new QSocketNotifier(g_signalPipe[1], QSocketNotifier::Read, parent);
    QObject::connect(notifier, &QSocketNotifier::activated, parent, [] {
        char byte = 0;
        [[maybe_unused]] const auto got = ::read(g_signalPipe[1], &byte, 1);
        QApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onQuitSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
}

// Calls `then` once, when the watched widget first paints.
class FirstPaint final : public QObject
{
public:
    FirstPaint(QObject* parent, std::function<void()> then)
        : QObject(parent)
        , m_then(std::move(then))
    { }
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && m_then) {
            // After this paint: the frame is on screen once the event loop comes back.
            QTimer::singleShot(0, this, std::exchange(m_then, nullptr));
        }
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_then;
};

// What a run without a window does; -1 when a window is needed.
int runWithoutWindow(int argc, char* argv[], const CommandLine& options)
{
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "fleetdeck: %s\n", qUtf8Printable(shown(options.error)));
        return 2;
    }
    if (options.capabilitiesMarkdown) {
        std::fputs(qUtf8Printable(Drivers::ProductRegistry::builtIn().catalog().capabilitiesMarkdown()), stdout);
        return 0;
    }
    if (!options.storeCredential.isEmpty()) {
        QCoreApplication app(argc, argv);
        return storeCredential(options.storeCredential);
    }
    return -1;
}
// --recording-rules: the rules that keep a discovered fleet's figures recorded in its Prometheus.
int printRecordingRules(const FleetFile& fleet, const ProductCatalog& products, const QString& file)
{
    if (fleet.discovery.isEmpty()) {
        std::fprintf(
            stderr, "fleetdeck: %s: no \"discover\", so there are no fleet figures to record\n", qUtf8Printable(file));
        return 2;
    }
    FleetDiscovery discovery = fleet.discovery;
    if (discovery.record.isEmpty()) {
        std::fprintf(stderr,
            "fleetdeck: %s: \"discover\" names no \"record\" (the recorded series' prefix, e.g. \"record\": "
            "\"fleetdeck_edge\"); add it, load these rules into Prometheus, and Fleetdeck reads the recorded series\n",
            qUtf8Printable(file));
        return 2;
    }
    const ProductInfo* product = products.find(discovery.product);
    const auto spec = BigFleetService::specFor(discovery, product ? product->fleetFigures : QMap<QString, QString> {});
    std::fputs(qUtf8Printable(Wire::fleetRecordingRules(spec, qMax(1, discovery.refreshMs / 1000))), stdout);
    return 0;
}
// --timing: when the window painted its first frame, when a chart first showed live data, and when every gateway
// had answered (or failed) once, on standard error, in ms since main() began.
void reportStartTimes(MainWindow& window, FleetStore& store, const QElapsedTimer& sinceStart)
{
    auto say = [sinceStart](const QString& what) {
        std::fprintf(stderr, "fleetdeck: timing: %s at %lld ms\n", qUtf8Printable(what),
            static_cast<long long>(sinceStart.elapsed()));
    };
    auto* firstFrame = new FirstPaint(&window, [say] { say(QStringLiteral("first frame")); });
    window.installEventFilter(firstFrame);
    // Live: drawn after a gateway answered in this session (a chart of the last session's hour is not).
    auto answered = std::make_shared<bool>(false);
    QObject::connect(&store, &FleetStore::snapshotApplied, &store, [answered] { *answered = true; });
    auto chartShown = std::make_shared<bool>(false);
    for (TimeSeriesChart* chart : window.poolPage()->charts()) {
        QObject::connect(chart, &TimeSeriesChart::painted, chart, [say, answered, chartShown, chart](int points) {
            if (*answered && points > 0 && !std::exchange(*chartShown, true))
                say(QStringLiteral("first live chart (%1)").arg(chart->title()));
        });
    }
    auto allHeard = std::make_shared<bool>(false);
    auto check = [say, &store, allHeard] {
        int answered = 0, failed = 0;
        for (int i = 0; i < store.gatewayCount(); ++i) {
            const FleetStore::Entry& e = store.entry(i);
            answered += e.snapshot ? 1 : 0;
            failed += !e.snapshot && e.status.stale() ? 1 : 0;
        }
        if (store.gatewayCount() > 0 && answered + failed == store.gatewayCount() && !std::exchange(*allHeard, true))
            say(QStringLiteral("every gateway heard from (%1 answered, %2 unreachable)").arg(answered).arg(failed));
    };
    QObject::connect(&store, &FleetStore::snapshotApplied, &store, check);
    QObject::connect(&store, &FleetStore::statusChanged, &store, check);
}
} // namespace

namespace {
// --palette light or dark: Qt's Fusion style with a palette of that kind (state colours follow, StateColours);
// system leaves the platform's style and palette alone.
void applyPalette(const QString& which)
{
    if (which == QLatin1String("system"))
        return;
    QApplication::setStyle(QStringLiteral("Fusion"));
    if (which == QLatin1String("light")) {
        QApplication::setPalette(QApplication::style()->standardPalette());
        return;
    }
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8c, 0x8c));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x7a, 0x7a));
    p.setColor(QPalette::Mid, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Link, QColor(0x8a, 0xb4, 0xff));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xb8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    for (const auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, QColor(0x7a, 0x7a, 0x7a));
    QApplication::setPalette(p);
}
} // namespace

int main(int argc, char* argv[])
{
    QElapsedTimer sinceStart;
    sinceStart.start();
    QCoreApplication::setApplicationName(QStringLiteral("fleetdeck"));
    QCoreApplication::setOrganizationName(QStringLiteral("Fleetdeck"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FLEETDECK_VERSION));
    // The options are read before any application object exists: --help, --version and the printing options need
    // no display.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    const CommandLine options = CommandLine::parse(arguments);
    // --recording-rules prints without a window too, after the fleet file is read.
    if (!options.error.isEmpty() || (!options.needsWindow() && !options.recordingRules))
        return runWithoutWindow(argc, argv, options);

    // The fleet file is read before any application object too: its errors need no display either.
    const ProductCatalog& products = Drivers::ProductRegistry::builtIn().catalog();
    FleetFile fleet;
    const bool fromFile = !options.fleetFile.isEmpty();
    if (fromFile) {
        QFile file(options.fleetFile);
        if (!file.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "fleetdeck: cannot read fleet file %s: %s\n", qUtf8Printable(options.fleetFile),
                qUtf8Printable(file.errorString()));
            return 2;
        }
        // 16 MiB of fleet file is about 100,000 gateways; anything larger is not one, and is not read whole.
        constexpr qint64 kMaxFleetFile = 16 * 1024 * 1024;
        if (file.size() > kMaxFleetFile) {
            std::fprintf(stderr, "fleetdeck: %s is %.1f MiB; a fleet file may have at most 16 MiB\n",
                qUtf8Printable(options.fleetFile), double(file.size()) / (1024 * 1024));
            return 2;
        }
        const auto parsed = parseFleetFile(file.read(kMaxFleetFile), products);
        if (!parsed) {
            std::fprintf(stderr, "fleetdeck: %s: %s\n", qUtf8Printable(shown(options.fleetFile)),
                qUtf8Printable(shown(parsed.error())));
            return 2;
        }
        fleet = parsed.value();
    }
    if (options.recordingRules)
        return printRecordingRules(fleet, products, options.fleetFile);

    QApplication app(argc, argv);
    quitOnSignals(&app);
    QApplication::setApplicationDisplayName(QStringLiteral("Fleetdeck"));
    applyPalette(options.palette);
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/fleetdeck.svg")));
    if (!fromFile)
        fleet.gateways = Settings::loadFleet(products);

    KeychainCredentialStore credentials;
    Assembly::Options parts;
    parts.credentials = &credentials;
    parts.journal = true;
    parts.journalPath = options.journalFile;
    parts.prometheus = fleet.prometheus;
    parts.discovery = fleet.discovery;
    parts.teamJournal.url = fleet.journal;
    parts.teamJournal.keepWhileAway = fleet.journalKeepWhileAway;
    if (options.readOnly)
        parts.readOnlyReason = QStringLiteral("started with --read-only");
    Assembly assembly(parts);
    if (!assembly.journalError().isEmpty())
        std::fprintf(stderr, "fleetdeck: %s; running read-only\n", qUtf8Printable(shown(assembly.journalError())));

    MainWindow window(assembly.context());
    FleetStore& store = assembly.store();
    if (fromFile) {
        // The platform adds the application's name to the title ("lab.json — Fleetdeck"): not written twice.
        window.setWindowTitle(
            QFileInfo(options.fleetFile).fileName() + (options.readOnly ? QStringLiteral(" (read-only)") : QString()));
        if (options.screenshotFile.isEmpty()) // a screenshot run leaves the operator's settings alone
            RecentFiles::add(options.fleetFile);
    } else { // the fleet built in the app is remembered; a fleet file is not copied into the settings
        auto save = [&store] { Settings::saveFleet(store.configs()); };
        QObject::connect(&store, &FleetStore::gatewayAdded, &store, save);
        QObject::connect(&store, &FleetStore::gatewayRemoved, &store, save);
    }
    // The charts' last hour from the previous session, before any gateway is polled (a screenshot run neither reads
    // nor writes it: it shows what it polled).
    const QString recentFile = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
        + QStringLiteral("/recent-history.bin");
    if (options.screenshotFile.isEmpty()) {
        QSet<QString> names;
        for (const GatewayConfig& g : std::as_const(fleet.gateways))
            names.insert(g.name);
        QFile recent(recentFile);
        if (recent.open(QIODevice::ReadOnly)) {
            const auto restored = assembly.metrics().loadRecent(&recent, [&names](const QString& key) {
                return names.contains(key.section(QLatin1Char('#'), 0, 0).section(QLatin1Char('/'), 0, 0));
            });
            if (!restored)
                std::fprintf(stderr, "fleetdeck: the last session's charts (%s) were not read: %s\n",
                    qUtf8Printable(recentFile), qUtf8Printable(restored.error()));
            else if (options.timing)
                std::fprintf(stderr, "fleetdeck: timing: the last hour of %lld series restored at %lld ms\n",
                    static_cast<long long>(restored.value()), static_cast<long long>(sinceStart.elapsed()));
        }
        QObject::connect(&app, &QCoreApplication::aboutToQuit, &app, [&assembly, recentFile] {
            QDir().mkpath(QFileInfo(recentFile).absolutePath());
            QSaveFile out(recentFile);
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (!out.open(QIODevice::WriteOnly) || assembly.metrics().saveRecent(&out, now - 3600 * 1000, now) < 0
                || !out.commit())
                std::fprintf(stderr, "fleetdeck: the charts' last hour was not saved to %s: %s\n",
                    qUtf8Printable(recentFile), qUtf8Printable(out.errorString()));
        });
    }
    assembly.addGateways(fleet.gateways);
    // After the gateways, so the first alerts read are placed on them.
    if (!fleet.alertmanager.isEmpty())
        assembly.controller().setAlertmanager(fleet.alertmanager, fleet.alertLabels);
    if (!options.select.isEmpty()) {
        const QString gateway = options.select.section(QLatin1Char('/'), 0, 0);
        const QString pool = options.select.section(QLatin1Char('/'), 1);
        window.showGateway(gateway);
        if (!pool.isEmpty())
            window.showPool(gateway, pool);
    }
    if (options.page == QLatin1String("overview"))
        window.action(QStringLiteral("view.overview"))->trigger();
    if (options.page == QLatin1String("largefleet") && window.action(QStringLiteral("view.largefleet")))
        window.action(QStringLiteral("view.largefleet"))->trigger();
    if (options.timing)
        reportStartTimes(window, store, sinceStart);
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
