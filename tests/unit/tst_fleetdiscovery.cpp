// A fleet file's "discover": what is read, what is refused and why, and the admin address a discovered gateway gets.
#include <QJsonDocument>
#include <QTest>

#include "fleetfile.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
Result<FleetFile> parse(const QByteArray& json)
{
    return parseFleetFile(json, Drivers::ProductRegistry::builtIn().catalog());
}
DiscoveredGateway gateway(const QString& name, QMap<QString, QString> labels)
{
    DiscoveredGateway g;
    g.name = name;
    g.product = QStringLiteral("haproxy");
    g.labels = std::move(labels);
    return g;
}
} // namespace

class TestFleetDiscovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsTheDiscoveryAndTakesTheFleetsPrometheus()
    {
        const auto fleet = parse("{\"prometheus\": \"http://127.0.0.1:9090\", \"discover\": { \"selector\": "
                                 "\"haproxy_process_start_time_seconds{job=\\\"edge\\\"}\", \"groupBy\": [\"site\", "
                                 "\"role\"], \"admin\": \"tcp://{host}:{admin_port}\", \"refreshSeconds\": 5, "
                                 "\"record\": \"fleetdeck_edge\"}}");
        QVERIFY2(fleet.ok(), qPrintable(fleet.error()));
        const FleetDiscovery& d = fleet.value().discovery;
        QVERIFY(fleet.value().gateways.isEmpty()); // no list needed
        QCOMPARE(d.prometheus, QUrl(QStringLiteral("http://127.0.0.1:9090")));
        QCOMPARE(d.product, QStringLiteral("haproxy")); // the default product
        QCOMPARE(d.nameLabel, QStringLiteral("instance"));
        QCOMPARE(d.groupBy, QStringList({ QStringLiteral("site"), QStringLiteral("role") }));
        QCOMPARE(d.refreshMs, 5000);
        QCOMPARE(d.record, QStringLiteral("fleetdeck_edge"));
        // Read with the labels it is grouped by and those its admin address needs.
        QCOMPARE(d.labelsWanted(),
            QStringList({ QStringLiteral("site"), QStringLiteral("role"), QStringLiteral("admin_port") }));
        // Written back the same.
        const auto again = parse(serializeFleetFile(fleet.value()));
        QVERIFY2(again.ok(), qPrintable(again.error()));
        QCOMPARE(again.value().discovery.selector, d.selector);
        QCOMPARE(again.value().discovery.admin, d.admin);
        QCOMPARE(again.value().discovery.groupBy, d.groupBy);
        QCOMPARE(again.value().discovery.record, d.record);
    }

    void refusesWhatCannotWork_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("error");
        QTest::newRow("no selector") << QByteArray("{\"prometheus\": \"http://p:9090\", \"discover\": {}}")
                                     << QStringLiteral("discover.selector");
        QTest::newRow("no prometheus") << QByteArray("{\"discover\": {\"selector\": \"up\"}}")
                                       << QStringLiteral("no Prometheus to ask");
        QTest::newRow("unknown product") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"product\": \"squid\"}}")
                                         << QStringLiteral("\"squid\" is not a product");
        QTest::newRow("product without figures") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"product\": \"kong\"}}")
                                                 << QStringLiteral("has no fleet figures");
        QTest::newRow("bad label") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"groupBy\": [\"si te\"]}}")
                                   << QStringLiteral("discover.groupBy");
        QTest::newRow("bad window") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"window\": \"1 minute\"}}")
                                    << QStringLiteral("discover.window");
        QTest::newRow("refresh too fast") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"refreshSeconds\": 0.1}}")
                                          << QStringLiteral("discover.refreshSeconds");
        QTest::newRow("bad record") << QByteArray(
            "{\"prometheus\": \"http://p:9090\", \"discover\": {\"selector\": \"up\", \"record\": \"edge:figures\"}}")
                                    << QStringLiteral("discover.record");
        QTest::newRow("not an object") << QByteArray("{\"gateways\": [], \"discover\": \"up\"}")
                                       << QStringLiteral("discover: must be an object");
    }
    void refusesWhatCannotWork()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, error);
        const auto fleet = parse(json);
        QVERIFY(!fleet.ok());
        QVERIFY2(fleet.error().contains(error), qPrintable(fleet.error()));
    }

    void adminAddressFromLabels()
    {
        FleetDiscovery d;
        d.selector = QStringLiteral("up");
        d.product = QStringLiteral("haproxy");
        d.admin = QStringLiteral("tcp://{host}:{admin_port}");
        const auto config = d.gatewayFor(
            gateway(QStringLiteral("10.1.2.3:8405"), { { QStringLiteral("admin_port"), QStringLiteral("9999") } }));
        QVERIFY2(config.ok(), qPrintable(config.error()));
        QCOMPARE(config.value().name, QStringLiteral("10.1.2.3:8405"));
        QCOMPARE(config.value().product, QStringLiteral("haproxy"));
        QCOMPARE(config.value().admin, QUrl(QStringLiteral("tcp://10.1.2.3:9999")));
        // Named by its metrics endpoint: that is where its charts' history comes from.
        QCOMPARE(config.value().metrics, QUrl(QStringLiteral("http://10.1.2.3:8405/metrics")));
        // Named otherwise: its "instance" label, asked for with the others.
        d.nameLabel = QStringLiteral("gateway");
        QVERIFY(d.labelsWanted().contains(QStringLiteral("instance")));
        const auto named = d.gatewayFor(gateway(QStringLiteral("edge-7"),
            { { QStringLiteral("admin_port"), QStringLiteral("9999") },
                { QStringLiteral("instance"), QStringLiteral("10.1.2.7:8405") } }));
        QVERIFY2(named.ok(), qPrintable(named.error()));
        QCOMPARE(named.value().metrics, QUrl(QStringLiteral("http://10.1.2.7:8405/metrics")));
        d.nameLabel = QStringLiteral("instance");

        // A label it lacks: refused, naming the gateway and the label.
        const auto missing = d.gatewayFor(gateway(QStringLiteral("10.1.2.4:8405"), {}));
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().contains(QStringLiteral("10.1.2.4:8405"))
                && missing.error().contains(QStringLiteral("admin_port")),
            qPrintable(missing.error()));

        // No template: look only.
        d.admin.clear();
        QVERIFY(!d.gatewayFor(gateway(QStringLiteral("a"), {})).ok());
    }
};

QTEST_GUILESS_MAIN(TestFleetDiscovery)
#include "tst_fleetdiscovery.moc"
