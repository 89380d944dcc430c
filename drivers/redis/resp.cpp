#include "resp.h"

#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include "wire/answerlimits.h"

namespace Fleetdeck::Drivers::Redis {

namespace {
constexpr int kStepTimeoutMs = 5000;

QString shown(const QByteArray& bytes)
{
    return QString::fromLatin1(bytes.left(60).toPercentEncoding(" :-+$*_.,/"));
}
} // namespace

QByteArray RespValue::asText() const
{
    switch (type) {
    case Type::Simple:
    case Type::Bulk:
    case Type::Error:
        return text;
    case Type::Integer:
        return QByteArray::number(integer);
    default:
        return {};
    }
}

QByteArray respCommand(const QList<QByteArray>& args)
{
    QByteArray out = '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray& a : args)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

RespReader::Step RespReader::token(qsizetype* pos, RespValue* out, qint64* arrayLength)
{
    *arrayLength = 0;
    if (*pos >= m_buffer.size())
        return Step::More;
    const qsizetype eol = m_buffer.indexOf("\r\n", *pos);
    if (eol < 0) {
        if (m_buffer.size() - *pos > 64 * 1024) {
            m_error = QStringLiteral("a line of Redis's answer runs past 64 KiB without its end");
            return Step::Broken;
        }
        return Step::More;
    }
    const char kind = m_buffer.at(*pos);
    const QByteArrayView line = QByteArrayView(m_buffer).sliced(*pos + 1, eol - *pos - 1);
    qsizetype next = eol + 2;
    auto number = [&](qint64* n) {
        bool ok = false;
        *n = line.toLongLong(&ok);
        if (!ok)
            m_error = QStringLiteral("not a number in Redis's answer: \"%1\"").arg(shown(line.toByteArray()));
        return ok;
    };
    switch (kind) {
    case '+':
        *out = RespValue { RespValue::Type::Simple, line.toByteArray(), 0, {} };
        break;
    case '-':
        *out = RespValue { RespValue::Type::Error, line.toByteArray(), 0, {} };
        break;
    case ':': {
        qint64 n = 0;
        if (!number(&n))
            return Step::Broken;
        *out = RespValue { RespValue::Type::Integer, {}, n, {} };
        break;
    }
    case '$': {
        qint64 n = 0;
        if (!number(&n))
            return Step::Broken;
        if (n < 0) {
            *out = RespValue {};
            break;
        }
        if (n > m_maxBulk) {
            m_error = QStringLiteral("a string of %1 in Redis's answer is larger than the %2 allowed")
                          .arg(Wire::sizeText(n), Wire::sizeText(m_maxBulk));
            return Step::Broken;
        }
        if (m_buffer.size() < next + n + 2)
            return Step::More;
        if (m_buffer.at(next + n) != '\r' || m_buffer.at(next + n + 1) != '\n') {
            m_error = QStringLiteral("a string of %1 bytes in Redis's answer does not end where it said").arg(n);
            return Step::Broken;
        }
        *out = RespValue { RespValue::Type::Bulk, m_buffer.mid(next, n), 0, {} };
        next += n + 2;
        break;
    }
    case '*': {
        qint64 n = 0;
        if (!number(&n))
            return Step::Broken;
        if (n > kMaxArray) {
            m_error = QStringLiteral("an array of %1 items in Redis's answer is more than the %2 allowed")
                          .arg(n)
                          .arg(kMaxArray);
            return Step::Broken;
        }
        if (n < 0)
            *out = RespValue {};
        else
            *out = RespValue { RespValue::Type::Array, {}, 0, {} };
        *arrayLength = qMax<qint64>(0, n);
        break;
    }
    default:
        m_error = QStringLiteral("not a Redis answer (RESP): it starts \"%1\"").arg(shown(m_buffer.mid(*pos, 60)));
        return Step::Broken;
    }
    *pos = next;
    return Step::Read;
}

Result<QList<RespValue>> RespReader::feed(const QByteArray& bytes)
{
    using R = Result<QList<RespValue>>;
    if (!m_error.isEmpty())
        return R::failure(m_error); // a broken stream stays broken
    m_buffer.append(bytes);
    QList<RespValue> out;
    qsizetype pos = 0;
    for (;;) {
        if (m_open.size() > kMaxDepth) {
            m_error = QStringLiteral("Redis answered with values nested deeper than %1").arg(kMaxDepth);
            return R::failure(m_error);
        }
        RespValue value;
        qint64 items = 0;
        const Step step = token(&pos, &value, &items);
        if (step == Step::Broken)
            return R::failure(m_error);
        if (step == Step::More)
            break;
        if (++m_values > kMaxValues) {
            m_error = QStringLiteral("Redis answered with more than %1 values in all; stopped reading").arg(kMaxValues);
            return R::failure(m_error);
        }
        if (items > 0) { // its items follow, in this feed or the next ones
            value.items.reserve(qsizetype(qMin<qint64>(items, 1024)));
            m_open.append({ std::move(value), items });
            continue;
        }
        // A whole value: into the innermost open array, closing each array it completes.
        bool whole = true;
        while (!m_open.isEmpty()) {
            OpenArray& innermost = m_open.last();
            innermost.array.items.append(std::move(value));
            if (--innermost.left > 0) {
                whole = false;
                break;
            }
            value = std::move(innermost.array);
            m_open.removeLast();
        }
        if (whole)
            out.append(std::move(value));
    }
    m_buffer.remove(0, pos);
    return R::success(out);
}

void RespSession::run(const GatewayConfig& config, const QByteArray& secret, const QByteArray& keyPassphrase,
    const QList<QList<QByteArray>>& commands, Callback callback, QObject* context)
{
    auto* session = new RespSession(config, secret, keyPassphrase, commands, std::move(callback), context);
    session->start();
}

RespSession::RespSession(const GatewayConfig& config, const QByteArray& secret, const QByteArray& keyPassphrase,
    const QList<QList<QByteArray>>& commands, Callback callback, QObject* context)
    : QObject(context)
    , m_what(config.name)
    , m_config(config)
    , m_secret(secret)
    , m_commands(commands)
    , m_callback(std::move(callback))
    , m_socket(new QSslSocket(this))
    , m_silence(new QTimer(this))
    , m_deadline(new QTimer(this))
    , m_reader(config.maxAnswerBytes())
    , m_keyPassphrase(keyPassphrase)
{ }

void RespSession::start()
{
    using R = Result<QList<RespValue>>;
    const int stepMs = qMin(kStepTimeoutMs, m_config.deadlineMs);
    m_silence->setSingleShot(true);
    connect(m_silence, &QTimer::timeout, this, [this, stepMs] {
        finish(R::failure(QStringLiteral("%1: Redis timed out: nothing came for %2 s (%3 received)")
                              .arg(m_what)
                              .arg(stepMs / 1000.0, 0, 'g', 3)
                              .arg(Wire::sizeText(m_received))));
    });
    m_deadline->setSingleShot(true);
    connect(m_deadline, &QTimer::timeout, this, [this] {
        finish(R::failure(QStringLiteral("%1: Redis timed out after %2 s with the answers incomplete (%3 received)")
                              .arg(m_what)
                              .arg(m_config.deadlineMs / 1000.0, 0, 'g', 3)
                              .arg(Wire::sizeText(m_received))));
    });
    m_silence->start(stepMs);
    m_deadline->start(m_config.deadlineMs);
    connect(m_socket, &QSslSocket::readyRead, this, [this, stepMs] {
        m_silence->start(stepMs);
        onBytes();
    });
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this] {
        if (m_peer) {
            if (const auto refused = Wire::trustFailure(*m_peer,
                    m_socket->error() == QAbstractSocket::SslHandshakeFailedError, m_socket->errorString(),
                    m_config.tls, QStringLiteral("%1:%2").arg(m_config.admin.host()).arg(m_config.admin.port(6379)))) {
                finish(R::failure(
                    QStringLiteral("%1: %2").arg(m_what, refused->message), refused->kind, refused->presented));
                return;
            }
        }
        finish(R::failure(QStringLiteral("%1: Redis: %2")
                              .arg(m_what, Wire::socketErrorText(m_socket->error(), m_socket->errorString()))));
    });
    auto send = [this] {
        QByteArray out;
        if (!m_secret.isEmpty()) {
            const qsizetype colon = m_secret.indexOf(':');
            QList<QByteArray> auth { "AUTH" };
            if (colon > 0)
                auth << m_secret.left(colon) << m_secret.mid(colon + 1);
            else
                auth << (colon == 0 ? m_secret.mid(1) : m_secret);
            out += respCommand(auth);
            m_authSent = true;
        }
        for (const QList<QByteArray>& c : std::as_const(m_commands))
            out += respCommand(c);
        m_socket->write(out);
    };
    const QString host = m_config.admin.host();
    const quint16 port = quint16(m_config.admin.port(6379));
    if (m_config.admin.scheme() != QLatin1String("rediss")) {
        connect(m_socket, &QSslSocket::connected, this, send);
        m_socket->connectToHost(host, port);
        return;
    }
    // The one trust (wire/trust.h): CA file, client certificate (its key's pass phrase from the keychain), and the
    // pin checked on every handshake, before anything (AUTH included) is sent.
    const Result<QSslConfiguration> ssl = Wire::tlsConfiguration(m_config.tls, m_keyPassphrase);
    if (!ssl) {
        finish(R::failure(QStringLiteral("%1: %2").arg(m_what, ssl.error()), ssl.failureKind()));
        return;
    }
    m_socket->setSslConfiguration(ssl.value());
    m_peer = Wire::watchTrust(m_socket, m_config.tls);
    connect(m_socket, &QSslSocket::encrypted, this, [this, send] {
        // A pin the leaf does not match: the socket was aborted before anything (AUTH included) was sent.
        if (const auto refused = Wire::trustFailure(*m_peer, false, {}, m_config.tls,
                QStringLiteral("%1:%2").arg(m_config.admin.host()).arg(m_config.admin.port(6379)))) {
            finish(
                R::failure(QStringLiteral("%1: %2").arg(m_what, refused->message), refused->kind, refused->presented));
            return;
        }
        send();
    });
    m_socket->connectToHostEncrypted(host, port);
}

