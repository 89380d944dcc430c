#include "varnishcli.h"

#include <QCryptographicHash>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include "wire/answerlimits.h"

namespace Fleetdeck::Drivers::Varnish {

namespace {
constexpr int kStatusLine = 13;
constexpr int kStepTimeoutMs = 5000;
} // namespace

Result<QList<CliReply>> CliFrameReader::feed(const QByteArray& bytes)
{
    using R = Result<QList<CliReply>>;
    m_buffer.append(bytes);
    QList<CliReply> out;
    while (m_buffer.size() >= kStatusLine) {
        const QByteArray head = m_buffer.left(kStatusLine);
        // "%-3d %-8d\n": three digits, a space, the length left-aligned in eight columns, a newline.
        if (head.at(3) != ' ' || head.at(12) != '\n')
            return R::failure(QStringLiteral("not a Varnish CLI status line: \"%1\"")
                                  .arg(QString::fromLatin1(head.toPercentEncoding(" "))));
        bool okStatus = false;
        bool okLength = false;
        const int status = head.left(3).toInt(&okStatus);
        const qint64 length = head.mid(4, 8).trimmed().toLongLong(&okLength);
        if (!okStatus || !okLength || status < 100 || status > 999 || length < 0)
            return R::failure(QStringLiteral("not a Varnish CLI status line: \"%1\"")
                                  .arg(QString::fromLatin1(head.toPercentEncoding(" "))));
        if (length > kMaxBody)
            return R::failure(QStringLiteral("a CLI answer of %1 bytes is larger than the %2 MiB allowed")
                                  .arg(length)
                                  .arg(kMaxBody >> 20));
        if (m_buffer.size() < kStatusLine + length + 1)
            break; // the rest is still coming
        if (m_buffer.at(kStatusLine + length) != '\n')
            return R::failure(QStringLiteral("a CLI answer of %1 bytes does not end with a newline").arg(length));
        out.append({ status, m_buffer.mid(kStatusLine, length) });
        m_buffer.remove(0, kStatusLine + length + 1);
    }
    return R::success(out);
}

QByteArray cliAuthLine(const QByteArray& challenge, const QByteArray& secret)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArray(challenge + '\n'));
    hash.addData(secret);
    hash.addData(QByteArray(challenge + '\n'));
    return "auth " + hash.result().toHex() + '\n';
}

QString cliStatusText(int status)
{
    switch (status) {
    case 100:
        return QStringLiteral("syntax error");
    case 101:
        return QStringLiteral("unknown request");
    case 102:
        return QStringLiteral("not implemented");
    case 104:
        return QStringLiteral("too few parameters");
    case 105:
        return QStringLiteral("too many parameters");
    case 106:
        return QStringLiteral("parameter error (for VCL: the compiler refused it)");
    case 107:
        return QStringLiteral("authentication required");
    case 200:
        return QStringLiteral("OK");
    case 201:
        return QStringLiteral("truncated");
    case 300:
        return QStringLiteral("cannot: the child is not running or refused");
    case 400:
        return QStringLiteral("communication error");
    case 500:
        return QStringLiteral("closing");
    default:
        return QStringLiteral("status %1").arg(status);
    }
}

void CliSession::run(const QString& what, const QString& host, quint16 port, const QByteArray& secret,
    const QList<QByteArray>& commands, Callback callback, QObject* context, int deadlineMs)
{
    auto* session = new CliSession(what, secret, commands, std::move(callback), context, deadlineMs);
    session->m_socket->connectToHost(host, port);
}

