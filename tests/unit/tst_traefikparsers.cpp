// Traefik's API answers, written by hand after its documentation (tests/data/traefik: no live Traefik here): pages
// of routers joined by X-Next-Page (1 on the last page), references without @provider resolved to the router's,
// middlewares described per route, services with servers and Traefik's UP/DOWN, weighted and mirroring services,
// request counts from its Prometheus metrics with and without router labels, and broken answers refused.
#include <QTest>

#include "lab.h"
#include "traefik/traefikparsers.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Traefik;

namespace {
QList<QJsonObject> list(const QString& file)
{
    const auto page = parsePage(Test::readTestData(file), file);
    return page ? page.value() : QList<QJsonObject>();
}

QList<QJsonObject> routers()
{
    return list(QStringLiteral("traefik/routers-page1.json")) + list(QStringLiteral("traefik/routers-page2.json"));
}

const FrontendSnapshot* frontend(const Parsed& p, const QString& name)
{
    for (const FrontendSnapshot& f : p.frontends)
        if (f.name == name)
            return &f;
    return nullptr;
}

const BackendSnapshot* pool(const Parsed& p, const QString& name)
{
    for (const BackendSnapshot& b : p.backends)
        if (b.name == name)
            return &b;
    return nullptr;
}
} // namespace

class TestTraefikParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pagesFollowXNextPage()
    {
        // Page 1 of 2 says 2; the last page says 1, which is not a next page.
        QCOMPARE(nextPage("2", 1), 2);
        QCOMPARE(nextPage("1", 2), 0);
        QCOMPARE(nextPage("1", 1), 0);
        QCOMPARE(nextPage("", 1), 0);
        QCOMPARE(nextPage("garbage", 3), 0);
        QCOMPARE(routers().size(), 5);
        QCOMPARE(
            parseVersion(Test::readTestData(QStringLiteral("traefik/version.json"))).value(), QStringLiteral("3.6.12"));
        QCOMPARE(qualified(QStringLiteral("billing"), QStringLiteral("file")), QStringLiteral("billing@file"));
        QCOMPARE(qualified(QStringLiteral("orders-breaker@file"), QStringLiteral("docker")),
            QStringLiteral("orders-breaker@file"));
    }

    void routesServicesAndMiddlewares()
    {
        const auto metrics = Wire::parsePrometheusText(Test::readTestData(QStringLiteral("traefik/metrics.txt")));
        QVERIFY2(metrics.ok(), qPrintable(metrics.error()));
        const Parsed p = traefikSnapshot(routers(), list(QStringLiteral("traefik/services.json")),
            list(QStringLiteral("traefik/middlewares.json")), &metrics.value());

        // The route's middlewares, named without @provider in the router, in words.
        const FrontendSnapshot* billing = frontend(p, QStringLiteral("billing-webhooks@file"));
        QVERIFY(billing);
        QVERIFY2(billing->status.contains(QLatin1String("to billing@file")), qPrintable(billing->status));
        QVERIFY2(billing->status.contains(QLatin1String("billing-ratelimit@file: rate limit 100 per 1m0s, burst 50")),
            qPrintable(billing->status));
        QVERIFY2(
            billing->status.contains(QLatin1String("retry-twice@file: retry 2 times")), qPrintable(billing->status));
        QCOMPARE(billing->binds, QStringLiteral("websecure"));
        // Router labels are on in this scrape: counts per router.
        QCOMPARE(billing->requestsTotal, 4122 + 44);
        QCOMPARE(billing->responses5xxTotal, 44);
        const FrontendSnapshot* orders = frontend(p, QStringLiteral("orders@docker"));
        QVERIFY(orders);
        QVERIFY(orders->status.contains(QLatin1String("circuit breaker when NetworkErrorRatio() > 0.30")));
        QCOMPARE(orders->requestsTotal, 2208811); // written as 2.208811e+06
        const FrontendSnapshot* legacy = frontend(p, QStringLiteral("orders-legacy@docker"));
        QVERIFY(legacy);
        QVERIFY(legacy->status.startsWith(QLatin1String("disabled")));
        QVERIFY(legacy->status.contains(QLatin1String("does not exist")));
        QVERIFY(!frontend(p, QStringLiteral("all entry points"))); // not needed: routers carry the counts

        // A load balancer with Traefik's health per server.
        const BackendSnapshot* stable = pool(p, QStringLiteral("orders-stable@file"));
        QVERIFY(stable);
        QCOMPARE(stable->servers.size(), 3);
        QCOMPARE(stable->servers.at(2).address, QStringLiteral("[fd00::12]:8080"));
        QCOMPARE(stable->requestsTotal, 1987931 + 317);
        QCOMPARE(stable->responses5xxTotal, 317);
        QCOMPARE(stable->servers.at(0).health, Health::Up);
        QCOMPARE(stable->servers.at(1).health, Health::Down);
        int down = 0;
        const BackendSnapshot* billingPool = pool(p, QStringLiteral("billing@file"));
        QVERIFY(billingPool);
        QVERIFY(billingPool->status.contains(QLatin1String("health check /healthz every 10s")));
        for (const ServerSnapshot& s : billingPool->servers)
            down += s.health == Health::Down;
        QCOMPARE(down, 1); // the one server Traefik says is DOWN

        // Weighted and mirroring services send to services: those are their members.
        const BackendSnapshot* split = pool(p, QStringLiteral("orders-split@file"));
        QVERIFY(split);
        QCOMPARE(split->algorithm, QStringLiteral("weighted"));
        QCOMPARE(split->servers.size(), 2);
        QCOMPARE(split->servers.first().name, QStringLiteral("orders-stable@file"));
        QCOMPARE(split->servers.first().weight, 90);
        const BackendSnapshot* mirror = pool(p, QStringLiteral("orders-mirror@file"));
        QVERIFY(mirror);
        QCOMPARE(mirror->servers.first().status, QStringLiteral("main service"));
        QCOMPARE(mirror->servers.at(1).status, QStringLiteral("mirrors 15 %"));
        const BackendSnapshot* broken = pool(p, QStringLiteral("legacy-soap@file"));
        QVERIFY(broken);
        QVERIFY(broken->status.contains(QLatin1String("does not have any type defined")));
    }

    void withoutRouterLabelsTheEntryPointsCount()
    {
        // The same scrape without its router series: one frontend carries the entry points' requests instead, and a
        // notice says why; the routers count none, so nothing is counted twice.
        QByteArray text;
        for (const QByteArray& line : Test::readTestData(QStringLiteral("traefik/metrics.txt")).split('\n'))
            if (!line.contains("traefik_router_"))
                text += line + '\n';
        const auto metrics = Wire::parsePrometheusText(text);
        QVERIFY2(metrics.ok(), qPrintable(metrics.error()));
        const Parsed p = traefikSnapshot(routers(), list(QStringLiteral("traefik/services.json")),
            list(QStringLiteral("traefik/middlewares.json")), &metrics.value());
        const FrontendSnapshot* all = frontend(p, QStringLiteral("all entry points"));
        QVERIFY(all);
        QCOMPARE(all->requestsTotal, 57 + 3917240 + 18233 + 44);
        QCOMPARE(all->responses5xxTotal, 44);
        GatewaySnapshot snap;
        snap.frontends = p.frontends;
        QCOMPARE(snap.requestsTotal(), all->requestsTotal);
        QCOMPARE(snap.responses5xxTotal(), 44);
        QCOMPARE(p.notices.size(), 1);
        QVERIFY(p.notices.first().text.contains(QLatin1String("addRoutersLabels")));
        // No scrape at all: the shape without counts.
        const Parsed bare = traefikSnapshot(routers(), list(QStringLiteral("traefik/services.json")), {}, nullptr);
        QCOMPARE(bare.frontends.size(), 5);
        QCOMPARE(bare.frontends.first().responses5xxTotal, -1);
    }

    void brokenAnswersAreRefused_data()
    {
        QTest::addColumn<QByteArray>("page");
        QTest::addColumn<QString>("why");
        const QByteArray all = Test::readTestData(QStringLiteral("traefik/services.json"));
        QTest::newRow("truncated") << all.left(all.size() / 2) << QStringLiteral("not JSON");
        QTest::newRow("an error body") << Test::readTestData(QStringLiteral("traefik/error-400.json"))
                                       << QStringLiteral("not a JSON list");
        QTest::newRow("html") << QByteArray("<html>401</html>") << QStringLiteral("not JSON");
        QTest::newRow("no name") << QByteArray(R"([{"status": "enabled"}])") << QStringLiteral("without a name");
        QTest::newRow("not objects") << QByteArray("[1, 2]") << QStringLiteral("without a name");
    }
    void brokenAnswersAreRefused()
    {
        QFETCH(QByteArray, page);
        QFETCH(QString, why);
        const auto parsed = parsePage(page, QStringLiteral("/api/http/services"));
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().contains(why) && parsed.error().contains(QLatin1String("/api/http/services")),
            qPrintable(parsed.error()));
        QVERIFY(!parseVersion(R"({"version": "3"})").ok()); // Traefik's key is capitalised
    }
};

QTEST_GUILESS_MAIN(TestTraefikParsers)
#include "tst_traefikparsers.moc"
