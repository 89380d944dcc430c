// The driver contract: the same cases over every registered product, so a new product cannot skip one.
// - its descriptor is complete, and what it supports matches the kinds of change it takes;
// - its recorded answers (tests/data) make a snapshot of the expected shape;
// - every kind it takes goes out to the gateway; every other kind is refused at once, with nothing sent;
// - someone else's change is caught: by the pipeline's re-read, or by the version the product's writes carry;
// - a malformed answer, recorded or on the wire, is a clear error and not a crash.
// Products are reached through a local canary socket only, which shows whether a driver reached out and with what
// bytes; behaviour against the real gateways is proven by the integration tests.
#include <QSignalSpy>
#include <QTest>

#include "canary.h"
#include "caddy/caddyparsers.h"
#include "driver.h"
#include "envoy/envoyparsers.h"
#include "fakegateway.h"
#include "fleetfile.h"
#include "haproxy/haproxyparsers.h"
#include "kong/kongparsers.h"
#include "lab.h"
#include "nginx/nginxconfig.h"
#include "nginx/nginxlogs.h"
#include "registry.h"
#include "redis/redisparsers.h"
#include "redis/resp.h"
#include "traefik/traefikparsers.h"
#include "varnish/varnishparsers.h"

using namespace Fleetdeck;
using Drivers::ProductDescriptor;

