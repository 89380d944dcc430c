// memory: what one series costs in Fleetdeck's tiered MetricStore, by its own accounting and by the process's
// resident memory, against keeping the same day as raw (time, value) samples, in the same run.
#include <cstdio>
#include <vector>

#include <QCoreApplication>

#include "common.h"
#include "metricstore.h"

using namespace Fleetdeck;

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const int series = argc > 1 ? QByteArray(argv[1]).toInt() : 200;
    const qint64 start = 1795800000000LL;
    constexpr qint64 kDay = 86400;

    MetricStore store;
    const qint64 rssBefore = Bench::rssBytes();
    for (int s = 0; s < series; ++s) {
        const QString key = QStringLiteral("gw/b/s%1#req").arg(s);
        for (qint64 i = 0; i < kDay; ++i)
            store.appendGauge(key, start + i * 1000, double(i % 1000));
    }
    const qint64 rssStore = Bench::rssBytes() - rssBefore;
    const double accountedPerSeriesDay = double(store.bytesAllocated()) / series;
    const double rssPerSeriesDay = double(rssStore) / series;

    // The peer: one day of 1 s samples kept raw, as (int64 ms, double) pairs.
    const qint64 rssBeforeRaw = Bench::rssBytes();
    std::vector<std::vector<std::pair<qint64, double>>> raw;
    raw.resize(size_t(series));
    for (auto& r : raw) {
        r.reserve(size_t(kDay));
        for (qint64 i = 0; i < kDay; ++i)
            r.emplace_back(start + i * 1000, double(i % 1000));
    }
    const qint64 rssRaw = Bench::rssBytes() - rssBeforeRaw;
    const double rawPerSeriesDay = double(rssRaw) / series;

    std::printf("%d series, one day of 1 s samples each\n", series);
    std::printf("tiers: 1 s x 3600, 10 s x 8640, 60 s x 10080; a full series (7 days held) costs %lld bytes\n",
        static_cast<long long>(store.bytesPerSeries()));
    std::printf("after one day: %.0f bytes per series by the store's accounting, %.0f by resident memory\n",
        accountedPerSeriesDay, rssPerSeriesDay);
    std::printf(
        "raw (time, value) samples for the same day: %.0f bytes per series by resident memory\n", rawPerSeriesDay);
    std::printf(
        "memory_bytes_per_series_day=%.0f memory_rss_bytes_per_series_day=%.0f memory_bytes_per_series_full=%lld "
        "memory_raw_bytes_per_series_day=%.0f memory_ratio_vs_raw=%.3f\n",
        accountedPerSeriesDay, rssPerSeriesDay, static_cast<long long>(store.bytesPerSeries()), rawPerSeriesDay,
        rssPerSeriesDay / rawPerSeriesDay);
    return 0;
}
