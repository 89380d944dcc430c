#include "caddyparsers.h"

#include <cmath>

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "peernumbers.h"
#include "wire/prometheustext.h"

namespace Fleetdeck::Drivers::Caddy {

namespace {
SettingChange metricsSetting(const QString& server, const QString& value)
{
    return SettingChange { {}, QStringLiteral("http-metrics"), server, value, QStringLiteral("HTTP metrics") };
}

void walkRoutes(const QJsonArray& routes, const QString& where, const QHash<QString, qint64>& inFlight,
    GatewaySnapshot& snap, QHash<QString, QString>* poolPaths, QHash<QString, QString>* poolServers)
{
    for (qsizetype r = 0; r < routes.size(); ++r) {
        const QJsonArray handlers = routes.at(r).toObject().value(QLatin1String("handle")).toArray();
        for (qsizetype h = 0; h < handlers.size(); ++h) {
            const QJsonObject handler = handlers.at(h).toObject();
            const QString path = QStringLiteral("%1/routes/%2/handle/%3").arg(where).arg(r).arg(h);
            const QString kind = handler.value(QLatin1String("handler")).toString();
            if (kind == QLatin1String("subroute")) {
                walkRoutes(
                    handler.value(QLatin1String("routes")).toArray(), path, inFlight, snap, poolPaths, poolServers);
                continue;
            }
            if (kind != QLatin1String("reverse_proxy"))
                continue;
            BackendSnapshot b;
            b.name = handler.value(QLatin1String("@id")).toString(path);
            if (poolServers)
                poolServers->insert(b.name, where.section(QLatin1Char('/'), 0, 0));
            if (poolPaths)
                poolPaths->insert(b.name,
                    handler.contains(QLatin1String("@id")) ? QStringLiteral("/id/") + b.name
                                                           : QStringLiteral("/config/apps/http/servers/") + path);
            b.algorithm = handler.value(QLatin1String("load_balancing"))
                              .toObject()
                              .value(QLatin1String("selection_policy"))
                              .toObject()
                              .value(QLatin1String("policy"))
                              .toString(QStringLiteral("random"));
            const QJsonArray upstreams = handler.value(QLatin1String("upstreams")).toArray();
            for (const auto& u : upstreams) {
                ServerSnapshot s;
                s.name = u.toObject().value(QLatin1String("dial")).toString();
                s.address = s.name;
                s.admin = AdminState::Ready;
                // Caddy 2.6 reports no health per upstream through its admin API.
                s.health = Health::Unknown;
                s.status = QStringLiteral("in config");
                s.weight = 1;
                // Caddy 2.6 counts requests per server and handler, not per upstream.
                s.requestsTotal = -1;
                s.responses4xxTotal = -1;
                s.responses5xxTotal = -1;
                s.sessions = inFlight.value(s.address, 0);
                b.sessions += s.sessions;
                b.servers.append(s);
            }
            snap.backends.append(b);
        }
    }
}

} // namespace

Result<GatewaySnapshot> parseCaddyConfig(const QByteArray& configJson, const QByteArray& upstreamsJson,
    QHash<QString, QString>* poolPaths, QHash<QString, QString>* poolServers)
{
    using R = Result<GatewaySnapshot>;
    QJsonParseError error {};
    // A Caddy with no config loaded answers "null", which QJsonDocument does not take as a document.
    const QByteArray config = configJson.trimmed() == "null" ? QByteArray("{}") : configJson;
    const QJsonDocument doc = QJsonDocument::fromJson(config, &error);
    if (error.error != QJsonParseError::NoError)
        return R::failure(QStringLiteral("/config/ is not JSON (%1 at offset %2): \"%3\"")
                              .arg(error.errorString())
                              .arg(error.offset)
                              .arg(QString::fromUtf8(configJson.left(80))));
    if (!doc.isObject() && !doc.isNull())
        return R::failure(QStringLiteral("/config/ is not a JSON object"));
    QHash<QString, qint64> inFlight;
    if (!upstreamsJson.isEmpty()) {
        const QJsonDocument up = QJsonDocument::fromJson(upstreamsJson, &error);
        if (error.error != QJsonParseError::NoError || !up.isArray())
            return R::failure(QStringLiteral("/reverse_proxy/upstreams is not a JSON list: \"%1\"")
                                  .arg(QString::fromUtf8(upstreamsJson.left(80))));
        for (const auto& u : up.array()) {
            const QJsonObject o = u.toObject();
            inFlight.insert(
                o.value(QLatin1String("address")).toString(), o.value(QLatin1String("num_requests")).toInteger());
        }
    }
    GatewaySnapshot snap;
    snap.version = QStringLiteral("Caddy");
    snap.configVersion = configEtag(configJson);
    const QJsonObject servers = doc.object()
                                    .value(QLatin1String("apps"))
                                    .toObject()
                                    .value(QLatin1String("http"))
                                    .toObject()
                                    .value(QLatin1String("servers"))
                                    .toObject();
    const QStringList names = servers.keys(); // sorted: a stable order between polls
    for (const QString& name : names)
        walkRoutes(servers.value(name).toObject().value(QLatin1String("routes")).toArray(), name, inFlight, snap,
            poolPaths, poolServers);
    return R::success(snap);
}

} // namespace Fleetdeck::Drivers::Caddy

