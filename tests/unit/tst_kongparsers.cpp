// Kong's Admin API answers, written by hand after its documentation (tests/data/kong: no live Kong here): pages
// joined by `next` (a relative path, null on the last page, `size` left out of nested lists), targets with Kong's
// four health values, weight 0 as drained with the weight kept in a tag, updated_at as each target's revision and
// the conflict it catches, routes with their plugins in words, and error bodies in Kong's words.
#include <QJsonDocument>
#include <QTest>

#include "cachepolicy.h"
#include "change.h"
#include "kong/kongdriver.h"
#include "kong/kongparsers.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Kong;

namespace {
QList<QJsonObject> data(const QString& file)
{
    const auto page = parsePage(Test::readTestData(file), file);
    return page ? page.value().data : QList<QJsonObject>();
}

BackendSnapshot orders()
{
    return upstreamPool(
        data(QStringLiteral("kong/upstreams.json")).first(), data(QStringLiteral("kong/upstream-health.json")));
}

const ServerSnapshot* target(const BackendSnapshot& pool, const QString& name)
{
    for (const ServerSnapshot& s : pool.servers)
        if (s.name == name)
            return &s;
    return nullptr;
}
} // namespace

class TestKongParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pagesFollowNext()
    {
        const auto first
            = parsePage(Test::readTestData(QStringLiteral("kong/services-page1.json")), QStringLiteral("/services"));
        QVERIFY2(first.ok(), qPrintable(first.error()));
        QCOMPARE(first.value().data.size(), 2);
        QVERIFY(first.value().next.startsWith(QLatin1String("/services?offset=")));
        QVERIFY(nextPath(first.value().next, 100).contains(QLatin1String("size=2"))); // Kong's own size is kept
        const auto last
            = parsePage(Test::readTestData(QStringLiteral("kong/services-page2.json")), QStringLiteral("/services"));
        QVERIFY(last.ok());
        QVERIFY(last.value().next.isEmpty()); // null
        QCOMPARE(last.value().data.first().value(QLatin1String("name")).toString(), QStringLiteral("café-api"));
        // A nested list's next has no size: it is added back.
        QCOMPARE(nextPath(QStringLiteral("/upstreams/orders.v1.svc/targets?offset=2"), 100),
            QStringLiteral("/upstreams/orders.v1.svc/targets?offset=2&size=100"));
        QCOMPARE(nextPath({}, 100), QString());
        QCOMPARE(parseVersion(Test::readTestData(QStringLiteral("kong/root.json"))).value(), QStringLiteral("3.10.0"));
        const auto status = parseStatus(Test::readTestData(QStringLiteral("kong/status.json")));
        QVERIFY2(status.ok(), qPrintable(status.error()));
        QCOMPARE(status.value().totalRequests, 3917240);
        QCOMPARE(status.value().connectionsActive, 17);
        QVERIFY(status.value().databaseReachable);
        // Odd names go into a path percent-encoded.
        QCOMPARE(segment(QStringLiteral("[fd00::12]:8080")), QStringLiteral("%5Bfd00%3A%3A12%5D%3A8080"));
        QCOMPARE(segment(QStringLiteral("café api")), QStringLiteral("caf%C3%A9%20api"));
    }

    void targetsWithHealthAndWeights()
    {
        const BackendSnapshot pool = orders();
        QCOMPARE(pool.name, QStringLiteral("orders.v1.svc"));
        QCOMPARE(pool.algorithm, QStringLiteral("least-connections"));
        QCOMPARE(pool.status, QStringLiteral("active health checks"));
        QCOMPARE(pool.servers.size(), 5);
        const ServerSnapshot* up = target(pool, QStringLiteral("10.0.0.11:8080"));
        QVERIFY(up);
        QCOMPARE(up->health, Health::Up);
        QCOMPARE(up->options.value(QStringLiteral("healthy")), QStringLiteral("on"));
        QCOMPARE(up->revision, QStringLiteral("1752312001.417")); // a target's updated_at has milliseconds
        QCOMPARE(up->requestsTotal, -1); // Kong counts no requests per target
        const ServerSnapshot* down = target(pool, QStringLiteral("10.0.0.12:8080"));
        QVERIFY(down);
        QCOMPARE(down->health, Health::Down);
        QCOMPARE(down->options.value(QStringLiteral("healthy")), QStringLiteral("off"));
        const ServerSnapshot* drained = target(pool, QStringLiteral("10.0.0.13:8080"));
        QVERIFY(drained);
        QCOMPARE(drained->admin, AdminState::Drain);
        QCOMPARE(drained->weight, 0);
        QVERIFY(!drained->options.contains(QStringLiteral("healthy"))); // no health checks: nothing to mark
        const ServerSnapshot* dns = target(pool, QStringLiteral("orders-canary.internal:8080"));
        QVERIFY(dns);
        QCOMPARE(dns->health, Health::Down);
        QCOMPARE(
            dns->status, QStringLiteral("DNS error: dns server error: 3 name error")); // addresses: {} read as none
        const ServerSnapshot* v6 = target(pool, QStringLiteral("[fd00::12]:8080"));
        QVERIFY(v6);
        QCOMPARE(v6->weight, 65535);
        QCOMPARE(v6->admin, AdminState::Ready);

        // The weight a drain keeps in a tag, and reads back.
        QCOMPARE(keptWeight(QJsonArray { QStringLiteral("canary"), weightTag(50) }), 50);
        QCOMPARE(keptWeight(QJsonArray { QStringLiteral("fleetdeck-weight-x") }), -1);
        QCOMPARE(keptWeight(QJsonArray {}), -1);
        QJsonObject tagged = data(QStringLiteral("kong/upstream-health.json")).at(2);
        tagged.insert(QStringLiteral("tags"), QJsonArray { weightTag(40) });
        const BackendSnapshot kept = upstreamPool(data(QStringLiteral("kong/upstreams.json")).first(), { tagged });
        QCOMPARE(kept.servers.first().status, QStringLiteral("weight 0 (drained; was 40)"));
    }

    void aTargetChangedMeanwhileIsAConflict()
    {
        // Someone PATCHed 10.0.0.12's weight to 50 and back to 100: the weight is as the operator saw it, the
        // revision is not.
        GatewaySnapshot seenSnap, nowSnap;
        seenSnap.backends = { orders() };
        nowSnap = seenSnap;
        ServerSnapshot& moved = nowSnap.backends.first().servers[3];
        QCOMPARE(moved.name, QStringLiteral("10.0.0.12:8080"));
        const auto patched
            = QJsonDocument::fromJson(Test::readTestData(QStringLiteral("kong/target-patch-response.json"))).object();
        moved.revision = QString::number(patched.value(QLatin1String("updated_at")).toDouble(), 'f', 3);
        GatewayState seen, now;
        seen.pool = seenSnap;
        now.pool = nowSnap;
        const ServerRef ref { QStringLiteral("kong-1"), QStringLiteral("orders.v1.svc"),
            QStringLiteral("10.0.0.12:8080") };
        for (const Change& c : { Change(WeightChange { ref, 30 }), Change(ServerStateChange { ref, AdminState::Drain }),
                 Change(RemoveMemberChange { ref }),
                 Change(MemberOptionChange { ref, QStringLiteral("healthy"), QStringLiteral("on") }) }) {
            const ChangeCheck check = c.precheck(seen, now, {});
            QVERIFY2(check.conflict, qPrintable(c.describe()));
            QVERIFY2(check.problem.contains(QLatin1String("1752511234.806")), qPrintable(check.problem));
            QVERIFY(!c.precheck(seen, seen, {}).conflict);
        }
    }

    void routesWithTheirPlugins()
    {
        const Status status = parseStatus(Test::readTestData(QStringLiteral("kong/status.json"))).value();
        const QList<FrontendSnapshot> routes = routeFrontends(status, data(QStringLiteral("kong/routes.json")),
            data(QStringLiteral("kong/services-page1.json")) + data(QStringLiteral("kong/services-page2.json")),
            data(QStringLiteral("kong/plugins.json")));
        QCOMPARE(routes.size(), 1 + 4);
        QCOMPARE(routes.first().name, QStringLiteral("all routes"));
        QCOMPARE(routes.first().requestsTotal, 3917240);
        QCOMPARE(routes.first().sessions, 17);
        const FrontendSnapshot& orders = routes.at(1);
        QCOMPARE(orders.name, QStringLiteral("orders-public"));
        QVERIFY2(orders.status.contains(QLatin1String("to orders-api")), qPrintable(orders.status));
        QVERIFY2(orders.status.contains(QLatin1String("rate-limiting 20/s, 600/min, 20000/h by ip")),
            qPrintable(orders.status));
        QCOMPARE(orders.requestsTotal, 0); // per node only: "all routes" carries it, counted once
        QVERIFY(routes.at(3).status.contains(QLatin1String("proxy-cache 120 s for 200, 301, 404")));
        QVERIFY(routes.at(4).status.contains(QLatin1String("no service")));
        GatewaySnapshot snap;
        snap.frontends = routes;
        QCOMPARE(snap.requestsTotal(), 3917240);
    }

    void rateLimitsOfConsumersAndByIp()
    {
        // The fixture's plugins: a limit on a service and one on a route (not the form's: shown on the routes), and
        // partner-acme's own plugin, which limits hours only: no minute limit to edit, so no entry.
        const QList<QJsonObject> consumers = data(QStringLiteral("kong/consumers.json"));
        QList<QJsonObject> plugins = data(QStringLiteral("kong/plugins.json"));
        QCOMPARE(consumers.size(), 3);
        RateLimits limits = kongRateLimits(plugins, consumers);
        QVERIFY(limits.entries.isEmpty());
        QCOMPARE(limits.ipLimit, -1); // the per-IP plugin is on a service, not global
        QCOMPARE(limits.windowSeconds, 60);
        QVERIFY(limits.persistNote.contains(QLatin1String("database")));
        // mobile-app with its own minute limit, a global plugin by IP, and one for the consumer known by custom_id.
        auto plugin = [](const QString& id, const QJsonValue& consumer, const QJsonObject& config) {
            return QJsonObject { { QStringLiteral("id"), id },
                { QStringLiteral("name"), QStringLiteral("rate-limiting") }, { QStringLiteral("consumer"), consumer },
                { QStringLiteral("service"), QJsonValue::Null }, { QStringLiteral("route"), QJsonValue::Null },
                { QStringLiteral("config"), config } };
        };
        plugins << plugin(QStringLiteral("p1"),
            QJsonObject { { QStringLiteral("id"), consumers.at(1).value(QLatin1String("id")) } },
            QJsonObject {
                { QStringLiteral("minute"), 90 }, { QStringLiteral("limit_by"), QStringLiteral("consumer") } });
        plugins << plugin(QStringLiteral("p2"), QJsonValue::Null,
            QJsonObject { { QStringLiteral("minute"), 1200 }, { QStringLiteral("limit_by"), QStringLiteral("ip") } });
        plugins << plugin(QStringLiteral("p3"),
            QJsonObject { { QStringLiteral("id"), consumers.at(2).value(QLatin1String("id")) } },
            QJsonObject { { QStringLiteral("minute"), 5 } });
        limits = kongRateLimits(plugins, consumers);
        QCOMPARE(limits.entries.size(), 2);
        QCOMPARE(limits.entries.at(0).key, QStringLiteral("mobile-app"));
        QCOMPARE(limits.entries.at(0).limit, 90);
        QCOMPARE(limits.entries.at(1).key, QStringLiteral("legacy-7")); // no username: its custom_id
        QCOMPARE(limits.ipLimit, 1200);
        // What the driver writes to: the consumer's own plugin, the global one by IP.
        QCOMPARE(rateLimitPlugin(plugins, consumers.at(1).value(QLatin1String("id")).toString())
                     .value(QLatin1String("id"))
                     .toString(),
            QStringLiteral("p1"));
        QCOMPARE(rateLimitPlugin(plugins, {}).value(QLatin1String("id")).toString(), QStringLiteral("p2"));
        QCOMPARE(consumerNamed(consumers, QStringLiteral("acme-0042")).value(QLatin1String("username")).toString(),
            QStringLiteral("partner-acme"));
        QVERIFY(consumerNamed(consumers, QStringLiteral("nobody")).isEmpty());
        // A change verified against the limits read back, and undone to what they were.
        GatewayState before, after;
        before.limits = limits;
        const Change raise(
            RateLimitChange { QStringLiteral("kong-1"), RateScope::Key, QStringLiteral("mobile-app"), 120 });
        QVERIFY(!raise.verify(before).ok);
        after.limits = limits;
        after.limits->entries[0].limit = 120;
        QVERIFY(raise.verify(after).ok);
        QCOMPARE(raise.inverse(before)->as<RateLimitChange>()->limit, 90);
    }

    void proxyCacheTtlAsASetting()
    {
        const CachePolicy policy = kongCachePolicy(data(QStringLiteral("kong/plugins.json")),
            data(QStringLiteral("kong/services-page1.json")) + data(QStringLiteral("kong/services-page2.json")),
            data(QStringLiteral("kong/routes.json")));
        QCOMPARE(policy.settings.size(), 1);
        const Setting& ttl = policy.settings.first();
        QCOMPARE(ttl.id, QStringLiteral("cache_ttl"));
        QCOMPARE(ttl.scope, QStringLiteral("44fbd527-6a8e-41c9-9af4-3e5a7c9b1d46"));
        QCOMPARE(ttl.label, QStringLiteral("cache TTL (s) on service café-api"));
        QCOMPARE(ttl.value, QStringLiteral("120"));
        QCOMPARE(ttl.kind, Setting::Kind::Seconds);
        // Checked before sending: seconds, whole, at least one; not one of the suggestions only.
        GatewayState now;
        now.cache = policy;
        auto check = [&now](const QString& value) {
            return Change(SettingChange { QStringLiteral("kong-1"), QStringLiteral("cache_ttl"),
                              QStringLiteral("44fbd527-6a8e-41c9-9af4-3e5a7c9b1d46"), value, {} })
                .precheck(now, now, {})
                .problem;
        };
        QVERIFY(check(QStringLiteral("45")).isEmpty());
        QVERIFY(check(QStringLiteral("0")).contains(QLatin1String("whole number of seconds")));
        QVERIFY(check(QStringLiteral("1.5")).contains(QLatin1String("whole number of seconds")));
        QVERIFY(check(QStringLiteral("5m")).contains(QLatin1String("whole number of seconds")));
        // Verified by the number read back; undone to the TTL it had.
        const Change ninety(SettingChange { QStringLiteral("kong-1"), QStringLiteral("cache_ttl"),
            QStringLiteral("44fbd527-6a8e-41c9-9af4-3e5a7c9b1d46"), QStringLiteral("90"), {} });
        QVERIFY(!ninety.verify(now).ok);
        GatewayState after = now;
        after.cache->settings[0].value = QStringLiteral("90");
        QVERIFY(ninety.verify(after).ok);
        QCOMPARE(ninety.inverse(now)->as<SettingChange>()->value, QStringLiteral("120"));
    }

    void errorsInKongsWords()
    {
        QCOMPARE(errorText(400, Test::readTestData(QStringLiteral("kong/error-400.json"))),
            QStringLiteral("HTTP 400: schema violation (weight: value should be between 0 and 65535)"));
        QCOMPARE(errorText(400, Test::readTestData(QStringLiteral("kong/error-400-no-healthchecker.json"))),
            QStringLiteral("HTTP 400: no healthchecker found for billing.internal"));
        QCOMPARE(errorText(502, "<html>bad gateway</html>"), QStringLiteral("HTTP 502: <html>bad gateway</html>"));
        QCOMPARE(errorText(500, {}), QStringLiteral("HTTP 500"));
        // Broken lists are refused with a reason.
        const QByteArray all = Test::readTestData(QStringLiteral("kong/upstream-health.json"));
        QVERIFY(parsePage(all.left(all.size() / 2), QStringLiteral("x")).error().contains(QLatin1String("not JSON")));
        QVERIFY(parsePage("[]", QStringLiteral("x")).error().contains(QLatin1String("not a JSON object")));
        QVERIFY(parsePage(Test::readTestData(QStringLiteral("kong/error-404.json")), QStringLiteral("x"))
                    .error()
                    .contains(QLatin1String("no data list")));
        QVERIFY(parsePage(R"({"data": [1]})", QStringLiteral("x")).error().contains(QLatin1String("not an object")));
        QVERIFY(parsePage("{\"data\": [], \"next\": \"http:\\/\\/elsewhere\\/\"}", QStringLiteral("x"))
                    .error()
                    .contains(QLatin1String("not a path")));
        QVERIFY(!parseStatus(R"({"server": {}})").ok());
        QVERIFY(!parseVersion(Test::readTestData(QStringLiteral("kong/error-401.json"))).ok());
    }
};

QTEST_GUILESS_MAIN(TestKongParsers)
#include "tst_kongparsers.moc"
