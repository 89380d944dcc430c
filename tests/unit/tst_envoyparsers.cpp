// Envoy's admin answers, written by hand after its documentation (tests/data/envoy: no live Envoy here): clusters
// and hosts with their health flags and counters as Envoy writes them (strings, zeros left out, flags only when
// true), listeners with IPv6 and UNIX-socket addresses, the Prometheus scrape laid over them, /server_info's states,
// and broken answers refused with a reason.
#include <QTest>

#include "cachepolicy.h"
#include "change.h"
#include "envoy/envoyparsers.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Envoy;

namespace {
const ServerSnapshot* host(const QList<BackendSnapshot>& pools, const QString& pool, const QString& name)
{
    for (const BackendSnapshot& b : pools) {
        if (b.name != pool)
            continue;
        for (const ServerSnapshot& s : b.servers)
            if (s.name == name)
                return &s;
    }
    return nullptr;
}
} // namespace

class TestEnvoyParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void clustersHostsAndHealthFlags()
    {
        const auto pools = parseClusters(Test::readTestData(QStringLiteral("envoy/clusters.json")));
        QVERIFY2(pools.ok(), qPrintable(pools.error()));
        QCOMPARE(pools.value().size(), 4);
        QCOMPARE(pools.value().first().name, QStringLiteral("orders.v1.svc"));
        QCOMPARE(pools.value().first().status, QStringLiteral("from the API (CDS)"));
        QCOMPARE(pools.value().at(1).status, QStringLiteral("static")); // added_via_api left out when false

        const ServerSnapshot* healthy
            = host(pools.value(), QStringLiteral("orders.v1.svc"), QStringLiteral("10.0.0.11:8080"));
        QVERIFY(healthy);
        QCOMPARE(healthy->health, Health::Up);
        QCOMPARE(healthy->requestsTotal, 188216); // a counter written as a JSON string
        QCOMPARE(healthy->responses5xxTotal, 3);
        QCOMPARE(healthy->sessions, 6);
        QCOMPARE(healthy->load.inFlight, 1);
        QCOMPARE(healthy->weight, 3);
        QVERIFY(healthy->checkStatus.startsWith(QLatin1String("success rate 100.0")));
        QVERIFY(healthy->checkDescription.contains(QLatin1String("orders-7c9f5-x2k4p")));

        // A failed active check (with its timeout) is down though EDS still says HEALTHY.
        const ServerSnapshot* failed
            = host(pools.value(), QStringLiteral("orders.v1.svc"), QStringLiteral("10.0.0.12:8080"));
        QVERIFY(failed);
        QCOMPARE(failed->health, Health::Down);
        QCOMPARE(failed->status, QStringLiteral("failed its active health check, health check timed out"));
        QCOMPARE(failed->sessions, 0); // cx_active left out: zero

        const ServerSnapshot* ejected
            = host(pools.value(), QStringLiteral("orders.v1.svc"), QStringLiteral("10.0.0.13:8080"));
        QVERIFY(ejected);
        QCOMPARE(ejected->health, Health::Down);
        QCOMPARE(ejected->status, QStringLiteral("ejected by outlier detection"));

        // IPv6 in brackets; EDS's own UNHEALTHY; every counter left out (all zero).
        const ServerSnapshot* v6
            = host(pools.value(), QStringLiteral("orders.v1.svc"), QStringLiteral("[fd00::12]:8080"));
        QVERIFY(v6);
        QCOMPARE(v6->health, Health::Down);
        QCOMPARE(v6->status, QStringLiteral("UNHEALTHY"));
        QCOMPARE(v6->requestsTotal, 0);

        // An odd hostname is kept as a description, the member named by its address.
        const ServerSnapshot* cafe = host(pools.value(), QStringLiteral("café-api"), QStringLiteral("192.168.7.40:80"));
        QVERIFY(cafe);
        QCOMPARE(cafe->health, Health::Down);
        QVERIFY(cafe->status.contains(QLatin1String("first health check pending")));
        QVERIFY(cafe->checkDescription.contains(QStringLiteral("Café_API node #1")));

        // A pool sums its hosts.
        QCOMPARE(pools.value().at(1).requestsTotal, 4166 + 4054);
        QCOMPARE(pools.value().at(1).responses5xxTotal, 44 + 51);
    }

    void listenersAndTheScrape()
    {
        const auto listeners = parseListeners(Test::readTestData(QStringLiteral("envoy/listeners.json")));
        QVERIFY2(listeners.ok(), qPrintable(listeners.error()));
        QCOMPARE(listeners.value().size(), 4);
        QCOMPARE(listeners.value().at(1).binds, QStringLiteral("0.0.0.0:10443, [::]:10443"));
        QCOMPARE(listeners.value().at(2).name, QStringLiteral("café listener (internal)"));
        QCOMPARE(listeners.value().at(3).binds, QStringLiteral("unix:/run/envoy/sidecar.sock"));
        for (const FrontendSnapshot& f : listeners.value()) {
            QVERIFY(f.tcp);
            QCOMPARE(f.requestsTotal, 0); // a listener's requests are its connection manager's
        }

        const auto scrape = Wire::parsePrometheusText(Test::readTestData(QStringLiteral("envoy/stats-prometheus.txt")));
        QVERIFY2(scrape.ok(), qPrintable(scrape.error()));
        QList<FrontendSnapshot> frontends = listeners.value();
        auto pools = parseClusters(Test::readTestData(QStringLiteral("envoy/clusters.json"))).value();
        addStats(scrape.value(), &frontends, &pools);
        QCOMPARE(frontends.at(0).sessions, 37);
        QCOMPARE(frontends.at(1).sessions, 112 + 3); // both addresses, IPv6's tag "[__]_10443"
        // One frontend per HTTP connection manager, the admin interface's own left out.
        QCOMPARE(frontends.size(), 5);
        const FrontendSnapshot& http = frontends.last();
        QCOMPARE(http.name, QStringLiteral("ingress_http"));
        QVERIFY(!http.tcp);
        QCOMPARE(http.requestsTotal, 206779 + 1204 + 1987);
        QCOMPARE(http.responses4xxTotal, 1204);
        QCOMPARE(http.responses5xxTotal, 1987);
        GatewaySnapshot snap;
        snap.frontends = frontends;
        QCOMPARE(snap.requestsTotal(), 206779 + 1204 + 1987); // each request once
        QCOMPARE(pools.at(1).load.responseMs, qRound64(118394.5 / 8220));
    }

    void serverInfoAndTheActions()
    {
        const auto live = parseServerInfo(Test::readTestData(QStringLiteral("envoy/server-info.json")));
        QVERIFY2(live.ok(), qPrintable(live.error()));
        QCOMPARE(live.value().version, QStringLiteral("1.34.3"));
        QCOMPARE(live.value().state, QStringLiteral("LIVE"));
        QCOMPARE(live.value().uptimeSeconds, 93784);
        const auto draining = parseServerInfo(Test::readTestData(QStringLiteral("envoy/server-info-draining.json")));
        QVERIFY(draining.ok());
        QCOMPARE(draining.value().state, QStringLiteral("DRAINING"));
        QCOMPARE(draining.value().uptimeSeconds, 612);

        // The health check as a setting: failing is verified by DRAINING, passing by LIVE; undone to what it was.
        const CachePolicy before = envoyPolicy(live.value());
        const CachePolicy after = envoyPolicy(draining.value());
        QCOMPARE(before.setting(QStringLiteral("health-check"))->value, QStringLiteral("passing"));
        QCOMPARE(after.setting(QStringLiteral("health-check"))->value, QStringLiteral("failing"));
        const Change fail(SettingChange {
            QStringLiteral("edge-1"), QStringLiteral("health-check"), {}, QStringLiteral("failing"), {} });
        GatewayState seen, now;
        seen.cache = before;
        now.cache = after;
        QVERIFY(fail.verify(now).ok);
        QVERIFY(!fail.verify(seen).ok);
        const auto undo = fail.inverse(seen);
        QVERIFY(undo.has_value());
        QCOMPARE(undo->as<SettingChange>()->value, QStringLiteral("passing"));
        // The listeners' drain is a command: nothing to undo.
        const Setting* drain = before.setting(QStringLiteral("drain-listeners"));
        QVERIFY(drain);
        QCOMPARE(drain->kind, Setting::Kind::Command);
        const Change drainAll(SettingChange {
            QStringLiteral("edge-1"), QStringLiteral("drain-listeners"), {}, QStringLiteral("drain"), {} });
        QVERIFY(!drainAll.inverse(seen).has_value());
        QVERIFY(drainAll.precheck(seen, seen, {}).problem.isEmpty());
        const Change other(SettingChange {
            QStringLiteral("edge-1"), QStringLiteral("drain-listeners"), {}, QStringLiteral("stop"), {} });
        QVERIFY(other.precheck(seen, seen, {}).problem.contains(QLatin1String("nothing sent")));
    }

    void brokenAnswersAreRefused_data()
    {
        QTest::addColumn<QByteArray>("clusters");
        QTest::addColumn<QString>("why");
        const QByteArray all = Test::readTestData(QStringLiteral("envoy/clusters.json"));
        QTest::newRow("truncated") << all.left(all.size() / 2) << QStringLiteral("not JSON");
        QTest::newRow("html") << QByteArray("<html>404</html>") << QStringLiteral("not JSON");
        QTest::newRow("a list") << QByteArray("[]") << QStringLiteral("not a JSON object");
        QTest::newRow("statuses not a list")
            << QByteArray(R"({"cluster_statuses": 7})") << QStringLiteral("not a list");
        QTest::newRow("no name") << QByteArray(R"({"cluster_statuses": [{"host_statuses": []}]})")
                                 << QStringLiteral("without a name");
        QTest::newRow("host without address")
            << QByteArray(R"({"cluster_statuses": [{"name": "x", "host_statuses": [{"stats": []}]}]})")
            << QStringLiteral("without an address");
    }
    void brokenAnswersAreRefused()
    {
        QFETCH(QByteArray, clusters);
        QFETCH(QString, why);
        const auto parsed = parseClusters(clusters);
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().contains(why), qPrintable(parsed.error()));
        QVERIFY(!parseServerInfo(R"({"version": "x/1.2.3/Clean"})").ok()); // no state
        QVERIFY(!parseListeners(R"({"listener_statuses": [{}]})").ok());
    }
};

QTEST_GUILESS_MAIN(TestEnvoyParsers)
#include "tst_envoyparsers.moc"