namespace {
// What the contract needs of each product beyond its descriptor: its recorded answers and how to reach it.
struct Fixture
{
    std::function<Result<GatewaySnapshot>()> recorded;
    // Broken answers through the product's parsers; each returns the error it gave (empty: it was accepted).
    QList<std::pair<QString, std::function<QString()>>> malformed;
    std::function<GatewayConfig(int port)> at;
    // For a product with no wire (the fake): how many times its gateway was reached. Null: count the canary's.
    std::function<int()> reached;
    GatewayState current; // what the pipeline would have read before sending
    QString settingScope;
    QString settingValue;
    // A product whose writes are checked against a reading first (not carried on the wire): a gateway that answers
    // that reading with the recorded answer, so a stale version is seen to be refused.
    std::function<GatewayConfig()> replaying;
    // A product whose only changes are settings: its recorded cache policy, where the pipeline's re-read guards them.
    std::function<CachePolicy()> recordedPolicy;
};

QString errorOf(const auto& result)
{
    return result.ok() ? QString() : (result.error().isEmpty() ? QStringLiteral("(empty error)") : result.error());
}

QByteArray half(const QString& file)
{
    const QByteArray all = Test::readTestData(file);
    return all.left(all.size() / 2);
}

GatewayConfig config(const QString& product, const QString& admin)
{
    GatewayConfig c;
    c.name = QStringLiteral("contract-") + product;
    c.product = product;
    c.admin = QUrl(admin);
    return c;
}

QHash<QString, Fixture> fixtures()
{
    using namespace Drivers;
    QHash<QString, Fixture> all;
    Fixture haproxy;
    haproxy.recorded
        = [] { return HAProxy::parsePollReply(Test::readTestData(QStringLiteral("haproxy/poll-lab-healthy.txt"))); };
    haproxy.malformed = {
        { QStringLiteral("truncated poll"),
            [] { return errorOf(HAProxy::parsePollReply(half(QStringLiteral("haproxy/poll-lab-healthy.txt")))); } },
        { QStringLiteral("garbage poll"), [] { return errorOf(HAProxy::parsePollReply("\x01\x02 not csv\n\n\n")); } },
        { QStringLiteral("empty poll"), [] { return errorOf(HAProxy::parsePollReply({})); } },
        { QStringLiteral("garbage cache"), [] { return errorOf(HAProxy::parseCachePolicy("what\n", "x\n")); } },
    };
    haproxy.at
        = [](int port) { return config(QStringLiteral("haproxy"), QStringLiteral("tcp://127.0.0.1:%1").arg(port)); };
    haproxy.current.limits = RateLimits {};
    haproxy.current.limits->keyStore = QStringLiteral("/etc/haproxy/contract.map");
    haproxy.current.limits->ipStore = QStringLiteral("proc.iplimit");
    all.insert(QStringLiteral("haproxy"), haproxy);

    Fixture caddy;
    caddy.recorded = [] {
        return Caddy::parseCaddyConfig(Test::readTestData(QStringLiteral("caddy/config-cache-rules.json")),
            Test::readTestData(QStringLiteral("caddy/upstreams.json")));
    };
    caddy.malformed = {
        { QStringLiteral("truncated config"),
            [] { return errorOf(Caddy::parseCaddyConfig(half(QStringLiteral("caddy/config-cache-rules.json")))); } },
        { QStringLiteral("not JSON"), [] { return errorOf(Caddy::parseCaddyConfig("<html>502</html>")); } },
        { QStringLiteral("truncated policy"),
            [] {
                return errorOf(Caddy::parseCaddyCachePolicy(half(QStringLiteral("caddy/config-cache-rules.json"))));
            } },
    };
    caddy.at
        = [](int port) { return config(QStringLiteral("caddy"), QStringLiteral("http://127.0.0.1:%1").arg(port)); };
    caddy.settingScope = QStringLiteral("srv0");
    caddy.settingValue = QStringLiteral("on");
    all.insert(QStringLiteral("caddy"), caddy);

    Fixture varnish;
    varnish.recorded = []() -> Result<GatewaySnapshot> {
        const auto pool = Varnish::parseBackendList(
            Test::readTestData(QStringLiteral("varnish/backend-list.json")), QStringLiteral("boot"));
        if (!pool)
            return Result<GatewaySnapshot>::failure(pool.error());
        GatewaySnapshot s;
        s.backends.append(pool.value());
        return Result<GatewaySnapshot>::success(s);
    };
    varnish.malformed = {
        { QStringLiteral("truncated backends"),
            [] { return errorOf(Varnish::parseBackendList(half(QStringLiteral("varnish/backend-list.json")), {})); } },
        { QStringLiteral("truncated bans"),
            [] { return errorOf(Varnish::parseBanList(half(QStringLiteral("varnish/ban-list.json")))); } },
        { QStringLiteral("not JSON"), [] { return errorOf(Varnish::parseVclList("Unknown request.\n")); } },
    };
    varnish.at
        = [](int port) { return config(QStringLiteral("varnish"), QStringLiteral("tcp://127.0.0.1:%1").arg(port)); };
    varnish.settingValue = QStringLiteral("boot");
    all.insert(QStringLiteral("varnish"), varnish);

    Fixture redis;
    // INFO as the lab's Redis answered it, through the driver's own RESP reader and parsers.
    auto redisInfo = [](const QByteArray& resp) -> Result<QHash<QByteArray, QByteArray>> {
        Redis::RespReader reader;
        const auto values = reader.feed(resp);
        if (!values)
            return Result<QHash<QByteArray, QByteArray>>::failure(values.error());
        if (values.value().size() != 1)
            return Result<QHash<QByteArray, QByteArray>>::failure(QStringLiteral("not one answer"));
        return Redis::parseInfo(values.value().first().asText());
    };
    redis.recorded = [redisInfo]() -> Result<GatewaySnapshot> {
        const auto info = redisInfo(Test::readTestData(QStringLiteral("redis/info-master.resp")));
        if (!info)
            return Result<GatewaySnapshot>::failure(info.error());
        return Result<GatewaySnapshot>::success(
            Redis::redisSnapshot(info.value(), QStringLiteral("127.0.0.1:6379"), {}, {}, nullptr, nullptr));
    };
    redis.recordedPolicy = [redisInfo] {
        return Redis::redisCachePolicy(redisInfo(Test::readTestData(QStringLiteral("redis/info-master.resp"))).value(),
            { { QStringLiteral("maxmemory"), QStringLiteral("33554432") } });
    };
    redis.malformed = {
        { QStringLiteral("truncated INFO"),
            [redisInfo] { return errorOf(redisInfo(half(QStringLiteral("redis/info-master.resp")))); } },
        { QStringLiteral("not INFO"), [redisInfo] { return errorOf(redisInfo("$9\r\nno colons\r\n")); } },
        { QStringLiteral("not RESP"), [redisInfo] { return errorOf(redisInfo("HTTP/1.1 200 OK\r\n")); } },
    };
    redis.at = [](int port) { return config(QStringLiteral("redis"), QStringLiteral("tcp://127.0.0.1:%1").arg(port)); };
    redis.settingValue = QStringLiteral("64mb");
    all.insert(QStringLiteral("redis"), redis);

    // Envoy and Traefik: answers written after their documentation (no live instance here), through their parsers.
    Fixture envoy;
    envoy.recorded = []() -> Result<GatewaySnapshot> {
        const auto pools = Envoy::parseClusters(Test::readTestData(QStringLiteral("envoy/clusters.json")));
        const auto listeners = Envoy::parseListeners(Test::readTestData(QStringLiteral("envoy/listeners.json")));
        if (!pools || !listeners)
            return Result<GatewaySnapshot>::failure(!pools ? pools.error() : listeners.error());
        GatewaySnapshot s;
        s.backends = pools.value();
        s.frontends = listeners.value();
        return Result<GatewaySnapshot>::success(s);
    };
    envoy.recordedPolicy = [] {
        return Envoy::envoyPolicy(
            Envoy::parseServerInfo(Test::readTestData(QStringLiteral("envoy/server-info.json"))).value());
    };
    envoy.malformed = {
        { QStringLiteral("truncated clusters"),
            [] { return errorOf(Envoy::parseClusters(half(QStringLiteral("envoy/clusters.json")))); } },
        { QStringLiteral("text clusters"),
            [] { return errorOf(Envoy::parseClusters(Test::readTestData(QStringLiteral("envoy/clusters.txt")))); } },
        { QStringLiteral("no state"), [] { return errorOf(Envoy::parseServerInfo("{}")); } },
    };
    envoy.at
        = [](int port) { return config(QStringLiteral("envoy"), QStringLiteral("http://127.0.0.1:%1").arg(port)); };
    envoy.settingValue = QStringLiteral("failing");
    all.insert(QStringLiteral("envoy"), envoy);

    Fixture kong;
    auto kongList = [](const QString& file) {
        const auto page = Kong::parsePage(Test::readTestData(file), file);
        return page ? page.value().data : QList<QJsonObject>();
    };
    kong.recorded = [kongList]() -> Result<GatewaySnapshot> {
        const auto status = Kong::parseStatus(Test::readTestData(QStringLiteral("kong/status.json")));
        if (!status)
            return Result<GatewaySnapshot>::failure(status.error());
        const QList<QJsonObject> upstreams = kongList(QStringLiteral("kong/upstreams.json"));
        GatewaySnapshot s;
        s.backends = { Kong::upstreamPool(upstreams.value(0), kongList(QStringLiteral("kong/upstream-health.json"))),
            Kong::upstreamPool(upstreams.value(1), {}) };
        s.frontends = Kong::routeFrontends(status.value(), kongList(QStringLiteral("kong/routes.json")),
            kongList(QStringLiteral("kong/services-page1.json")), kongList(QStringLiteral("kong/plugins.json")));
        return Result<GatewaySnapshot>::success(s);
    };
    kong.malformed = {
        { QStringLiteral("truncated health"),
            [] {
                return errorOf(
                    Kong::parsePage(half(QStringLiteral("kong/upstream-health.json")), QStringLiteral("health")));
            } },
        { QStringLiteral("an error where a list belongs"),
            [] {
                return errorOf(Kong::parsePage(
                    Test::readTestData(QStringLiteral("kong/error-401.json")), QStringLiteral("upstreams")));
            } },
        { QStringLiteral("status without counters"), [] { return errorOf(Kong::parseStatus("{}")); } },
    };
    kong.at = [](int port) { return config(QStringLiteral("kong"), QStringLiteral("http://127.0.0.1:%1").arg(port)); };
    kong.settingScope = QStringLiteral("44fbd527-6a8e-41c9-9af4-3e5a7c9b1d46"); // the fixture's proxy-cache plugin
    kong.settingValue = QStringLiteral("120");
    all.insert(QStringLiteral("kong"), kong);

    Fixture traefik;
    auto traefikList = [](const QString& file) {
        const auto page = Traefik::parsePage(Test::readTestData(file), file);
        return page ? page.value() : QList<QJsonObject>();
    };
    traefik.recorded = [traefikList]() -> Result<GatewaySnapshot> {
        const auto metrics = Wire::parsePrometheusText(Test::readTestData(QStringLiteral("traefik/metrics.txt")));
        if (!metrics)
            return Result<GatewaySnapshot>::failure(metrics.error());
        const Traefik::Parsed p = Traefik::traefikSnapshot(traefikList(QStringLiteral("traefik/routers-page1.json"))
                + traefikList(QStringLiteral("traefik/routers-page2.json")),
            traefikList(QStringLiteral("traefik/services.json")),
            traefikList(QStringLiteral("traefik/middlewares.json")), &metrics.value());
        GatewaySnapshot s;
        s.frontends = p.frontends;
        s.backends = p.backends;
        return Result<GatewaySnapshot>::success(s);
    };
    traefik.malformed = {
        { QStringLiteral("truncated services"),
            [] {
                return errorOf(
                    Traefik::parsePage(half(QStringLiteral("traefik/services.json")), QStringLiteral("services")));
            } },
        { QStringLiteral("an error where a list belongs"),
            [] {
                return errorOf(Traefik::parsePage(
                    Test::readTestData(QStringLiteral("traefik/error-404.json")), QStringLiteral("routers")));
            } },
        { QStringLiteral("not the version"), [] { return errorOf(Traefik::parseVersion("<html></html>")); } },
    };
    traefik.at
        = [](int port) { return config(QStringLiteral("traefik"), QStringLiteral("http://127.0.0.1:%1").arg(port)); };
    all.insert(QStringLiteral("traefik"), traefik);

    Fixture nginx;
    nginx.recorded = []() -> Result<GatewaySnapshot> {
        const auto config = Nginx::parseDump(Test::readTestData(QStringLiteral("nginx/lab-dump.txt")));
        if (!config)
            return Result<GatewaySnapshot>::failure(config.error());
        GatewaySnapshot s;
        s.backends = Nginx::poolsOf(config.value());
        return Result<GatewaySnapshot>::success(s);
    };
    nginx.malformed = {
        { QStringLiteral("truncated nginx -T"),
            [] {
                const auto c = Nginx::parseDump(half(QStringLiteral("nginx/lab-dump.txt")));
                return c ? c.value().problem : c.error();
            } },
        { QStringLiteral("not nginx -T"), [] { return errorOf(Nginx::parseDump("<html>502 Bad Gateway</html>")); } },
        { QStringLiteral("not stub_status"),
            [] { return errorOf(Nginx::parseStubStatus("Active connections: x\n")); } },
    };
    nginx.at = [](int port) {
        GatewayConfig c = config(QStringLiteral("nginx"), QStringLiteral("ssh://127.0.0.1:%1").arg(port));
        c.options.insert(QStringLiteral("sshConfig"), Test::testDataPath(QStringLiteral("nginx/contract-ssh-config")));
        c.deadlineMs = 3000;
        return c;
    };
    nginx.replaying = [] {
        GatewayConfig c = config(QStringLiteral("nginx"), QStringLiteral("local:"));
        c.options.insert(QStringLiteral("nginx"),
            QStringLiteral("sh %1 %2")
                .arg(Test::testDataPath(QStringLiteral("nginx/replay-nginx.sh")),
                    Test::testDataPath(QStringLiteral("nginx/lab-dump.txt"))));
        return c;
    };
    all.insert(QStringLiteral("nginx"), nginx);

    for (const QString& id : { QStringLiteral("fake"), QStringLiteral("fake-limited") }) {
        Fixture fake;
        const QString name = QStringLiteral("contract-") + id;
        fake.recorded
            = [] { return Result<GatewaySnapshot>::success(Test::FakeGateway::pools({ QStringLiteral("api") }, 3)); };
        fake.malformed = {}; // it parses nothing
        fake.at = [id](int) { return Test::fakeGateway(QStringLiteral("contract-") + id, id); };
        fake.reached = [name] {
            const Test::FakeGateway& g = Test::FakeGateway::named(name);
            return int(g.sent.size()) + g.reads;
        };
        fake.settingValue = QStringLiteral("fast");
        all.insert(id, fake);
    }
    return all;
}

// One change of each kind, made against what the recorded snapshot holds.
Change sample(
    ChangeKind kind, const QString& gateway, const GatewaySnapshot& snap, const Capabilities& caps, const Fixture& f)
{
    // The first pool with members (a stats or rate-limit backend may have none).
    const BackendSnapshot& pool = *std::find_if(
        snap.backends.cbegin(), snap.backends.cend(), [](const BackendSnapshot& b) { return !b.servers.isEmpty(); });
    const ServerRef member { gateway, pool.name, pool.servers.first().name };
    switch (kind) {
    case ChangeKind::ServerState:
        return ServerStateChange { member, caps.can(Feature::Drain) ? AdminState::Drain : AdminState::Ready };
    case ChangeKind::Weight:
        return WeightChange { member, caps.rules.weightMin };
    case ChangeKind::AddMember: {
        ServerSpec spec { gateway, pool.name, QStringLiteral("contract"), QStringLiteral("127.0.0.1"), 8080,
            caps.rules.weightMin };
        if (caps.rules.membersNamedByAddress)
            spec.name = spec.address();
        return AddMemberChange { spec };
    }
    case ChangeKind::RemoveMember:
        return RemoveMemberChange { member };
    case ChangeKind::RateLimit:
        return RateLimitChange { gateway, RateScope::Key, QStringLiteral("key-contract"), 5 };
    case ChangeKind::CacheRule: {
        CacheRuleChange c;
        c.gateway = gateway;
        c.scope = f.settingScope.isEmpty() ? QStringLiteral("srv0") : f.settingScope;
        c.path = QStringLiteral("/contract/*");
        c.control.maxAge = 60;
        return c;
    }
    case ChangeKind::CacheTtl:
        return CacheTtlChange { gateway, CacheTtl::Ttl, 30 };
    case ChangeKind::Purge:
        return PurgeChange { gateway, QStringLiteral("^/contract/"), {} };
    case ChangeKind::MemberOption: {
        const MemberOption option
            = caps.memberOptions.value(0, MemberOption { QStringLiteral("none"), {}, MemberOption::Kind::Flag, {} });
        const QString value = option.kind == MemberOption::Kind::Flag ? QStringLiteral("on")
            : option.kind == MemberOption::Kind::Count                ? QStringLiteral("3")
                                                                      : QStringLiteral("10s");
        return MemberOptionChange { member, option.key, value };
    }
    case ChangeKind::Setting:
        return SettingChange { gateway, caps.settings.value(0, QStringLiteral("none")), f.settingScope, f.settingValue,
            QStringLiteral("contract setting") };
    }
    return {};
}

const QList<ChangeKind> kAllKinds { ChangeKind::ServerState, ChangeKind::Weight, ChangeKind::AddMember,
    ChangeKind::RemoveMember, ChangeKind::RateLimit, ChangeKind::CacheRule, ChangeKind::CacheTtl, ChangeKind::Purge,
    ChangeKind::Setting, ChangeKind::MemberOption };
} // namespace

