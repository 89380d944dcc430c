#include "fakegateway.h"

#include <map>
#include <memory>

#include <QDateTime>
#include <QTimer>

#include "driver.h"

namespace Fleetdeck::Test {

namespace {
std::map<QString, std::unique_ptr<FakeGateway>>& gateways()
{
    static std::map<QString, std::unique_ptr<FakeGateway>> all;
    return all;
}

// A change that has been accepted but does not show yet.
struct Pending
{
    int readsLeft = 0;
    std::function<void()> apply;
};

class FakeDriver final : public Drivers::Driver
{
public:
    FakeDriver(const GatewayConfig& config, const Capabilities& capabilities, bool versioned, QObject* parent)
        : Driver(config, capabilities, parent)
        , m_versioned(versioned)
    { }

    void fetchSnapshot(SnapshotCallback callback) override
    {
        read([callback](FakeGateway& g, const QString& error) {
            if (!error.isEmpty()) {
                callback(Result<GatewaySnapshot>::failure(error));
                return;
            }
            GatewaySnapshot s = g.pool;
            s.configVersion = g.configVersion;
            s.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(Result<GatewaySnapshot>::success(s));
        });
    }
    void readRateLimits(RateLimitsCallback callback) override
    {
        read([callback](FakeGateway& g, const QString& error) {
            callback(error.isEmpty() ? Result<RateLimits>::success(g.limits) : Result<RateLimits>::failure(error));
        });
    }
    void readCachePolicy(CachePolicyCallback callback) override
    {
        read([callback](FakeGateway& g, const QString& error) {
            CachePolicy p = g.cache;
            p.configVersion = g.configVersion;
            callback(error.isEmpty() ? Result<CachePolicy>::success(p) : Result<CachePolicy>::failure(error));
        });
    }

protected:
    void sendChange(const Change& change, const GatewayState&, ActionCallback callback) override
    {
        QTimer::singleShot(gateway().answerDelayMs, this, [this, change, callback] {
            FakeGateway& g = gateway();
            if (!g.refuseNext.isEmpty()) {
                callback(Result<QString>::failure(std::exchange(g.refuseNext, QString())));
                return;
            }
            if (std::exchange(g.conflictNext, false)
                || (m_versioned && !change.baseVersion.isEmpty() && change.baseVersion != g.configVersion)) {
                callback(Result<QString>::failure(
                    QStringLiteral("made against %1, the config is %2 now").arg(change.baseVersion, g.configVersion),
                    Failure::Conflict));
                return;
            }
            std::function<void()> mutation;
            if (const QString problem = mutate(change, &mutation); !problem.isEmpty()) {
                callback(Result<QString>::failure(problem));
                return;
            }
            g.sent.append(change.describe());
            g.configVersion = QStringLiteral("v%1").arg(g.sent.size() + 1);
            if (g.showAfterReads > 0)
                m_pending.append({ g.showAfterReads, mutation });
            else
                mutation();
            callback(Result<QString>::success(QStringLiteral("done")));
        });
    }

private:
    FakeGateway& gateway() const { return FakeGateway::named(config().admin.host()); }

    void read(std::function<void(FakeGateway&, const QString&)> then)
    {
        QTimer::singleShot(gateway().answerDelayMs, this, [this, then] {
            FakeGateway& g = gateway();
            g.reads += 1;
            g.readTimes.append(QDateTime::currentMSecsSinceEpoch());
            for (Pending& p : m_pending) {
                if (--p.readsLeft == 0)
                    p.apply();
            }
            m_pending.removeIf([](const Pending& p) { return p.readsLeft <= 0; });
            then(g, g.readError);
        });
    }

