#include "kongparsers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include "printable.h"
#include "wire/jsonanswer.h"

namespace Fleetdeck::Drivers::Kong {

namespace {
using Wire::jsonTexts;
QString str(const QJsonObject& o, const char* key)
{
    return Wire::jsonText(o, key);
}

QString idOf(const QJsonValue& ref)
{
    return ref.toObject().value(QLatin1String("id")).toString();
}

} // namespace

Result<Page> parsePage(const QByteArray& json, const QString& what)
{
    const auto o = Wire::jsonObject(json, what);
    if (!o)
        return Result<Page>::failure(o.error());
    const QJsonValue data = o.value().value(QLatin1String("data"));
    if (!data.isArray())
        return Result<Page>::failure(QStringLiteral("%1 has no data list").arg(what));
    Page page;
    for (const QJsonValue& v : data.toArray()) {
        if (!v.isObject())
            return Result<Page>::failure(QStringLiteral("%1: an entry that is not an object").arg(what));
        page.data << v.toObject();
    }
    page.next = o.value().value(QLatin1String("next")).toString(); // null on the last page
    if (!page.next.isEmpty() && !page.next.startsWith(QLatin1Char('/')))
        return Result<Page>::failure(QStringLiteral("%1: next is not a path: %2").arg(what, printable(page.next, 120)));
    return Result<Page>::success(page);
}

QString nextPath(const QString& next, int size)
{
    if (next.isEmpty())
        return {};
    const qsizetype q = next.indexOf(QLatin1Char('?'));
    QUrlQuery query(q < 0 ? QString() : next.mid(q + 1));
    if (!query.hasQueryItem(QStringLiteral("size")))
        query.addQueryItem(QStringLiteral("size"), QString::number(size));
    return (q < 0 ? next : next.left(q)) + QLatin1Char('?') + query.toString(QUrl::FullyEncoded);
}

Result<QString> parseVersion(const QByteArray& json)
{
    const auto o = Wire::jsonObject(json, QStringLiteral("GET /"));
    if (!o)
        return Result<QString>::failure(o.error());
    const QString version = str(o.value(), "version");
    if (version.isEmpty())
        return Result<QString>::failure(QStringLiteral("GET / has no version: is this Kong's Admin API?"));
    return Result<QString>::success(version);
}

Result<Status> parseStatus(const QByteArray& json)
{
    const auto o = Wire::jsonObject(json, QStringLiteral("/status"));
    if (!o)
        return Result<Status>::failure(o.error());
    const QJsonObject server = o.value().value(QLatin1String("server")).toObject();
    if (!server.contains(QLatin1String("total_requests")))
        return Result<Status>::failure(QStringLiteral("/status has no server.total_requests"));
    Status s;
    s.totalRequests = qint64(server.value(QLatin1String("total_requests")).toDouble());
    s.connectionsActive = qint64(server.value(QLatin1String("connections_active")).toDouble());
    // DB-less nodes and data planes have no database section.
    const QJsonValue database = o.value().value(QLatin1String("database"));
    s.databaseReachable = !database.isObject() || database.toObject().value(QLatin1String("reachable")).toBool(true);
    return Result<Status>::success(s);
}

QString weightTag(int weight)
{
    return QStringLiteral("fleetdeck-weight-%1").arg(weight);
}

int keptWeight(const QJsonArray& tags)
{
    static const QString prefix = QStringLiteral("fleetdeck-weight-");
    for (const QJsonValue& t : tags) {
        const QString tag = t.toString();
        bool ok = false;
        const int w = tag.startsWith(prefix) ? tag.mid(prefix.size()).toInt(&ok) : -1;
        if (ok && w > 0 && w <= 65535)
            return w;
    }
    return -1;
}

BackendSnapshot upstreamPool(const QJsonObject& upstream, const QList<QJsonObject>& targets)
{
    BackendSnapshot pool;
    pool.name = str(upstream, "name");
    pool.algorithm = str(upstream, "algorithm");
    const QJsonObject checks = upstream.value(QLatin1String("healthchecks")).toObject();
    const bool active = checks.value(QLatin1String("active"))
                            .toObject()
                            .value(QLatin1String("healthy"))
                            .toObject()
                            .value(QLatin1String("interval"))
                            .toDouble()
        > 0;
    pool.status = active ? QStringLiteral("active health checks") : QStringLiteral("no active health checks");
    pool.requestsTotal = -1; // Kong's Admin API counts no requests per upstream
    pool.responses4xxTotal = -1;
    pool.responses5xxTotal = -1;
    for (const QJsonObject& t : targets) {
        ServerSnapshot s;
        s.name = str(t, "target");
        if (s.name.isEmpty())
            continue;
        s.address = s.name;
        s.weight = t.value(QLatin1String("weight")).toInt(100);
        s.revision = QString::number(t.value(QLatin1String("updated_at")).toDouble(), 'f', 3);
        s.requestsTotal = -1;
        s.responses4xxTotal = -1;
        s.responses5xxTotal = -1;
        const QString health = str(t, "health");
        const QJsonObject data = t.value(QLatin1String("data")).toObject();
        if (health == QLatin1String("HEALTHY")) {
            s.health = Health::Up;
            s.options.insert(QStringLiteral("healthy"), QStringLiteral("on"));
        } else if (health == QLatin1String("UNHEALTHY")) {
            s.health = Health::Down;
            s.options.insert(QStringLiteral("healthy"), QStringLiteral("off"));
        } else if (health == QLatin1String("DNS_ERROR")) {
            s.health = Health::Down;
        }
        if (s.weight == 0) {
            s.admin = AdminState::Drain;
            const int kept = keptWeight(t.value(QLatin1String("tags")).toArray());
            s.status = kept > 0 ? QStringLiteral("weight 0 (drained; was %1)").arg(kept)
                                : QStringLiteral("weight 0 (drained)");
        } else if (health == QLatin1String("HEALTHCHECKS_OFF")) {
            s.status = QStringLiteral("no health checks");
        } else if (health == QLatin1String("DNS_ERROR")) {
            s.status = QStringLiteral("DNS error: %1").arg(printable(str(data, "dns"), 200));
        } else {
            s.status = health.isEmpty() ? QStringLiteral("health not reported") : health;
        }
        const QJsonArray addresses = data.value(QLatin1String("addresses")).toArray(); // Kong writes {} when empty
        if (addresses.size() > 1) {
            QStringList each;
            for (const QJsonValue& a : addresses)
                each << QStringLiteral("%1:%2 %3")
                            .arg(str(a.toObject(), "ip"))
                            .arg(a.toObject().value(QLatin1String("port")).toInt())
                            .arg(str(a.toObject(), "health"));
            s.checkDescription = each.join(QStringLiteral(", "));
        }
        pool.servers.append(s);
    }
    return pool;
}

QString describePlugin(const QJsonObject& plugin)
{
    const QString name = str(plugin, "name");
    const QJsonObject config = plugin.value(QLatin1String("config")).toObject();
    QString words = name;
    if (name == QLatin1String("rate-limiting")) {
        QStringList limits;
        const std::pair<const char*, const char*> periods[] = { { "second", "s" }, { "minute", "min" }, { "hour", "h" },
            { "day", "day" }, { "month", "month" }, { "year", "year" } };
        for (const auto& [key, unit] : periods) {
            const QJsonValue v = config.value(QLatin1String(key));
            if (v.isDouble())
                limits << QStringLiteral("%1/%2").arg(qint64(v.toDouble())).arg(QLatin1String(unit));
        }
        words += QLatin1Char(' ') + limits.join(QStringLiteral(", "));
        if (!str(config, "limit_by").isEmpty())
            words += QStringLiteral(" by ") + str(config, "limit_by");
    } else if (name == QLatin1String("proxy-cache")) {
        words += QStringLiteral(" %1 s").arg(qint64(config.value(QLatin1String("cache_ttl")).toDouble(300)));
        const QStringList codes = jsonTexts(config.value(QLatin1String("response_code")));
        if (!codes.isEmpty())
            words += QStringLiteral(" for ") + codes.join(QStringLiteral(", "));
    }
    if (!plugin.value(QLatin1String("enabled")).toBool(true))
        words += QStringLiteral(" (disabled)");
    return words;
}

QList<FrontendSnapshot> routeFrontends(const Status& status, const QList<QJsonObject>& routes,
    const QList<QJsonObject>& services, const QList<QJsonObject>& plugins)
{
    QHash<QString, QString> serviceNames;
    for (const QJsonObject& s : services)
        serviceNames.insert(str(s, "id"), str(s, "name").isEmpty() ? str(s, "host") : str(s, "name"));
    QList<FrontendSnapshot> out;
    FrontendSnapshot all;
    all.name = QStringLiteral("all routes");
    all.status = QStringLiteral("this node's request counter (Kong counts no requests per route here)");
    all.requestsTotal = status.totalRequests;
    all.responses4xxTotal = -1;
    all.responses5xxTotal = -1;
    all.sessions = status.connectionsActive;
    out.append(all);
    for (const QJsonObject& r : routes) {
        FrontendSnapshot f;
        f.name = str(r, "name").isEmpty() ? str(r, "id") : str(r, "name");
        QStringList words;
        const QStringList hosts = jsonTexts(r.value(QLatin1String("hosts")));
        const QStringList paths = jsonTexts(r.value(QLatin1String("paths")));
        if (!hosts.isEmpty())
            words << hosts.join(QStringLiteral(", "));
        if (!paths.isEmpty())
            words << paths.join(QStringLiteral(", "));
        const QString service = idOf(r.value(QLatin1String("service")));
        words << (service.isEmpty() ? QStringLiteral("no service")
                                    : QStringLiteral("to %1").arg(serviceNames.value(service, service)));
        // The plugins on this route and on its service (a consumer's apply wherever that consumer calls).
        QStringList onRoute;
        for (const QJsonObject& p : plugins) {
            const QString route = idOf(p.value(QLatin1String("route")));
            const QString onService = idOf(p.value(QLatin1String("service")));
            if ((!route.isEmpty() && route == str(r, "id")) || (!onService.isEmpty() && onService == service))
                onRoute << describePlugin(p);
        }
        if (!onRoute.isEmpty())
            words << onRoute.join(QStringLiteral("; "));
        f.status = printable(words.join(QStringLiteral(" · ")), 400);
        f.binds = jsonTexts(r.value(QLatin1String("protocols"))).join(QStringLiteral(", "));
        f.requestsTotal = 0;
        f.responses4xxTotal = -1;
        f.responses5xxTotal = -1;
        out.append(f);
    }
    return out;
}

namespace {
QString consumerKey(const QJsonObject& c)
{
    for (const char* field : { "username", "custom_id", "id" })
        if (const QString v = str(c, field); !v.isEmpty())
            return v;
    return {};
}

bool scopedOnlyTo(const QJsonObject& plugin, const QString& consumerId)
{
    return idOf(plugin.value(QLatin1String("consumer"))) == consumerId
        && idOf(plugin.value(QLatin1String("service"))).isEmpty()
        && idOf(plugin.value(QLatin1String("route"))).isEmpty();
}
} // namespace

QJsonObject consumerNamed(const QList<QJsonObject>& consumers, const QString& key)
{
    for (const QJsonObject& c : consumers)
        if (str(c, "username") == key || str(c, "custom_id") == key || str(c, "id") == key)
            return c;
    return {};
}

QJsonObject rateLimitPlugin(const QList<QJsonObject>& plugins, const QString& consumerId)
{
    for (const QJsonObject& p : plugins) {
        if (str(p, "name") != QLatin1String("rate-limiting") || !scopedOnlyTo(p, consumerId))
            continue;
        const QString by = str(p.value(QLatin1String("config")).toObject(), "limit_by");
        if (!consumerId.isEmpty() || by == QLatin1String("ip"))
            return p;
    }
    return {};
}

RateLimits kongRateLimits(const QList<QJsonObject>& plugins, const QList<QJsonObject>& consumers)
{
    RateLimits limits;
    limits.windowSeconds = 60; // the `minute` limit is the one the form edits
    limits.keyStore = QStringLiteral("the rate-limiting plugin of each consumer (a key is a consumer's username)");
    limits.ipStore = QStringLiteral("the global rate-limiting plugin that limits by IP");
    limits.persistNote = QStringLiteral("in Kong's database: they persist and reach every node");
    for (const QJsonObject& c : consumers) {
        const QJsonObject plugin = rateLimitPlugin(plugins, str(c, "id"));
        const QJsonValue minute = plugin.value(QLatin1String("config")).toObject().value(QLatin1String("minute"));
        if (plugin.isEmpty() || !minute.isDouble())
            continue; // no plugin, or one that limits other periods only (shown on the routes)
        RateLimitEntry e;
        e.key = consumerKey(c);
        e.limit = qint64(minute.toDouble());
        limits.entries.append(e);
    }
    const QJsonObject byIp = rateLimitPlugin(plugins, {});
    const QJsonValue ipMinute = byIp.value(QLatin1String("config")).toObject().value(QLatin1String("minute"));
    if (ipMinute.isDouble())
        limits.ipLimit = qint64(ipMinute.toDouble());
    return limits;
}

CachePolicy kongCachePolicy(
    const QList<QJsonObject>& plugins, const QList<QJsonObject>& services, const QList<QJsonObject>& routes)
{
    QHash<QString, QString> names;
    for (const QJsonObject& s : services)
        names.insert(
            str(s, "id"), QStringLiteral("service %1").arg(str(s, "name").isEmpty() ? str(s, "host") : str(s, "name")));
    for (const QJsonObject& r : routes)
        names.insert(
            str(r, "id"), QStringLiteral("route %1").arg(str(r, "name").isEmpty() ? str(r, "id") : str(r, "name")));
    CachePolicy policy;
    policy.note = QStringLiteral("Kong caches with its proxy-cache plugin, one per service, route or consumer (or "
                                 "one for everything); changes go into Kong's database and reach every node.");
    policy.reviewNote = QStringLiteral("Sent as PATCH of the plugin and verified by reading it back.");
    for (const QJsonObject& p : plugins) {
        if (str(p, "name") != QLatin1String("proxy-cache"))
            continue;
        QStringList on;
        for (const char* scope : { "service", "route", "consumer" }) {
            const QString id = idOf(p.value(QLatin1String(scope)));
            if (!id.isEmpty())
                on << names.value(id, QStringLiteral("%1 %2").arg(QLatin1String(scope), id));
        }
        const QJsonObject config = p.value(QLatin1String("config")).toObject();
        Setting ttl;
        ttl.id = QStringLiteral("cache_ttl");
        ttl.scope = str(p, "id");
        ttl.kind = Setting::Kind::Seconds;
        ttl.label
            = QStringLiteral("cache TTL (s) on %1")
                  .arg(printable(on.isEmpty() ? QStringLiteral("everything") : on.join(QStringLiteral(", ")), 120));
        ttl.value = QString::number(qint64(config.value(QLatin1String("cache_ttl")).toDouble(300)));
        ttl.choices = { QStringLiteral("30"), QStringLiteral("300"), QStringLiteral("3600") };
        ttl.note = QStringLiteral("How long Kong keeps a response (for %1; content types %2)")
                       .arg(jsonTexts(config.value(QLatin1String("response_code"))).join(QStringLiteral(", ")),
                           jsonTexts(config.value(QLatin1String("content_type"))).join(QStringLiteral(", ")));
        policy.settings.append(ttl);
    }
    return policy;
}

QString errorText(int status, const QByteArray& body)
{
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    QString message = str(o, "message");
    if (message.isEmpty())
        message = printable(QString::fromUtf8(body.left(200)).simplified(), 200);
    return message.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                             : QStringLiteral("HTTP %1: %2").arg(status).arg(message);
}

} // namespace Fleetdeck::Drivers::Kong
