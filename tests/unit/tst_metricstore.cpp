#include <cmath>

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

    void memoryIsFixedPerSeries()
    {
        MetricStore m;
        QVERIFY(m.bytesPerSeries() > 0);
        m.appendGauge(QStringLiteral("a"), 0, 1);
        const qint64 young = m.bytesAllocated();
        QVERIFY(young < m.bytesPerSeries() / 10); // a young series has not grown its rings
        for (int i = 0; i < 7 * 24 * 3600; i += 7)
            m.appendGauge(QStringLiteral("a"), qint64(i) * 1000, i);
        QCOMPARE(m.bytesAllocated(), m.bytesPerSeries()); // full rings: the fixed size, and no more
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
