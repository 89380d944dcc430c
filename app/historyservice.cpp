#include "historyservice.h"

#include <algorithm>

#include "fleetstore.h"
#include "historycache.h"
#include "metricstore.h"
#include "registry.h"
#include "wire/prometheusapi.h"

namespace Fleetdeck {

HistoryService::HistoryService(const FleetStore* store, const Drivers::ProductRegistry& products, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_products(products)
{ }

HistoryService::~HistoryService() = default;

void HistoryService::setPrometheus(const QUrl& url, HistoryCache* cache)
{
    delete m_prometheus;
    m_prometheus = url.isEmpty() ? nullptr : new Wire::PrometheusClient(url, this);
    m_history = cache;
}

QString HistoryService::promqlFor(const QString& seriesKey, qint64 stepMs) const
{
    const qsizetype hash = seriesKey.lastIndexOf(QLatin1Char('#'));
    if (hash < 0)
        return {};
    const QStringList parts = seriesKey.left(hash).split(QLatin1Char('/'));
    const QString metric = seriesKey.mid(hash + 1);
    const int index = m_store->indexOf(parts.first());
    if (index < 0 || parts.size() > 3)
        return {};
    const Drivers::ProductDescriptor* product = m_products.find(m_store->entry(index).config.product);
    // The gateway's series in Prometheus carry its /metrics endpoint as their instance label.
    const QUrl metrics = m_store->entry(index).config.metrics;
    if (!product || metrics.isEmpty())
        return {};
    static const QString levels[] = { QStringLiteral("gateway"), QStringLiteral("backend"), QStringLiteral("server") };
    const QString query = product->info.history.value(levels[parts.size() - 1] + QLatin1Char('#') + metric);
    if (query.isEmpty())
        return {}; // the product exports no such series: local history only
    auto quoted = [](QString v) {
        return v.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
    };
    QString selector = QStringLiteral("instance=\"%1:%2\"").arg(quoted(metrics.host())).arg(metrics.port(80));
    if (parts.size() >= 2)
        selector += QStringLiteral(",%1=\"%2\"").arg(product->info.poolLabel, quoted(parts.at(1)));
    if (parts.size() == 3)
        selector += QStringLiteral(",%1=\"%2\"").arg(product->info.memberLabel, quoted(parts.at(2)));
    // The rate window spans at least two scrapes.
    const QString window = QStringLiteral("%1s").arg(qMax<qint64>(10, 2 * stepMs / 1000));
    return QString(query).replace(QLatin1String("$selector"), selector).replace(QLatin1String("$window"), window);
}

void HistoryService::requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points)
{
    Wire::PrometheusClient* client = m_prometheus;
    if (!client || !m_history || toMs <= fromMs)
        return;
    const qint64 step = qMax<qint64>(1000, (toMs - fromMs) / qMax(1, points));
    const QString promql = promqlFor(seriesKey, step);
    if (promql.isEmpty())
        return;
    m_history->markRequested(seriesKey, fromMs, toMs);
    QPointer<HistoryCache> cache = m_history;
    client->queryRange(
        promql, fromMs, toMs, step, [cache, seriesKey, fromMs, toMs](Result<QList<Wire::RangeSeries>> result) {
            if (!cache)
                return;
            if (!result) {
                cache->setError(result.error());
                return;
            }
            QVector<MetricStore::Bucket> buckets;
            for (const Wire::RangeSeries& series : result.value()) {
                for (const auto& [t, v] : series.points) {
                    const float f = float(v);
                    buckets.append(MetricStore::Bucket { t, f, f, f });
                }
            }
            std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.timeMs < b.timeMs; });
            cache->store(seriesKey, fromMs, toMs, buckets);
        });
}

} // namespace Fleetdeck
