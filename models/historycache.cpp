#include "historycache.h"

namespace Fleetdeck {

HistoryCache::HistoryCache(QObject* parent)
    : QObject(parent)
{ }

void HistoryCache::store(const QString& key, qint64 fromMs, qint64 toMs, const QVector<MetricStore::Bucket>& buckets)
{
    Entry& e = m_entries[key];
    e.fromMs = fromMs;
    e.toMs = toMs;
    e.buckets = buckets;
    Q_EMIT historyArrived(key);
}

QVector<MetricStore::Bucket> HistoryCache::range(const QString& key, qint64 fromMs, qint64 toMs) const
{
    QVector<MetricStore::Bucket> out;
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return out;
    for (const auto& b : it->buckets) {
        if (b.timeMs >= fromMs && b.timeMs <= toMs)
            out.append(b);
    }
    return out;
}

bool HistoryCache::covers(const QString& key, qint64 fromMs, qint64 toMs) const
{
    const auto it = m_entries.constFind(key);
    if (it == m_entries.cend())
        return false;
    // Ask again only when the wanted window reaches well outside what was fetched (a tenth of its length).
    const qint64 slack = (toMs - fromMs) / 10;
    return it->fromMs <= fromMs + slack && it->toMs >= toMs - slack;
}

void HistoryCache::markRequested(const QString& key, qint64 fromMs, qint64 toMs)
{
    Entry& e = m_entries[key];
    e.fromMs = fromMs;
    e.toMs = toMs;
}

void HistoryCache::setError(const QString& error)
{
    m_lastError = error;
    Q_EMIT historyFailed(error);
}

} // namespace Fleetdeck
