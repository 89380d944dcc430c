#include "capabilities.h"

#include <QCoreApplication>
#include <QStringList>

namespace Fleetdeck {

QString capabilitiesTable()
{
    struct Row
    {
        const char* what;
        const char* haproxy;
        const char* caddy;
        const char* varnish;
    };
    static const Row rows[] = {
        { "Admin channel", "runtime API (TCP or UNIX socket, no TLS)", "admin API (HTTP JSON)",
            "CLI (TCP, challenge with the -S secret)" },
        { "Pools and members", "backends, servers", "reverse_proxy handlers, upstreams",
            "the active VCL, its backends" },
        { "Drain", "yes (state drain)", "no: remove the upstream", "yes: backend.set_health sick" },
        { "Ready", "yes (state ready)", "always in service", "yes: auto (the probe decides)" },
        { "Force up", "no", "no", "yes: backend.set_health healthy" },
        { "Maintenance", "yes (state maint)", "no", "no" },
        { "Weight", "0..256", "no (2.6)", "no" },
        { "Add / remove a member", "yes (dynamic servers)", "yes (config API, If-Match)", "no: load a new VCL" },
        { "Rate limits", "map + per-IP variable", "no", "no" },
        { "Cache policy", "cache sections, read-only", "Cache-Control per path (headers handler)",
            "default_ttl / grace / keep, bans" },
        { "Metrics", "show stat (and /metrics)", "/metrics (HTTP metrics opt-in; Fleetdeck offers to enable)",
            "prometheus-varnish-exporter" },
        { "Conflict check", "re-read before sending", "If-Match (412)", "re-read before sending" },
    };
    QString html = QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th></th><th>HAProxy "
                                  "2.6</th><th>Caddy 2.6</th><th>Varnish 7.1</th></tr>");
    for (const Row& r : rows) {
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td><td>%3</td><td>%4</td></tr>")
                    .arg(QCoreApplication::translate("capabilities", r.what),
                        QCoreApplication::translate("capabilities", r.haproxy),
                        QCoreApplication::translate("capabilities", r.caddy),
                        QCoreApplication::translate("capabilities", r.varnish));
    }
    return html + QStringLiteral("</table>");
}

} // namespace Fleetdeck
