#include "linecommandclient.h"

#include <QLocalSocket>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include "answerlimits.h"

#include <sys/socket.h>

namespace Fleetdeck::Wire {

LineCommandClient::Options LineCommandClient::Options::of(const GatewayConfig& config)
{
    Options options;
    options.deadlineMs = config.deadlineMs;
    options.connectTimeoutMs = qMin(options.connectTimeoutMs, config.deadlineMs);
    options.readTimeoutMs = qMin(options.readTimeoutMs, config.deadlineMs);
    options.maxReplyBytes = config.maxAnswerBytes();
    return options;
}

void LineCommandClient::run(
    const QUrl& endpoint, const QByteArray& command, const Options& options, Callback callback, QObject* context)
{
    auto* client = new LineCommandClient(endpoint, command, options, std::move(callback), context);
    client->start();
}

LineCommandClient::LineCommandClient(
    const QUrl& endpoint, QByteArray command, Options options, Callback callback, QObject* context)
    : QObject(context)
    , m_endpoint(endpoint)
    , m_command(std::move(command))
    , m_options(options)
    , m_callback(std::move(callback))
{
    if (!m_command.endsWith('\n'))
        m_command.append('\n');
}

void LineCommandClient::start()
{
    // Two clocks: the silence timer restarts with every byte; the deadline does not, so a peer that sends one byte
    // every few seconds cannot hold the poll open for ever.
    auto timedOut = [this](int ms, const char* stillComing) {
        const QString seconds = QString::number(ms / 1000.0, 'g', 3);
        onError(m_connected ? QStringLiteral("timed out%1 (%2 received)")
                                  .arg(QString::fromLatin1(stillComing).arg(seconds), sizeText(m_reply.size()))
                            : where(QStringLiteral("timed out after %1 s").arg(seconds)));
    };
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this, timedOut] {
        timedOut(m_connected ? m_options.readTimeoutMs : m_options.connectTimeoutMs, ": nothing came for %1 s");
    });
    m_timer->start(m_options.connectTimeoutMs);
    m_deadline = new QTimer(this);
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this,
        [this, timedOut] { timedOut(m_options.deadlineMs, " after %1 s with the answer incomplete"); });
    m_deadline->start(m_options.deadlineMs);

    if (m_endpoint.scheme() == QLatin1String("unix")) {
        auto* socket = new QLocalSocket(this);
        m_device = socket;
        connect(socket, &QLocalSocket::connected, this, &LineCommandClient::onConnected);
        connect(socket, &QLocalSocket::readyRead, this, &LineCommandClient::onReadyRead);
        connect(socket, &QLocalSocket::disconnected, this, &LineCommandClient::onClosed);
        connect(socket, &QLocalSocket::errorOccurred, this, [this, socket](QLocalSocket::LocalSocketError error) {
            if (error == QLocalSocket::PeerClosedError)
                onClosed();
            else if (error == QLocalSocket::ConnectionRefusedError)
                onError(where(QStringLiteral("connection refused (nothing listens on the socket)")));
            else if (error == QLocalSocket::ServerNotFoundError)
                onError(where(QStringLiteral("no such socket")));
            else if (error == QLocalSocket::SocketAccessError)
                onError(where(QStringLiteral("permission denied")));
            else
                onError(where(socket->errorString()));
        });
        socket->connectToServer(m_endpoint.path());
    } else if (m_endpoint.scheme() == QLatin1String("tcp")) {
        auto* socket = new QTcpSocket(this);
        m_device = socket;
        connect(socket, &QTcpSocket::connected, this, &LineCommandClient::onConnected);
        connect(socket, &QTcpSocket::readyRead, this, &LineCommandClient::onReadyRead);
        connect(socket, &QTcpSocket::disconnected, this, &LineCommandClient::onClosed);
        connect(socket, &QTcpSocket::errorOccurred, this, [this, socket](QAbstractSocket::SocketError error) {
            if (error == QAbstractSocket::RemoteHostClosedError)
                onClosed();
            else
                onError(where(socketErrorText(error, socket->errorString())));
        });
        socket->connectToHost(m_endpoint.host(), quint16(m_endpoint.port()));
    } else {
        // Report on the next turn of the event loop, so callers see one behaviour for every failure.
        QTimer::singleShot(
            0, this, [this] { onError(QStringLiteral("unsupported address scheme \"%1\"").arg(m_endpoint.scheme())); });
    }
}

void LineCommandClient::onConnected()
{
    m_connected = true;
    if (auto* tcp = qobject_cast<QTcpSocket*>(m_device)) {
        // HAProxy writes a large answer a row at a time; without a low-water mark every row wakes the event
        // loop (about 500 wake-ups per 500-server "show stat"). The peer closes when done, and that wakes us too.
        const int lowWater = 64 * 1024;
        ::setsockopt(int(tcp->socketDescriptor()), SOL_SOCKET, SO_RCVLOWAT, &lowWater, sizeof lowWater);
    }
    m_timer->start(m_options.readTimeoutMs);
    m_device->write(m_command);
}

void LineCommandClient::onReadyRead()
{
    // Read no more than one byte past the limit, so a flood is never held whole.
    readAvailable(m_device, &m_reply, m_options.maxReplyBytes);
    m_timer->start(m_options.readTimeoutMs);
    if (m_reply.size() > m_options.maxReplyBytes)
        onError(QStringLiteral("the answer is larger than %1; stopped reading (the limit follows \"maxServers\" in "
                               "the fleet file)")
                    .arg(sizeText(m_options.maxReplyBytes)),
            Failure::TooLarge);
}

void LineCommandClient::onClosed()
{
    if (m_done)
        return;
    if (!m_connected) {
        onError(QStringLiteral("connection closed before it was established"));
        return;
    }
    readAvailable(m_device, &m_reply, m_options.maxReplyBytes);
    if (m_reply.size() > m_options.maxReplyBytes) {
        onError(QStringLiteral("the answer is larger than %1; stopped reading").arg(sizeText(m_options.maxReplyBytes)),
            Failure::TooLarge);
        return;
    }
    if (m_reply.isEmpty()) {
        // A reset (or a close) before any byte: not an empty answer, no answer at all.
        onError(QStringLiteral("the connection was closed or reset by the peer before any answer"));
        return;
    }
    finish(Result<QByteArray>::success(m_reply));
}

QString LineCommandClient::where(const QString& error) const
{
    // Before the connection is made, say which address could not be reached.
    const QString address = m_endpoint.scheme() == QLatin1String("unix")
        ? m_endpoint.path()
        : QStringLiteral("%1:%2").arg(m_endpoint.host()).arg(m_endpoint.port());
    return m_connected ? error : QStringLiteral("cannot connect to %1: %2").arg(address, error);
}

void LineCommandClient::onError(const QString& text, Failure kind)
{
    finish(Result<QByteArray>::failure(text, kind));
}

void LineCommandClient::finish(Result<QByteArray> result)
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    m_deadline->stop();
    if (m_device) {
        m_device->disconnect(this);
        if (auto* tcp = qobject_cast<QTcpSocket*>(m_device))
            tcp->abort();
        else if (auto* local = qobject_cast<QLocalSocket*>(m_device))
            local->abort();
    }
    auto callback = std::move(m_callback);
    deleteLater();
    callback(std::move(result));
}

} // namespace Fleetdeck::Wire
