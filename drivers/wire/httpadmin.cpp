#include "httpadmin.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslConfiguration>

#include "answerlimits.h"
#include "trust.h"

namespace Fleetdeck::Wire {

HttpAdmin::HttpAdmin(const GatewayConfig& config, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_network(new QNetworkAccessManager(this))
{ }

HttpAdmin::~HttpAdmin()
{
    for (QByteArray& v : m_headers)
        v.fill('\0');
    m_keyPassphrase.fill('\0');
}

void HttpAdmin::setHeader(const QByteArray& name, const QByteArray& value)
{
    if (value.isEmpty())
        m_headers.remove(name);
    else
        m_headers.insert(name, value);
}

void HttpAdmin::send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& body, Callback callback)
{
    QUrl url = m_config.admin;
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    QString base = url.path();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    url.setPath(base + (q < 0 ? pathAndQuery : pathAndQuery.left(q)), QUrl::TolerantMode);
    url.setQuery(q < 0 ? QString() : pathAndQuery.mid(q + 1), QUrl::TolerantMode);
    QNetworkRequest request(url);
    const bool https = url.scheme() == QLatin1String("https");
    if (https) {
        const Result<QSslConfiguration> ssl = tlsConfiguration(m_config.tls, m_keyPassphrase);
        if (!ssl) {
            callback(Result<HttpAnswer>::failure(
                QStringLiteral("%1: %2").arg(m_config.name, ssl.error()), ssl.failureKind()));
            return;
        }
        request.setSslConfiguration(ssl.value());
    }
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    for (auto it = m_headers.cbegin(); it != m_headers.cend(); ++it)
        request.setRawHeader(it.key(), it.value());
    QNetworkReply* reply
        = method == "GET" ? m_network->get(request) : m_network->sendCustomRequest(request, method, body);
    limitReply(reply, AnswerLimits::of(m_config));
    // The one trust (trust.h): the pin on every handshake, the presented fingerprint on a refusal.
    const std::shared_ptr<PeerSeen> peer = https ? watchTrust(reply, m_config.tls) : nullptr;
    connect(reply, &QNetworkReply::finished, this,
        [reply, callback = std::move(callback), peer, tls = m_config.tls,
            where = QStringLiteral("%1:%2").arg(url.host()).arg(url.port(443)),
            what = QStringLiteral("%1: %2 %3")
                       .arg(m_config.name, QString::fromLatin1(method), url.path(QUrl::FullyDecoded))] {
            reply->deleteLater();
            if (peer) {
                if (const auto refused = trustFailure(*peer, reply->error() == QNetworkReply::SslHandshakeFailedError,
                        reply->errorString(), tls, where)) {
                    callback(Result<HttpAnswer>::failure(
                        QStringLiteral("%1: %2").arg(what, refused->message), refused->kind, refused->presented));
                    return;
                }
            }
            if (replyWasTooLarge(reply)) {
                callback(Result<HttpAnswer>::failure(
                    QStringLiteral("%1: %2").arg(what, replyErrorText(reply)), Failure::TooLarge));
                return;
            }
            HttpAnswer answer;
            answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer.body = replyBody(reply);
            if (replyCutShort(reply)) {
                callback(
                    Result<HttpAnswer>::failure(QStringLiteral("%1: the answer (HTTP %2) was cut short after %3: %4")
                                                    .arg(what)
                                                    .arg(answer.status)
                                                    .arg(sizeText(answer.body.size()), replyErrorText(reply))));
                return;
            }
            if (answer.status == 0) {
                const bool tls = reply->error() == QNetworkReply::SslHandshakeFailedError;
                callback(Result<HttpAnswer>::failure(QStringLiteral("%1: %2").arg(what, replyErrorText(reply)),
                    tls ? Failure::Certificate : Failure::General));
                return;
            }
            for (const auto& [name, value] : reply->rawHeaderPairs())
                answer.headers.insert(name.toLower(), value);
            callback(Result<HttpAnswer>::success(answer));
        });
}

QString httpStatusText(const HttpAnswer& answer)
{
    const QJsonObject o = QJsonDocument::fromJson(answer.body).object();
    QString words = o.value(QLatin1String("message")).toString();
    if (words.isEmpty())
        words = QString::fromUtf8(answer.body.left(200)).simplified();
    return words.isEmpty() ? QStringLiteral("HTTP %1").arg(answer.status)
                           : QStringLiteral("HTTP %1: %2").arg(answer.status).arg(words);
}

PagingBudget::PagingBudget(const GatewayConfig& config, int maxPages)
    : m_maxPages(maxPages)
    , m_maxBytes(config.maxAnswerBytes())
    , m_deadlineMs(config.deadlineMs)
{
    m_clock.start();
}

PagingBudget::Step PagingBudget::after(qint64 pageBytes, const QString& next)
{
    m_bytes += pageBytes;
    ++m_pages;
    if (m_bytes > m_maxBytes)
        return Step::TooLarge;
    if (next.isEmpty())
        return Step::Next;
    if (m_cursors.contains(next))
        return Step::Loop;
    m_cursors.insert(next);
    if (m_pages >= m_maxPages)
        return Step::Cut;
    if (m_clock.elapsed() > m_deadlineMs)
        return Step::TooSlow;
    return Step::Next;
}

QString PagingBudget::why(Step step, const QString& list) const
{
    switch (step) {
    case Step::Loop:
        return QStringLiteral("%1's pages loop: page %2 points back to one already read; stopped reading")
            .arg(list)
            .arg(m_pages);
    case Step::TooLarge:
        return QStringLiteral("%1 is larger than %2 over its %3 pages; stopped reading")
            .arg(list, sizeText(m_maxBytes))
            .arg(m_pages);
    case Step::TooSlow:
        return QStringLiteral("%1 took longer than %2 s over its %3 pages; stopped reading")
            .arg(list)
            .arg(m_deadlineMs / 1000.0, 0, 'g', 3)
            .arg(m_pages);
    case Step::Next:
    case Step::Cut:
        break;
    }
    return {};
}

} // namespace Fleetdeck::Wire
