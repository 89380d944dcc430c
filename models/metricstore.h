#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <QHash>
#include <QObject>
#include <QString>
#include <QVector>

#include "result.h"

class QIODevice;

namespace Fleetdeck {

// Time series of the fleet in fixed tiers (by default 1 s for 1 h, 10 s for 24 h, 60 s for 7 days): each tier is
// a ring of buckets indexed by time, holding min / max / mean. Counters become rates, aware of resets; an
// unreachable source leaves a gap, never a zero. Rings grow in small chunks up to their fixed size, so a young
// series costs little and an old one costs a known, fixed amount (bytesPerSeries()).
class MetricStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricStore)

public:
    struct Tier
    {
        qint64 stepMs = 1000;
        int buckets = 3600;
        friend bool operator==(const Tier&, const Tier&) = default;
    };

    // One bucket of a range query. A gap (the source could not be read) has NaN in all three values.
    struct Bucket
    {
        qint64 timeMs = 0; // start of the bucket
        float min = 0;
        float max = 0;
        float mean = 0;
        bool isGap() const;
        friend bool operator==(const Bucket&, const Bucket&) = default;
    };

    static QList<Tier> defaultTiers();

    struct Series;
    // A series' stable handle: appending through it skips building and hashing the key, for callers that append
    // to the same thousands of series every second.
    using Handle = Series*;
    Handle handle(const QString& key);
    void appendGauge(Handle series, qint64 timeMs, double value);
    void appendCounter(Handle series, qint64 timeMs, double total);
    // A counter whose source adds to it in batches (Varnish's worker threads): the rate is taken over the last
    // windowMs (against the oldest total within it), so a batch is spread over the window instead of showing as a
    // spike. A reset or a gap starts the window afresh.
    void appendCounter(Handle series, qint64 timeMs, double total, int windowMs);
    void appendGap(Handle series, qint64 timeMs);

    explicit MetricStore(QObject* parent = nullptr);
    explicit MetricStore(QList<Tier> tiers, QObject* parent = nullptr);
    ~MetricStore() override;

    void appendGauge(const QString& key, qint64 timeMs, double value);
    // A counter total becomes a per-second rate against the previous total; a total that went down is a reset
    // (the process restarted), and its rate is counted from zero.
    void appendCounter(const QString& key, qint64 timeMs, double total);
    // The source could not be read at timeMs: the series gets a gap, and the next counter starts a fresh rate.
    void appendGap(const QString& key, qint64 timeMs);

    // Buckets with a start in [fromMs, toMs], oldest first, from the finest tier that still holds fromMs
    // (relative to the series' newest sample). With maxBuckets > 0, a coarser tier is used when the finest would
    // return more than maxBuckets. Buckets no sample fell into are left out; gaps are returned as gaps.
    QVector<Bucket> range(const QString& key, qint64 fromMs, qint64 toMs, int maxBuckets = 0) const;
    // The newest value, or NaN when there is none or the newest is a gap.
    double latest(const QString& key) const;
    qint64 newestTimeMs(const QString& key) const;
    // The time of the first sample the store took for key (0: none); older windows need another source.
    qint64 oldestTimeMs(const QString& key) const;

    bool contains(const QString& key) const;
    QStringList keys() const;
    qsizetype seriesCount() const;
    const QList<Tier>& tiers() const { return m_tiers; }

    // What one series costs once every ring is full (the fixed size), and what it costs now, summed over series.
    qint64 bytesPerSeries() const;
    qint64 bytesAllocated() const;

    // The store's recent past, to keep across a restart: for every series with a sample since `sinceMs`, each tier's
    // chunks from that moment on, as they are held (compressed), after a gap at `nowMs` so the chart breaks where
    // the program stopped. Returns the series written, or -1 when the device failed.
    qsizetype saveRecent(QIODevice* device, qint64 sinceMs, qint64 nowMs);
    // Reads what saveRecent wrote into this store, for the series `wanted` accepts (by key) that the store does not
    // hold yet; anything that does not read whole (another version, other tiers, truncated or damaged) is refused
    // with the reason, and nothing of it is kept. Returns the series restored.
    Result<qsizetype> loadRecent(QIODevice* device, const std::function<bool(const QString& key)>& wanted = {});

    // Emitted once per batch of appends, when the caller says a batch is done.
    void notifyAppended();

Q_SIGNALS:
    void samplesAppended();

private:
    Series& series(const QString& key);
    void append(Series& s, qint64 timeMs, float value, bool gap);

    QList<Tier> m_tiers;
    QHash<QString, std::shared_ptr<Series>> m_series;
};

// Reduces buckets to at most two points per pixel column (the column's min and max, in time order), so a spike
// shorter than a pixel still shows. Gaps come back as a NaN point, for the chart to break its line.
struct ChartPoint
{
    double x = 0; // ms since the epoch
    double y = 0;
    friend bool operator==(const ChartPoint&, const ChartPoint&) = default;
};
QVector<ChartPoint> decimateToPixels(
    const QVector<MetricStore::Bucket>& buckets, qint64 fromMs, qint64 toMs, int pixelColumns);

} // namespace Fleetdeck
