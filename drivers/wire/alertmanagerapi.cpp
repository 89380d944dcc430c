#include "alertmanagerapi.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "answerlimits.h"
#include "offthread.h"
#include "printable.h"

namespace Fleetdeck::Wire {

namespace {
// A fleet's alerts are a few kilobytes each; 16 MiB is thousands of them, and the most one read may cost.
constexpr qint64 kMaxAnswerBytes = 16LL * 1024 * 1024;
} // namespace

AlertmanagerClient::AlertmanagerClient(const QUrl& base, QObject* parent)
    : QObject(parent)
    , m_base(base)
    , m_network(new QNetworkAccessManager(this))
{ }

void AlertmanagerClient::request(
    const QByteArray& method, const QString& path, const QByteArray& body, std::function<void(Result<QByteArray>)> done)
{
    QUrl url = m_base;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + path);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = m_network->sendCustomRequest(request, method, body);
    AnswerLimits limits;
    limits.deadlineMs = m_timeoutMs;
    limits.connectTimeoutMs = qMin(3000, m_timeoutMs);
    limits.maxBytes = kMaxAnswerBytes;
    limitReply(reply, limits);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done), base = m_base] {
        reply->deleteLater();
        const QByteArray answer = replyBody(reply);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && status < 400) {
            done(Result<QByteArray>::failure(
                QStringLiteral("Alertmanager %1: %2").arg(base.toString(), replyErrorText(reply))));
            return;
        }
        if (status < 200 || status > 299) {
            // Alertmanager explains itself in JSON ({"code": 602, "message": "..."}) or in plain text.
            QString words = QJsonDocument::fromJson(answer).object().value(QLatin1String("message")).toString();
            if (words.isEmpty())
                words = QString::fromUtf8(answer.trimmed());
            done(Result<QByteArray>::failure(QStringLiteral("Alertmanager %1: HTTP %2: %3")
                                                 .arg(base.toString())
                                                 .arg(status)
                                                 .arg(printable(words, kMaxMessageLength))));
            return;
        }
        done(Result<QByteArray>::success(answer));
    });
}

void AlertmanagerClient::alerts(
    const QList<GatewayConfig>& gateways, const AlertLabels& labels, std::function<void(Result<AlertRead>)> done)
{
    request("GET", QStringLiteral("/api/v2/alerts"), {},
        [this, gateways, labels, done = std::move(done), base = m_base](Result<QByteArray> answer) mutable {
            if (!answer) {
                done(Result<AlertRead>::failure(answer.error()));
                return;
            }
            // Up to 16 MiB of JSON and tens of thousands of alerts: parsed, placed and cut on a pool thread, and
            // handed back here.
            offThread<Result<AlertRead>>(
                this,
                [json = std::move(answer).value(), gateways, labels, base]() {
                    auto read = readAlerts(json, gateways, labels);
                    return read ? read
                                : Result<AlertRead>::failure(
                                    QStringLiteral("Alertmanager %1: %2").arg(base.toString(), read.error()));
                },
                std::move(done));
        });
}

void AlertmanagerClient::createSilence(const QByteArray& body, std::function<void(Result<QString>)> done)
{
    request("POST", QStringLiteral("/api/v2/silences"), body, [done = std::move(done)](auto answer) {
        done(answer ? parseSilenceCreated(answer.value()) : Result<QString>::failure(answer.error()));
    });
}

void AlertmanagerClient::silence(const QString& id, std::function<void(Result<Silence>)> done)
{
    request("GET", QStringLiteral("/api/v2/silence/") + QString::fromLatin1(QUrl::toPercentEncoding(id)), {},
        [done = std::move(done)](
            auto answer) { done(answer ? parseSilence(answer.value()) : Result<Silence>::failure(answer.error())); });
}

void AlertmanagerClient::expireSilence(const QString& id, std::function<void(Result<bool>)> done)
{
    request("DELETE", QStringLiteral("/api/v2/silence/") + QString::fromLatin1(QUrl::toPercentEncoding(id)), {},
        [done = std::move(done)](
            auto answer) { done(answer ? Result<bool>::success(true) : Result<bool>::failure(answer.error())); });
}

} // namespace Fleetdeck::Wire
