#include "commandchannel.h"

#include <signal.h>
#include <unistd.h>

#include <memory>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

namespace Fleetdeck::Wire {

namespace {

// How long the master connection stays up after its last command: a gateway polled every second keeps it; one
// Fleetdeck stopped watching (or a Fleetdeck that crashed) lets it go.
constexpr int kControlPersistSeconds = 120;

// A private directory for the master connections' sockets (ssh names them %C, a hash of the destination).
QString controlDirectory()
{
    const QString dir = QDir::tempPath() + QStringLiteral("/fleetdeck-ssh-%1").arg(::getuid());
    QDir().mkpath(dir);
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return dir;
}

QString firstLine(const QByteArray& text)
{
    const QStringList lines = QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QStringList kept;
    for (const QString& l : lines)
        if (!l.startsWith(QLatin1String("Warning: Permanently added")))
            kept.append(l.trimmed());
    return kept.isEmpty() ? QString() : kept.join(QLatin1String("; ")).left(400);
}

} // namespace

CommandChannel::CommandChannel(
    const QString& gateway, const QUrl& admin, const QString& sshConfig, qint64 maxBytes, QObject* parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_admin(admin)
    , m_sshConfig(sshConfig)
    , m_maxBytes(maxBytes)
    , m_local(admin.scheme() == QLatin1String("local"))
{
    // One master per destination (%C) and ssh config: the same host reached with other settings (another key,
    // other known hosts) never rides on a connection made with these.
    if (!m_local)
        m_controlPath = controlDirectory()
            + QStringLiteral("/%C-%1").arg(QString::fromLatin1(
                QCryptographicHash::hash(sshConfig.toUtf8(), QCryptographicHash::Sha1).toHex().left(8)));
}

CommandChannel::~CommandChannel()
{
    // Commands still running are abandoned: their callbacks are not called.
    for (QProcess* p : findChildren<QProcess*>()) {
        p->disconnect();
        if (m_local && p->processId() > 0)
            ::kill(-pid_t(p->processId()), SIGKILL); // its process group: everything it started
        p->kill();
        p->waitForFinished(500);
    }
    // The master connection is not closed here: other gateways on the same host (with the same ssh config) share
    // it, and it goes by itself kControlPersistSeconds after its last command.
}

QString CommandChannel::where() const
{
    return m_local ? QStringLiteral("this machine") : QStringLiteral("ssh %1").arg(m_admin.host());
}

QString CommandChannel::shellQuote(const QString& word)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    if (plain.match(word).hasMatch())
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString CommandChannel::remoteCommand(const QStringList& argv)
{
    QStringList words;
    for (const QString& w : argv)
        words.append(shellQuote(w));
    return words.join(QLatin1Char(' '));
}

QString CommandChannel::addressProblem(const QUrl& admin)
{
    if (admin.scheme() == QLatin1String("local"))
        return {};
    if (admin.scheme() != QLatin1String("ssh"))
        return QStringLiteral("\"%1\" is neither ssh://[user@]host[:port] nor local:").arg(admin.toString());
    // ssh reads a destination that starts with '-' as an option: never pass one.
    static const QRegularExpression host(QStringLiteral("^[A-Za-z0-9_.:\\[\\]-]+$"));
    if (admin.host().isEmpty() || admin.host().startsWith(QLatin1Char('-')) || !host.match(admin.host()).hasMatch())
        return QStringLiteral("\"%1\" has no host ssh can be given").arg(admin.toString());
    if (admin.userName().startsWith(QLatin1Char('-')))
        return QStringLiteral("\"%1\": a user name may not start with '-'").arg(admin.toString());
    return {};
}

QStringList CommandChannel::sshArguments(int timeoutMs) const
{
    QStringList args;
    if (!m_sshConfig.isEmpty())
        args << QStringLiteral("-F") << m_sshConfig;
    // BatchMode: never ask for a password or a host key on a terminal nobody looks at.
    args << QStringLiteral("-o") << QStringLiteral("BatchMode=yes");
    args << QStringLiteral("-o") << QStringLiteral("ControlMaster=auto");
    args << QStringLiteral("-o") << QStringLiteral("ControlPath=%1").arg(m_controlPath);
    args << QStringLiteral("-o") << QStringLiteral("ControlPersist=%1").arg(kControlPersistSeconds);
    args << QStringLiteral("-o") << QStringLiteral("ConnectTimeout=%1").arg(qMax(1, timeoutMs / 1000));
    args << QStringLiteral("-o") << QStringLiteral("ServerAliveInterval=5");
    args << QStringLiteral("-T");
    if (m_admin.port() > 0)
        args << QStringLiteral("-p") << QString::number(m_admin.port());
    if (!m_admin.userName().isEmpty())
        args << QStringLiteral("-l") << m_admin.userName();
    args << QStringLiteral("--") << m_admin.host();
    return args;
}

QString CommandChannel::sshFailure(const QByteArray& err) const
{
    const QString said = firstLine(err);
    const QString who = QStringLiteral("%1 (ssh %2)").arg(m_gateway, m_admin.host());
    if (said.contains(QLatin1String("Host key verification failed"))
        || said.contains(QLatin1String("REMOTE HOST IDENTIFICATION HAS CHANGED"))
        || said.contains(QLatin1String("No ED25519 host key is known")) || said.contains(QLatin1String("host key for")))
        return QStringLiteral("%1: the host key is not known or has changed; check it with the machine's owner, then "
                              "add it to known_hosts (ssh said: %2)")
            .arg(who, said);
    if (said.contains(QLatin1String("Permission denied")))
        return QStringLiteral("%1: authentication failed: no key the server accepts (agent, IdentityFile) (ssh said: "
                              "%2)")
            .arg(who, said);
    if (said.isEmpty())
        return QStringLiteral("%1: ssh failed and said nothing").arg(who);
    return QStringLiteral("%1: %2").arg(who, said);
}

void CommandChannel::runScript(const QString& script, const QStringList& args, const QByteArray& input, int timeoutMs,
    Callback callback, const QString& what)
{
    run(QStringList { QStringLiteral("sh"), QStringLiteral("-c"), script, QStringLiteral("sh") } + args, input,
        timeoutMs, std::move(callback), what.isEmpty() ? QStringLiteral("a script") : what);
}

void CommandChannel::run(
    const QStringList& argv, const QByteArray& input, int timeoutMs, Callback callback, const QString& label)
{
    if (argv.isEmpty()) {
        callback(Result<Output>::failure(QStringLiteral("%1: no command to run").arg(m_gateway)));
        return;
    }
    if (!m_local) {
        if (const QString problem = addressProblem(m_admin); !problem.isEmpty()) {
            callback(Result<Output>::failure(QStringLiteral("%1: %2").arg(m_gateway, problem)));
            return;
        }
    }
    auto* process = new QProcess(this);
    auto state = std::make_shared<Output>();
    auto done = std::make_shared<bool>(false);
    auto cb = std::make_shared<Callback>(std::move(callback));
    auto timer = new QTimer(process);
    timer->setSingleShot(true);
    const QString what = m_local ? argv.first() : QStringLiteral("ssh");
    const bool local = m_local;
    auto finish = [process, done, cb, local](Result<Output> result) {
        if (*done)
            return;
        *done = true;
        process->disconnect();
        if (process->state() != QProcess::NotRunning) {
            // Everything the command started goes with it (a script's `nginx -T` too), not only its shell.
            if (local && process->processId() > 0)
                ::kill(-pid_t(process->processId()), SIGKILL);
            process->kill();
            process->waitForFinished(1000);
        }
        process->deleteLater();
        (*cb)(std::move(result));
    };
    auto collect = [this, process, state, finish] {
        state->out += process->readAllStandardOutput();
        state->err += process->readAllStandardError();
        if (state->out.size() + state->err.size() > m_maxBytes)
            finish(Result<Output>::failure(
                QStringLiteral("%1: the command's output passed %2 bytes; cut off").arg(m_gateway).arg(m_maxBytes),
                Failure::TooLarge));
    };
    connect(process, &QProcess::readyReadStandardOutput, this, collect);
    connect(process, &QProcess::readyReadStandardError, this, collect);
    const QString named = label.isEmpty() ? argv.mid(0, 2).join(QLatin1Char(' ')) : label;
    connect(timer, &QTimer::timeout, this, [this, finish, timeoutMs, named] {
        finish(Result<Output>::failure(QStringLiteral("%1: \"%2\" did not finish within %3 ms (on %4)")
                                           .arg(m_gateway, named)
                                           .arg(timeoutMs)
                                           .arg(where())));
    });
    connect(process, &QProcess::errorOccurred, this, [this, finish, what](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish(Result<Output>::failure(
                QStringLiteral("%1: could not start %2 on this machine (is it installed?)").arg(m_gateway, what)));
    });
    connect(process, &QProcess::finished, this,
        [this, process, state, finish, collect](int code, QProcess::ExitStatus status) {
            collect();
            if (status != QProcess::NormalExit) {
                finish(Result<Output>::failure(QStringLiteral("%1: the command crashed").arg(m_gateway)));
                return;
            }
            state->exitCode = code;
            // ssh's own failures (connect, host key, authentication) exit 255.
            if (!m_local && code == 255) {
                finish(Result<Output>::failure(sshFailure(state->err),
                    sshFailure(state->err).contains(QLatin1String("authentication failed"))
                        ? Failure::Authentication
                        : (sshFailure(state->err).contains(QLatin1String("host key")) ? Failure::Certificate
                                                                                      : Failure::General)));
                return;
            }
            finish(Result<Output>::success(*state));
        });
    if (m_local) {
        process->setProgram(argv.first());
        process->setArguments(argv.mid(1));
        // Its own process group, so a timeout ends everything it started.
        process->setChildProcessModifier([] { ::setpgid(0, 0); });
    } else {
        QStringList args = sshArguments(timeoutMs);
        // The remote side ends by itself too: under `timeout` where the host has it (coreutils, BSD), which kills the
        // command's whole group within two seconds of our deadline; nothing is left running there.
        const QString command = remoteCommand(argv);
        const int seconds = timeoutMs / 1000 + 2;
        args.append(QStringLiteral("if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL %1 %2; else exec "
                                   "%2; fi")
                        .arg(seconds)
                        .arg(command));
        process->setProgram(QStringLiteral("ssh"));
        process->setArguments(args);
    }
    timer->start(timeoutMs);
    process->start();
    if (!input.isEmpty())
        process->write(input);
    process->closeWriteChannel();
}

} // namespace Fleetdeck::Wire