class TestDriverContract : public QObject
{
    Q_OBJECT

    const ProductDescriptor* product()
    {
        QFETCH(QString, id);
        return Test::registryWithFakes().find(id);
    }
    int reachedCount(const Fixture& f, const Test::Canary& canary) const
    {
        return f.reached ? f.reached() : canary.contacts();
    }

private Q_SLOTS:
    void init() { Test::FakeGateway::resetAll(); }

    void everyProductHasAFixture()
    {
        // A product registered without contract fixtures would skip every case below: it may not.
        const QHash<QString, Fixture> all = fixtures();
        for (const ProductDescriptor& p : Test::registryWithFakes().products())
            QVERIFY2(all.contains(p.info.id), qPrintable(QStringLiteral("no contract fixture for %1").arg(p.info.id)));
        QVERIFY(Test::registryWithFakes().products().size() >= 5);
    }

    void descriptorIsComplete_data() { rows(); }
    void descriptorIsComplete()
    {
        const ProductDescriptor* p = product();
        QVERIFY(p);
        const ProductInfo& i = p->info;
        QVERIFY(!i.id.isEmpty() && i.id == i.id.toLower());
        for (const QString& text : { i.displayName, i.testedVersion, i.channel, i.channelDetail, i.adminExample,
                 i.pools, i.metrics, i.conflictCheck })
            QVERIFY2(!text.isEmpty(), qPrintable(i.id));
        QVERIFY(!i.adminSchemes.isEmpty());
        QVERIFY(i.defaultPort > 0);
        QVERIFY(p->create);
        // Its own example address is one it accepts.
        GatewayConfig example
            = config(i.id, adminUrlFromUserText(i.adminExample.section(QLatin1Char(' '), 0, 0)).toString());
        const QString problem = validateGatewayConfig(example, Test::registryWithFakes().catalog());
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        // Every feature is said, with how or why not.
        for (const Feature f : allFeatures()) {
            QVERIFY2(i.capabilities.features.contains(f), qPrintable(i.id + QLatin1Char(' ') + label(f)));
            QVERIFY2(!i.capabilities.features.value(f).text.isEmpty(), qPrintable(i.id + QLatin1Char(' ') + label(f)));
        }
        QVERIFY(i.capabilities.rules.weightMin <= i.capabilities.rules.weightMax);
        QVERIFY(i.capabilities.verify.attempts >= 1);
        // What it supports, it takes as a change; what it takes, it supports.
        const Capabilities& c = i.capabilities;
        const std::pair<Feature, ChangeKind> needs[] = { { Feature::Drain, ChangeKind::ServerState },
            { Feature::ForceUp, ChangeKind::ServerState }, { Feature::Maint, ChangeKind::ServerState },
            { Feature::Weight, ChangeKind::Weight }, { Feature::AddMember, ChangeKind::AddMember },
            { Feature::RemoveMember, ChangeKind::RemoveMember }, { Feature::RateLimits, ChangeKind::RateLimit } };
        for (const auto& [feature, kind] : needs) {
            QCOMPARE(c.can(feature) && !c.takes(kind), false);
            if (kind != ChangeKind::ServerState)
                QCOMPARE(c.takes(kind), c.can(feature));
        }
        const bool cacheKinds
            = c.takes(ChangeKind::CacheRule) || c.takes(ChangeKind::CacheTtl) || c.takes(ChangeKind::Purge);
        // A cache change needs the cache form; the cache form needs something to change (a Redis has settings only).
        if (cacheKinds)
            QVERIFY(c.can(Feature::CachePolicy));
        if (c.can(Feature::CachePolicy))
            QVERIFY2(cacheKinds || c.takes(ChangeKind::Setting), qPrintable(i.id));
        QCOMPARE(c.takes(ChangeKind::Setting), !c.settings.isEmpty());
        QCOMPARE(c.takes(ChangeKind::MemberOption), !c.memberOptions.isEmpty());
        if (c.takes(ChangeKind::RateLimit))
            QVERIFY(!c.rules.rateScopes.isEmpty());
        // History queries name what they select by.
        for (const QString& q : i.history) {
            QVERIFY2(q.contains(QLatin1String("$selector")), qPrintable(q));
            QVERIFY(!i.poolLabel.isEmpty() && !i.memberLabel.isEmpty());
        }
    }

