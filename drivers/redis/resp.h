#pragma once

#include <functional>
#include <memory>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include "fleettypes.h"
#include "result.h"
#include "wire/trust.h"

class QSslSocket;
class QTimer;

namespace Fleetdeck::Drivers::Redis {

// One RESP2 value: what Redis answers a command with.
struct RespValue
{
    enum class Type { Simple, Error, Integer, Bulk, Null, Array };
    Type type = Type::Null;
    QByteArray text; // Simple, Error, Bulk
    qint64 integer = 0;
    QList<RespValue> items; // Array

    bool isError() const { return type == Type::Error; }
    // Simple and bulk strings, and integers, as text; empty otherwise.
    QByteArray asText() const;
    friend bool operator==(const RespValue&, const RespValue&) = default;
};

// A command as Redis reads it: an array of bulk strings.
QByteArray respCommand(const QList<QByteArray>& args);

// Cuts RESP2 values out of a byte stream. Pure: bytes in, values out, or what is wrong with the stream. Bounded: a
// bulk string or an array larger than the limits, nesting deeper than kMaxDepth, or more than kMaxValues values in
// all is refused before it is held. Each byte is read once: arrays begun and not yet whole are kept open across feeds
// (it re-read the whole unfinished answer on every read: ten million small values took 899 MB and minutes).
class RespReader
{
public:
    static constexpr int kMaxDepth = 8;
    static constexpr qint64 kMaxArray = 1 << 20;
    // Values held in all, across the answers: far more than any command Fleetdeck sends is answered with (a
    // SLOWLOG GET of 128 entries is about 1,000), and about 100 MB at most.
    static constexpr qint64 kMaxValues = 1 << 20;
    explicit RespReader(qint64 maxBulk = 64LL * 1024 * 1024)
        : m_maxBulk(maxBulk)
    { }
    Result<QList<RespValue>> feed(const QByteArray& bytes);

private:
    enum class Step { Read, More, Broken };
    // Reads one scalar value, or the header of an array (*arrayLength > 0: that many items follow), at *pos.
    Step token(qsizetype* pos, RespValue* out, qint64* arrayLength);

    struct OpenArray
    {
        RespValue array;
        qint64 left = 0; // items still to come
    };
    QByteArray m_buffer;
    QList<OpenArray> m_open; // outermost first
    qint64 m_values = 0;
    qint64 m_maxBulk;
    QString m_error;
};

// One session with Redis: connect (TLS for rediss://), AUTH when a password is set, send the commands pipelined,
// collect one answer per command, close. An error answer is an answer (the caller reads Redis's words); a refused
// AUTH is an authentication failure. Every step has a deadline and the answers a size limit.
class RespSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RespSession)

public:
    using Callback = std::function<void(Result<QList<RespValue>>)>;
    // The secret is "user:password" (an ACL user) or a password alone (the default user); never put in an error.
    // keyPassphrase: the TLS client key's, from the keychain (empty: the key is not encrypted, or there is none).
    static void run(const GatewayConfig& config, const QByteArray& secret, const QByteArray& keyPassphrase,
        const QList<QList<QByteArray>>& commands, Callback callback, QObject* context);

private:
    RespSession(const GatewayConfig& config, const QByteArray& secret, const QByteArray& keyPassphrase,
        const QList<QList<QByteArray>>& commands, Callback callback, QObject* context);
    void start();
    void onBytes();
    void finish(Result<QList<RespValue>> result);

    QString m_what;
    GatewayConfig m_config;
    QByteArray m_secret;
    QList<QList<QByteArray>> m_commands;
    Callback m_callback;
    QSslSocket* m_socket;
    QTimer* m_silence;
    QTimer* m_deadline;
    RespReader m_reader;
    QList<RespValue> m_answers;
    qint64 m_received = 0;
    QByteArray m_keyPassphrase;
    std::shared_ptr<Wire::PeerSeen> m_peer; // what the TLS handshake showed (rediss:// only)
    bool m_authSent = false;
    bool m_done = false;
};

} // namespace Fleetdeck::Drivers::Redis