    // What the change does to the gateway (in `mutation`), or why it cannot.
    QString mutate(const Change& change, std::function<void()>* mutation)
    {
        const QString name = config().admin.host();
        auto member = [name](const ServerRef& t) -> ServerSnapshot* {
            for (BackendSnapshot& b : FakeGateway::named(name).pool.backends) {
                for (ServerSnapshot& s : b.servers) {
                    if (b.name == t.backend && s.name == t.server)
                        return &s;
                }
            }
            return nullptr;
        };
        if (const auto* c = change.as<ServerStateChange>()) {
            if (!member(c->target))
                return QStringLiteral("No such server.");
            *mutation = [member, c = *c] { member(c.target)->admin = c.state; };
        } else if (const auto* c = change.as<WeightChange>()) {
            if (!member(c->target))
                return QStringLiteral("No such server.");
            *mutation = [member, c = *c] { member(c.target)->weight = c.weight; };
        } else if (const auto* c = change.as<AddMemberChange>()) {
            if (member({ c->spec.gateway, c->spec.backend, c->spec.name }))
                return QStringLiteral("Already exists.");
            *mutation = [name, spec = c->spec] {
                for (BackendSnapshot& b : FakeGateway::named(name).pool.backends) {
                    if (b.name == spec.backend) {
                        ServerSnapshot s { spec.name, spec.address(), spec.state, Health::Up, QStringLiteral("UP"),
                            spec.check ? QStringLiteral("L7OK") : QString(), {}, spec.weight };
                        s.backup = spec.backup;
                        s.options = spec.options;
                        b.servers.append(s);
                    }
                }
            };
        } else if (const auto* c = change.as<RemoveMemberChange>()) {
            if (!member(c->target))
                return QStringLiteral("No such server.");
            *mutation = [name, t = c->target] {
                for (BackendSnapshot& b : FakeGateway::named(name).pool.backends)
                    b.servers.removeIf(
                        [&t, &b](const ServerSnapshot& s) { return b.name == t.backend && s.name == t.server; });
            };
        } else if (const auto* c = change.as<RateLimitChange>()) {
            *mutation = [name, c = *c] {
                RateLimits& l = FakeGateway::named(name).limits;
                if (c.scope == RateScope::Ip) {
                    l.ipLimit = c.limit;
                    return;
                }
                l.entries.removeIf([&c](const RateLimitEntry& e) { return e.key == c.key; });
                if (c.limit >= 0)
                    l.entries.append({ c.key, c.limit });
            };
        } else if (const auto* c = change.as<CacheRuleChange>()) {
            *mutation = [name, c = *c] {
                CachePolicy& p = FakeGateway::named(name).cache;
                p.rules.removeIf([&c](const CacheRule& r) { return r.scope == c.scope && r.path == c.path; });
                if (!c.remove)
                    p.rules.append({ c.scope, c.path, c.control.toHeader(), QStringLiteral("rule"), true });
            };
        } else if (const auto* c = change.as<CacheTtlChange>()) {
            *mutation = [name, c = *c] {
                CachePolicy& p = FakeGateway::named(name).cache;
                (c.which == CacheTtl::Ttl ? p.ttl : c.which == CacheTtl::Grace ? p.grace : p.keep) = c.seconds;
            };
        } else if (const auto* c = change.as<PurgeChange>()) {
            *mutation = [name, c = *c] {
                FakeGateway::named(name).cache.bans.append({ {}, 0, false, c.describe(), c.urlPattern, c.host });
            };
        } else if (const auto* c = change.as<MemberOptionChange>()) {
            if (!member(c->target))
                return QStringLiteral("No such server.");
            *mutation = [member, c = *c] {
                if (c.value.isEmpty())
                    member(c.target)->options.remove(c.option);
                else
                    member(c.target)->options.insert(c.option, c.value);
            };
        } else if (const auto* c = change.as<SettingChange>()) {
            *mutation = [name, c = *c] {
                for (Setting& s : FakeGateway::named(name).cache.settings) {
                    if (s.id == c.setting && s.scope == c.scope)
                        s.value = c.value;
                }
            };
        }
        return {};
    }

