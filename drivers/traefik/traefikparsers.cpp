#include "traefikparsers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include "printable.h"
#include "wire/jsonanswer.h"

namespace Fleetdeck::Drivers::Traefik {

namespace {
QString str(const QJsonObject& o, const char* key)
{
    return Wire::jsonText(o, key);
}

// Requests and their 4xx/5xx from one counter family, for the samples whose `label` is `value`.
struct Counts
{
    qint64 total = 0, c4xx = 0, c5xx = 0;
    bool seen = false;
};
QHash<QString, Counts> countsBy(const Wire::PrometheusScrape& scrape, const QString& metric, const QString& label)
{
    QHash<QString, Counts> out;
    for (const auto& s : scrape.find(metric)) {
        Counts& c = out[s.label(label)];
        const qint64 n = qint64(s.value);
        c.seen = true;
        c.total += n;
        const QString code = s.label(QStringLiteral("code"));
        if (code.startsWith(QLatin1Char('4')))
            c.c4xx += n;
        else if (code.startsWith(QLatin1Char('5')))
            c.c5xx += n;
    }
    return out;
}
} // namespace

Result<QList<QJsonObject>> parsePage(const QByteArray& json, const QString& what)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Result<QList<QJsonObject>>::failure(
            QStringLiteral("%1 is not JSON (%2 at byte %3)").arg(what, error.errorString()).arg(error.offset));
    if (!doc.isArray())
        return Result<QList<QJsonObject>>::failure(QStringLiteral("%1 is not a JSON list").arg(what));
    QList<QJsonObject> out;
    for (const QJsonValue& v : doc.array()) {
        if (!v.isObject() || str(v.toObject(), "name").isEmpty())
            return Result<QList<QJsonObject>>::failure(QStringLiteral("%1: an entry without a name").arg(what));
        out << v.toObject();
    }
    return Result<QList<QJsonObject>>::success(out);
}

int nextPage(const QByteArray& header, int page)
{
    bool ok = false;
    const int next = header.trimmed().toInt(&ok);
    return ok && next > page ? next : 0;
}

Result<QString> parseVersion(const QByteArray& json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    const QString version = str(o, "Version");
    if (version.isEmpty())
        return Result<QString>::failure(QStringLiteral("/api/version has no Version: is this Traefik's API?"));
    return Result<QString>::success(version);
}

QString qualified(const QString& name, const QString& provider)
{
    return name.contains(QLatin1Char('@')) || provider.isEmpty() ? name : name + QLatin1Char('@') + provider;
}

QString describeMiddleware(const QJsonObject& m)
{
    const QString name = printable(str(m, "name"), kShownName);
    if (m.contains(QLatin1String("rateLimit"))) {
        const QJsonObject r = m.value(QLatin1String("rateLimit")).toObject();
        const QString period = r.contains(QLatin1String("period")) ? str(r, "period") : QStringLiteral("1s");
        return QStringLiteral("%1: rate limit %2 per %3, burst %4")
            .arg(name)
            .arg(qint64(r.value(QLatin1String("average")).toDouble()))
            .arg(period)
            .arg(qint64(r.value(QLatin1String("burst")).toDouble(1)));
    }
    if (m.contains(QLatin1String("retry"))) {
        const QJsonObject r = m.value(QLatin1String("retry")).toObject();
        return QStringLiteral("%1: retry %2 times").arg(name).arg(r.value(QLatin1String("attempts")).toInt());
    }
    if (m.contains(QLatin1String("circuitBreaker")))
        return QStringLiteral("%1: circuit breaker when %2")
            .arg(name, printable(str(m.value(QLatin1String("circuitBreaker")).toObject(), "expression"), 200));
    const QString type = str(m, "type");
    return type.isEmpty() ? name : QStringLiteral("%1: %2").arg(name, type);
}