void RespSession::onBytes()
{
    using R = Result<QList<RespValue>>;
    QByteArray bytes;
    Wire::readAvailable(m_socket, &bytes, m_config.maxAnswerBytes() - m_received);
    m_received += bytes.size();
    if (m_received > m_config.maxAnswerBytes()) {
        finish(R::failure(QStringLiteral("%1: Redis's answers are larger than the %2 allowed")
                              .arg(m_what, Wire::sizeText(m_config.maxAnswerBytes())),
            Failure::TooLarge));
        return;
    }
    auto values = m_reader.feed(bytes);
    if (!values) {
        finish(R::failure(QStringLiteral("%1: %2").arg(m_what, values.error())));
        return;
    }
    for (const RespValue& v : values.value()) {
        if (m_authSent) {
            m_authSent = false;
            if (v.isError()) {
                finish(R::failure(QStringLiteral("%1: authentication failed: Redis refused the credential: %2")
                                      .arg(m_what, QString::fromUtf8(v.text.left(300))),
                    Failure::Authentication));
                return;
            }
            continue;
        }
        if (v.isError() && v.text.startsWith("NOAUTH")) {
            finish(R::failure(QStringLiteral("%1: Redis asks for a password and none is set for this gateway (add "
                                             "the credential in the gateway's settings): %2")
                                  .arg(m_what, QString::fromUtf8(v.text.left(300))),
                Failure::Authentication));
            return;
        }
        m_answers.append(v);
        if (m_answers.size() == m_commands.size()) {
            finish(R::success(m_answers));
            return;
        }
    }
}

void RespSession::finish(Result<QList<RespValue>> result)
{
    if (m_done)
        return;
    m_done = true;
    m_silence->stop();
    m_deadline->stop();
    m_secret.fill('\0');
    m_socket->disconnect(this);
    m_socket->abort();
    if (m_callback)
        m_callback(std::move(result));
    deleteLater();
}

} // namespace Fleetdeck::Drivers::Redis
