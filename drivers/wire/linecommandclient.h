#pragma once

#include <functional>

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include "fleettypes.h"
#include "result.h"

class QIODevice;
class QTimer;

namespace Fleetdeck::Wire {

// Sends one command line over a fresh TCP or UNIX-socket connection and collects the reply until the peer
// closes it: the shape of HAProxy's runtime API in non-interactive mode. Every step has a deadline.
class LineCommandClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LineCommandClient)

public:
    struct Options
    {
        int connectTimeoutMs = 2000;
        int readTimeoutMs = 5000; // the longest silence while a reply is still coming
        int deadlineMs = 10000; // from the start to the whole reply: a peer that dribbles is cut off here
        qint64 maxReplyBytes = 64LL * 1024 * 1024; // checked as the bytes arrive

        // The gateway's limits (GatewayConfig::deadlineMs and maxAnswerBytes()).
        static Options of(const GatewayConfig& config);
    };
    using Callback = std::function<void(Result<QByteArray>)>;

    // Runs the command and calls back exactly once, on the calling thread, then deletes itself.
    static void run(
        const QUrl& endpoint, const QByteArray& command, const Options& options, Callback callback, QObject* context);

private:
    LineCommandClient(const QUrl& endpoint, QByteArray command, Options options, Callback callback, QObject* context);
    void start();
    void finish(Result<QByteArray> result);
    void onConnected();
    void onReadyRead();
    void onClosed();
    void onError(const QString& text, Failure kind = Failure::General);
    // The error, with the address it concerns while not connected yet.
    QString where(const QString& error) const;

    QUrl m_endpoint;
    QByteArray m_command;
    Options m_options;
    Callback m_callback;
    QIODevice* m_device = nullptr;
    QTimer* m_timer = nullptr;
    QTimer* m_deadline = nullptr;
    QByteArray m_reply;
    bool m_connected = false;
    bool m_done = false;
};

} // namespace Fleetdeck::Wire