Parsed traefikSnapshot(const QList<QJsonObject>& routers, const QList<QJsonObject>& services,
    const QList<QJsonObject>& middlewares, const Wire::PrometheusScrape* metrics)
{
    Parsed out;
    QHash<QString, QString> middlewareWords;
    for (const QJsonObject& m : middlewares)
        middlewareWords.insert(str(m, "name"), describeMiddleware(m));
    const QHash<QString, Counts> byRouter = metrics
        ? countsBy(*metrics, QStringLiteral("traefik_router_requests_total"), QStringLiteral("router"))
        : QHash<QString, Counts> {};
    const QHash<QString, Counts> byService = metrics
        ? countsBy(*metrics, QStringLiteral("traefik_service_requests_total"), QStringLiteral("service"))
        : QHash<QString, Counts> {};

    for (const QJsonObject& r : routers) {
        FrontendSnapshot f;
        f.name = str(r, "name");
        const QString provider = str(r, "provider");
        QStringList words { str(r, "status") };
        if (!str(r, "rule").isEmpty())
            words << printable(str(r, "rule"), 200);
        words << QStringLiteral("to %1").arg(printable(qualified(str(r, "service"), provider), kShownName));
        QStringList onRoute;
        for (const QString& m : Wire::jsonTexts(r.value(QLatin1String("middlewares")))) {
            const QString full = qualified(m, provider);
            onRoute << middlewareWords.value(full, printable(full, kShownName));
        }
        if (!onRoute.isEmpty())
            words << QStringLiteral("middlewares: %1").arg(onRoute.join(QStringLiteral("; ")));
        for (const QString& e : Wire::jsonTexts(r.value(QLatin1String("error"))))
            words << printable(e, 200);
        f.status = words.join(QStringLiteral(" · "));
        f.binds = Wire::jsonTexts(r.value(QLatin1String("using"))).join(QStringLiteral(", "));
        if (f.binds.isEmpty())
            f.binds = Wire::jsonTexts(r.value(QLatin1String("entryPoints"))).join(QStringLiteral(", "));
        const Counts c = byRouter.value(f.name);
        f.requestsTotal = c.total;
        f.responses4xxTotal = c.seen ? c.c4xx : -1;
        f.responses5xxTotal = c.seen ? c.c5xx : -1;
        out.frontends.append(f);
    }
    if (metrics && byRouter.isEmpty()) {
        const Counts all = countsBy(*metrics, QStringLiteral("traefik_entrypoint_requests_total"), QString()).value({});
        FrontendSnapshot entry;
        entry.name = QStringLiteral("all entry points");
        entry.status = QStringLiteral("Traefik's entry point counters");
        entry.requestsTotal = all.total;
        entry.responses4xxTotal = all.seen ? all.c4xx : -1;
        entry.responses5xxTotal = all.seen ? all.c5xx : -1;
        out.frontends.append(entry);
        if (!routers.isEmpty())
            out.notices.append({ QStringLiteral("Traefik's metrics are not labelled by router (metrics.prometheus."
                                                "addRoutersLabels is off): requests are shown per service and for the "
                                                "entry points as a whole"),
                {} });
    }

    for (const QJsonObject& s : services) {
        BackendSnapshot pool;
        pool.name = str(s, "name");
        const QString provider = str(s, "provider");
        QStringList words { str(s, "status") };
        for (const QString& e : Wire::jsonTexts(s.value(QLatin1String("error"))))
            words << printable(e, 200);
        const QJsonObject status = s.value(QLatin1String("serverStatus")).toObject();
        if (s.contains(QLatin1String("loadBalancer"))) {
            const QJsonObject lb = s.value(QLatin1String("loadBalancer")).toObject();
            pool.algorithm = str(lb, "strategy");
            const QJsonObject check = lb.value(QLatin1String("healthCheck")).toObject();
            if (!check.isEmpty())
                words << QStringLiteral("health check %1 every %2")
                             .arg(str(check, "path"),
                                 check.contains(QLatin1String("interval")) ? str(check, "interval")
                                                                           : QStringLiteral("30s"));
            for (const QJsonValue& v : lb.value(QLatin1String("servers")).toArray()) {
                const QString url = str(v.toObject(), "url");
                ServerSnapshot m;
                m.name = url;
                const QUrl parsed(url);
                m.address = parsed.port() > 0
                    ? QStringLiteral("%1:%2")
                          .arg(parsed.host().contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(parsed.host())
                                                                        : parsed.host())
                          .arg(parsed.port())
                    : parsed.host();
                m.weight = v.toObject().value(QLatin1String("weight")).toInt(1);
                const QString up = status.value(url).toString();
                m.health = up == QLatin1String("UP") ? Health::Up
                    : up == QLatin1String("DOWN")    ? Health::Down
                                                     : Health::Unknown;
                m.status = up.isEmpty() ? QStringLiteral("no status from Traefik (the service is not in use)") : up;
                m.requestsTotal = -1; // Traefik counts per service, not per server
                m.responses4xxTotal = -1;
                m.responses5xxTotal = -1;
                pool.servers.append(m);
            }
        } else if (s.contains(QLatin1String("weighted")) || s.contains(QLatin1String("mirroring"))) {
            // A weighted or mirroring service sends to other services: those are its members.
            const char* kind = s.contains(QLatin1String("weighted")) ? "weighted" : "mirroring";
            pool.algorithm = QLatin1String(kind);
            const QJsonObject spec = s.value(QLatin1String(kind)).toObject();
            if (s.contains(QLatin1String("mirroring"))) {
                ServerSnapshot main;
                main.name = qualified(str(spec, "service"), provider);
                main.status = QStringLiteral("main service");
                main.requestsTotal = main.responses4xxTotal = main.responses5xxTotal = -1;
                pool.servers.append(main);
            }
            for (const QJsonValue& v :
                spec.value(QLatin1String(s.contains(QLatin1String("weighted")) ? "services" : "mirrors")).toArray()) {
                ServerSnapshot m;
                m.name = qualified(str(v.toObject(), "name"), provider);
                m.weight = v.toObject().value(QLatin1String("weight")).toInt(0);
                m.status = s.contains(QLatin1String("weighted"))
                    ? QStringLiteral("weight %1").arg(m.weight)
                    : QStringLiteral("mirrors %1 %").arg(v.toObject().value(QLatin1String("percent")).toInt());
                m.requestsTotal = m.responses4xxTotal = m.responses5xxTotal = -1;
                pool.servers.append(m);
            }
        } else {
            pool.algorithm = str(s, "type"); // Traefik's own (api@internal), or one Fleetdeck does not read
        }
        pool.status = words.join(QStringLiteral(" · "));
        const Counts c = byService.value(pool.name);
        pool.requestsTotal = c.total;
        pool.responses4xxTotal = c.c4xx;
        pool.responses5xxTotal = c.c5xx;
        out.backends.append(pool);
    }
    return out;
}

} // namespace Fleetdeck::Drivers::Traefik
