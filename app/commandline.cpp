#include "commandline.h"

#include <cstdio>
#include <cstdlib>

#include <QCommandLineParser>
#include <QCoreApplication>

namespace Fleetdeck {

CommandLine CommandLine::parse(const QStringList& arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Fleetdeck: a desktop control panel for API fleets (load balancers, gateways and caches), over each "
        "product's own admin API. --capabilities-markdown lists the products and what each can do."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption fleet(QStringLiteral("fleet"),
        QStringLiteral("Open the gateways listed in the fleet file <file> (JSON)."), QStringLiteral("file"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
        QStringLiteral("Render the main window to the PNG <file> and exit."), QStringLiteral("file"));
    const QCommandLineOption after(QStringLiteral("after"),
        QStringLiteral("With --screenshot: wait <seconds> before rendering (default 5)."), QStringLiteral("seconds"),
        QStringLiteral("5"));
    const QCommandLineOption page(QStringLiteral("page"),
        QStringLiteral("Open on the <page>: servers (default), overview or largefleet (a fleet file that discovers its "
                       "gateways through Prometheus)."),
        QStringLiteral("page"), QStringLiteral("servers"));
    parser.addOption(page);
    const QCommandLineOption select(QStringLiteral("select"),
        QStringLiteral("Open with <gateway> (or <gateway>/<pool>) selected in the fleet tree."),
        QStringLiteral("gateway[/pool]"));
    parser.addOption(select);
    const QCommandLineOption readOnly(
        QStringLiteral("read-only"), QStringLiteral("Watch only: every action is refused before anything is sent."));
    parser.addOption(readOnly);
    const QCommandLineOption palette(QStringLiteral("palette"),
        QStringLiteral("Colours: system (default), light or dark; state colours (up, down, draining) follow."),
        QStringLiteral("palette"), QStringLiteral("system"));
    parser.addOption(palette);
    const QCommandLineOption journal(QStringLiteral("journal"),
        QStringLiteral("Keep the change journal in <file> (SQLite)."), QStringLiteral("file"));
    parser.addOption(journal);
    const QCommandLineOption storeCredential(QStringLiteral("store-credential"),
        QStringLiteral("Read a secret from standard input (e.g. a CLI secret file, exactly as its bytes are) "
                       "and keep it in the OS keychain under <name>, then exit. Fleet files name it as "
                       "\"credential\"."),
        QStringLiteral("name"));
    parser.addOption(storeCredential);
    const QCommandLineOption capabilities(QStringLiteral("capabilities-markdown"),
        QStringLiteral("Print what each product can do at runtime, as Markdown (docs/capabilities.md), and exit."));
    parser.addOption(capabilities);
    const QCommandLineOption recordingRules(QStringLiteral("recording-rules"),
        QStringLiteral("With --fleet: print the Prometheus recording rules (rule-file YAML) that keep the figures of "
                       "the fleet file's \"discover\" as the series its \"record\" names, and exit."));
    parser.addOption(recordingRules);
    const QCommandLineOption timing(QStringLiteral("timing"),
        QStringLiteral("Print to standard error how long the start took: the window's first frame, the first chart "
                       "with live data, and when every gateway had answered once (ms since the program started)."));
    parser.addOption(timing);
    parser.addOption(fleet);
    parser.addOption(screenshot);
    parser.addOption(after);
    // Parsed before any application object exists (so none of this needs a display): help, version and unknown
    // options are handled here rather than by QCommandLineParser::process, which names the program only through
    // the application object.
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "fleetdeck: %s (see --help)\n", qUtf8Printable(parser.errorText()));
        std::exit(2); // a usage error, like every other bad argument
    }
    if (parser.isSet(help)) {
        const QString name = arguments.isEmpty() ? QStringLiteral("fleetdeck") : arguments.first();
        std::fputs(qUtf8Printable(parser.helpText().replace(QLatin1String("<executable_name>"), name)), stdout);
        std::exit(0);
    }
    if (parser.isSet(version)) {
        std::printf("fleetdeck %s\n", qUtf8Printable(QCoreApplication::applicationVersion()));
        std::exit(0);
    }

    CommandLine out;
    out.fleetFile = parser.value(fleet);
    out.screenshotFile = parser.value(screenshot);
    bool ok = false;
    out.screenshotAfterSeconds = parser.value(after).toDouble(&ok);
    // Written so that NaN fails too.
    if (!ok || !(out.screenshotAfterSeconds >= 0 && out.screenshotAfterSeconds <= 3600))
        out.error
            = QStringLiteral("--after: \"%1\" is not a number of seconds between 0 and 3600").arg(parser.value(after));
    out.page = parser.value(page);
    out.select = parser.value(select);
    out.readOnly = parser.isSet(readOnly);
    out.palette = parser.value(palette);
    if (out.palette != QLatin1String("system") && out.palette != QLatin1String("light")
        && out.palette != QLatin1String("dark"))
        out.error = QStringLiteral("--palette: \"%1\" is not system, light or dark").arg(out.palette);
    out.journalFile = parser.value(journal);
    out.storeCredential = parser.value(storeCredential);
    out.capabilitiesMarkdown = parser.isSet(capabilities);
    out.timing = parser.isSet(timing);
    out.recordingRules = parser.isSet(recordingRules);
    if (out.recordingRules && out.fleetFile.isEmpty())
        out.error = QStringLiteral("--recording-rules: which fleet? Give its file with --fleet");
    if (!QStringList { QStringLiteral("servers"), QStringLiteral("overview"), QStringLiteral("largefleet") }.contains(
            out.page))
        out.error = QStringLiteral("--page: \"%1\" is not servers, overview or largefleet").arg(out.page);
    if (!parser.positionalArguments().isEmpty())
        out.error = QStringLiteral("unexpected argument \"%1\" (see --help)").arg(parser.positionalArguments().first());
    return out;
}

} // namespace Fleetdeck