    void recordedAnswersMakeASnapshot_data() { rows(); }
    void recordedAnswersMakeASnapshot()
    {
        const ProductDescriptor* p = product();
        const Fixture f = fixtures().value(p->info.id);
        const auto snap = f.recorded();
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QVERIFY(std::any_of(snap.value().backends.cbegin(), snap.value().backends.cend(),
            [](const BackendSnapshot& b) { return !b.servers.isEmpty(); }));
        for (const BackendSnapshot& b : snap.value().backends) {
            QVERIFY(!b.name.isEmpty());
            for (const ServerSnapshot& s : b.servers) {
                QVERIFY2(!s.name.isEmpty(), qPrintable(b.name));
                // Where a member can be put back after a removal, its address is known.
                if (p->info.capabilities.can(Feature::RemoveMember))
                    QVERIFY2(!s.address.isEmpty(), qPrintable(b.name + QLatin1Char('/') + s.name));
                QVERIFY(s.weight >= 0);
                QVERIFY(s.health != Health::Unknown || !s.status.isEmpty());
            }
        }
        QVERIFY(snap.value().serverCount() > 0);
        QVERIFY(snap.value().sameShape(snap.value()));
    }

    void declaredKindsGoOut_data() { rows(); }
    void declaredKindsGoOut()
    {
        const ProductDescriptor* p = product();
        const Fixture f = fixtures().value(p->info.id);
        const Capabilities& caps = p->info.capabilities;
        const GatewaySnapshot snap = f.recorded().value();
        for (const ChangeKind kind : caps.changes) {
            Test::Canary canary;
            Test::FakeGateway::resetAll();
            if (f.reached)
                Test::FakeGateway::named(f.at(0).admin.host()).pool = snap;
            std::unique_ptr<Drivers::Driver> driver(p->create(f.at(canary.port()), nullptr));
            const Change change = sample(kind, f.at(0).name, snap, caps, f);
            QVERIFY2(change.refusal(caps).isEmpty(),
                qPrintable(change.describe() + QStringLiteral(": ") + change.refusal(caps)));
            QVERIFY2(change.validate(caps).isEmpty(),
                qPrintable(change.describe() + QStringLiteral(": ") + problemsText(change.validate(caps))));
            std::optional<Result<QString>> answer;
            driver->apply(change, f.current, [&answer](Result<QString> r) { answer = r; });
            // Taken: it is not refused on the spot, and it reaches the gateway.
            QVERIFY2(!answer || answer->ok() || !answer->error().contains(QLatin1String("does not take")),
                qPrintable(change.describe() + QStringLiteral(": ") + (answer ? answer->error() : QString())));
            QTRY_VERIFY2_WITH_TIMEOUT(reachedCount(f, canary) > 0,
                qPrintable(QStringLiteral("%1: %2 never reached the gateway").arg(p->info.id, change.describe())),
                3000);
        }
    }

