#pragma once

#include <functional>

#include <QByteArray>
#include <QJsonArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QUrl>
#include <QVector>

#include "result.h"

class QNetworkAccessManager;
class QUrlQuery;

namespace Fleetdeck::Wire {

// One series of a Prometheus range query: its labels and (time ms, value) points.
struct RangeSeries
{
    QList<QPair<QString, QString>> labels;
    QVector<QPair<qint64, double>> points;
};

// The "result" of a Prometheus API answer whose data is of resultType ("vector", "matrix"); Prometheus' own error,
// or what is wrong with the answer, as the error text.
Result<QJsonArray> prometheusResult(const QByteArray& json, const QString& resultType);

// Parses the JSON of /api/v1/query_range (a "matrix"); Prometheus' own error comes back as the error text.
Result<QList<RangeSeries>> parseQueryRange(const QByteArray& json);

// Reads history from a Prometheus server over its HTTP API, asynchronously, with a timeout.
class PrometheusClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PrometheusClient)

public:
    using Callback = std::function<void(Result<QList<RangeSeries>>)>;
    explicit PrometheusClient(const QUrl& base, QObject* parent = nullptr);

    const QUrl& base() const { return m_base; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    void queryRange(const QString& promql, qint64 fromMs, qint64 toMs, qint64 stepMs, Callback callback);
    // An instant query (/api/v1/query, now); the answer's body for the caller to read (prometheusResult), or why
    // none came.
    void query(const QString& promql, std::function<void(Result<QByteArray>)> callback);

private:
    // POSTs the form to the API path, within the timeout and the answer limits.
    void send(const QString& path, const QUrlQuery& form, std::function<void(Result<QByteArray>)> done);

    QUrl m_base;
    QNetworkAccessManager* m_network;
    int m_timeoutMs = 10000;
};

} // namespace Fleetdeck::Wire
