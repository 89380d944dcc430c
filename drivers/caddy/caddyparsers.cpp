#include "caddyparsers.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Fleetdeck::Drivers::Caddy {

namespace {

void walkRoutes(
    const QJsonArray& routes, const QString& where, const QHash<QString, qint64>& inFlight, GatewaySnapshot& snap)
{
    for (qsizetype r = 0; r < routes.size(); ++r) {
        const QJsonArray handlers = routes.at(r).toObject().value(QLatin1String("handle")).toArray();
        for (qsizetype h = 0; h < handlers.size(); ++h) {
            const QJsonObject handler = handlers.at(h).toObject();
            const QString path = QStringLiteral("%1/routes/%2/handle/%3").arg(where).arg(r).arg(h);
            const QString kind = handler.value(QLatin1String("handler")).toString();
            if (kind == QLatin1String("subroute")) {
                walkRoutes(handler.value(QLatin1String("routes")).toArray(), path, inFlight, snap);
                continue;
            }
            if (kind != QLatin1String("reverse_proxy"))
                continue;
            BackendSnapshot b;
            b.name = handler.value(QLatin1String("@id")).toString(path);
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
                s.sessions = inFlight.value(s.address, 0);
                b.sessions += s.sessions;
                b.servers.append(s);
            }
            snap.backends.append(b);
        }
    }
}

} // namespace

Result<GatewaySnapshot> parseCaddyConfig(const QByteArray& configJson, const QByteArray& upstreamsJson)
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
    const QJsonObject servers = doc.object()
                                    .value(QLatin1String("apps"))
                                    .toObject()
                                    .value(QLatin1String("http"))
                                    .toObject()
                                    .value(QLatin1String("servers"))
                                    .toObject();
    const QStringList names = servers.keys(); // sorted: a stable order between polls
    for (const QString& name : names)
        walkRoutes(servers.value(name).toObject().value(QLatin1String("routes")).toArray(), name, inFlight, snap);
    return R::success(snap);
}

} // namespace Fleetdeck::Drivers::Caddy
