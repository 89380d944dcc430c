// HAProxy as the rest of Fleetdeck sees it: its registration.
#include "haproxydriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::HAProxy {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("haproxy");
    p.displayName = QStringLiteral("HAProxy");
    p.testedVersion = QStringLiteral("2.6");
    p.channel = QStringLiteral("runtime API");
    p.channelDetail = QStringLiteral("TCP or UNIX socket, no TLS");
    p.adminSchemes = { QStringLiteral("tcp"), QStringLiteral("unix") };
    p.adminExample = QStringLiteral("127.0.0.1:9999 or /run/haproxy/admin.sock");
    p.defaultPort = 9999;
    p.pools = QStringLiteral("backends, servers");
    p.metrics = QStringLiteral("`show stat` (and `/metrics`)");
    p.conflictCheck = QStringLiteral("re-read before sending");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, true, QStringLiteral("`state drain`"))
        .set(Feature::Ready, true, QStringLiteral("`state ready`"))
        .set(Feature::ForceUp, false, QStringLiteral("a server's health checks decide"))
        .set(Feature::Maint, true, QStringLiteral("`state maint`"))
        .set(Feature::Weight, true, QStringLiteral("0..256 (`set weight`)"))
        .set(Feature::AddMember, true,
            QStringLiteral("dynamic servers (`add server`); not with static-rr or `balance source`"))
        .set(Feature::RemoveMember, true, QStringLiteral("drain, wait for sessions, maintenance, `del server`"))
        .set(Feature::RateLimits, true, QStringLiteral("map + per-IP variable"))
        .set(
            Feature::CachePolicy, false, QStringLiteral("cache sections are shown read-only (2.6 cannot change them)"));
    c.changes = { ChangeKind::ServerState, ChangeKind::Weight, ChangeKind::AddMember, ChangeKind::RemoveMember,
        ChangeKind::RateLimit };
    c.rules.rateScopes = { RateScope::Key, RateScope::Ip };
    c.rules.weightMin = 0;
    c.rules.weightMax = 256;
    c.rules.staticBalancing = { QStringLiteral("static-rr"), QStringLiteral("source") };
    c.rules.staticBalancingReason = QStringLiteral(
        "HAProxy adds servers at runtime only to backends with a dynamic algorithm (roundrobin, leastconn, first, "
        "random, consistent hash).");
    c.runtimeOnly = true;
    c.note = QStringLiteral("Runtime API changes live in memory: a reload restores the config file's state unless a "
                            "server-state file carries them.");
    // History from Prometheus: HAProxy's own exporter (2.6 keeps no per-server request counter).
    const QString frontend = QStringLiteral("haproxy_frontend_"), backend = QStringLiteral("haproxy_backend_"),
                  server = QStringLiteral("haproxy_server_");
    const std::pair<QString, QString> levels[] = { { QStringLiteral("gateway"), frontend },
        { QStringLiteral("backend"), backend }, { QStringLiteral("server"), server } };
    for (const auto& [level, prefix] : levels) {
        if (level != QLatin1String("server"))
            p.history.insert(level + QStringLiteral("#req"),
                QStringLiteral("sum(rate(%1http_requests_total{$selector}[$window]))").arg(prefix));
        p.history.insert(level + QStringLiteral("#5xx"),
            QStringLiteral("sum(rate(%1http_responses_total{$selector,code=\"5xx\"}[$window]))").arg(prefix));
        p.history.insert(
            level + QStringLiteral("#scur"), QStringLiteral("sum(%1current_sessions{$selector})").arg(prefix));
    }
    // The whole fleet from Prometheus, one figure per gateway (the exporter's haproxy_server_status has one series
    // per state, 1 for the server's current one).
    p.fleetFigures = {
        { QStringLiteral("req"),
            QStringLiteral("sum by ($by) (rate(haproxy_frontend_http_requests_total{$matchers}[$window]))") },
        { QStringLiteral("5xx"),
            QStringLiteral(
                "sum by ($by) (rate(haproxy_frontend_http_responses_total{code=\"5xx\",$matchers}[$window]))") },
        { QStringLiteral("servers"), QStringLiteral("count by ($by) (haproxy_server_status{state=\"UP\",$matchers})") },
        { QStringLiteral("up"),
            QStringLiteral("sum by ($by) (haproxy_server_status{state=~\"UP|DRAIN|NOLB\",$matchers})") },
        { QStringLiteral("scur"), QStringLiteral("sum by ($by) (haproxy_frontend_current_sessions{$matchers})") },
    };
    p.notes = {
        QStringLiteral("`show servers state` gives the admin bits (maintenance 0x01/0x02/0x04/0x20/0x40, drain "
                       "0x08/0x10) and the operational state; when it is missing the state comes from `show stat`'s "
                       "status column."),
        QStringLiteral("Names sent over the runtime API must match `[A-Za-z0-9._:-]+`, so no server name can end or "
                       "split a command."),
        QStringLiteral("`add server` is followed by `set server … state ready` and `enable health …`; a new server "
                       "starts in maintenance."),
        QStringLiteral("Rate limits are read with `show map`, `get var` and `show table`, and changed with "
                       "`add/set/del map` and `set var` (2.6 wants `experimental-mode on;` on the same line)."),
    };
    p.poolLabel = QStringLiteral("proxy");
    p.memberLabel = QStringLiteral("server");
    return { p, [](const GatewayConfig& config, QObject* parent) { return new HAProxyDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::HAProxy
