// Envoy as the rest of Fleetdeck sees it: its registration. Built from Envoy's admin interface documentation and
// answers written after it; not yet run against a live instance.
#include "envoydriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::Envoy {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("envoy");
    p.displayName = QStringLiteral("Envoy");
    p.testedVersion = QStringLiteral("1.34");
    p.liveTested = false;
    p.channel = QStringLiteral("admin interface");
    p.channelDetail = QStringLiteral("HTTP, no authentication of its own: bind it to localhost or tunnel to it");
    p.adminSchemes = { QStringLiteral("http"), QStringLiteral("https") };
    p.adminExample = QStringLiteral("http://127.0.0.1:9901");
    p.defaultPort = 9901;
    p.pools = QStringLiteral("clusters, hosts");
    p.metrics = QStringLiteral("`/clusters?format=json` per host, `/stats/prometheus` per listener and connection "
                               "manager");
    p.conflictCheck = QStringLiteral("re-read (`/server_info`) before sending");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, false, QStringLiteral("hosts come from Envoy's configuration (EDS, CDS), not its admin API"))
        .set(Feature::Ready, false, QStringLiteral("hosts come from Envoy's configuration (EDS, CDS)"))
        .set(Feature::ForceUp, false, QStringLiteral("active health checks and outlier detection decide"))
        .set(Feature::Maint, false, QStringLiteral("no maintenance state per host"))
        .set(Feature::Weight, false, QStringLiteral("weights come from EDS"))
        .set(Feature::AddMember, false, QStringLiteral("hosts come from Envoy's configuration (EDS, CDS)"))
        .set(Feature::RemoveMember, false, QStringLiteral("hosts come from Envoy's configuration (EDS, CDS)"))
        .set(Feature::RateLimits, false, QStringLiteral("rate limits are filters in Envoy's configuration"))
        .set(Feature::CachePolicy, true,
            QStringLiteral("no cache; the settings form fails or passes this Envoy's own health check "
                           "(`/healthcheck/fail`, `/ok`) and drains its listeners (`/drain_listeners?graceful`)"));
    c.changes = { ChangeKind::Setting };
    c.settings = { QStringLiteral("health-check"), QStringLiteral("drain-listeners") };
    c.runtimeOnly = true;
    c.note = QStringLiteral("Not yet run against a live instance. Envoy's hosts and weights come from its "
                            "configuration (static, EDS); the admin interface drains this Envoy as a whole.");
    p.notes = {
        QStringLiteral("Not yet run against a live instance: built from Envoy's admin documentation and answers "
                       "written after it."),
        QStringLiteral("Counters in `/clusters?format=json` are JSON strings and are left out when zero; health flags "
                       "appear only when true. A host's errors are Envoy's `rq_error`."),
        QStringLiteral("`/healthcheck/fail` makes `/server_info` say DRAINING; `/drain_listeners` does not change "
                       "that state and cannot be undone without a restart."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new EnvoyDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Envoy
