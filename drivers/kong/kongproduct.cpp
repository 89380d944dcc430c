// Kong as the rest of Fleetdeck sees it: its registration. Built from Kong's Admin API documentation and answers
// written after it; not yet run against a live instance.
#include "kongdriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::Kong {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("kong");
    p.displayName = QStringLiteral("Kong");
    p.testedVersion = QStringLiteral("3.10");
    p.liveTested = false;
    p.channel = QStringLiteral("Admin API");
    p.channelDetail = QStringLiteral("HTTP JSON; Kong Enterprise's RBAC token sent as Kong-Admin-Token");
    p.adminSchemes = { QStringLiteral("http"), QStringLiteral("https") };
    p.adminExample = QStringLiteral("http://127.0.0.1:8001");
    p.defaultPort = 8001;
    p.credentials = { CredentialKind::Secret };
    p.secretHint = QStringLiteral("an RBAC token (Kong Enterprise); none for Kong's open-source Admin API");
    p.credentialSuffix = QStringLiteral("/rbac");
    p.pools = QStringLiteral("upstreams, targets");
    p.metrics = QStringLiteral("`/status` (the node's requests and connections); health per target from "
                               "`/upstreams/{u}/health`");
    p.conflictCheck = QStringLiteral("each target's `updated_at`, re-read before sending");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, true, QStringLiteral("weight 0 (the weight kept in a `fleetdeck-weight-N` tag)"))
        .set(Feature::Ready, true, QStringLiteral("the kept weight back"))
        .set(Feature::ForceUp, false,
            QStringLiteral("not a state in Kong: set the target's \"healthy\" option (its health checker's mark)"))
        .set(Feature::Maint, false, QStringLiteral("not a state in Kong: drain it, or mark it unhealthy"))
        .set(Feature::Weight, true, QStringLiteral("0..65535 (`PATCH` of the target)"))
        .set(Feature::AddMember, true, QStringLiteral("`POST /upstreams/{u}/targets`"))
        .set(Feature::RemoveMember, true, QStringLiteral("`DELETE` of the target"))
        .set(Feature::RateLimits, true,
            QStringLiteral("the `minute` limit of each consumer's `rate-limiting` plugin (a key is a consumer) and of "
                           "the global one by IP; limits on services and routes are shown per route"))
        .set(Feature::CachePolicy, true,
            QStringLiteral("the `cache_ttl` of each `proxy-cache` plugin (PATCH of the plugin, read back)"));
    c.changes = { ChangeKind::ServerState, ChangeKind::Weight, ChangeKind::AddMember, ChangeKind::RemoveMember,
        ChangeKind::RateLimit, ChangeKind::Setting, ChangeKind::MemberOption };
    c.settings = { QStringLiteral("cache_ttl") };
    c.rules.rateScopes = { RateScope::Key, RateScope::Ip };
    c.memberOptions = { MemberOption { QStringLiteral("healthy"), QStringLiteral("healthy (health checker's mark)"),
        MemberOption::Kind::Flag,
        QStringLiteral("on: PUT .../healthy, off: PUT .../unhealthy. Kong's health checker takes it as a check result "
                       "on this node; its next checks may change it again. Kong refuses it when the upstream has no "
                       "health checks.") } };
    c.rules.weightMin = 0;
    c.rules.weightMax = 65535;
    c.rules.membersNamedByAddress = true;
    c.runtimeOnly = false;
    c.note = QStringLiteral("Not yet run against a live instance. Changes go through the Admin API into Kong's "
                            "database (or its declarative config): they persist and reach every node.");
    p.notes = {
        QStringLiteral("Not yet run against a live instance: built from Kong's Admin API documentation and answers "
                       "written after it."),
        QStringLiteral("Lists are paged: Kong's `next` is a path relative to the Admin API, null on the last page; "
                       "nested lists leave `size` out of it, so Fleetdeck adds it back."),
        QStringLiteral("Target timestamps are seconds with a fraction; every other entity's are whole seconds."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new KongDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Kong
