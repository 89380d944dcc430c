#include "varnishparsers.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "peernumbers.h"
#include "wire/prometheustext.h"

namespace Fleetdeck::Drivers::Varnish {

namespace {

// The items after the three header elements, or what is wrong.
Result<QJsonArray> items(const QByteArray& json, const char* command)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    const QString what = QString::fromLatin1(command);
    if (error.error != QJsonParseError::NoError)
        return Result<QJsonArray>::failure(QStringLiteral("%1 -j: not JSON (%2 at offset %3): \"%4\"")
                                               .arg(what, error.errorString())
                                               .arg(error.offset)
                                               .arg(QString::fromUtf8(json.left(60))));
    const QJsonArray all = doc.array();
    if (!doc.isArray() || all.size() < 3 || !all.at(1).isArray())
        return Result<QJsonArray>::failure(QStringLiteral("%1 -j: expected [version, [command], time, ...], got \"%2\"")
                                               .arg(what, QString::fromUtf8(json.left(60))));
    QJsonArray out;
    for (qsizetype i = 3; i < all.size(); ++i)
        out.append(all.at(i));
    return Result<QJsonArray>::success(out);
}

} // namespace

Result<QList<VclInfo>> parseVclList(const QByteArray& json)
{
    const auto list = items(json, "vcl.list");
    if (!list)
        return Result<QList<VclInfo>>::failure(list.error());
    QList<VclInfo> out;
    for (const auto& v : list.value()) {
        const QJsonObject o = v.toObject();
        VclInfo info { o.value(QLatin1String("name")).toString(), o.value(QLatin1String("status")).toString(),
            o.value(QLatin1String("state")).toString(), o.value(QLatin1String("temperature")).toString() };
        if (info.name.isEmpty())
            return Result<QList<VclInfo>>::failure(QStringLiteral("vcl.list -j: an entry has no name"));
        out.append(info);
    }
    return Result<QList<VclInfo>>::success(out);
}

Result<BackendSnapshot> parseBackendList(const QByteArray& json, const QString& activeVcl)
{
    const auto list = items(json, "backend.list");
    if (!list)
        return Result<BackendSnapshot>::failure(list.error());
    BackendSnapshot pool;
    pool.name = activeVcl;
    pool.status = QStringLiteral("VCL %1").arg(activeVcl);
    pool.algorithm = QStringLiteral("vcl");
    const QString prefix = activeVcl + QLatin1Char('.');
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto& item : list.value()) {
        const QJsonObject backends = item.toObject();
        // QJsonObject sorts its keys: the members come in name order, stable between polls.
        for (auto it = backends.begin(); it != backends.end(); ++it) {
            const QJsonObject b = it.value().toObject();
            if (!it.key().startsWith(prefix) || b.value(QLatin1String("type")).toString() != QLatin1String("backend"))
                continue; // another VCL's, or a director
            ServerSnapshot s;
            s.name = it.key().mid(prefix.size());
            s.weight = 1;
            s.responses5xxTotal = -1; // Varnish keeps no status counts per backend
            s.requestsTotal = -1; // until the exporter says (applyVarnishMetrics)
            const QString admin = b.value(QLatin1String("admin_health")).toString();
            s.admin = admin == QLatin1String("sick") ? AdminState::Drain
                : admin == QLatin1String("healthy")  ? AdminState::ForcedUp
                                                     : AdminState::Ready;
            const QJsonArray probe = b.value(QLatin1String("probe_message")).toArray();
            const QString verdict = probe.size() >= 3 ? probe.at(2).toString() : QString();
            if (probe.isEmpty() || verdict.isEmpty()) {
                s.health = Health::NoCheck;
            } else {
                s.health = verdict == QLatin1String("healthy") ? Health::Up : Health::Down;
                s.checkStatus = QStringLiteral("%1/%2").arg(probe.at(0).toInt()).arg(probe.at(1).toInt());
            }
            s.status = admin == QLatin1String("probe")
                ? QStringLiteral("%1 (probe %2)")
                      .arg(verdict.isEmpty() ? QStringLiteral("no probe") : verdict, s.checkStatus)
                : QStringLiteral("set %1 (probe says %2)")
                      .arg(admin, verdict.isEmpty() ? QStringLiteral("nothing") : verdict);
            const double changed = b.value(QLatin1String("last_change")).toDouble(-1);
            if (changed > 0)
                s.secondsSinceChange = qMax<qint64>(0, saturatingSub(nowMs, secondsToMs(changed)) / 1000);
            pool.servers.append(s);
        }
    }
    return Result<BackendSnapshot>::success(pool);
}

