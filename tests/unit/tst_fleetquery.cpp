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

    void aRecordedFleetIsOneSelector()
    {
        FleetQuerySpec s = spec();
        s.record = QStringLiteral("fleetdeck_edge");
        QCOMPARE(fleetQuery(s), QStringLiteral("{__name__=~\"fleetdeck_edge:(present|req|up)\"}"));
    }

    void membersAndFiguresAreAskedApart()
    {
        QCOMPARE(fleetQuery(spec(), FleetPart::Members),
            QStringLiteral(
                "label_replace(group by (instance, site) (haproxy_process_start_time_seconds{job=\"edge\"}), "
                "\"fd_figure\", \"present\", \"\", \"\")"));
        const QString figures = fleetQuery(spec(), FleetPart::Figures);
        QVERIFY2(figures.startsWith(QLatin1String("label_replace(sum by (instance) (rate(")), qPrintable(figures));
        QVERIFY2(!figures.contains(QLatin1String("present")), qPrintable(figures));
        QCOMPARE(figures.count(QLatin1String(" or ")), 1);
        FleetQuerySpec s = spec();
        s.record = QStringLiteral("fleetdeck_edge");
        QCOMPARE(fleetQuery(s, FleetPart::Members), QStringLiteral("{__name__=~\"fleetdeck_edge:(present)\"}"));
        QCOMPARE(fleetQuery(s, FleetPart::Figures), QStringLiteral("{__name__=~\"fleetdeck_edge:(req|up)\"}"));
    }

    void figuresAreReadOntoTheMembers()
    {
        // The members as asked earlier; the figures name one of them, and one that is not among them.
        DiscoveredGateway a;
        a.name = QStringLiteral("a:1");
        a.labels.insert(QStringLiteral("site"), QStringLiteral("par"));
        a.requestsPerSecond = 99; // an old figure: not kept
        DiscoveredGateway b;
        b.name = QStringLiteral("b:1");
        const QByteArray json
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"instance\":\"a:"
              "1\",\"fd_figure\":\"req\"},\"value\":[1700000000,\"2.5\"]},{\"metric\":{\"instance\":\"c:1\","
              "\"fd_figure\":\"req\"},\"value\":[1700000000,\"7\"]}]}}";
        QStringList unknown;
        const auto parsed = parseFleetAnswer(json, spec(), QStringLiteral("haproxy"), { a, b }, &unknown);
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed.value().size(), 2);
        QCOMPARE(parsed.value().at(0).name, QStringLiteral("a:1"));
        QCOMPARE(parsed.value().at(0).labels.value(QStringLiteral("site")), QStringLiteral("par"));
        QCOMPARE(parsed.value().at(0).requestsPerSecond, 2.5);
        QCOMPARE(parsed.value().at(1).name, QStringLiteral("b:1"));
        QVERIFY(std::isnan(parsed.value().at(1).requestsPerSecond)); // a member without figures: NaN
        QCOMPARE(unknown, QStringList { QStringLiteral("c:1") });
    }

    void recordedUpIsKeptOnlyWhereServersAreDown()
    {
        FleetQuerySpec s = spec();
        s.record = QStringLiteral("fleetdeck_edge");
        s.figures.insert(
            QStringLiteral("servers"), QStringLiteral("count by ($by) (haproxy_server_status{$matchers})"));
        const QStringList lines = fleetRecordingRules(s, 10).split(QLatin1Char('\n'));
        QVERIFY2(lines.contains(QStringLiteral("        expr: '(sum by (instance) "
                                               "(haproxy_backend_active_servers{job=\"edge\"})) < (count by (instance) "
                                               "(haproxy_server_status{job=\"edge\"}))'")),
            qPrintable(lines.join(QLatin1Char('\n'))));
        // Read back: a gateway without a recorded "up" has every server up; one with it, what it says.
        const QByteArray json
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":"
              "\"fleetdeck_edge:servers\",\"instance\":\"a:1\"},\"value\":[1,\"4\"]},{\"metric\":{\"__name__\":"
              "\"fleetdeck_edge:servers\",\"instance\":\"b:1\"},\"value\":[1,\"4\"]},{\"metric\":{\"__name__\":"
              "\"fleetdeck_edge:up\",\"instance\":\"b:1\"},\"value\":[1,\"1\"]}]}}";
        DiscoveredGateway a, b, c;
        a.name = QStringLiteral("a:1");
        b.name = QStringLiteral("b:1");
        c.name = QStringLiteral("c:1");
        const auto parsed = parseFleetAnswer(json, s, QStringLiteral("haproxy"), { a, b, c });
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed.value().at(0).serversUp, 4.0);
        QCOMPARE(parsed.value().at(1).serversUp, 1.0);
        QVERIFY(std::isnan(parsed.value().at(2).serversUp)); // no servers either: nothing to say
        // Without "record" a missing "up" stays unknown.
        s.record.clear();
        const auto plain = parseFleetAnswer(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"instance\":"
            "\"a:1\",\"fd_figure\":\"servers\"},\"value\":[1,\"4\"]}]}}",
            s, QStringLiteral("haproxy"), { a });
        QVERIFY2(plain.ok(), qPrintable(plain.error()));
        QVERIFY(std::isnan(plain.value().at(0).serversUp));
    }

    void recordingRulesRecordWhatTheQueryWouldAsk()
    {
        FleetQuerySpec s = spec();
        s.record = QStringLiteral("fleetdeck_edge");
        s.figures.insert(QStringLiteral("5xx"),
            QStringLiteral(
                "sum by ($by) (rate(haproxy_frontend_http_responses_total{code='5xx',$matchers}[$window]))"));
        const QString yaml = fleetRecordingRules(s, 15);
        const QStringList lines = yaml.split(QLatin1Char('\n'));
        QVERIFY2(lines.contains(QStringLiteral("  - name: fleetdeck_edge")), qPrintable(yaml));
        QVERIFY2(lines.contains(QStringLiteral("    interval: 15s")), qPrintable(yaml));
        QVERIFY2(lines.contains(QStringLiteral("      - record: fleetdeck_edge:present")), qPrintable(yaml));
        QVERIFY2(lines.contains(QStringLiteral("        expr: 'group by (instance, site) "
                                               "(haproxy_process_start_time_seconds{job=\"edge\"})'")),
            qPrintable(yaml));
        QVERIFY2(lines.contains(QStringLiteral("      - record: fleetdeck_edge:req")), qPrintable(yaml));
        QVERIFY2(lines.contains(QStringLiteral("        expr: 'sum by (instance) "
                                               "(rate(haproxy_frontend_http_requests_total{job=\"edge\"}[1m]))'")),
            qPrintable(yaml));
        // A quote inside an expression is doubled, as YAML's single-quoted scalars want.
        QVERIFY2(lines.contains(QStringLiteral("        expr: 'sum by (instance) (rate(haproxy_frontend_http_responses_"
                                               "total{code=''5xx'',job=\"edge\"}[1m]))'")),
            qPrintable(yaml));
        QCOMPARE(lines.filter(QStringLiteral("- record: ")).size(), 4);
    }

    void aRecordedAnswerIsReadByItsSeriesNames()
    {
        FleetQuerySpec s = spec();
        s.record = QStringLiteral("fleetdeck_edge");
        const QByteArray plain
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":"
              "\"fleetdeck_edge:req\",\"instance\":\"a:1\"},\"value\":[1700000000,\"4.5\"]},{\"metric\":{\"__name__\":"
              "\"fleetdeck_edge:present\",\"instance\":\"a:1\",\"site\":\"par\"},\"value\":[1700000000,\"1\"]},{"
              "\"metric\":{\"__name__\":\"other_edge:up\",\"instance\":\"a:1\"},\"value\":[1700000000,\"9\"]},{"
              "\"metric\":{\"__name__\":\"fleetdeck_edge:up\",\"instance\":\"a:1\"},\"value\":[1700000000,\"2\"]}]}}";
        QByteArray escaped = plain;
        escaped.replace("\"status\"", "\"warnings\":[\"\\\"w\\\"\"],\"status\"");
        for (const QByteArray& json : { plain, escaped }) {
            const auto parsed = parseFleetAnswer(json, s, QStringLiteral("haproxy"));
            QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
            QCOMPARE(parsed.value().size(), 1);
            const DiscoveredGateway& g = parsed.value().at(0);
            QCOMPARE(g.name, QStringLiteral("a:1"));
            QCOMPARE(g.labels.value(QStringLiteral("site")), QStringLiteral("par"));
            QCOMPARE(g.requestsPerSecond, 4.5);
            QCOMPARE(g.serversUp, 2.0); // another prefix's series is not this fleet's
        }
    }

    void theAnswerGivesEachGatewayItsFigures()
    {
        const QByteArray json
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"instance\":\"10."
              "0.0.1:8405\",\"site\":\"par\",\"fd_figure\":\"present\"},\"value\":[1700000000,\"1\"]},{\"metric\":{"
              "\"instance\":\"10.0.0.2:8405\",\"fd_figure\":\"present\"},\"value\":[1700000000,\"1\"]},{\"metric\":{"
              "\"instance\":\"10.0.0.1:8405\",\"fd_figure\":\"req\"},\"value\":[1700000000,\"12.5\"]},{\"metric\":{"
              "\"instance\":\"10.0.0.1:8405\",\"fd_figure\":\"up\"},\"value\":[1700000000,\"3\"]},{\"metric\":{"
              "\"instance\":\"10.0.0.9:8405\",\"fd_figure\":\"req\"},\"value\":[1700000000,\"7\"]}]}}";
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

    void bothReadersGiveTheSame()
    {
        // The fast reader takes plain answers; one with an escape anywhere is read by the general one. Both must
        // give the same gateways.
        const QByteArray plain
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"instance\":\"a:"
              "1\",\"site\":\"par\",\"fd_figure\":\"present\"},\"value\":[1700000000.5,\"1\"]},{\"metric\":{"
              "\"instance\":\"a:1\",\"fd_figure\":\"req\"},\"value\":[1700000000.5,\"2.5\"]},{\"metric\":{\"instance\":"
              "\"b:1\",\"fd_figure\":\"present\"},\"value\":[1700000000.5,\"1\"]},{\"metric\":{\"instance\":\"b:1\","
              "\"fd_figure\":\"up\"},\"value\":[1700000000.5,\"NaN\"]}]}}";
        QByteArray escaped = plain;
        escaped.replace("\"status\"", "\"warnings\":[\"a \\\"quoted\\\" warning\"],\"status\"");
        const auto fast = parseFleetAnswer(plain, spec(), QStringLiteral("haproxy"));
        const auto general = parseFleetAnswer(escaped, spec(), QStringLiteral("haproxy"));
        QVERIFY2(fast.ok() && general.ok(), qPrintable(fast.error() + general.error()));
        QCOMPARE(fast.value().size(), 2);
        QCOMPARE(general.value().size(), 2);
        for (int i = 0; i < 2; ++i) {
            const DiscoveredGateway& f = fast.value().at(i);
            const DiscoveredGateway& g = general.value().at(i);
            QCOMPARE(f.name, g.name);
            QCOMPARE(f.labels, g.labels);
            QCOMPARE(std::isnan(f.requestsPerSecond), std::isnan(g.requestsPerSecond));
            QCOMPARE(std::isnan(f.serversUp), std::isnan(g.serversUp));
        }
        QCOMPARE(fast.value().at(0).requestsPerSecond, 2.5);
        QCOMPARE(fast.value().at(0).labels.value(QStringLiteral("site")), QStringLiteral("par"));
        QCOMPARE(general.value().at(0).requestsPerSecond, 2.5);
        QVERIFY(std::isnan(fast.value().at(1).serversUp)); // Prometheus' NaN stays NaN
    }

    void hostileAnswersAreRefusedNotFollowed()
    {
        // Endless brackets, a cut-off answer, a value that is no number: an error or no figure, never a crash.
        const QByteArray start
            = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"x\":";
        const auto deep = parseFleetAnswer(start + QByteArray(200000, '['), spec(), {});
        QVERIFY(!deep.ok());
        const QByteArray whole = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
                                 "\"instance\":\"a:1\",\"fd_figure\":\"present\"},\"value\":[1,\"1\"]}]}}";
        for (int cut : { 10, 60, int(whole.size()) - 1 }) {
            const auto cutOff = parseFleetAnswer(whole.left(cut), spec(), {});
            QVERIFY2(!cutOff.ok(), qPrintable(QString::number(cut)));
        }
        QByteArray notNumber = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{"
                               "\"instance\":\"a:1\",\"fd_figure\":\"present\"},\"value\":[1,\"1\"]},{\"metric\":{"
                               "\"instance\":\"a:1\",\"fd_figure\":\"req\"},\"value\":[1,\"lots\"]}]}}";
        const auto odd = parseFleetAnswer(notNumber, spec(), {});
        QVERIFY2(odd.ok(), qPrintable(odd.error()));
        QVERIFY(std::isnan(odd.value().at(0).requestsPerSecond));
    }

    void prometheusErrorsAndGarbageAreSaid()
    {
        const auto refused = parseFleetAnswer(
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}", spec(), {});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error(), QStringLiteral("Prometheus answered bad_data: parse error at char 3"));
        const auto garbage = parseFleetAnswer("<html>proxy error</html>", spec(), {});
        QVERIFY(!garbage.ok());
        QVERIFY2(garbage.error().startsWith(QLatin1String("not a Prometheus API answer")), qPrintable(garbage.error()));
        const auto matrix = parseFleetAnswer(
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", spec(), {});
        QVERIFY(!matrix.ok());
    }
};

QTEST_GUILESS_MAIN(TestFleetQuery)
#include "tst_fleetquery.moc"