CliSession::CliSession(
    QString what, QByteArray secret, QList<QByteArray> commands, Callback callback, QObject* context, int deadlineMs)
    : QObject(context)
    , m_what(std::move(what))
    , m_secret(std::move(secret))
    , m_commands(std::move(commands))
    , m_callback(std::move(callback))
    , m_socket(new QTcpSocket(this))
    , m_timer(new QTimer(this))
    , m_deadline(new QTimer(this))
{
    const int stepMs = qMin(kStepTimeoutMs, deadlineMs);
    m_timer->setSingleShot(true);
    m_timer->start(stepMs);
    connect(m_timer, &QTimer::timeout, this, [this, stepMs] {
        finish(Result<QList<CliReply>>::failure(
            QStringLiteral("%1: the Varnish CLI timed out: nothing came for %2 s (%3 received)")
                .arg(m_what)
                .arg(stepMs / 1000.0, 0, 'g', 3)
                .arg(Wire::sizeText(m_received))));
    });
    // The silence timeout restarts with every byte; a peer that dribbles is cut off at the session's deadline.
    m_deadline->setSingleShot(true);
    m_deadline->start(deadlineMs);
    connect(m_deadline, &QTimer::timeout, this, [this, deadlineMs] {
        finish(Result<QList<CliReply>>::failure(
            QStringLiteral("%1: the Varnish CLI timed out after %2 s with the answers incomplete (%3 received)")
                .arg(m_what)
                .arg(deadlineMs / 1000.0, 0, 'g', 3)
                .arg(Wire::sizeText(m_received))));
    });
    connect(m_socket, &QTcpSocket::readyRead, this, [this, stepMs] {
        m_timer->start(stepMs);
        const QByteArray bytes = m_socket->readAll();
        m_received += bytes.size();
        auto replies = m_reader.feed(bytes);
        if (!replies) {
            finish(Result<QList<CliReply>>::failure(QStringLiteral("%1: %2").arg(m_what, replies.error())));
            return;
        }
        for (const CliReply& r : replies.value()) {
            if (m_done)
                return;
            onReply(r);
        }
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_authenticating) {
            finish(Result<QList<CliReply>>::failure(
                QStringLiteral("%1: authentication failed: the Varnish CLI closed the connection after the secret was "
                               "sent; check the gateway's credential against varnishd's -S file")
                    .arg(m_what),
                Failure::Authentication));
            return;
        }
        finish(Result<QList<CliReply>>::failure(
            QStringLiteral("%1: the Varnish CLI: %2")
                .arg(m_what, Wire::socketErrorText(m_socket->error(), m_socket->errorString()))));
    });
}

void CliSession::onReply(const CliReply& reply)
{
    using R = Result<QList<CliReply>>;
    if (!m_greeted) {
        m_greeted = true;
        if (reply.status == 107) {
            if (m_secret.isEmpty()) {
                finish(R::failure(QStringLiteral("%1: the Varnish CLI asks for its secret, and none is set for this "
                                                 "gateway (add the credential in the gateway's settings)")
                                      .arg(m_what),
                    Failure::Authentication));
                return;
            }
            m_authenticating = true;
            m_socket->write(cliAuthLine(reply.body.left(32), m_secret));
            return;
        }
        if (reply.status != 200) {
            finish(R::failure(QStringLiteral("%1: the Varnish CLI greeted with %2 (%3)")
                                  .arg(m_what)
                                  .arg(reply.status)
                                  .arg(cliStatusText(reply.status))));
            return;
        }
        sendNext();
        return;
    }
    if (m_authenticating) {
        m_authenticating = false;
        if (reply.status != 200) {
            finish(R::failure(QStringLiteral("%1: authentication failed: the Varnish CLI refused the secret (status "
                                             "%2); check the gateway's credential against varnishd's -S file")
                                  .arg(m_what)
                                  .arg(reply.status),
                Failure::Authentication));
            return;
        }
        sendNext();
        return;
    }
    m_replies.append(reply);
    if (reply.status != 200) {
        finish(R::success(m_replies)); // the caller reads the failed command's status and text
        return;
    }
    sendNext();
}

void CliSession::sendNext()
{
    if (m_next >= m_commands.size()) {
        finish(Result<QList<CliReply>>::success(m_replies));
        return;
    }
    const QByteArray command = m_commands.at(m_next++);
    m_socket->write(command.endsWith('\n') ? command : command + '\n');
}

void CliSession::finish(Result<QList<CliReply>> result)
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    m_deadline->stop();
    m_socket->abort();
    // Wipe the secret from this object's memory before it goes.
    m_secret.fill('\0');
    auto callback = std::move(m_callback);
    deleteLater();
    callback(std::move(result));
}

} // namespace Fleetdeck::Drivers::Varnish
