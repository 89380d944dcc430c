#include "prometheusapi.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

#include "answerlimits.h"
#include "peernumbers.h"
#include "printable.h"

namespace Fleetdeck::Wire {

Result<QJsonArray> prometheusResult(const QByteArray& json, const QString& resultType)
{
    using R = Result<QJsonArray>;
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return R::failure(QStringLiteral("not a Prometheus API answer (%1): \"%2\"")
                              .arg(error.errorString(), printable(QString::fromUtf8(json.left(120)), 120)));
    const QJsonObject root = doc.object();
    const QString status = root.value(QLatin1String("status")).toString();
    // Its words, escaped and cut: an error may be megabytes long (the whole text is nobody's to read in a status line).
    if (status == QLatin1String("error"))
        return R::failure(QStringLiteral("Prometheus answered %1: %2")
                              .arg(printable(root.value(QLatin1String("errorType")).toString(), 60),
                                  printable(root.value(QLatin1String("error")).toString(), 300)));
    if (status != QLatin1String("success"))
        return R::failure(QStringLiteral("Prometheus answer without a status"));
    const QJsonObject data = root.value(QLatin1String("data")).toObject();
    if (data.value(QLatin1String("resultType")).toString() != resultType)
        return R::failure(QStringLiteral("expected a %1, got \"%2\"")
                              .arg(resultType, data.value(QLatin1String("resultType")).toString()));
    return R::success(data.value(QLatin1String("result")).toArray());
}

Result<QList<RangeSeries>> parseQueryRange(const QByteArray& json)
{
    using R = Result<QList<RangeSeries>>;
    const auto answer = prometheusResult(json, QStringLiteral("matrix"));
    if (!answer)
        return R::failure(answer.error());
    QList<RangeSeries> out;
    const QJsonArray& result = answer.value();
    for (const auto& item : result) {
        const QJsonObject o = item.toObject();
        RangeSeries s;
        const QJsonObject metric = o.value(QLatin1String("metric")).toObject();
        for (auto it = metric.begin(); it != metric.end(); ++it)
            s.labels.append({ it.key(), it.value().toString() });
        const QJsonArray values = o.value(QLatin1String("values")).toArray();
        s.points.reserve(values.size());
        for (const auto& v : values) {
            const QJsonArray pair = v.toArray();
            if (pair.size() != 2)
                return R::failure(QStringLiteral("a point is not a [time, value] pair"));
            bool ok = false;
            const double value = pair.at(1).toString().toDouble(&ok);
            if (!ok && pair.at(1).toString() != QLatin1String("NaN"))
                return R::failure(QStringLiteral("value \"%1\" is not a number").arg(pair.at(1).toString()));
            s.points.append({ secondsToMs(pair.at(0).toDouble()), ok ? value : qQNaN() });
        }
        out.append(s);
    }
    return R::success(out);
}

PrometheusClient::PrometheusClient(const QUrl& base, QObject* parent)
    : QObject(parent)
    , m_base(base)
    , m_network(new QNetworkAccessManager(this))
{ }

void PrometheusClient::queryRange(const QString& promql, qint64 fromMs, qint64 toMs, qint64 stepMs, Callback callback)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("query"), promql);
    query.addQueryItem(QStringLiteral("start"), QString::number(double(fromMs) / 1000.0, 'f', 3));
    query.addQueryItem(QStringLiteral("end"), QString::number(double(toMs) / 1000.0, 'f', 3));
    query.addQueryItem(QStringLiteral("step"), QString::number(double(qMax<qint64>(stepMs, 1000)) / 1000.0, 'f', 3));
    send(QStringLiteral("/api/v1/query_range"), query,
        [callback = std::move(callback), base = m_base](Result<QByteArray> body) {
            if (!body) {
                callback(Result<QList<RangeSeries>>::failure(body.error()));
                return;
            }
            const QByteArray& json = body.value();
            auto parsed = parseQueryRange(json);
            callback(parsed ? std::move(parsed)
                            : Result<QList<RangeSeries>>::failure(
                                QStringLiteral("Prometheus %1: %2").arg(base.toString(), parsed.error())));
        });
}

void PrometheusClient::query(const QString& promql, std::function<void(Result<QByteArray>)> callback)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("query"), promql);
    send(QStringLiteral("/api/v1/query"), query, std::move(callback));
}

void PrometheusClient::send(const QString& path, const QUrlQuery& form, std::function<void(Result<QByteArray>)> done)
{
    QUrl url = m_base;
    url.setPath(url.path() + path);
    QNetworkRequest request(url);
    // POST: a fleet's batched query is longer than a URL should be.
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/x-www-form-urlencoded"));
    QNetworkReply* reply = m_network->post(request, form.toString(QUrl::FullyEncoded).toUtf8());
    AnswerLimits limits;
    limits.deadlineMs = m_timeoutMs;
    limitReply(reply, limits);
    connect(reply, &QNetworkReply::finished, this, [reply, done = std::move(done), base = m_base] {
        reply->deleteLater();
        const QByteArray body = replyBody(reply);
        // An HTTP error with a body is Prometheus explaining (its JSON is read by the caller); anything else is the
        // transport's failure.
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && (status < 400 || body.isEmpty())) {
            done(Result<QByteArray>::failure(
                QStringLiteral("Prometheus %1: %2").arg(base.toString(), replyErrorText(reply))));
            return;
        }
        done(Result<QByteArray>::success(body));
    });
}

} // namespace Fleetdeck::Wire
