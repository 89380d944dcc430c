// The batched query of a large fleet's refresh, and the reading of its answer (written here after Prometheus'
// documented instant-query format).
#include <QTest>

#include "wire/fleetquery.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Wire;

namespace {
FleetQuerySpec spec()
{
    FleetQuerySpec s;
    s.selector = QStringLiteral("haproxy_process_start_time_seconds{job=\"edge\"}");
    s.groupLabels = { QStringLiteral("site") };
    s.figures.insert(QStringLiteral("req"),
        QStringLiteral("sum by ($by) (rate(haproxy_frontend_http_requests_total{$matchers}[$window]))"));
    s.figures.insert(QStringLiteral("up"), QStringLiteral("sum by ($by) (haproxy_backend_active_servers{$matchers})"));
    return s;
}
} // namespace

class TestFleetQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneQueryTagsEachFigure()
    {
        const QString q = fleetQuery(spec());
        QCOMPARE(q,
            QStringLiteral(
                "label_replace(group by (instance, site) (haproxy_process_start_time_seconds{job=\"edge\"}), "
                "\"fd_figure\", \"present\", \"\", \"\") or "
                "label_replace(sum by (instance) (rate(haproxy_frontend_http_requests_total{job=\"edge\"}[1m])), "
                "\"fd_figure\", \"req\", \"\", \"\") or "
                "label_replace(sum by (instance) (haproxy_backend_active_servers{job=\"edge\"}), "
                "\"fd_figure\", \"up\", \"\", \"\")"));
    }

    void theAnswerGivesEachGatewayItsFigures()
    {
        const QByteArray json = R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"10.0.0.1:8405","site":"par","fd_figure":"present"},"value":[1700000000,"1"]},
            {"metric":{"instance":"10.0.0.2:8405","fd_figure":"present"},"value":[1700000000,"1"]},
            {"metric":{"instance":"10.0.0.1:8405","fd_figure":"req"},"value":[1700000000,"12.5"]},
            {"metric":{"instance":"10.0.0.1:8405","fd_figure":"up"},"value":[1700000000,"3"]},
            {"metric":{"instance":"10.0.0.9:8405","fd_figure":"req"},"value":[1700000000,"7"]}]}})";
        const auto parsed = parseFleetAnswer(json, spec(), QStringLiteral("haproxy"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        const auto& gateways = parsed.value();
        QCOMPARE(gateways.size(), 2); // a figure without the selector's series is no gateway
        QCOMPARE(gateways.at(0).name, QStringLiteral("10.0.0.1:8405"));
        QCOMPARE(gateways.at(0).labels.value(QStringLiteral("site")), QStringLiteral("par"));
        QCOMPARE(gateways.at(0).requestsPerSecond, 12.5);
        QCOMPARE(gateways.at(0).serversUp, 3.0);
        QVERIFY(std::isnan(gateways.at(0).servers));
        QVERIFY(std::isnan(gateways.at(1).requestsPerSecond)); // found, no figures: NaN, not 0
        QCOMPARE(gateways.at(1).product, QStringLiteral("haproxy"));
    }

    void prometheusErrorsAndGarbageAreSaid()
    {
        const auto refused = parseFleetAnswer(
            R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})", spec(), {});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error(), QStringLiteral("Prometheus answered bad_data: parse error at char 3"));
        const auto garbage = parseFleetAnswer("<html>proxy error</html>", spec(), {});
        QVERIFY(!garbage.ok());
        QVERIFY2(garbage.error().startsWith(QLatin1String("not a Prometheus API answer")), qPrintable(garbage.error()));
        const auto matrix
            = parseFleetAnswer(R"({"status":"success","data":{"resultType":"matrix","result":[]}})", spec(), {});
        QVERIFY(!matrix.ok());
    }
};

QTEST_GUILESS_MAIN(TestFleetQuery)
#include "tst_fleetquery.moc"
