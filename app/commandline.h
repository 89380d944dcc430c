#pragma once

#include <QString>
#include <QStringList>

namespace Fleetdeck {

// What the operator asked for on the command line.
struct CommandLine
{
    QString fleetFile;
    QString screenshotFile;
    double screenshotAfterSeconds = 5.0;
    QString page; // "servers" or "overview": the page to open on
    QString select; // "gateway" or "gateway/pool": selected in the fleet tree once it is there
    bool readOnly = false;
    QString palette; // "system" (default), "light" or "dark"
    QString journalFile; // empty: the default place
    QString storeCredential; // non-empty: store the secret read from stdin under this name, then exit
    bool timing = false; // print how long the start took (the window, the first live chart, every gateway)
    bool capabilitiesMarkdown = false; // print what each registered product can do (docs/capabilities.md), then exit
    bool recordingRules = false; // print the Prometheus recording rules of the fleet file's "discover", then exit
    QString error; // non-empty: print it and exit with status 2

    // Handles --help and --version itself (prints and exits), like every Qt application. Needs no application
    // object, so it runs before one is made and nothing here needs a display.
    static CommandLine parse(const QStringList& arguments);
    // Options that print or store something and exit, without a window.
    bool needsWindow() const
    {
        return error.isEmpty() && storeCredential.isEmpty() && !capabilitiesMarkdown && !recordingRules;
    }
};

} // namespace Fleetdeck
