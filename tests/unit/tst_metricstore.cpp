#include <cmath>

#include <QBuffer>
#include <QHash>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include "metricstore.h"

using namespace Fleetdeck;

namespace {
// Small tiers, so rings wrap within a test: 1 s x 10, 5 s x 6, 30 s x 4.
QList<MetricStore::Tier> smallTiers()
{
    return { { 1000, 10 }, { 5000, 6 }, { 30000, 4 } };
}
QList<float> means(const QVector<MetricStore::Bucket>& buckets)
{
    QList<float> out;
    for (const auto& b : buckets)
        out.append(b.mean);
    return out;
}
// Bucket by bucket, within `tolerance`, a gap (NaN) equal to a gap.
bool sameBuckets(const QVector<MetricStore::Bucket>& a, const QVector<MetricStore::Bucket>& b, float tolerance = 0)
{
    auto same
        = [tolerance](float x, float y) { return std::abs(x - y) <= tolerance || (std::isnan(x) && std::isnan(y)); };
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a.at(i).timeMs != b.at(i).timeMs || !same(a.at(i).min, b.at(i).min) || !same(a.at(i).max, b.at(i).max)
            || !same(a.at(i).mean, b.at(i).mean))
            return false;
    }
    return true;
}
} // namespace

class TestMetricStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void batchedCountersAreRatedOverTheirWindow()
    {
        // A steady 9 requests a second, counted in batches of 27 every third second (as Varnish's worker threads
        // add to its shared counters): per poll, 27 then 0 then 0; over a 10 s window, about 9 every second.
        MetricStore store;
        MetricStore::Handle raw = store.handle(QStringLiteral("raw#req"));
        MetricStore::Handle smooth = store.handle(QStringLiteral("smooth#req"));
        const qint64 t0 = 1'700'000'000'000;
        double total = 0;
        float rawMax = 0, smoothMin = 1e9, smoothMax = 0;
        for (int second = 0; second <= 40; ++second) {
            if (second % 3 == 0)
                total += 27;
            const qint64 t = t0 + second * 1000;
            store.appendCounter(raw, t, total);
            store.appendCounter(smooth, t, total, 10000);
            if (second >= 12) { // once a whole window is behind
                rawMax = qMax(rawMax, float(store.latest(QStringLiteral("raw#req"))));
                smoothMin = qMin(smoothMin, float(store.latest(QStringLiteral("smooth#req"))));
                smoothMax = qMax(smoothMax, float(store.latest(QStringLiteral("smooth#req"))));
            }
        }
        QCOMPARE(rawMax, 27.0f);
        QVERIFY2(smoothMin >= 8.0f && smoothMax <= 10.8f,
            qPrintable(QStringLiteral("%1..%2").arg(smoothMin).arg(smoothMax)));
        // A reset (the process restarted) counts from zero for its interval, then the window starts again.
        store.appendCounter(smooth, t0 + 41000, 5, 10000);
        QCOMPARE(store.latest(QStringLiteral("smooth#req")), 5.0);
        store.appendCounter(smooth, t0 + 42000, 14, 10000);
        QCOMPARE(store.latest(QStringLiteral("smooth#req")), 9.0);
        // A gap: no rate across it; the next total only starts a new window.
        store.appendGap(smooth, t0 + 43000);
        store.appendCounter(smooth, t0 + 44000, 100, 10000);
        QVERIFY(std::isnan(store.latest(QStringLiteral("smooth#req"))));
        store.appendCounter(smooth, t0 + 45000, 110, 10000);
        QCOMPARE(store.latest(QStringLiteral("smooth#req")), 10.0);
    }

    void gaugeKeepsValues()
    {
        MetricStore m(smallTiers());
        m.appendGauge(QStringLiteral("g"), 1000, 3.0);
        m.appendGauge(QStringLiteral("g"), 2000, 5.0);
        const auto b = m.range(QStringLiteral("g"), 0, 2999);
        QCOMPARE(b.size(), 2);
        QCOMPARE(b.at(0), (MetricStore::Bucket { 1000, 3.0f, 3.0f, 3.0f }));
        QCOMPARE(b.at(1), (MetricStore::Bucket { 2000, 5.0f, 5.0f, 5.0f }));
        QCOMPARE(m.latest(QStringLiteral("g")), 5.0);
    }

    void counterBecomesRate()
    {
        MetricStore m(smallTiers());
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 100);
        QVERIFY(m.range(k, 0, 10000).isEmpty()); // one total gives no rate yet
        m.appendCounter(k, 2000, 150);
        m.appendCounter(k, 4000, 250);
        QCOMPARE(means(m.range(k, 0, 10000)), (QList<float> { 50, 50 })); // 100 over 2 s is 50/s too
    }

    void counterResetCountsFromZero()
    {
        MetricStore m(smallTiers());
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 1000);
        m.appendCounter(k, 2000, 1010);
        m.appendCounter(k, 3000, 4); // the gateway restarted: 4 requests since
        QCOMPARE(means(m.range(k, 0, 10000)), (QList<float> { 10, 4 })); // not negative, not a spike
    }

    void gapsAreGapsNotZeros()
    {
        MetricStore m(smallTiers());
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 0);
        m.appendCounter(k, 2000, 10);
        m.appendGap(k, 3000);
        m.appendGap(k, 4000);
        m.appendCounter(k, 6000, 500); // first total after the gap: no rate across it
        m.appendCounter(k, 7000, 520);
        const auto b = m.range(k, 0, 9999);
        QCOMPARE(b.size(), 4); // 2000, 3000 (gap), 4000 (gap), 7000; 5000 and 6000 had no rate
        QCOMPARE(b.at(0).mean, 10.0f);
        QVERIFY(b.at(1).isGap() && b.at(2).isGap());
        QCOMPARE(b.at(1).timeMs, qint64(3000));
        QCOMPARE(b.at(3).mean, 20.0f);
        QVERIFY(std::isnan(MetricStore().latest(QStringLiteral("missing"))));
        m.appendGap(k, 8000);
        QVERIFY(std::isnan(m.latest(k)));
    }

    void tiersRollUp()
    {
        MetricStore m(smallTiers());
        const QString k = QStringLiteral("g");
        // 0..29 s: values 0..29, one per second.
        for (int i = 0; i < 30; ++i)
            m.appendGauge(k, qint64(i) * 1000, i);
        // Tier 0 holds the last 10 s only.
        const auto fine = m.range(k, 20000, 29999);
        QCOMPARE(fine.size(), 10);
        QCOMPARE(fine.first().timeMs, qint64(20000));
        // Asking further back than tier 0 holds answers from tier 1 (5 s buckets): min, max, mean per bucket.
        const auto mid = m.range(k, 0, 29999);
        QCOMPARE(mid.size(), 6);
        QCOMPARE(mid.at(0), (MetricStore::Bucket { 0, 0, 4, 2 }));
        QCOMPARE(mid.at(5), (MetricStore::Bucket { 25000, 25, 29, 27 }));
        // Tier 2 (30 s buckets) for a window older than tier 1 holds.
        for (int i = 30; i < 60; ++i)
            m.appendGauge(k, qint64(i) * 1000, i);
        const auto coarse = m.range(k, 0, 59999);
        QCOMPARE(coarse.size(), 2);
        QCOMPARE(coarse.at(0), (MetricStore::Bucket { 0, 0, 29, 14.5f }));
        QCOMPARE(coarse.at(1), (MetricStore::Bucket { 30000, 30, 59, 44.5f }));
        // maxBuckets picks a coarser tier even when a finer one holds the window.
        QCOMPARE(m.range(k, 50000, 59999).size(), 10);
        QCOMPARE(m.range(k, 50000, 59999, 3).size(), 2); // 5 s buckets
    }

    void ringsWrapWithoutStaleData()
    {
        MetricStore m(smallTiers());
        const QString k = QStringLiteral("g");
        for (int i = 0; i < 10; ++i)
            m.appendGauge(k, qint64(i) * 1000, 1);
        // A silence of 7 s, then a sample: the slots of the silence are empty, not last lap's values.
        m.appendGauge(k, 17000, 2);
        const auto b = m.range(k, 8000, 17999);
        QCOMPARE(b.size(), 3); // 8 s, 9 s and 17 s
        QCOMPARE(b.last(), (MetricStore::Bucket { 17000, 2, 2, 2 }));
        // A silence longer than the whole ring clears it all.
        m.appendGauge(k, 100000, 3);
        QCOMPARE(m.range(k, 91000, 100999).size(), 1);
    }

    void spikesSurviveDecimation()
    {
        // An hour of 1 s samples at 10 with one 1-second spike to 500, drawn 300 px wide.
        MetricStore m;
        const QString k = QStringLiteral("g");
        for (int i = 0; i < 3600; ++i)
            m.appendGauge(k, qint64(i) * 1000, i == 1234 ? 500 : 10);
        const auto buckets = m.range(k, 0, 3599999);
        QCOMPARE(buckets.size(), 3600);
        const auto points = decimateToPixels(buckets, 0, 3600000, 300);
        QVERIFY(points.size() <= 600);
        double top = 0;
        for (const auto& p : points)
            top = qMax(top, p.y);
        QCOMPARE(top, 500.0);
        // Points stay in time order, so the line never runs backwards.
        for (qsizetype i = 1; i < points.size(); ++i)
            QVERIFY(points.at(i).x >= points.at(i - 1).x);
    }

    void decimationKeepsGapsAndCoarseEnvelopes()
    {
        QVector<MetricStore::Bucket> b { { 0, 1, 9, 5 }, { 1000, 2, 2, 2 } };
        b.append(MetricStore::Bucket { 2000, NAN, NAN, NAN });
        b.append(MetricStore::Bucket { 3000, 4, 4, 4 });
        const auto points = decimateToPixels(b, 0, 4000, 4);
        // bucket 0 has min 1 and max 9 in one column: both are drawn.
        QCOMPARE(points.size(), 5);
        QCOMPARE(points.at(0).y, 1.0);
        QCOMPARE(points.at(1).y, 9.0);
        QCOMPARE(points.at(2).y, 2.0);
        QVERIFY(std::isnan(points.at(3).y));
        QCOMPARE(points.at(4).y, 4.0);
    }

    void memoryIsBoundedPerSeriesAndFlatSeriesCostLittle()
    {
        MetricStore m;
        QVERIFY(m.bytesPerSeries() > 0);
        m.appendGauge(QStringLiteral("a"), 0, 1);
        QVERIFY(m.bytesAllocated() < 1024); // a young series has not grown its rings
        // A week of random values over six decades, one every 7 s: every ring full.
        QRandomGenerator random(7);
        for (int i = 0; i < 7 * 24 * 3600; i += 7)
            m.appendGauge(
                QStringLiteral("a"), qint64(i) * 1000, std::ldexp(random.generateDouble(), random.bounded(20)));
        const qint64 noisy = m.bytesAllocated();
        QVERIFY2(noisy <= m.bytesPerSeries(), qPrintable(QStringLiteral("%1 > %2").arg(noisy).arg(m.bytesPerSeries())));
        qInfo("a week of random values: %lld bytes (bound %lld)", static_cast<long long>(noisy),
            static_cast<long long>(m.bytesPerSeries()));
        // A week of one value (most 5xx series): a few bytes per closed chunk, about 1 KiB a day.
        MetricStore flat;
        for (int i = 0; i < 7 * 24 * 3600; ++i)
            flat.appendGauge(QStringLiteral("z"), qint64(i) * 1000, 0);
        QVERIFY2(flat.bytesAllocated() < 8 * 1024, qPrintable(QString::number(flat.bytesAllocated())));
        QCOMPARE(flat.range(QStringLiteral("z"), 0, qint64(7) * 24 * 3600 * 1000).size(), 10080);
    }

    // Closed chunks are compressed: each value within M / 1024 of what was appended (M: the largest magnitude in
    // its chunk), integer counts and flat stretches exact, gaps and empty buckets exactly where they were.
    void compressedChunksKeepTheirErrorBound()
    {
        const QList<MetricStore::Tier> oneTier { { 1000, 4096 } };
        MetricStore m(oneTier);
        const QString noisy = QStringLiteral("noisy");
        const QString counts = QStringLiteral("counts");
        QRandomGenerator random(42);
        QList<double> appended;
        QList<double> countsAppended;
        double level = 100;
        for (int i = 0; i < 4000; ++i) {
            if (i % 500 == 499)
                level *= 10; // a step of a decade
            if (i % 700 == 0)
                level = 3; // a reset
            double v = level + (random.generateDouble() - 0.5) * level * 0.2;
            if (i % 97 == 0)
                v = -v; // negative values too
            const bool gap = i % 333 == 5;
            const bool skipped = i % 251 == 9; // no sample at all in that second
            appended.append(gap || skipped ? std::nan("") : v);
            if (gap)
                m.appendGap(noisy, qint64(i) * 1000);
            else if (!skipped)
                m.appendGauge(noisy, qint64(i) * 1000, v);
            const double count = double(random.bounded(40));
            countsAppended.append(count);
            m.appendGauge(counts, qint64(i) * 1000, count);
        }
        const auto b = m.range(noisy, 0, 3999999);
        const auto c = m.range(counts, 0, 3999999);
        QCOMPARE(c.size(), 4000);
        for (int i = 0; i < 4000; ++i)
            QCOMPARE(double(c.at(i).mean), countsAppended.at(i)); // small integers: exact
        // Within each chunk of 64 buckets, the error against the chunk's largest magnitude.
        QHash<qint64, double> largest;
        for (int i = 0; i < 4000; ++i)
            if (!std::isnan(appended.at(i)))
                largest[i / 64] = qMax(largest.value(i / 64), std::fabs(float(appended.at(i))));
        int checked = 0, gaps = 0, inexact = 0;
        qsizetype at = 0;
        for (int i = 0; i < 4000; ++i) {
            const bool skipped = i % 251 == 9 && i % 333 != 5;
            if (skipped) {
                QVERIFY(at >= b.size() || b.at(at).timeMs != qint64(i) * 1000); // left out, as before
                continue;
            }
            QVERIFY(at < b.size());
            const auto& bucket = b.at(at++);
            QCOMPARE(bucket.timeMs, qint64(i) * 1000);
            if (std::isnan(appended.at(i))) {
                QVERIFY(bucket.isGap());
                ++gaps;
                continue;
            }
            const double error = std::fabs(double(bucket.mean) - double(float(appended.at(i))));
            const double bound = largest.value(i / 64) / 1024.0 * (1 + 1e-6);
            QVERIFY2(error <= bound,
                qPrintable(QStringLiteral("bucket %1: %2 for %3, bound %4")
                               .arg(i)
                               .arg(bucket.mean)
                               .arg(appended.at(i))
                               .arg(bound)));
            QCOMPARE(bucket.min, bucket.mean);
            QCOMPARE(bucket.max, bucket.mean);
            inexact += error > 0 ? 1 : 0;
            ++checked;
        }
        QCOMPARE(at, b.size());
        QVERIFY(gaps >= 12);
        QVERIFY(checked > 3900);
        QVERIFY(inexact > checked / 2); // the bound was exercised, not met by storing everything raw
        // The open chunk (the newest 64 buckets at most) is as appended, exactly.
        QCOMPARE(double(b.last().mean), double(float(appended.last())));
        // Compression paid: far less than 12 bytes per bucket.
        QVERIFY2(m.bytesAllocated() < 2 * 4096 * 12 / 3, qPrintable(QString::number(m.bytesAllocated())));
    }

    void coarseBucketsKeepMinMaxAndMeanWithinTheBound()
    {
        MetricStore m; // 10 s buckets from 1 s samples: min, max and mean differ
        const QString k = QStringLiteral("g");
        QRandomGenerator random(3);
        QList<float> values;
        for (int i = 0; i < 3 * 3600; ++i) {
            values.append(float(500 + random.bounded(200)) + float(random.generateDouble()));
            m.appendGauge(k, qint64(i) * 1000, values.last());
        }
        const auto b = m.range(k, 0, 3 * 3600 * 1000 - 1, 2000); // 1080 buckets of 10 s
        QCOMPARE(b.size(), 1080);
        for (int j = 0; j < 1080; ++j) {
            float lo = 1e9f, hi = -1e9f;
            double sum = 0;
            for (int i = j * 10; i < j * 10 + 10; ++i) {
                lo = qMin(lo, values.at(i));
                hi = qMax(hi, values.at(i));
                sum += values.at(i);
            }
            const double bound = 701.0 / 1024 * 1.001; // the largest magnitude is at most 701
            QVERIFY(std::fabs(b.at(j).min - lo) <= bound);
            QVERIFY(std::fabs(b.at(j).max - hi) <= bound);
            QVERIFY(std::fabs(b.at(j).mean - sum / 10) <= bound + 0.01); // the running float mean's own rounding
            QVERIFY(b.at(j).min <= b.at(j).mean && b.at(j).mean <= b.at(j).max);
        }
    }

    void theRecentPastSurvivesARestart()
    {
        MetricStore before;
        const qint64 t0 = 1'800'000'000'000;
        const QString req = QStringLiteral("gw/api#req");
        const QString errors = QStringLiteral("gw#5xx");
        const QString gone = QStringLiteral("gone#req");
        QRandomGenerator random(11);
        for (int i = 0; i < 7200; ++i) { // two hours
            before.appendGauge(req, t0 + i * 1000, 100 + random.bounded(40));
            before.appendGauge(errors, t0 + i * 1000, 0);
            if (i < 600)
                before.appendGauge(gone, t0 + i * 1000, 1); // last heard from long before the hour
        }
        const qint64 now = t0 + 7200 * 1000 + 5000;
        const qint64 hourAgo = now - 3600 * 1000;
        QBuffer file;
        file.open(QIODevice::WriteOnly);
        QCOMPARE(before.saveRecent(&file, hourAgo, now), 2);
        const QByteArray saved = file.data();
        QVERIFY2(saved.size() < 20 * 1024, qPrintable(QString::number(saved.size()))); // compressed, as held

        MetricStore after;
        file.close();
        file.open(QIODevice::ReadOnly);
        const auto restored = after.loadRecent(&file);
        QVERIFY2(restored, qPrintable(restored.error()));
        QCOMPARE(restored.value(), 2);
        QVERIFY(!after.contains(gone));
        // The last hour as it was, 1 s buckets and 10 s ones, and a break where the program stopped.
        const qint64 from = t0 + 3610 * 1000; // the 1 s tier holds the hour up to the gap; no gap in between
        const qint64 to = t0 + 7199 * 1000;
        QCOMPARE(after.range(req, from, to), before.range(req, from, to));
        QCOMPARE(after.range(req, from, to).size(), 3590);
        QCOMPARE(after.range(req, from, to, 400), before.range(req, from, to, 400)); // 10 s buckets
        QCOMPARE(after.range(req, from, to, 400).size(), 359);
        QCOMPARE(after.range(errors, from, to), before.range(errors, from, to));
        QVERIFY(after.range(req, now, now).last().isGap());
        // Live samples go on from there.
        after.appendGauge(req, now + 2000, 5);
        QCOMPARE(after.latest(req), 5.0);
        QCOMPARE(after.range(req, now + 2000, now + 2000).size(), 1);

        // Only the series asked for, and never over one the store already holds.
        MetricStore some;
        some.appendGauge(errors, now + 1000, 7);
        file.seek(0);
        const auto part
            = some.loadRecent(&file, [](const QString& key) { return key.startsWith(QLatin1String("gw")); });
        QVERIFY(part);
        QCOMPARE(part.value(), 1);
        QCOMPARE(some.latest(errors), 7.0);

        // Anything damaged is refused whole, with the reason.
        for (const qsizetype cut : { qsizetype(3), qsizetype(40), saved.size() / 2, saved.size() - 1 }) {
            QBuffer truncated;
            truncated.setData(saved.left(cut));
            truncated.open(QIODevice::ReadOnly);
            MetricStore fresh;
            const auto r = fresh.loadRecent(&truncated);
            QVERIFY2(!r, qPrintable(QStringLiteral("cut at %1 was read").arg(cut)));
            QCOMPARE(fresh.seriesCount(), 0);
        }
        QBuffer otherTiers;
        otherTiers.setData(saved);
        otherTiers.open(QIODevice::ReadOnly);
        MetricStore small(smallTiers());
        const auto refused = small.loadRecent(&otherTiers);
        QVERIFY(!refused);
        QVERIFY(refused.error().contains(QLatin1String("tiers")));
    }

    void seriesThatCloseTheirChunksAtDifferentTimesReadAlike()
    {
        // Each series' chunks begin at its own bucket (so a gateway's series do not all compress in one poll): a
        // hundred series fed the same values must read the same, in every tier and after a save and a load.
        MetricStore store;
        const qint64 t0 = 1'800'000'000'000;
        QRandomGenerator random(5);
        QList<double> values;
        for (int i = 0; i < 1500; ++i)
            values.append(i % 97 == 0 ? std::nan("") : 100 + random.bounded(50));
        QStringList keys;
        for (int k = 0; k < 100; ++k)
            keys.append(QStringLiteral("gw/s%1#req").arg(k));
        for (int i = 0; i < values.size(); ++i) {
            for (const QString& key : std::as_const(keys)) {
                if (std::isnan(values.at(i)))
                    store.appendGap(key, t0 + i * 1000);
                else
                    store.appendGauge(key, t0 + i * 1000, values.at(i));
            }
        }
        const qint64 from = t0 + 100 * 1000;
        const qint64 to = t0 + 1499 * 1000;
        const auto fine = store.range(keys.first(), from, to);
        const auto coarse = store.range(keys.first(), from, to, 200);
        QCOMPARE(fine.size(), 1400);
        QCOMPARE(coarse.size(), 140);
        QCOMPARE(fine.at(5).mean, float(values.at(105)));
        QVERIFY(fine.at(94).isGap()); // 194 = 2 x 97
        QBuffer file;
        file.open(QIODevice::WriteOnly);
        QCOMPARE(store.saveRecent(&file, t0, to), 100);
        file.close();
        file.open(QIODevice::ReadOnly);
        MetricStore restored;
        QVERIFY(restored.loadRecent(&file));
        for (const QString& key : std::as_const(keys)) {
            // Whole values are kept exactly; a coarse bucket's mean is kept within 1/1024 of its chunk's largest
            // value, and chunks of different series hold different buckets: two bounds apart at most.
            QVERIFY2(sameBuckets(store.range(key, from, to), fine), qPrintable(key));
            QVERIFY2(sameBuckets(store.range(key, from, to, 200), coarse, 2 * 150.0f / 1024), qPrintable(key));
            QVERIFY2(sameBuckets(restored.range(key, from, to), fine), qPrintable(key));
            QVERIFY2(sameBuckets(restored.range(key, from, to, 200), coarse, 2 * 150.0f / 1024), qPrintable(key));
        }
    }

    void notifiesOncePerBatch()
    {
        MetricStore m;
        QSignalSpy spy(&m, &MetricStore::samplesAppended);
        m.appendGauge(QStringLiteral("a"), 1, 1);
        m.appendGauge(QStringLiteral("b"), 1, 1);
        QCOMPARE(spy.count(), 0);
        m.notifyAppended();
        QCOMPARE(spy.count(), 1);
    }
};

QTEST_GUILESS_MAIN(TestMetricStore)
#include "tst_metricstore.moc"
