// Varnish as the rest of Fleetdeck sees it: its registration.
#include "registry.h"
#include "varnishdriver.h"

namespace Fleetdeck::Drivers::Varnish {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("varnish");
    p.displayName = QStringLiteral("Varnish");
    p.testedVersion = QStringLiteral("7.1");
    p.channel = QStringLiteral("CLI");
    p.channelDetail = QStringLiteral("TCP, challenge with the `-S` secret");
    p.adminSchemes = { QStringLiteral("tcp") };
    p.adminExample = QStringLiteral("tcp://127.0.0.1:6082");
    p.defaultPort = 6082;
    p.credentials = { CredentialKind::Secret };
    p.secretHint = QStringLiteral("the -S secret file's exact bytes");
    p.credentialSuffix = QStringLiteral("/cli");
    p.pools = QStringLiteral("the active VCL, its backends");
    p.metrics = QStringLiteral("prometheus-varnish-exporter");
    p.conflictCheck = QStringLiteral("re-read before sending");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, true,
         QStringLiteral("`backend.set_health sick`: Varnish sends it no requests whatever its probe says"))
        .set(Feature::Ready, true, QStringLiteral("`backend.set_health auto`: the probe decides again"))
        .set(Feature::ForceUp, true, QStringLiteral("`backend.set_health healthy`"))
        .set(Feature::Maint, false, QStringLiteral("drain sets a backend sick instead"))
        .set(Feature::Weight, false, QStringLiteral("a backend's weight lives in its director, in VCL"))
        .set(Feature::AddMember, false, QStringLiteral("backends come from the VCL: load a VCL that declares it"))
        .set(Feature::RemoveMember, false, QStringLiteral("backends come from the VCL: load a VCL without it"))
        .set(Feature::RateLimits, false, QStringLiteral("not in Varnish itself (a vmod's job)"))
        .set(Feature::CachePolicy, true,
            QStringLiteral("`default_ttl` / `default_grace` / `default_keep`, bans, the active VCL"));
    c.changes = { ChangeKind::ServerState, ChangeKind::CacheTtl, ChangeKind::Purge, ChangeKind::Setting };
    c.settings = { QStringLiteral("vcl") };
    c.rules.weightMin = 1;
    c.rules.weightMax = 1;
    c.runtimeOnly = true;
    c.note = QStringLiteral("Drain sets a backend sick, Force up sets it healthy, Ready gives it back to its probe "
                            "(auto). Backends come from the VCL: adding or removing one means loading a new VCL.");
    p.notes = {
        QStringLiteral("Varnish's exporter has no status-code counters: there is no 5xx rate for a Varnish gateway, "
                       "and its backends' 5xx cells stay empty rather than show a made-up 0."),
        QStringLiteral("Varnish adds its worker threads' counts to the shared counters in batches; on a busy machine "
                       "`varnish_main_client_req` was seen to advance by +10, +10, +194, +27 in successive one-second "
                       "polls while the offered load was steady, so a Varnish req/s line can jump. Fleetdeck charts "
                       "the counter as Varnish reports it."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new VarnishDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Varnish
