#pragma once

#include <functional>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include "result.h"

class QTcpSocket;
class QTimer;

namespace Fleetdeck::Drivers::Varnish {

// One answer of the Varnish CLI: a 13-byte status line ("%-3d %-8d\n"), that many bytes of body, then "\n".
struct CliReply
{
    int status = 0;
    QByteArray body;
    friend bool operator==(const CliReply&, const CliReply&) = default;
};

// Cuts CLI answers out of a byte stream. Pure: bytes in, replies out, or what is wrong with the stream.
class CliFrameReader
{
public:
    static constexpr qint64 kMaxBody = 16 * 1024 * 1024;
    // Appends bytes; returns the replies completed so far, or the first problem (the stream is then unusable).
    Result<QList<CliReply>> feed(const QByteArray& bytes);

private:
    QByteArray m_buffer;
};

// The answer to a 107 challenge: "auth " + SHA-256 hex of challenge, "\n", the secret file's exact bytes,
// challenge, "\n".
QByteArray cliAuthLine(const QByteArray& challenge, const QByteArray& secret);
// What a CLI status means, for errors an operator reads ("101 unknown request", "106 VCL compile error", ...).
QString cliStatusText(int status);

// One CLI session: connect, authenticate if challenged, send each command in turn, collect the answers, close.
// Stops at the first answer that is not 200 (its reply is the last in the list). Every step has a deadline.
class CliSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CliSession)

public:
    using Callback = std::function<void(Result<QList<CliReply>>)>;
    // `what` names the gateway in errors. The secret is never put in an error.
    // deadlineMs bounds the whole session (connect, greeting, every command), whatever the peer does.
    static void run(const QString& what, const QString& host, quint16 port, const QByteArray& secret,
        const QList<QByteArray>& commands, Callback callback, QObject* context, int deadlineMs = 10000);

private:
    CliSession(QString what, QByteArray secret, QList<QByteArray> commands, Callback callback, QObject* context,
        int deadlineMs);
    void onReply(const CliReply& reply);
    void sendNext();
    void finish(Result<QList<CliReply>> result);

    QString m_what;
    QByteArray m_secret;
    QList<QByteArray> m_commands;
    Callback m_callback;
    QTcpSocket* m_socket;
    QTimer* m_timer;
    QTimer* m_deadline;
    qint64 m_received = 0;
    CliFrameReader m_reader;
    QList<CliReply> m_replies;
    int m_next = 0;
    bool m_authenticating = false;
    bool m_greeted = false;
    bool m_done = false;
};

} // namespace Fleetdeck::Drivers::Varnish
