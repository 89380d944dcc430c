// Caddy as the rest of Fleetdeck sees it: its registration.
#include "caddydriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::Caddy {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("caddy");
    p.displayName = QStringLiteral("Caddy");
    p.testedVersion = QStringLiteral("2.6");
    p.channel = QStringLiteral("admin API");
    p.channelDetail = QStringLiteral("HTTP JSON");
    p.adminSchemes = { QStringLiteral("http"), QStringLiteral("https") };
    p.adminExample = QStringLiteral("http://127.0.0.1:2019");
    p.defaultPort = 2019;
    p.credentials = { CredentialKind::Basic, CredentialKind::Bearer, CredentialKind::ClientCertificate };
    p.secretHint = QStringLiteral("user:password (basic) or a bearer token");
    p.pools = QStringLiteral("`reverse_proxy` handlers, upstreams");
    p.metrics = QStringLiteral("`/metrics` (HTTP metrics are opt-in; Fleetdeck offers to switch them on)");
    p.conflictCheck = QStringLiteral("`If-Match` (Caddy answers 412)");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, false, QStringLiteral("remove the upstream instead (Caddy 2.6)"))
        .set(Feature::Ready, false, QStringLiteral("an upstream is always in service"))
        .set(Feature::ForceUp, false, QStringLiteral("its health checks decide"))
        .set(Feature::Maint, false, QStringLiteral("remove the upstream instead (Caddy 2.6)"))
        .set(Feature::Weight, false, QStringLiteral("not per upstream in Caddy 2.6"))
        .set(Feature::AddMember, true, QStringLiteral("config API, `If-Match`"))
        .set(Feature::RemoveMember, true,
            QStringLiteral("at once (config API, `If-Match`); requests in flight finish on the old config"))
        .set(Feature::RateLimits, false, QStringLiteral("not in Caddy's standard build"))
        .set(Feature::CachePolicy, true, QStringLiteral("`Cache-Control` per path (headers handler)"));
    c.changes = { ChangeKind::AddMember, ChangeKind::RemoveMember, ChangeKind::CacheRule, ChangeKind::Setting };
    c.settings = { QStringLiteral("http-metrics") };
    // Each write names the config it was made against: the next one needs the version this one produced.
    c.verify.eachChange = true;
    c.versionedWrites = true;
    c.rules.weightMin = 1;
    c.rules.weightMax = 1;
    c.rules.membersNamedByAddress = true;
    c.runtimeOnly = true;
    c.note = QStringLiteral("Caddy 2.6 has no drain, maintenance or weight for an upstream at runtime: add or remove "
                            "it. Changes go through the admin API; the config file on disk is not rewritten.");
    p.notes = {
        QStringLiteral("Caddy 2.6 sends a config's ETag only as an HTTP trailer; Fleetdeck computes it as Caddy does: "
                       "the request path and the FNV-1a hash of the exact `GET /config/` body, printed as eight hex "
                       "digits. Fleetdeck never posts to `/load`, so the admin block (whose absence moves the admin "
                       "API to :2019) is never at risk."),
        QStringLiteral("Caddy 2.6 reports no health per upstream in `/reverse_proxy/upstreams`; Fleetdeck reads "
                       "`caddy_reverse_proxy_upstreams_healthy` from `/metrics` (Caddy refreshes it every 10 s), and "
                       "has no per-upstream request counter to chart: those cells stay empty rather than show a "
                       "made-up 0."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new CaddyDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Caddy
