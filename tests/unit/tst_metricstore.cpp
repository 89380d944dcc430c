#include <cmath>

#include <QSignalSpy>
#include <QTest>

#include "metricstore.h"

using namespace Fleetdeck;

class TestMetricStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void gaugeKeepsValues()
    {
        MetricStore m(10);
        m.appendGauge(QStringLiteral("g"), 1000, 3.0);
        m.appendGauge(QStringLiteral("g"), 2000, 5.0);
        const auto s = m.samples(QStringLiteral("g"), 0, 10000);
        QCOMPARE(s.size(), 2);
        QCOMPARE(s.at(0), (MetricStore::Sample { 1000, 3.0 }));
        QCOMPARE(s.at(1), (MetricStore::Sample { 2000, 5.0 }));
        QCOMPARE(m.latest(QStringLiteral("g")), 5.0);
    }

    void counterBecomesRate()
    {
        MetricStore m(10);
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 100);
        QCOMPARE(m.size(k), 0); // one total gives no rate yet
        m.appendCounter(k, 2000, 150);
        m.appendCounter(k, 4000, 250);
        const auto s = m.samples(k, 0, 10000);
        QCOMPARE(s.size(), 2);
        QCOMPARE(s.at(0).value, 50.0);
        QCOMPARE(s.at(1).value, 50.0); // 100 over 2 s
    }

    void counterResetCountsFromZero()
    {
        MetricStore m(10);
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 1000);
        m.appendCounter(k, 2000, 1010);
        m.appendCounter(k, 3000, 4); // the gateway restarted: 4 requests since
        const auto s = m.samples(k, 0, 10000);
        QCOMPARE(s.size(), 2);
        QCOMPARE(s.at(0).value, 10.0);
        QCOMPARE(s.at(1).value, 4.0); // not a negative rate, not a huge spike
        QVERIFY(s.at(1).value >= 0);
    }

    void gapsAreGapsNotZeros()
    {
        MetricStore m(10);
        const QString k = QStringLiteral("c");
        m.appendCounter(k, 1000, 0);
        m.appendCounter(k, 2000, 10);
        m.appendGap(k, 3000);
        m.appendGap(k, 4000); // a second failure adds no second marker
        m.appendCounter(k, 9000, 500); // first total after the gap: no rate across the gap
        m.appendCounter(k, 10000, 520);
        const auto s = m.samples(k, 0, 20000);
        QCOMPARE(s.size(), 3);
        QCOMPARE(s.at(0).value, 10.0);
        QVERIFY(std::isnan(s.at(1).value));
        QCOMPARE(s.at(1).timeMs, qint64(3000));
        QCOMPARE(s.at(2).value, 20.0);
        QVERIFY(std::isnan(MetricStore(4).latest(QStringLiteral("missing"))));
    }

    void ringKeepsNewest()
    {
        MetricStore m(5);
        for (int i = 0; i < 12; ++i)
            m.appendGauge(QStringLiteral("g"), i * 1000, i);
        const auto s = m.samples(QStringLiteral("g"), 0, 100000);
        QCOMPARE(s.size(), 5);
        QCOMPARE(s.first().value, 7.0);
        QCOMPARE(s.last().value, 11.0);
        const auto window = m.samples(QStringLiteral("g"), 9000, 10000);
        QCOMPARE(window.size(), 2);
        QCOMPARE(window.first().timeMs, qint64(9000));
    }

    void holdsAnHourAtOneSecond()
    {
        MetricStore m; // default capacity
        QVERIFY(m.capacity() >= 3600);
        for (int i = 0; i <= 3600; ++i)
            m.appendCounter(QStringLiteral("c"), qint64(i) * 1000, i * 2.0);
        QCOMPARE(m.size(QStringLiteral("c")), 3600);
        QCOMPARE(m.samples(QStringLiteral("c"), 1000, 3600 * 1000).size(), 3600);
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
