// Traefik as the rest of Fleetdeck sees it: its registration. Built from Traefik's API documentation and answers
// written after it; not yet run against a live instance.
#include "registry.h"
#include "traefikdriver.h"

namespace Fleetdeck::Drivers::Traefik {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("traefik");
    p.displayName = QStringLiteral("Traefik");
    p.testedVersion = QStringLiteral("3.6");
    p.liveTested = false;
    p.channel = QStringLiteral("API");
    p.channelDetail = QStringLiteral("HTTP JSON, read-only; basic or bearer authentication when a middleware or "
                                     "proxy in front of it asks for one");
    p.adminSchemes = { QStringLiteral("http"), QStringLiteral("https") };
    p.adminExample = QStringLiteral("http://127.0.0.1:8080");
    p.defaultPort = 8080;
    p.credentials = { CredentialKind::Basic, CredentialKind::Bearer };
    p.secretHint = QStringLiteral("user:password (basic) or a bearer token, if the API is behind one");
    p.pools = QStringLiteral("services, servers (and the services a weighted or mirroring service sends to)");
    p.metrics = QStringLiteral("its Prometheus endpoint (`traefik_service_requests_total`, "
                               "`traefik_entrypoint_requests_total`), named as the gateway's metrics");
    p.conflictCheck = QStringLiteral("none: Fleetdeck changes nothing in Traefik");
    const QString providers = QStringLiteral(
        "read-only: Traefik's dynamic configuration lives in its providers (file, Docker, Kubernetes, Consul...); "
        "change it there");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, false, providers)
        .set(Feature::Ready, false, providers)
        .set(Feature::ForceUp, false, providers)
        .set(Feature::Maint, false, providers)
        .set(Feature::Weight, false, providers)
        .set(Feature::AddMember, false, providers)
        .set(Feature::RemoveMember, false, providers)
        .set(Feature::RateLimits, false,
            QStringLiteral("rate limits are middlewares in the providers' configuration; shown per route"))
        .set(Feature::CachePolicy, false, QStringLiteral("Traefik has no cache of its own"));
    c.changes = {};
    c.runtimeOnly = true;
    c.note = QStringLiteral("Not yet run against a live instance. Read-only by design: routers, services, servers "
                            "and middlewares are shown; changes go to Traefik's providers.");
    p.notes = {
        QStringLiteral("Not yet run against a live instance: built from Traefik's API documentation and answers "
                       "written after it."),
        QStringLiteral("Lists are paged: Traefik's `X-Next-Page` header is 1 on the last page. Routers name their "
                       "service and middlewares without `@provider`; Fleetdeck adds the router's own."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new TraefikDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Traefik
