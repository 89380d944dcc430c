// The Prometheus HTTP API parser on answers captured from the lab's real Prometheus 2.42, and on bad ones.
#include <cmath>

#include <QFile>
#include <QTest>

#include "lab.h"
#include "wire/prometheusapi.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Wire;

namespace {
QByteArray readData(const QString& name)
{
    return Test::readTestData(QStringLiteral("prometheus/") + name);
}
} // namespace

class TestPrometheusApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matrix()
    {
        const auto r = parseQueryRange(readData(QStringLiteral("query_range-matrix.json")));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().size(), 1);
        QCOMPARE(r.value().first().points.size(), 1);
        QCOMPARE(r.value().first().points.first().first, qint64(1795805375000));
        QVERIFY(std::abs(r.value().first().points.first().second - 46.5634) < 1e-3);
    }
    void empty()
    {
        const auto r = parseQueryRange(readData(QStringLiteral("query_range-empty.json")));
        QVERIFY(r.ok());
        QVERIFY(r.value().isEmpty());
    }
    void prometheusError()
    {
        const auto r = parseQueryRange(readData(QStringLiteral("query_range-error.json")));
        QVERIFY(!r.ok());
        QCOMPARE(
            r.error(), QStringLiteral("Prometheus answered bad_data: 1:10: parse error: unclosed left parenthesis"));
    }
    void malformed_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("html") << QByteArray("<html>502 Bad Gateway</html>")
                              << QStringLiteral("not a Prometheus API answer");
        QTest::newRow("truncated") << QByteArray("{\"status\":\"success\",\"data\":{\"resultT")
                                   << QStringLiteral("not a Prometheus API answer");
        QTest::newRow("no status") << QByteArray("{}") << QStringLiteral("without a status");
        QTest::newRow("vector") << QByteArray(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}")
                                << QStringLiteral("expected a matrix");
        QTest::newRow("bad point") << QByteArray("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                                 "\"result\":[{\"metric\":{},\"values\":[[1]]}]}}")
                                   << QStringLiteral("[time, value]");
        QTest::newRow("bad value") << QByteArray("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                                 "\"result\":[{\"metric\":{},\"values\":[[1,\"x\"]]}]}}")
                                   << QStringLiteral("value \"x\"");
    }
    void malformed()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, errorContains);
        const auto r = parseQueryRange(json);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(errorContains), qPrintable(r.error()));
    }
};

QTEST_GUILESS_MAIN(TestPrometheusApi)
#include "tst_prometheusapi.moc"
