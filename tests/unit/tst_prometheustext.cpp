// The Prometheus text parser on /metrics answers captured from real HAProxy 2.6 and Caddy 2.6, and on broken text.
#include <cmath>
#include <limits>

#include <QFile>
#include <QTest>

#include "lab.h"
#include "wire/prometheustext.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Wire;

namespace {
QByteArray readData(const QString& name)
{
    return Test::readTestData(QStringLiteral("prometheus/") + name);
}
} // namespace

class TestPrometheusText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void haproxyMetrics()
    {
        const auto r = parsePrometheusText(readData(QStringLiteral("haproxy-2.6.txt")));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const PrometheusScrape& s = r.value();
        QCOMPARE(s.samples.size(), 781); // every non-comment line of the capture
        QCOMPARE(s.families.value(QStringLiteral("haproxy_server_http_responses_total")).type,
            PrometheusFamily::Type::Counter);
        QVERIFY(s.families.value(QStringLiteral("haproxy_server_http_responses_total"))
                    .help.startsWith(QLatin1String("Total number of HTTP responses")));
        const auto twoxx = s.find(QStringLiteral("haproxy_server_http_responses_total"),
            { { QStringLiteral("proxy"), QStringLiteral("api") }, { QStringLiteral("code"), QStringLiteral("2xx") } });
        QCOMPARE(twoxx.size(), 3); // s1, s2, s3
        for (const auto& x : twoxx)
            QVERIFY(x.value > 0);
        QCOMPARE(twoxx.first().label(QStringLiteral("server")), QStringLiteral("s1"));
        const auto up = s.find(QStringLiteral("haproxy_server_status"),
            { { QStringLiteral("server"), QStringLiteral("s1") }, { QStringLiteral("state"), QStringLiteral("UP") } });
        QVERIFY(!up.isEmpty());
        QCOMPARE(up.first().value, 1.0);
    }

    void caddyMetrics()
    {
        const auto r = parsePrometheusText(readData(QStringLiteral("caddy-2.6.txt")));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const PrometheusScrape& s = r.value();
        const auto total = s.find(
            QStringLiteral("caddy_http_requests_total"), { { QStringLiteral("server"), QStringLiteral("srv0") } });
        QCOMPARE(total.size(), 1);
        QCOMPARE(total.first().value, 20.0); // the capture was taken after 20 requests
        QCOMPARE(s.families.value(QStringLiteral("caddy_http_request_duration_seconds")).type,
            PrometheusFamily::Type::Histogram);
        const auto inf = s.find(QStringLiteral("caddy_http_request_duration_seconds_bucket"),
            { { QStringLiteral("code"), QStringLiteral("200") }, { QStringLiteral("le"), QStringLiteral("+Inf") } });
        QCOMPARE(inf.size(), 1);
        const auto big = s.find(QStringLiteral("caddy_http_request_size_bytes_bucket"),
            { { QStringLiteral("le"), QStringLiteral("1.048576e+06") } });
        QVERIFY(!big.isEmpty());
    }

    void histogramQuantileAsPrometheusComputesIt_data()
    {
        QTest::addColumn<QList<double>>("bounds");
        QTest::addColumn<QList<double>>("counts");
        QTest::addColumn<double>("q");
        QTest::addColumn<double>("expected");
        QTest::addColumn<double>("lower");
        QTest::addColumn<double>("upper");
        const double inf = std::numeric_limits<double>::infinity();
        const QList<double> bounds { 0.1, 0.5, 1, inf };
        const QList<double> counts { 10, 20, 30, 30 };
        // rank 15 falls in (0.1, 0.5], holding ranks 10..20: 0.1 + 0.4 * 5/10.
        QTest::newRow("middle bucket") << bounds << counts << 0.5 << 0.3 << 0.1 << 0.5;
        QTest::newRow("p95") << bounds << counts << 0.95 << 0.925 << 0.5 << 1.0;
        // The first bucket interpolates from 0.
        QTest::newRow("first bucket") << bounds << counts << 0.05 << 0.015 << 0.0 << 0.1;
        // All in +Inf: only the highest finite bound is known.
        QTest::newRow("in +Inf") << QList<double> { 0.1, inf } << QList<double> { 0, 10 } << 0.5 << 0.1 << 0.1 << inf;
    }

    void histogramQuantileAsPrometheusComputesIt()
    {
        QFETCH(QList<double>, bounds);
        QFETCH(QList<double>, counts);
        QFETCH(double, q);
        QFETCH(double, expected);
        double lower = -1, upper = -1;
        QCOMPARE(histogramQuantile(q, Histogram { bounds, counts }, &lower, &upper), expected);
        QTEST(lower, "lower");
        QTEST(upper, "upper");
    }

    void histogramEdges()
    {
        QVERIFY(std::isnan(histogramQuantile(0.5, Histogram {})));
        QVERIFY(std::isnan(histogramQuantile(0.5, Histogram { { 0.1, 1 }, { 0, 0 } }))); // nothing observed
        QVERIFY(std::isnan(histogramQuantile(1.5, Histogram { { 0.1 }, { 3 } })));
        // The difference of two readings; a counter that went down is a restart, so the newer reading stands.
        const Histogram before { { 0.1, 1 }, { 5, 8 } };
        const Histogram after { { 0.1, 1 }, { 7, 12 } };
        QCOMPARE(histogramDelta(after, before), (Histogram { { 0.1, 1 }, { 2, 4 } }));
        QCOMPARE(histogramDelta(before, after), before);
        QCOMPARE(histogramDelta(after, Histogram { { 0.2, 1 }, { 1, 1 } }), after);
    }

    void caddyLatencyHistogram()
    {
        // Captured from the lab's Caddy: 20,391 answers of 200 between 10 and 25 ms, 641 fast 500s under 5 ms.
        const auto scrape = parsePrometheusText(Test::readTestData(QStringLiteral("caddy/metrics.txt")));
        QVERIFY(scrape.ok());
        const Histogram h = histogramOf(scrape.value(), QStringLiteral("caddy_http_request_duration_seconds"));
        QCOMPARE(h.bounds.size(), 12);
        QVERIFY(std::isinf(h.bounds.last()));
        QCOMPARE(h.counts.first(), 641.0);
        QCOMPARE(h.counts.last(), 21038.0);
        double lower = 0, upper = 0;
        const double p95 = histogramQuantile(0.95, h, &lower, &upper);
        QVERIFY(qAbs(p95 - (0.01 + 0.015 * (0.95 * 21038 - 641) / 20391)) < 1e-12);
        QCOMPARE(lower, 0.01);
        QCOMPARE(upper, 0.025);
    }

    void grammar()
    {
        const auto r
            = parsePrometheusText("# a free comment\n"
                                  "# TYPE x counter\n"
                                  "x 1\n"
                                  "y{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\",} 2.5 1700000000000\n"
                                  "z{} NaN\n"
                                  "w +Inf\n"
                                  "v -Inf\r\n"
                                  "u{ a=\"1\" , b=\"2\" } 3e-3\n");
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const auto& s = r.value().samples;
        QCOMPARE(s.size(), 6);
        QCOMPARE(s.at(1).label(QStringLiteral("a")), QStringLiteral("q\"uote"));
        QCOMPARE(s.at(1).label(QStringLiteral("b")), QStringLiteral("back\\slash"));
        QCOMPARE(s.at(1).label(QStringLiteral("c")), QStringLiteral("new\nline"));
        QCOMPARE(s.at(1).timestampMs, qint64(1700000000000));
        QVERIFY(std::isnan(s.at(2).value));
        QVERIFY(std::isinf(s.at(3).value) && s.at(3).value > 0);
        QVERIFY(std::isinf(s.at(4).value) && s.at(4).value < 0);
        QCOMPARE(s.at(5).value, 0.003);
        QVERIFY(parsePrometheusText(QByteArray()).ok());
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("no value") << QByteArray("x\n") << QStringLiteral("line 1: no value");
        QTest::newRow("bad value") << QByteArray("ok 1\nx abc\n") << QStringLiteral("line 2: value \"abc\"");
        QTest::newRow("bad name") << QByteArray("9x 1\n") << QStringLiteral("expected a metric name");
        QTest::newRow("label without quotes")
            << QByteArray("x{a=1} 1\n") << QStringLiteral("expected =\" after label a");
        QTest::newRow("unterminated label")
            << QByteArray("x{a=\"1} 1\n") << QStringLiteral("unterminated value of label a");
        QTest::newRow("truncated in labels")
            << QByteArray("x{a=\"1\",b") << QStringLiteral("expected =\" after label b");
        QTest::newRow("bad escape") << QByteArray("x{a=\"\\t\"} 1\n") << QStringLiteral("bad escape \\t");
        QTest::newRow("missing comma") << QByteArray("x{a=\"1\" b=\"2\"} 1\n") << QStringLiteral("expected , or }");
        QTest::newRow("extra text") << QByteArray("x 1 2 3\n") << QStringLiteral("extra text");
        QTest::newRow("bad timestamp") << QByteArray("x 1 soon\n") << QStringLiteral("timestamp");
        QTest::newRow("unknown type") << QByteArray("# TYPE x meter\n") << QStringLiteral("unknown metric type");
        QTest::newRow("html error page") << QByteArray("<html><body>503 Service Unavailable</body></html>\n")
                                         << QStringLiteral("expected a metric name");
    }
    void malformed()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, errorContains);
        const auto r = parsePrometheusText(text);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(errorContains), qPrintable(r.error()));
    }

    void truncatedRealAnswersNeverCrash()
    {
        const QByteArray good = readData(QStringLiteral("caddy-2.6.txt"));
        int failures = 0;
        for (qsizetype cut = 0; cut < good.size(); cut += 37) {
            const auto r = parsePrometheusText(good.left(cut));
            if (!r.ok())
                ++failures;
        }
        QVERIFY(failures > 0); // cuts inside a label or name are caught
    }
};

QTEST_GUILESS_MAIN(TestPrometheusText)
#include "tst_prometheustext.moc"