    void undeclaredKindsAreRefusedBeforeAnythingIsSent_data() { rows(); }
    void undeclaredKindsAreRefusedBeforeAnythingIsSent()
    {
        const ProductDescriptor* p = product();
        const Fixture f = fixtures().value(p->info.id);
        const Capabilities& caps = p->info.capabilities;
        const GatewaySnapshot snap = f.recorded().value();
        int checked = 0;
        for (const ChangeKind kind : kAllKinds) {
            if (caps.takes(kind))
                continue;
            Test::Canary canary;
            std::unique_ptr<Drivers::Driver> driver(p->create(f.at(canary.port()), nullptr));
            const Change change = sample(kind, f.at(0).name, snap, caps, f);
            // The pipeline refuses it from the capabilities, with a reason...
            QVERIFY2(!change.refusal(caps).isEmpty(), qPrintable(change.describe()));
            // ...and the driver itself, at once.
            std::optional<Result<QString>> answer;
            driver->apply(change, f.current, [&answer](Result<QString> r) { answer = r; });
            QVERIFY2(answer.has_value(), qPrintable(change.describe() + QStringLiteral(": not refused on the spot")));
            QVERIFY(!answer->ok());
            QVERIFY(!answer->error().isEmpty());
            QTest::qWait(50);
            QCOMPARE(reachedCount(f, canary), 0);
            ++checked;
        }
        if (checked == 0)
            QSKIP("this product takes every kind of change");
    }

