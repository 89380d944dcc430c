#pragma once

#include <functional>

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "result.h"

namespace Fleetdeck::Wire {

// Runs commands on a gateway's machine, agentlessly: over the system's OpenSSH client (the operator's ssh config,
// agent and known_hosts, or the config file the fleet names; one ControlMaster connection per gateway, so a command
// costs a round trip, not a handshake), or on this machine (`local:`). Every argument is quoted for the remote
// shell on its own; a script is a constant and takes its data as positional parameters, so nothing the gateway,
// the fleet file or the operator wrote is ever read by a shell as code.
class CommandChannel final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CommandChannel)

public:
    struct Output
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    using Callback = std::function<void(Result<Output>)>;

    // admin: ssh://[user@]host[:port] or local:. sshConfig: a file for `ssh -F` (empty: the operator's own).
    CommandChannel(const QString& gateway, const QUrl& admin, const QString& sshConfig, qint64 maxBytes,
        QObject* parent = nullptr);
    ~CommandChannel() override; // abandons running commands; the master connection closes itself when idle

    // Runs argv (the program first). A success carries the command's exit code and both outputs; a failure is
    // the channel's own (ssh could not connect, authenticate or trust the host; timed out; too much output): then
    // whether the command ran at all is unknown, and the message names the gateway and `what` (default: argv's
    // first words). A command that times out ends with everything it started: on this machine its process group is
    // killed; over ssh it runs under the remote `timeout`, which kills its group within two seconds of the deadline.
    void run(
        const QStringList& argv, const QByteArray& input, int timeoutMs, Callback callback, const QString& what = {});
    // `sh -c SCRIPT sh ARGS...`; `what` says what the script does, for messages ("nginx -T and the logs").
    void runScript(const QString& script, const QStringList& args, const QByteArray& input, int timeoutMs,
        Callback callback, const QString& what = {});

    bool isLocal() const { return m_local; }
    // Where commands run, in words: "ssh lab-nginx" or "this machine".
    QString where() const;

    // A word as a POSIX shell reads it back unchanged.
    static QString shellQuote(const QString& word);
    // The command line ssh sends for argv (each word quoted).
    static QString remoteCommand(const QStringList& argv);
    // Why an address is not one this channel takes (empty: it is).
    static QString addressProblem(const QUrl& admin);

private:
    QStringList sshArguments(int timeoutMs) const;
    QString sshFailure(const QByteArray& err) const;

    QString m_gateway;
    QUrl m_admin;
    QString m_sshConfig;
    qint64 m_maxBytes;
    bool m_local;
    QString m_controlPath;
};

} // namespace Fleetdeck::Wire