namespace Fleetdeck::Drivers::Caddy {

quint32 fnv1a32(const QByteArray& bytes)
{
    quint32 hash = 0x811c9dc5u;
    for (const char c : bytes) {
        hash ^= quint8(c);
        hash *= 0x01000193u;
    }
    return hash;
}

QString configEtag(const QByteArray& configBody)
{
    return QStringLiteral("\"/config/ %1\"").arg(fnv1a32(configBody), 8, 16, QLatin1Char('0'));
}

namespace {

QJsonObject httpServers(const QJsonDocument& doc)
{
    return doc.object()
        .value(QLatin1String("apps"))
        .toObject()
        .value(QLatin1String("http"))
        .toObject()
        .value(QLatin1String("servers"))
        .toObject();
}

Result<QJsonDocument> configDocument(const QByteArray& configJson)
{
    QJsonParseError error {};
    const QByteArray config = configJson.trimmed() == "null" ? QByteArray("{}") : configJson;
    const QJsonDocument doc = QJsonDocument::fromJson(config, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return Result<QJsonDocument>::failure(QStringLiteral("/config/ is not a JSON object (%1 at offset %2)")
                                                  .arg(error.errorString())
                                                  .arg(error.offset));
    return Result<QJsonDocument>::success(doc);
}

QString cacheControlIn(const QJsonObject& setHeaders)
{
    for (auto it = setHeaders.begin(); it != setHeaders.end(); ++it) {
        if (it.key().compare(QLatin1String("Cache-Control"), Qt::CaseInsensitive) == 0) {
            QStringList values;
            for (const auto& v : it.value().toArray())
                values << v.toString();
            return values.join(QStringLiteral(", "));
        }
    }
    return {};
}

// A top-level route that is only a Cache-Control headers handler with at most one path: what Fleetdeck edits.
bool ruleRoute(const QJsonObject& route, QString* path, QString* header)
{
    const QJsonArray handle = route.value(QLatin1String("handle")).toArray();
    if (handle.size() != 1)
        return false;
    const QJsonObject h = handle.first().toObject();
    if (h.value(QLatin1String("handler")).toString() != QLatin1String("headers"))
        return false;
    const QString value
        = cacheControlIn(h.value(QLatin1String("response")).toObject().value(QLatin1String("set")).toObject());
    if (value.isEmpty())
        return false;
    const QJsonArray match = route.value(QLatin1String("match")).toArray();
    QStringList paths;
    for (const auto& m : match) {
        const QJsonObject mo = m.toObject();
        if (mo.size() != 1 || !mo.contains(QLatin1String("path")))
            return false; // matches on more than a path: not a rule the form can express
        for (const auto& p : mo.value(QLatin1String("path")).toArray())
            paths << p.toString();
    }
    if (paths.size() > 1)
        return false;
    *path = paths.value(0);
    *header = value;
    return true;
}

} // namespace

void caddyLatency(const Wire::Histogram& observed, LoadFigures& load)
{
    double lower = 0, upper = 0;
    const double p95 = Wire::histogramQuantile(0.95, observed, &lower, &upper);
    if (std::isnan(p95))
        return;
    load.p50Ms = 1000.0 * Wire::histogramQuantile(0.50, observed);
    load.p95Ms = 1000.0 * p95;
    load.p99Ms = 1000.0 * Wire::histogramQuantile(0.99, observed);
    auto ms = [](double seconds) { return formatLatency(1000.0 * seconds); };
    load.quantileResolution = std::isinf(upper)
        ? QStringLiteral("p95 above the highest bucket, %1; over the last minute").arg(ms(lower))
        : QStringLiteral("p95 between the %1 and %2 buckets, interpolated; over the last minute")
              .arg(ms(lower), ms(upper));
}

Result<bool> applyCaddyMetrics(
    const QByteArray& metricsText, const QByteArray& configJson, GatewaySnapshot& snap, Wire::Histogram* latency)
{
    const auto doc = configDocument(configJson);
    if (!doc)
        return Result<bool>::failure(doc.error());
    const auto scrape = Wire::parsePrometheusText(metricsText);
    if (!scrape)
        return Result<bool>::failure(QStringLiteral("/metrics: %1").arg(scrape.error()));
    const QJsonObject servers = httpServers(doc.value());
    // Which pools each HTTP server holds: requests can be given to a pool only when it is its server's only one.
    QHash<QString, QStringList> poolsOf;
    QHash<QString, QString> serverOf;
    if (parseCaddyConfig(configJson, {}, nullptr, &serverOf)) {
        for (auto it = serverOf.cbegin(); it != serverOf.cend(); ++it)
            poolsOf[it.value()].append(it.key());
    }
    const QStringList names = servers.keys();
    for (const QString& server : names) {
        FrontendSnapshot f;
        f.name = server;
        if (!servers.value(server).toObject().contains(QLatin1String("metrics"))) {
            f.status = QStringLiteral("no metrics");
            // The remedy goes with the notice: the window offers it without reading the text.
            snap.notices.append(
                Notice { QStringLiteral("HTTP metrics are off on server %1: Caddy counts no requests or errors there.")
                             .arg(server),
                    metricsSetting(server, QStringLiteral("on")) });
            snap.frontends.append(f);
            continue;
        }
        f.status = QStringLiteral("OPEN");
        for (const auto& s :
            scrape.value().find(QStringLiteral("caddy_http_requests_total"), { { QStringLiteral("server"), server } }))
            f.requestsTotal = saturatingAdd(f.requestsTotal, clampedInt64(s.value));
        for (const auto& s : scrape.value().find(QStringLiteral("caddy_http_request_duration_seconds_count"),
                 { { QStringLiteral("server"), server } })) {
            const QString code = s.label(QStringLiteral("code"));
            if (code.startsWith(QLatin1Char('5')))
                f.responses5xxTotal = saturatingAdd(f.responses5xxTotal, clampedInt64(s.value));
            else if (code.startsWith(QLatin1Char('4')))
                f.responses4xxTotal = saturatingAdd(f.responses4xxTotal, clampedInt64(s.value));
        }
        for (const auto& s : scrape.value().find(
                 QStringLiteral("caddy_http_requests_in_flight"), { { QStringLiteral("server"), server } }))
            f.sessions = saturatingAdd(f.sessions, clampedInt64(s.value));
        snap.frontends.append(f);
        const QStringList own = poolsOf.value(server);
        if (own.size() == 1) {
            for (BackendSnapshot& b : snap.backends) {
                if (b.name == own.first()) {
                    b.requestsTotal = f.requestsTotal;
                    b.responses4xxTotal = f.responses4xxTotal;
                    b.responses5xxTotal = f.responses5xxTotal;
                }
            }
        }
    }
    if (latency)
        *latency = Wire::histogramOf(scrape.value(), QStringLiteral("caddy_http_request_duration_seconds"));
    qint64 inFlight = -1;
    for (const FrontendSnapshot& f : std::as_const(snap.frontends)) {
        if (f.status == QLatin1String("OPEN"))
            inFlight = qMax<qint64>(0, inFlight) + f.sessions;
    }
    snap.load.inFlight = inFlight;
    // Active health checks' verdict per upstream (Caddy refreshes this gauge every 10 s).
    QHash<QString, bool> healthy;
    for (const auto& s : scrape.value().find(QStringLiteral("caddy_reverse_proxy_upstreams_healthy")))
        healthy.insert(s.label(QStringLiteral("upstream")), s.value > 0.5);
    for (BackendSnapshot& b : snap.backends) {
        for (ServerSnapshot& s : b.servers) {
            const auto it = healthy.constFind(s.address);
            if (it == healthy.cend())
                continue;
            s.health = it.value() ? Health::Up : Health::Down;
            s.status = it.value() ? QStringLiteral("UP") : QStringLiteral("DOWN");
        }
    }
    return Result<bool>::success(true);
}

Result<CachePolicy> parseCaddyCachePolicy(const QByteArray& configJson)
{
    const auto doc = configDocument(configJson);
    if (!doc)
        return Result<CachePolicy>::failure(doc.error());
    CachePolicy policy;
    policy.hasRules = true;
    policy.note = QStringLiteral("A rule is a route with a headers handler, put before the routes that answer; Caddy "
                                 "sets Cache-Control on every response whose path matches. Changes go through the "
                                 "admin API.");
    policy.reviewNote
        = QStringLiteral("Sent with If-Match: Caddy refuses it (412) if its config changed since this form read it.");
    policy.configVersion = configEtag(configJson);
    const QJsonObject servers = httpServers(doc.value());
    policy.ruleScopes = servers.keys();
    for (const QString& server : std::as_const(policy.ruleScopes)) {
        // HTTP metrics per server: a product setting, changed and verified through this same policy.
        Setting metrics;
        metrics.id = QStringLiteral("http-metrics");
        metrics.scope = server;
        metrics.label = QStringLiteral("HTTP metrics");
        metrics.value = servers.value(server).toObject().contains(QLatin1String("metrics")) ? QStringLiteral("on")
                                                                                            : QStringLiteral("off");
        metrics.choices = { QStringLiteral("on"), QStringLiteral("off") };
        metrics.note
            = QStringLiteral("Caddy then counts requests, errors and durations per server; the cost is small.");
        policy.settings.append(metrics);
        const QJsonArray routes = servers.value(server).toObject().value(QLatin1String("routes")).toArray();
        for (qsizetype r = 0; r < routes.size(); ++r) {
            const QJsonObject route = routes.at(r).toObject();
            CacheRule rule;
            rule.scope = server;
            if (ruleRoute(route, &rule.path, &rule.header)) {
                rule.where = QStringLiteral("route %1").arg(r);
                policy.rules.append(rule);
                continue;
            }
            for (const auto& h : route.value(QLatin1String("handle")).toArray()) {
                const QJsonObject handler = h.toObject();
                if (handler.value(QLatin1String("handler")).toString() != QLatin1String("reverse_proxy"))
                    continue;
                const QString value = cacheControlIn(handler.value(QLatin1String("headers"))
                                                         .toObject()
                                                         .value(QLatin1String("response"))
                                                         .toObject()
                                                         .value(QLatin1String("set"))
                                                         .toObject());
                if (value.isEmpty())
                    continue;
                CacheRule inner;
                inner.scope = server;
                inner.header = value;
                inner.editable = false;
                inner.where = QStringLiteral("inside pool %1")
                                  .arg(handler.value(QLatin1String("@id")).toString(QStringLiteral("route %1").arg(r)));
                policy.rules.append(inner);
            }
        }
    }
    return Result<CachePolicy>::success(policy);
}

QString cacheRulePath(const QByteArray& configJson, const QString& server, const QString& path)
{
    const auto doc = configDocument(configJson);
    if (!doc)
        return {};
    const QJsonArray routes
        = httpServers(doc.value()).value(server).toObject().value(QLatin1String("routes")).toArray();
    for (qsizetype r = 0; r < routes.size(); ++r) {
        QString p;
        QString header;
        if (ruleRoute(routes.at(r).toObject(), &p, &header) && p == path)
            return QStringLiteral("/config/apps/http/servers/%1/routes/%2").arg(server).arg(r);
    }
    return {};
}

QByteArray cacheRuleRoute(const QString& path, const QString& header)
{
    QJsonObject set;
    set.insert(QLatin1String("Cache-Control"), QJsonArray { header });
    QJsonObject response;
    response.insert(QLatin1String("set"), set);
    response.insert(QLatin1String("deferred"), true); // after the upstream answered, so the rule wins
    QJsonObject handler;
    handler.insert(QLatin1String("handler"), QLatin1String("headers"));
    handler.insert(QLatin1String("response"), response);
    QJsonObject route;
    route.insert(QLatin1String("handle"), QJsonArray { handler });
    if (!path.isEmpty()) {
        QJsonObject match;
        match.insert(QLatin1String("path"), QJsonArray { path });
        route.insert(QLatin1String("match"), QJsonArray { match });
    }
    return QJsonDocument(route).toJson(QJsonDocument::Compact);
}

} // namespace Fleetdeck::Drivers::Caddy