Result<double> parseParameter(const QByteArray& json)
{
    const auto list = items(json, "param.show");
    if (!list)
        return Result<double>::failure(list.error());
    const QJsonValue value
        = list.value().isEmpty() ? QJsonValue() : list.value().first().toObject().value(QLatin1String("value"));
    if (!value.isDouble())
        return Result<double>::failure(QStringLiteral("param.show -j: no numeric value"));
    return Result<double>::success(value.toDouble());
}

Result<QList<BanEntry>> parseBanList(const QByteArray& json)
{
    const auto list = items(json, "ban.list");
    if (!list)
        return Result<QList<BanEntry>>::failure(list.error());
    QList<BanEntry> out;
    for (const auto& v : list.value()) {
        const QJsonObject o = v.toObject();
        if (!o.contains(QLatin1String("spec")))
            return Result<QList<BanEntry>>::failure(QStringLiteral("ban.list -j: an entry has no spec"));
        BanEntry b;
        b.time = QDateTime::fromMSecsSinceEpoch(secondsToMs(o.value(QLatin1String("time")).toDouble()))
                     .toString(Qt::ISODate);
        b.objects = o.value(QLatin1String("refs")).toInteger();
        b.completed = o.value(QLatin1String("completed")).toBool();
        b.expression = o.value(QLatin1String("spec")).toString();
        // ban.list prints the expression with its arguments unquoted: "req.url ~ X && req.http.host == Y".
        for (const QString& part : b.expression.split(QStringLiteral(" && "))) {
            if (part.startsWith(QLatin1String("req.url ~ ")))
                b.urlPattern = part.mid(10);
            else if (part.startsWith(QLatin1String("req.http.host == ")))
                b.host = part.mid(17);
        }
        if (!b.expression.isEmpty()) // the empty one is Varnish's own placeholder, not an operator's ban
            out.append(b);
    }
    return Result<QList<BanEntry>>::success(out);
}

QString banExpression(const PurgeChange& purge)
{
    // CLI arguments are quoted; a backslash or quote inside needs escaping.
    auto quoted = [](QString text) -> QString {
        text.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
        return QLatin1Char('"') + text + QLatin1Char('"');
    };
    QStringList parts;
    if (!purge.urlPattern.isEmpty())
        parts << QStringLiteral("req.url ~ ") + quoted(purge.urlPattern);
    if (!purge.host.isEmpty())
        parts << QStringLiteral("req.http.host == ") + quoted(purge.host);
    return parts.join(QStringLiteral(" && "));
}

Result<bool> applyVarnishMetrics(const QByteArray& metricsText, GatewaySnapshot& snap)
{
    const auto scrape = Wire::parsePrometheusText(metricsText);
    if (!scrape)
        return Result<bool>::failure(QStringLiteral("exporter /metrics: %1").arg(scrape.error()));
    auto total = [&scrape](const char* name) {
        qint64 sum = 0;
        for (const auto& s : scrape.value().find(QString::fromLatin1(name)))
            sum = saturatingAdd(sum, clampedInt64(s.value));
        return sum;
    };
    FrontendSnapshot f;
    f.name = QStringLiteral("client");
    f.status = QStringLiteral("OPEN");
    f.requestsTotal = total("varnish_main_client_req");
    f.cacheHitsTotal = total("varnish_main_cache_hit");
    f.cacheMissesTotal = total("varnish_main_cache_miss");
    snap.frontends.append(f);
    QHash<QString, qint64> perBackend;
    for (const auto& s : scrape.value().find(QStringLiteral("varnish_backend_req"))) {
        qint64& sum = perBackend[s.label(QStringLiteral("backend"))];
        sum = saturatingAdd(sum, clampedInt64(s.value));
    }
    // Saturation per backend: connections open to it now, and fetches refused because it was at max_connections.
    auto perServer = [&scrape](const char* name) {
        QHash<QString, qint64> sums;
        for (const auto& s : scrape.value().find(QString::fromLatin1(name))) {
            qint64& sum = sums[s.label(QStringLiteral("backend"))];
            sum = saturatingAdd(sum, clampedInt64(s.value));
        }
        return sums;
    };
    const QHash<QString, qint64> connections = perServer("varnish_backend_conn");
    const QHash<QString, qint64> busy = perServer("varnish_backend_busy");
    for (BackendSnapshot& b : snap.backends) {
        b.requestsTotal = 0;
        b.sessions = 0;
        for (ServerSnapshot& s : b.servers) {
            s.requestsTotal = perBackend.value(s.name);
            b.requestsTotal += s.requestsTotal;
            if (const auto it = connections.constFind(s.name); it != connections.cend()) {
                s.sessions = *it;
                s.load.connectionsUsed = *it;
                b.sessions += *it;
            }
            if (const auto it = busy.constFind(s.name); it != busy.cend())
                s.load.refusedAtLimit = *it;
        }
    }
    return Result<bool>::success(true);
}

} // namespace Fleetdeck::Drivers::Varnish
