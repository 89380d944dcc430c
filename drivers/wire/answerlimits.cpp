#include "answerlimits.h"

#include <QNetworkReply>
#include <QTimer>

namespace Fleetdeck::Wire {

namespace {
const char* const kCutReason = "fleetdeck_cut_reason";
const char* const kTooLarge = "fleetdeck_too_large";
const char* const kBody = "fleetdeck_body";

// The body as it came, taken out of the reply's bounded buffer.
class CollectedBody final : public QObject
{
public:
    using QObject::QObject;
    QByteArray bytes;
};

void cut(QNetworkReply* reply, const QString& reason, bool tooLarge)
{
    if (reply->property(kCutReason).isValid() || reply->isFinished())
        return;
    reply->setProperty(kCutReason, reason);
    reply->setProperty(kTooLarge, tooLarge);
    reply->abort();
}
} // namespace

AnswerLimits AnswerLimits::of(const GatewayConfig& config)
{
    AnswerLimits limits;
    limits.deadlineMs = config.deadlineMs;
    limits.connectTimeoutMs = qMin(limits.connectTimeoutMs, config.deadlineMs);
    limits.maxBytes = config.maxAnswerBytes();
    return limits;
}

QString sizeText(qint64 bytes)
{
    if (bytes < 1024)
        return QStringLiteral("%1 bytes").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(double(bytes) / 1024, 0, 'f', bytes < 10 * 1024 ? 1 : 0);
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024 * 1024), 0, 'f', bytes < 10 * 1024 * 1024 ? 1 : 0);
}

QString socketErrorText(QAbstractSocket::SocketError error, const QString& qtText)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return QStringLiteral("connection refused (nothing listens there)");
    case QAbstractSocket::RemoteHostClosedError:
        return QStringLiteral("the connection was closed or reset by the peer");
    case QAbstractSocket::HostNotFoundError:
        return QStringLiteral("host not found");
    case QAbstractSocket::SocketAccessError:
        return QStringLiteral("permission denied");
    case QAbstractSocket::SocketTimeoutError:
        return QStringLiteral("timed out");
    case QAbstractSocket::NetworkError:
        return QStringLiteral("network unreachable or down (%1)").arg(qtText);
    default:
        return qtText;
    }
}

void limitReply(QNetworkReply* reply, const AnswerLimits& limits)
{
    const auto holdBack = [reply] { reply->setReadBufferSize(256 * 1024); };
    holdBack();
    // Said once more after the request has started: Qt passes the size on to its HTTP thread only once that thread
    // has the request, and a request with a body (a POST) starts later, from the event loop, so the first word is
    // lost there (measured: an endless answer to Prometheus' POST grew past 2 GB, none of it delivered).
    QMetaObject::invokeMethod(reply, holdBack, Qt::QueuedConnection);
    auto* body = new CollectedBody(reply);
    body->setObjectName(QLatin1String(kBody));
    auto* deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    QObject::connect(deadline, &QTimer::timeout, reply, [reply, body, limits] {
        const qint64 got = body->bytes.size() + reply->bytesAvailable();
        cut(reply,
            got > 0 ? QStringLiteral("timed out after %1 s with the answer incomplete (%2 received)")
                          .arg(limits.deadlineMs / 1000.0, 0, 'g', 3)
                          .arg(sizeText(got))
                    : QStringLiteral("timed out after %1 s with no answer").arg(limits.deadlineMs / 1000.0, 0, 'g', 3),
            false);
    });
    deadline->start(limits.deadlineMs);
    auto tooMuch = [reply, limits](qint64 bytes) {
        if (bytes > limits.maxBytes)
            cut(reply,
                QStringLiteral("the answer is larger than %1; stopped reading (the limit follows \"maxServers\" in "
                               "the fleet file)")
                    .arg(sizeText(limits.maxBytes)),
                true);
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [reply, tooMuch] {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid())
            tooMuch(length.toLongLong());
    });
    // Counted as the bytes arrive: an endless or huge body is cut here, not after it has all been buffered.
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, body, limits, tooMuch] {
        readAvailable(reply, &body->bytes, limits.maxBytes);
        tooMuch(body->bytes.size());
    });
}

void readAvailable(QIODevice* device, QByteArray* into, qint64 maxBytes)
{
    auto wanted = [&] { return qMin(qMax<qint64>(0, maxBytes + 1 - into->size()), device->bytesAvailable()); };
    for (qint64 want = wanted(); want > 0; want = wanted()) {
        const qsizetype old = into->size();
        into->resize(old + qsizetype(want)); // grows geometrically: appending chunk by chunk stays linear
        const qint64 got = device->read(into->data() + old, want);
        into->resize(old + qsizetype(qMax<qint64>(0, got)));
        if (got <= 0)
            break;
    }
}

QByteArray replyBody(QNetworkReply* reply)
{
    QByteArray bytes;
    // Found by name (the class has no meta-object of its own for findChild to tell it by).
    if (auto* body
        = dynamic_cast<CollectedBody*>(reply->findChild<QObject*>(QLatin1String(kBody), Qt::FindDirectChildrenOnly)))
        bytes = std::move(body->bytes);
    return bytes + reply->readAll();
}

bool replyWasTooLarge(const QNetworkReply* reply)
{
    return reply->property(kTooLarge).toBool();
}

bool replyCutShort(const QNetworkReply* reply)
{
    if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() <= 0)
        return false;
    if (reply->property(kCutReason).isValid())
        return true;
    // HTTP error statuses are reported as content and server errors (201..299, 401..499) and, for a 400, as
    // ProtocolInvalidOperationError: answers, the caller's to read. A network error (1..99) or a protocol failure (a
    // broken chunk) after a status line means the body did not end.
    const QNetworkReply::NetworkError error = reply->error();
    return (int(error) > 0 && int(error) < 100) || error == QNetworkReply::ProtocolFailure;
}

QString replyErrorText(const QNetworkReply* reply)
{
    const QVariant reason = reply->property(kCutReason);
    if (reason.isValid())
        return reason.toString();
    switch (reply->error()) {
    case QNetworkReply::NoError:
        return {};
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("connection refused (nothing listens there)");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("the connection was closed or reset by the peer before the whole answer came");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("host not found");
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // what Qt's own transfer timeout reports
        return QStringLiteral("timed out");
    case QNetworkReply::ProtocolFailure:
    case QNetworkReply::ProtocolUnknownError:
        return QStringLiteral("not an HTTP answer (%1)").arg(reply->errorString());
    default:
        return reply->errorString();
    }
}

} // namespace Fleetdeck::Wire
