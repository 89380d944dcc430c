#pragma once

#include <QHash>
#include <QObject>
#include <QVector>

#include "metricstore.h"

namespace Fleetdeck {

// History read from a Prometheus server for windows older than the local MetricStore holds, per series key.
// The charts draw it before their local data; the controller fills it on request.
class HistoryCache final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryCache)

public:
    explicit HistoryCache(QObject* parent = nullptr);

    // Replaces what is held for key between fromMs and toMs.
    void store(const QString& key, qint64 fromMs, qint64 toMs, const QVector<MetricStore::Bucket>& buckets);
    QVector<MetricStore::Bucket> range(const QString& key, qint64 fromMs, qint64 toMs) const;
    // True when [fromMs, toMs] was fetched (or is being fetched) already, so it is not asked for again.
    bool covers(const QString& key, qint64 fromMs, qint64 toMs) const;
    void markRequested(const QString& key, qint64 fromMs, qint64 toMs);
    void setError(const QString& error);
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void historyArrived(const QString& key);
    void historyFailed(const QString& error);

private:
    struct Entry
    {
        qint64 fromMs = 0;
        qint64 toMs = 0;
        QVector<MetricStore::Bucket> buckets;
    };
    QHash<QString, Entry> m_entries;
    QString m_lastError;
};

} // namespace Fleetdeck
