// Caddy's config walked for pools, on answers captured from a real Caddy 2.6 (a subroute and an @id pool), and
// on broken input.
#include <QTest>

#include "caddy/caddyparsers.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Caddy;

class TestCaddyParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void poolsAndUpstreams()
    {
        const auto snap = parseCaddyConfig(Test::readTestData(QStringLiteral("caddy/config-nested.json")),
            Test::readTestData(QStringLiteral("caddy/upstreams.json")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QCOMPARE(snap.value().backends.size(), 2);
        // The pool inside a subroute is named by where it sits; the other by its @id.
        QCOMPARE(snap.value().backends.at(0).name, QStringLiteral("srv0/routes/0/handle/0/routes/0/handle/0"));
        QCOMPARE(snap.value().backends.at(0).algorithm, QStringLiteral("random"));
        const BackendSnapshot* api = snap.value().backend(QStringLiteral("api"));
        QVERIFY(api);
        QCOMPARE(api->algorithm, QStringLiteral("round_robin"));
        QCOMPARE(api->servers.size(), 3);
        QCOMPARE(api->servers.at(2).name, QStringLiteral("[::1]:18083"));
        QCOMPARE(api->servers.at(0).health, Health::Unknown);
        QCOMPARE(api->servers.at(0).requestsTotal, -1); // Caddy 2.6 keeps no per-upstream counter: unknown, not 0
        QCOMPARE(api->servers.at(0).sessions, qint64(0));
    }

    void broken_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QByteArray>("upstreams");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("html") << QByteArray("<html>404</html>") << QByteArray()
                              << QStringLiteral("/config/ is not JSON");
        QTest::newRow("truncated") << QByteArray("{\"apps\":{\"http\":{\"servers\"") << QByteArray()
                                   << QStringLiteral("/config/ is not JSON");
        QTest::newRow("a list") << QByteArray("[1,2]") << QByteArray() << QStringLiteral("not a JSON object");
        QTest::newRow("bad upstreams") << QByteArray("{}") << QByteArray("{\"error\":\"x\"}")
                                       << QStringLiteral("not a JSON list");
    }
    void broken()
    {
        QFETCH(QByteArray, config);
        QFETCH(QByteArray, upstreams);
        QFETCH(QString, errorContains);
        const auto snap = parseCaddyConfig(config, upstreams);
        QVERIFY(!snap.ok());
        QVERIFY2(snap.error().contains(errorContains), qPrintable(snap.error()));
    }

    void emptyConfigHasNoPools()
    {
        // Caddy with nothing loaded answers "null".
        const auto snap = parseCaddyConfig("null\n");
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QVERIFY(snap.value().backends.isEmpty());
    }

    void etagMatchesCaddysOwnTrailer()
    {
        // Caddy 2.6 sent this body with the trailer Etag: "/config/ 48731b75" (captured with curl --raw).
        const QByteArray body = Test::readTestData(QStringLiteral("caddy/config-cache-rules.json"));
        QCOMPARE(configEtag(body), QStringLiteral("\"/config/ 48731b75\""));
        QCOMPARE(fnv1a32(QByteArray()), 0x811c9dc5u);
        // Caddy prints the hash as its four bytes in hex: eight digits, leading zero kept. This body came with
        // the trailer Etag: "/config/ 081e9cb3".
        QCOMPARE(configEtag(Test::readTestData(QStringLiteral("caddy/config-leading-zero.json"))),
            QStringLiteral("\"/config/ 081e9cb3\""));
        QCOMPARE(fnv1a32("a"), 0xe40c292cu); // the FNV-1a reference value
        // The trailing newline counts: without it the hash differs, and Caddy would answer 412.
        QVERIFY(configEtag(body.chopped(1)) != configEtag(body));
        const auto snap = parseCaddyConfig(body);
        QVERIFY(snap.ok());
        QCOMPARE(snap.value().configVersion, configEtag(body));
    }

    void poolPaths()
    {
        QHash<QString, QString> paths;
        QHash<QString, QString> servers;
        QVERIFY(parseCaddyConfig(Test::readTestData(QStringLiteral("caddy/config-nested.json")), {}, &paths, &servers));
        QCOMPARE(paths.value(QStringLiteral("api")), QStringLiteral("/id/api"));
        QCOMPARE(paths.value(QStringLiteral("srv0/routes/0/handle/0/routes/0/handle/0")),
            QStringLiteral("/config/apps/http/servers/srv0/routes/0/handle/0/routes/0/handle/0"));
        QCOMPARE(servers.value(QStringLiteral("api")), QStringLiteral("srv0"));
    }

    void cacheRules()
    {
        const QByteArray body = Test::readTestData(QStringLiteral("caddy/config-cache-rules.json"));
        const auto policy = parseCaddyCachePolicy(body);
        QVERIFY2(policy.ok(), qPrintable(policy.error()));
        QCOMPARE(policy.value().ruleScopes, QStringList { QStringLiteral("srv0") });
        // HTTP metrics per server are a setting the same policy reads back.
        const Setting* metrics = policy.value().setting(QStringLiteral("http-metrics"), QStringLiteral("srv0"));
        QVERIFY(metrics);
        QCOMPARE(metrics->value, QStringLiteral("on"));
        QCOMPARE(policy.value().rules.size(), 2);
        const CacheRule& route = policy.value().rules.at(0);
        QCOMPARE(route.path, QStringLiteral("/static/*"));
        QCOMPARE(route.header, QStringLiteral("public, max-age=600"));
        QVERIFY(route.editable);
        const CacheRule& inner = policy.value().rules.at(1);
        QCOMPARE(inner.header, QStringLiteral("no-store"));
        QVERIFY(!inner.editable); // set inside the reverse_proxy: shown, not edited
        QCOMPARE(inner.where, QStringLiteral("inside pool api"));
        QCOMPARE(cacheRulePath(body, QStringLiteral("srv0"), QStringLiteral("/static/*")),
            QStringLiteral("/config/apps/http/servers/srv0/routes/0"));
        QVERIFY(cacheRulePath(body, QStringLiteral("srv0"), QStringLiteral("/other/*")).isEmpty());
        // The route Fleetdeck would insert reads back as the same rule.
        const QByteArray route2 = cacheRuleRoute(QStringLiteral("/img/*"), QStringLiteral("public, max-age=5"));
        QVERIFY(route2.contains("\"deferred\":true"));
        QVERIFY(route2.contains("/img/*"));
    }

    void metrics()
    {
        const QByteArray body = Test::readTestData(QStringLiteral("caddy/config-cache-rules.json"));
        auto snap = parseCaddyConfig(body).value();
        const auto r = applyCaddyMetrics(Test::readTestData(QStringLiteral("caddy/metrics.txt")), body, snap);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(snap.frontends.size(), 1);
        QCOMPARE(snap.frontends.first().requestsTotal, 21038);
        QCOMPARE(snap.frontends.first().responses5xxTotal, 641);
        // One pool on the server: its requests are the server's.
        QCOMPARE(snap.backend(QStringLiteral("api"))->requestsTotal, 21038);
        QVERIFY(snap.notices.isEmpty());
        // Metrics off on the server: said, not guessed.
        QByteArray off = body;
        off.replace("\"metrics\":{},", "");
        auto snapOff = parseCaddyConfig(off).value();
        QVERIFY(applyCaddyMetrics("", off, snapOff).ok());
        QCOMPARE(snapOff.notices.size(), 1);
        QVERIFY(snapOff.notices.first().text.contains(QLatin1String("HTTP metrics are off on server srv0")));
        // The notice carries its remedy: the setting that turns them on, for that server.
        QVERIFY(snapOff.notices.first().remedy.has_value());
        QCOMPARE(snapOff.notices.first().remedy->setting, QStringLiteral("http-metrics"));
        QCOMPARE(snapOff.notices.first().remedy->scope, QStringLiteral("srv0"));
        QCOMPARE(snapOff.notices.first().remedy->value, QStringLiteral("on"));
        QCOMPARE(
            parseCaddyCachePolicy(off).value().setting(QStringLiteral("http-metrics"), QStringLiteral("srv0"))->value,
            QStringLiteral("off"));
        QVERIFY(!applyCaddyMetrics("caddy_http_requests_total{server=\"srv0\" 5", body, snap).ok());
        QVERIFY(!parseCaddyCachePolicy("{\"apps\": [").ok());
    }
};

QTEST_GUILESS_MAIN(TestCaddyParsers)
#include "tst_caddyparsers.moc"