    void someoneElsesChangeIsCaught_data() { rows(); }
    void someoneElsesChangeIsCaught()
    {
        const ProductDescriptor* p = product();
        const Fixture f = fixtures().value(p->info.id);
        const Capabilities& caps = p->info.capabilities;
        const GatewaySnapshot snap = f.recorded().value();
        if (caps.changes.isEmpty())
            QSKIP("this product takes no change (read-only)");
        if (!caps.versionedWrites && f.recordedPolicy && caps.changes == QList<ChangeKind> { ChangeKind::Setting }) {
            // Settings only: caught by the pipeline's re-read of the setting.
            GatewayState seen, now;
            seen.cache = f.recordedPolicy();
            now.cache = f.recordedPolicy();
            QVERIFY(!now.cache->settings.isEmpty());
            Setting& moved = now.cache->settings.first();
            moved.value = moved.value == QLatin1String("0") ? QStringLiteral("1mb") : QStringLiteral("0");
            SettingChange change { f.at(0).name, moved.id, moved.scope, f.settingValue, {} };
            const ChangeCheck check = Change(change).precheck(seen, now, caps);
            QVERIFY(check.conflict);
            QVERIFY(check.problem.contains(QLatin1String("conflict")));
            QVERIFY(!Change(change).precheck(seen, seen, caps).conflict);
            return;
        }
        if (!caps.versionedWrites) {
            // Caught by the pipeline's re-read: the member is not as the operator saw it.
            QVERIFY2(caps.takes(ChangeKind::ServerState) || caps.takes(ChangeKind::Weight),
                "a product without versioned writes needs state or weight changes the re-read can guard");
            GatewayState seen, now;
            seen.pool = snap;
            now.pool = snap;
            const auto pool = std::find_if(now.pool->backends.begin(), now.pool->backends.end(),
                [](const BackendSnapshot& b) { return !b.servers.isEmpty(); });
            ServerSnapshot& moved = pool->servers.first();
            moved.admin = moved.admin == AdminState::Maint ? AdminState::Ready : AdminState::Maint;
            moved.weight += 1;
            for (const ChangeKind kind : { ChangeKind::ServerState, ChangeKind::Weight }) {
                if (!caps.takes(kind))
                    continue;
                const ChangeCheck check = sample(kind, f.at(0).name, snap, caps, f).precheck(seen, now, caps);
                QVERIFY(check.conflict);
                QVERIFY(check.problem.contains(QLatin1String("conflict")));
            }
            return;
        }
        // Caught by the gateway: each write carries the version the operator saw.
        const QString version = QStringLiteral("contract-version-7");
        bool carried = false;
        for (const ChangeKind kind : caps.changes) {
            Test::Canary canary;
            Test::FakeGateway::resetAll();
            std::unique_ptr<Drivers::Driver> driver(
                p->create(f.replaying ? f.replaying() : f.at(canary.port()), nullptr));
            std::optional<Result<QString>> answer;
            driver->apply(Change(sample(kind, f.at(0).name, snap, caps, f).what, version), f.current,
                [&answer](Result<QString> r) { answer = r; });
            if (f.replaying)
                QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 5000);
            else
                QTest::qWait(300);
            // On the wire (a real product), or refused as stale (the fake, whose config is at another version).
            carried = carried || canary.received().contains(version.toUtf8())
                || (answer && answer->failureKind() == Failure::Conflict);
        }
        QVERIFY2(carried, "no change carried the version it was made against");
    }

    void malformedAnswersAreClearErrors_data() { rows(); }
    void malformedAnswersAreClearErrors()
    {
        const ProductDescriptor* p = product();
        const Fixture f = fixtures().value(p->info.id);
        for (const auto& [what, parse] : f.malformed) {
            const QString error = parse();
            QVERIFY2(!error.isEmpty(),
                qPrintable(p->info.id + QStringLiteral(": ") + what + QStringLiteral(" was accepted")));
        }
        // On the wire too: a gateway answering garbage is an error, soon, not a crash or a hang.
        Test::Canary canary("\x01garbage\r\n\r\nnot what was asked\n");
        if (f.reached)
            Test::FakeGateway::named(f.at(0).admin.host()).readError = QStringLiteral("garbage");
        std::unique_ptr<Drivers::Driver> driver(p->create(f.at(canary.port()), nullptr));
        std::optional<Result<GatewaySnapshot>> snap;
        driver->fetchSnapshot([&snap](Result<GatewaySnapshot> r) { snap = r; });
        QTRY_VERIFY_WITH_TIMEOUT(snap.has_value(), 10000);
        QVERIFY(!snap->ok());
        QVERIFY(!snap->error().isEmpty());
    }

private:
    void rows()
    {
        QTest::addColumn<QString>("id");
        for (const ProductDescriptor& p : Test::registryWithFakes().products())
            QTest::newRow(qPrintable(p.info.id)) << p.info.id;
    }
};

QTEST_GUILESS_MAIN(TestDriverContract)
#include "tst_drivercontract.moc"