    bool m_versioned;
    QList<Pending> m_pending;
};

ProductInfo baseInfo(const QString& id, const QString& name)
{
    ProductInfo p;
    p.id = id;
    p.displayName = name;
    p.testedVersion = QStringLiteral("1");
    p.channel = QStringLiteral("memory");
    p.channelDetail = QStringLiteral("in this process, for tests");
    p.adminSchemes = { QStringLiteral("fake") };
    p.adminExample = QStringLiteral("fake://gw1");
    p.defaultPort = 1;
    p.pools = QStringLiteral("pools, members");
    p.metrics = QStringLiteral("counters it is given");
    p.notes = { QStringLiteral("For tests only: it stands in for no real product.") };
    return p;
}

Drivers::ProductDescriptor descriptorFor(ProductInfo info, bool versioned)
{
    const Capabilities caps = info.capabilities;
    return { info,
        [versioned, caps](
            const GatewayConfig& config, QObject* parent) { return new FakeDriver(config, caps, versioned, parent); },
        true };
}
} // namespace

FakeGateway& FakeGateway::named(const QString& name)
{
    auto& all = gateways();
    auto it = all.find(name);
    if (it == all.end())
        it = all.emplace(name, std::make_unique<FakeGateway>()).first;
    return *it->second;
}

void FakeGateway::resetAll()
{
    gateways().clear();
}

GatewaySnapshot FakeGateway::pools(const QStringList& backends, int servers)
{
    GatewaySnapshot snap;
    snap.version = QStringLiteral("fake 1");
    for (const QString& name : backends) {
        BackendSnapshot b;
        b.name = name;
        b.algorithm = QStringLiteral("roundrobin");
        for (int i = 1; i <= servers; ++i)
            b.servers.append({ QStringLiteral("s%1").arg(i), QStringLiteral("10.0.0.%1:80").arg(i), AdminState::Ready,
                Health::Up, QStringLiteral("UP"), QStringLiteral("L7OK"), {}, 1 });
        snap.backends.append(b);
    }
    return snap;
}

Drivers::ProductDescriptor fakeDescriptor()
{
    ProductInfo p = baseInfo(QStringLiteral("fake"), QStringLiteral("Fake"));
    Capabilities& c = p.capabilities;
    for (const Feature f : allFeatures())
        c.set(f, true, QStringLiteral("in memory"));
    c.changes = { ChangeKind::ServerState, ChangeKind::Weight, ChangeKind::AddMember, ChangeKind::RemoveMember,
        ChangeKind::RateLimit, ChangeKind::CacheRule, ChangeKind::CacheTtl, ChangeKind::Purge, ChangeKind::Setting,
        ChangeKind::MemberOption };
    c.settings = { QStringLiteral("mode") };
    c.memberOptions = { { QStringLiteral("backup"), QStringLiteral("Backup"), MemberOption::Kind::Flag,
                            QStringLiteral("a backup member") },
        { QStringLiteral("max_fails"), QStringLiteral("Max fails"), MemberOption::Kind::Count,
            QStringLiteral("failures before it is out") },
        { QStringLiteral("fail_timeout"), QStringLiteral("Fail timeout"), MemberOption::Kind::Duration,
            QStringLiteral("how long it stays out") } };
    c.rules.weightMin = 0;
    c.rules.weightMax = 100;
    c.rules.rateScopes = { RateScope::Key, RateScope::Ip };
    c.rules.staticBalancing = { QStringLiteral("static") };
    c.rules.staticBalancingReason = QStringLiteral("a static pool takes no member at runtime.");
    c.verify.delayMs = 50;
    c.note = QStringLiteral("Changes live in this process.");
    p.conflictCheck = QStringLiteral("re-read before sending");
    return descriptorFor(p, false);
}

Drivers::ProductDescriptor limitedFakeDescriptor()
{
    ProductInfo p = baseInfo(QStringLiteral("fake-limited"), QStringLiteral("Limited fake"));
    Capabilities& c = p.capabilities;
    for (const Feature f : allFeatures())
        c.set(f, false, QStringLiteral("this fake has none"));
    c.set(Feature::AddMember, true, QStringLiteral("in memory"))
        .set(Feature::RemoveMember, true, QStringLiteral("at once"));
    c.set(Feature::Drain, false, QStringLiteral("remove the member instead"));
    c.changes = { ChangeKind::AddMember, ChangeKind::RemoveMember, ChangeKind::Setting };
    c.settings = { QStringLiteral("mode") };
    c.rules.weightMin = 1;
    c.rules.weightMax = 1;
    c.rules.membersNamedByAddress = true;
    c.verify = { 3, 50, true };
    c.versionedWrites = true;
    p.conflictCheck = QStringLiteral("a config version on every write");
    return descriptorFor(p, true);
}

const Drivers::ProductRegistry& registryWithFakes()
{
    static const Drivers::ProductRegistry registry = [] {
        QList<Drivers::ProductDescriptor> all = Drivers::ProductRegistry::builtIn().products();
        all << fakeDescriptor() << limitedFakeDescriptor();
        return Drivers::ProductRegistry(all);
    }();
    return registry;
}

GatewayConfig fakeGateway(const QString& name, const QString& product)
{
    GatewayConfig c;
    c.name = name;
    c.product = product;
    c.admin = QUrl(QStringLiteral("fake://%1").arg(name));
    c.pollIntervalMs = 200;
    return c;
}

} // namespace Fleetdeck::Test
