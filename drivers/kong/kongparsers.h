#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "ratelimits.h"
#include "result.h"

namespace Fleetdeck::Drivers::Kong {

// One page of a Kong Admin API list: its objects and the path of the next page (Kong's `next`, a path relative to
// the Admin API; empty on the last page, where Kong writes null).
struct Page
{
    QList<QJsonObject> data;
    QString next;
};
Result<Page> parsePage(const QByteArray& json, const QString& what);
// The next page's path with the page size Kong left out of it (nested lists drop `size`); empty when there is none.
QString nextPath(const QString& next, int size);

// GET / and GET /status: the version, and the node's counters (requests since start, active connections).
Result<QString> parseVersion(const QByteArray& json);
struct Status
{
    qint64 totalRequests = 0;
    qint64 connectionsActive = 0;
    bool databaseReachable = true;
};
Result<Status> parseStatus(const QByteArray& json);

// The tag Fleetdeck leaves on a drained target to remember the weight it had ("fleetdeck-weight-100").
QString weightTag(int weight);
// The weight a drained target had, from its tags (-1: none kept).
int keptWeight(const QJsonArray& tags);

// An upstream as a pool: its targets (from /upstreams/{u}/health) with weight, Kong's health per target (HEALTHY,
// UNHEALTHY, HEALTHCHECKS_OFF, DNS_ERROR), weight 0 as drained, and updated_at as each target's revision.
BackendSnapshot upstreamPool(const QJsonObject& upstream, const QList<QJsonObject>& targets);

// Routes as frontends in words (paths and hosts, the service, its plugins: rate limits and proxy cache), and one more
// frontend, "all routes", with the node's request counter (Kong's Admin API counts requests per node, not per
// route: the routes count none, so nothing is counted twice).
QList<FrontendSnapshot> routeFrontends(const Status& status, const QList<QJsonObject>& routes,
    const QList<QJsonObject>& services, const QList<QJsonObject>& plugins);
// A plugin in a few words: "rate-limiting 20/s, 600/min, 20000/h by ip", "proxy-cache 120 s for 200, 301, 404".
QString describePlugin(const QJsonObject& plugin);

// The rate limits as Fleetdeck's rate-limit form edits them: the `minute` limit of each consumer's own
// `rate-limiting` plugin (a key is the consumer's username, else its custom_id, else its id) and of the global plugin
// that limits by IP. Limits on services and routes, and other periods, are shown on the routes.
RateLimits kongRateLimits(const QList<QJsonObject>& plugins, const QList<QJsonObject>& consumers);
// The consumer a rate-limit key names (username, custom_id or id); an empty object when none does.
QJsonObject consumerNamed(const QList<QJsonObject>& consumers, const QString& key);
// The rate-limiting plugin on exactly this consumer (no service, no route), or the global one that limits by IP
// (consumerId empty); an empty object when there is none.
QJsonObject rateLimitPlugin(const QList<QJsonObject>& plugins, const QString& consumerId);

// The proxy-cache plugins as the cache form's settings: each one's cache_ttl (seconds), scoped by the plugin's id
// and labelled with what it applies to (a service, a route, a consumer, or everything).
CachePolicy kongCachePolicy(
    const QList<QJsonObject>& plugins, const QList<QJsonObject>& services, const QList<QJsonObject>& routes);

// An error answer in Kong's words: {"message": ...}, or a schema violation with its fields.
QString errorText(int status, const QByteArray& body);

} // namespace Fleetdeck::Drivers::Kong
