#include "metricstore.h"

#include <cmath>
#include <limits>

namespace Fleetdeck {

MetricStore::MetricStore(int capacityPerSeries, QObject* parent)
    : QObject(parent)
    , m_capacity(qMax(2, capacityPerSeries))
{
}

MetricStore::Series& MetricStore::series(const QString& key)
{
    auto it = m_series.find(key);
    if (it == m_series.end()) {
        it = m_series.insert(key, Series {});
        it->ring.resize(m_capacity);
    }
    return *it;
}

void MetricStore::push(Series& s, qint64 timeMs, double value)
{
    s.ring[s.head] = Sample { timeMs, value };
    s.head = (s.head + 1) % m_capacity;
    s.count = qMin(s.count + 1, m_capacity);
}

void MetricStore::appendGauge(const QString& key, qint64 timeMs, double value)
{
    push(series(key), timeMs, value);
}

void MetricStore::appendCounter(const QString& key, qint64 timeMs, double total)
{
    Series& s = series(key);
    if (s.hasLastTotal && timeMs > s.lastTotalMs) {
        const double seconds = double(timeMs - s.lastTotalMs) / 1000.0;
        const double delta = total >= s.lastTotal ? total - s.lastTotal : total; // reset: counted from zero
        push(s, timeMs, delta / seconds);
    }
    s.hasLastTotal = true;
    s.lastTotal = total;
    s.lastTotalMs = timeMs;
}

void MetricStore::appendGap(const QString& key, qint64 timeMs)
{
    Series& s = series(key);
    s.hasLastTotal = false;
    if (s.count > 0) {
        const Sample& newest = s.ring.at((s.head - 1 + m_capacity) % m_capacity);
        if (std::isnan(newest.value))
            return; // one gap marker is enough
    }
    push(s, timeMs, std::numeric_limits<double>::quiet_NaN());
}

bool MetricStore::contains(const QString& key) const
{
    return m_series.contains(key);
}

int MetricStore::size(const QString& key) const
{
    const auto it = m_series.constFind(key);
    return it == m_series.cend() ? 0 : it->count;
}

QVector<MetricStore::Sample> MetricStore::samples(const QString& key, qint64 fromMs, qint64 toMs) const
{
    QVector<Sample> out;
    const auto it = m_series.constFind(key);
    if (it == m_series.cend())
        return out;
    const Series& s = *it;
    const int start = (s.head - s.count + m_capacity) % m_capacity;
    out.reserve(s.count);
    for (int i = 0; i < s.count; ++i) {
        const Sample& sample = s.ring.at((start + i) % m_capacity);
        if (sample.timeMs >= fromMs && sample.timeMs <= toMs)
            out.append(sample);
    }
    return out;
}

double MetricStore::latest(const QString& key) const
{
    const auto it = m_series.constFind(key);
    if (it == m_series.cend() || it->count == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return it->ring.at((it->head - 1 + m_capacity) % m_capacity).value;
}

QStringList MetricStore::keys() const
{
    return m_series.keys();
}

void MetricStore::notifyAppended()
{
    Q_EMIT samplesAppended();
}

} // namespace Fleetdeck
