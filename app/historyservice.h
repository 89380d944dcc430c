#pragma once

#include <QObject>
#include <QPointer>
#include <QUrl>

namespace Fleetdeck {

class FleetStore;
class HistoryCache;
namespace Drivers {
class ProductRegistry;
}
namespace Wire {
class PrometheusClient;
}

// History older than the local store, from the fleet's Prometheus: each series key becomes the PromQL its gateway's
// product registered, and the answers go to the HistoryCache.
class HistoryService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryService)

public:
    HistoryService(const FleetStore* store, const Drivers::ProductRegistry& products, QObject* parent = nullptr);
    ~HistoryService() override;

    // The fleet's Prometheus (empty: none), and where its answers go.
    void setPrometheus(const QUrl& url, HistoryCache* cache);
    // The PromQL that reads a series key's history, or empty when Prometheus has no such series.
    QString promqlFor(const QString& seriesKey, qint64 stepMs) const;
    void requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points);

private:
    const FleetStore* m_store;
    const Drivers::ProductRegistry& m_products;
    Wire::PrometheusClient* m_prometheus = nullptr;
    QPointer<HistoryCache> m_history;
};

} // namespace Fleetdeck
