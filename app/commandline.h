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
    bool readOnly = false;
    QString journalFile; // empty: the default place
    QString storeCredential; // non-empty: store the secret read from stdin under this name, then exit
    QString error; // non-empty: print it and exit with status 2

    // Handles --help and --version itself (prints and exits), like every Qt application.
    static CommandLine parse(const QStringList& arguments);
};

} // namespace Fleetdeck
