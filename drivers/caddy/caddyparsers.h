#pragma once

#include <QByteArray>
#include <QHash>

#include "cachepolicy.h"

#include "fleettypes.h"
#include "wire/prometheustext.h"
#include "result.h"

namespace Fleetdeck::Drivers::Caddy {

// Pools in Caddy's config: every reverse_proxy handler, found by walking each HTTP server's routes (subroutes
// included). A pool is named by its "@id" when it has one, else by where it sits
// ("srv0/routes/1/handle/0"); its members are its upstreams, named by their dial address.
// upstreamsJson (GET /reverse_proxy/upstreams, optional) gives each upstream's in-flight requests.
// poolServers receives each pool's HTTP server name. poolPaths, when given, receives each pool's place in the admin API
// ("/id/api" or "/config/apps/http/..."). The snapshot's configVersion is the If-Match value that names this exact
// config (configEtag).
Result<GatewaySnapshot> parseCaddyConfig(const QByteArray& configJson, const QByteArray& upstreamsJson = {},
    QHash<QString, QString>* poolPaths = nullptr, QHash<QString, QString>* poolServers = nullptr);

// Caddy 2.6 sends a config's ETag only as an HTTP trailer, so Fleetdeck computes it as Caddy does: the request
// path and the FNV-1a (32 bit) hash of the exact body of GET /config/, trailing newline included.
QString configEtag(const QByteArray& configBody);
quint32 fnv1a32(const QByteArray& bytes);

// Adds what Caddy's /metrics says (HTTP requests and 5xx per server, in-flight requests, upstream health) to a
// snapshot read from the config. Notes HTTP servers whose metrics are off.
// latency, when given, receives caddy_http_request_duration_seconds summed over every server and handler (cumulative
// since Caddy started; the driver turns two readings into quantiles, see caddyLatency()).
Result<bool> applyCaddyMetrics(const QByteArray& metricsText, const QByteArray& configJson, GatewaySnapshot& snap,
    Wire::Histogram* latency = nullptr);
// p50, p95 and p99 in ms of what the histogram observed between two readings, with the bucket bounds around the
// p95 as its resolution; unchanged figures (-1) when nothing was observed.
void caddyLatency(const Wire::Histogram& observed, LoadFigures& load);

// The Cache-Control rules in a config: headers handlers in each server's top-level routes (editable) and
// response headers set inside reverse_proxy handlers (shown only).
Result<CachePolicy> parseCaddyCachePolicy(const QByteArray& configJson);

// The admin API path of the top-level route that carries a Fleetdeck-editable rule, or empty.
QString cacheRulePath(const QByteArray& configJson, const QString& server, const QString& path);
// The route Fleetdeck inserts for a rule: a path matcher and a deferred headers handler.
QByteArray cacheRuleRoute(const QString& path, const QString& header);

} // namespace Fleetdeck::Drivers::Caddy
