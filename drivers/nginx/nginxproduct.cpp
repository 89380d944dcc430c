// nginx (open source) as the rest of Fleetdeck sees it: its registration.
#include "nginxdriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::Nginx {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("nginx");
    p.displayName = QStringLiteral("nginx");
    p.testedVersion = QStringLiteral("1.22");
    p.channel = QStringLiteral("SSH");
    p.channelDetail = QStringLiteral("the system's OpenSSH client, one ControlMaster connection; or this machine");
    p.adminSchemes = { QStringLiteral("ssh"), QStringLiteral("local") };
    p.hostlessSchemes = { QStringLiteral("local") };
    p.adminExample = QStringLiteral("ssh://ops@lb1.example.net or local:");
    p.defaultPort = 22;
    p.credentialsElsewhere = QStringLiteral("none kept by Fleetdeck: your SSH agent, keys and known_hosts (or the "
                                            "fleet's `sshConfig`)");
    p.pools = QStringLiteral("`upstream` blocks (http and stream), servers");
    p.metrics = QStringLiteral("`stub_status`; per server from a JSON access log; passive failures from the error log");
    p.conflictCheck = QStringLiteral("SHA-256 of `nginx -T` and of the file, checked again just before writing");
    p.options = {
        { QStringLiteral("sshConfig"), QStringLiteral("a file for `ssh -F` (default: your own ssh config)"), true },
        { QStringLiteral("nginx"),
            QStringLiteral("how nginx is run there (default `nginx`; e.g. `nginx -p /srv/lb -c "
                           "nginx.conf`)") },
        { QStringLiteral("reload"),
            QStringLiteral("the command that reloads (default: HUP to the master in the PID file, which is what "
                           "`nginx -s reload` does; e.g. `sudo -n systemctl reload nginx`)") },
        { QStringLiteral("stubStatus"), QStringLiteral("the stub_status URL, read from this machine") },
        { QStringLiteral("accessLog"),
            QStringLiteral("a JSON access log with $upstream_addr, $upstream_status and "
                           "$upstream_response_time (optional)"),
            true },
        { QStringLiteral("errorLog"), QStringLiteral("the error log (default: the config's main `error_log` file)"),
            true },
        { QStringLiteral("pidFile"),
            QStringLiteral("the master's PID file (default: the config's `pid`, else "
                           "/run/nginx.pid)"),
            true },
    };
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, true,
         QStringLiteral("`down` in the upstream's file, then a reload. Open-source nginx has no graceful drain: new "
                        "requests go to the other servers at once, requests in flight finish on the old workers, "
                        "and with `hash`/`ip_hash` the server's clients move to others"))
        .set(Feature::Ready, true, QStringLiteral("`down` removed from the file, then a reload"))
        .set(Feature::ForceUp, false, QStringLiteral("open-source nginx has no health checks to override"))
        .set(Feature::Maint, false, QStringLiteral("nginx has one off switch, `down`: use drain"))
        .set(Feature::Weight, true, QStringLiteral("`weight=` in the file, then a reload"))
        .set(Feature::AddMember, true, QStringLiteral("a `server` line in the file, then a reload"))
        .set(Feature::RemoveMember, true,
            QStringLiteral("removes its `server` line from the file and reloads; requests in flight finish on the old "
                           "workers"))
        .set(Feature::RateLimits, false,
            QStringLiteral("`limit_req` zones are configuration Fleetdeck does not edit yet"))
        .set(Feature::CachePolicy, false, QStringLiteral("`proxy_cache` is configuration Fleetdeck does not edit yet"));
    c.changes = { ChangeKind::ServerState, ChangeKind::Weight, ChangeKind::AddMember, ChangeKind::RemoveMember,
        ChangeKind::MemberOption };
    c.memberOptions = {
        { QStringLiteral("backup"), QStringLiteral("Backup"), MemberOption::Kind::Flag,
            QStringLiteral("gets requests only while the pool's other servers are unavailable (nginx refuses it with "
                           "hash, ip_hash and random)") },
        { QStringLiteral("max_fails"), QStringLiteral("Max fails"), MemberOption::Kind::Count,
            QStringLiteral("failed tries within fail_timeout that take the server out for fail_timeout (nginx's "
                           "default 1; 0: never)") },
        { QStringLiteral("fail_timeout"), QStringLiteral("Fail timeout"), MemberOption::Kind::Duration,
            QStringLiteral("the window for max_fails, and how long the server then stays out (default 10s)") },
    };
    c.rules.weightMin = 1;
    c.rules.weightMax = 1000;
    c.rules.membersNamedByAddress = true;
    c.rules.memberHealthChecks = false; // open-source nginx has passive failure counting only
    // Each change is a reload that produces a new configuration: the next is written against it.
    c.verify.eachChange = true;
    c.verify.attempts = 4;
    c.verify.delayMs = 250;
    c.versionedWrites = true;
    c.runtimeOnly = false;
    c.drainBeforeRemove = false;
    c.note = QStringLiteral("Changes edit the configuration file and reload nginx: they persist across restarts. "
                            "Each is tested with `nginx -t` and put back if nginx refuses it; the previous version "
                            "stays beside the file as `.NAME.fleetdeck-backup`.");
    p.notes = {
        QStringLiteral("Open-source nginx has no runtime API for upstreams: `nginx -s reload` exits 0 even when the "
                       "new configuration fails to apply (a listen port in use); the error is only in the error log "
                       "and the old workers keep serving. Fleetdeck confirms a reload by its new worker processes and "
                       "an error log without a new `[emerg]`."),
        QStringLiteral("`nginx -t` tests the whole tree, never one include file: an edit is tested in place and put "
                       "back when refused."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new NginxDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Nginx
