// memory: what one series costs in Fleetdeck's tiered MetricStore after one day of 1 s samples, by its own
// accounting and by the process's resident memory, against two peers measured in the same run:
// - the same information kept the plain way: every tier's buckets (start time, min, max, mean) as 64-bit structs
//   in one std::vector per tier, holding exactly the buckets the store holds after that day (the like-for-like
//   comparison: memory_ratio_vs_same_buckets);
// - raw (time, value) samples of the whole day, which is more information (every second of 24 h, where the store
//   keeps 1 s only for the last hour): memory_ratio_vs_raw says how much less the tiers cost than keeping it all.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <vector>

#include <QCoreApplication>
#include <QStringList>

#include "common.h"
#include "metricstore.h"

using namespace Fleetdeck;

namespace {
struct PlainBucket
{
    qint64 startMs;
    double min;
    double max;
    double mean;
};

QString duration(qint64 ms)
{
    const qint64 s = ms / 1000;
    if (s % 86400 == 0)
        return QStringLiteral("%1 d").arg(s / 86400);
    if (s % 3600 == 0)
        return QStringLiteral("%1 h").arg(s / 3600);
    if (s % 60 == 0)
        return QStringLiteral("%1 min").arg(s / 60);
    return QStringLiteral("%1 s").arg(s);
}

double sample(qint64 i)
{
    return double(i % 1000);
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QCoreApplication app(argc, argv);
    const int series = argc > 1 ? QByteArray(argv[1]).toInt() : 200;
    const qint64 start = 1795800000000LL;
    constexpr qint64 kDay = 86400; // samples, one per second

    MetricStore store;
    QStringList tiers;
    for (const MetricStore::Tier& t : store.tiers())
        tiers << QStringLiteral("%1 for %2").arg(duration(t.stepMs), duration(t.stepMs * t.buckets));

    const qint64 rssBefore = Bench::rssBytes();
    for (int s = 0; s < series; ++s) {
        const QString key = QStringLiteral("gw/b/s%1#req").arg(s);
        for (qint64 i = 0; i < kDay; ++i)
            store.appendGauge(key, start + i * 1000, sample(i));
    }
    const qint64 rssStore = Bench::rssBytes() - rssBefore;
    const double accountedPerSeriesDay = double(store.bytesAllocated()) / series;
    const double rssPerSeriesDay = double(rssStore) / series;

    // Peer 1: the same buckets, kept plainly. After one day each tier holds its newest min(capacity, day / step)
    // buckets, as the store does.
    const qint64 rssBeforeSame = Bench::rssBytes();
    std::vector<std::vector<std::vector<PlainBucket>>> same(static_cast<size_t>(series));
    qint64 bucketsPerSeries = 0;
    for (auto& perTier : same) {
        bucketsPerSeries = 0;
        for (const MetricStore::Tier& t : store.tiers()) {
            const qint64 samplesPerBucket = t.stepMs / 1000;
            const qint64 held = std::min<qint64>(t.buckets, kDay / samplesPerBucket);
            std::vector<PlainBucket> buckets;
            buckets.reserve(size_t(held));
            for (qint64 b = kDay / samplesPerBucket - held; b < kDay / samplesPerBucket; ++b) {
                PlainBucket pb { start + b * t.stepMs, std::numeric_limits<double>::max(),
                    std::numeric_limits<double>::lowest(), 0 };
                for (qint64 i = b * samplesPerBucket; i < (b + 1) * samplesPerBucket; ++i) {
                    pb.min = std::min(pb.min, sample(i));
                    pb.max = std::max(pb.max, sample(i));
                    pb.mean += sample(i) / double(samplesPerBucket);
                }
                buckets.push_back(pb);
            }
            bucketsPerSeries += held;
            perTier.push_back(std::move(buckets));
        }
    }
    const qint64 rssSame = Bench::rssBytes() - rssBeforeSame;
    const double samePerSeriesDay = double(rssSame) / series;

    // Peer 2: one day of 1 s samples kept raw, as (int64 ms, double) pairs.
    const qint64 rssBeforeRaw = Bench::rssBytes();
    std::vector<std::vector<std::pair<qint64, double>>> raw;
    raw.resize(size_t(series));
    for (auto& r : raw) {
        r.reserve(size_t(kDay));
        for (qint64 i = 0; i < kDay; ++i)
            r.emplace_back(start + i * 1000, sample(i));
    }
    const qint64 rssRaw = Bench::rssBytes() - rssBeforeRaw;
    const double rawPerSeriesDay = double(rssRaw) / series;

    std::printf("%d series, one day of 1 s samples each\n", series);
    std::printf("tiers (from the store): %s; a full series (every ring full) costs %lld bytes\n",
        qPrintable(tiers.join(QStringLiteral(", "))), static_cast<long long>(store.bytesPerSeries()));
    std::printf("fleetdeck store after one day: %.0f bytes per series by its accounting, %.0f by resident memory "
                "(%lld buckets of min/max/mean)\n",
        accountedPerSeriesDay, rssPerSeriesDay, static_cast<long long>(bucketsPerSeries));
    std::printf("the same %lld buckets as (int64 start, double min, max, mean) in a vector per tier: %.0f bytes per "
                "series by resident memory\n",
        static_cast<long long>(bucketsPerSeries), samePerSeriesDay);
    std::printf("raw (time, value) samples of the whole day, more than the store keeps: %.0f bytes per series by "
                "resident memory\n",
        rawPerSeriesDay);
    std::printf(
        "memory_bytes_per_series_day=%.0f memory_rss_bytes_per_series_day=%.0f memory_bytes_per_series_full=%lld "
        "memory_same_buckets_bytes_per_series_day=%.0f memory_ratio_vs_same_buckets=%.3f "
        "memory_raw_bytes_per_series_day=%.0f memory_ratio_vs_raw=%.3f\n",
        accountedPerSeriesDay, rssPerSeriesDay, static_cast<long long>(store.bytesPerSeries()), samePerSeriesDay,
        rssPerSeriesDay / samePerSeriesDay, rawPerSeriesDay, rssPerSeriesDay / rawPerSeriesDay);
    // Keep the peers alive until measured (and so the compiler cannot drop them).
    return same.empty() || raw.empty() ? 1 : 0;
}
