#include "envoyparsers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "printable.h"
#include "wire/jsonanswer.h"

namespace Fleetdeck::Drivers::Envoy {

namespace {
// "10.0.0.11:8080", "[fd00::12]:8080", or a UNIX socket's path.
QString addressOf(const QJsonObject& address)
{
    const QJsonObject socket = address.value(QLatin1String("socket_address")).toObject();
    if (!socket.isEmpty()) {
        const QString host = socket.value(QLatin1String("address")).toString();
        const int port = socket.value(QLatin1String("port_value")).toInt();
        return (host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(host) : host)
            + QStringLiteral(":%1").arg(port);
    }
    const QJsonObject pipe = address.value(QLatin1String("pipe")).toObject();
    if (!pipe.isEmpty())
        return QStringLiteral("unix:") + pipe.value(QLatin1String("path")).toString();
    return {};
}

// A counter as Envoy writes it: a string, missing when zero.
qint64 counter(const QJsonValue& value)
{
    if (value.isString())
        return value.toString().toLongLong();
    return qint64(value.toDouble(0));
}

// Envoy's listener address tag: "0.0.0.0_10000", "[__]_10443".
QString listenerTag(const QString& address)
{
    QString tag = address;
    const qsizetype colon = tag.lastIndexOf(QLatin1Char(':'));
    if (colon > 0)
        tag[colon] = QLatin1Char('_');
    return tag.replace(QLatin1Char(':'), QLatin1Char('_'));
}
} // namespace

Result<ServerInfo> parseServerInfo(const QByteArray& json)
{
    const auto o = Wire::jsonObject(json, QStringLiteral("/server_info"));
    if (!o)
        return Result<ServerInfo>::failure(o.error());
    ServerInfo info;
    info.state = o.value().value(QLatin1String("state")).toString();
    if (info.state.isEmpty())
        return Result<ServerInfo>::failure(QStringLiteral("/server_info has no state"));
    const QStringList version = o.value().value(QLatin1String("version")).toString().split(QLatin1Char('/'));
    info.version = version.value(1, version.value(0));
    QString uptime = o.value().value(QLatin1String("uptime_current_epoch")).toString();
    if (uptime.endsWith(QLatin1Char('s')))
        uptime.chop(1);
    info.uptimeSeconds = qint64(uptime.toDouble());
    return Result<ServerInfo>::success(info);
}

Result<QList<BackendSnapshot>> parseClusters(const QByteArray& json)
{
    using R = Result<QList<BackendSnapshot>>;
    const auto o = Wire::jsonObject(json, QStringLiteral("/clusters"));
    if (!o)
        return R::failure(o.error());
    const QJsonValue statuses = o.value().value(QLatin1String("cluster_statuses"));
    if (!statuses.isArray() && !statuses.isUndefined())
        return R::failure(QStringLiteral("/clusters: cluster_statuses is not a list"));
    QList<BackendSnapshot> pools;
    for (const QJsonValue& c : statuses.toArray()) {
        const QJsonObject cluster = c.toObject();
        BackendSnapshot pool;
        pool.name = cluster.value(QLatin1String("name")).toString();
        if (pool.name.isEmpty())
            return R::failure(QStringLiteral("/clusters: a cluster without a name"));
        pool.status = cluster.value(QLatin1String("added_via_api")).toBool() ? QStringLiteral("from the API (CDS)")
                                                                             : QStringLiteral("static");
        for (const QJsonValue& h : cluster.value(QLatin1String("host_statuses")).toArray()) {
            const QJsonObject host = h.toObject();
            ServerSnapshot s;
            s.address = addressOf(host.value(QLatin1String("address")).toObject());
            const QString hostname = host.value(QLatin1String("hostname")).toString();
            s.name = s.address.isEmpty() ? hostname : s.address;
            if (s.name.isEmpty())
                return R::failure(
                    QStringLiteral("/clusters: a host of %1 without an address").arg(printable(pool.name, kShownName)));
            s.weight = host.value(QLatin1String("weight")).toInt(1);
            s.requestsTotal = 0;
            for (const QJsonValue& st : host.value(QLatin1String("stats")).toArray()) {
                const QJsonObject stat = st.toObject();
                const QString name = stat.value(QLatin1String("name")).toString();
                const qint64 value = counter(stat.value(QLatin1String("value")));
                if (name == QLatin1String("rq_total"))
                    s.requestsTotal = value;
                else if (name == QLatin1String("rq_error"))
                    s.responses5xxTotal = value; // 5xx answers and resets, as Envoy counts a host's errors
                else if (name == QLatin1String("cx_active"))
                    s.sessions = value;
                else if (name == QLatin1String("rq_active"))
                    s.load.inFlight = value;
            }
            s.responses4xxTotal = -1;
            const QJsonObject health = host.value(QLatin1String("health_status")).toObject();
            const QString eds = health.value(QLatin1String("eds_health_status")).toString();
            QStringList flags;
            if (health.value(QLatin1String("failed_active_health_check")).toBool())
                flags << QStringLiteral("failed its active health check");
            if (health.value(QLatin1String("failed_outlier_check")).toBool())
                flags << QStringLiteral("ejected by outlier detection");
            if (health.value(QLatin1String("failed_active_degraded_check")).toBool())
                flags << QStringLiteral("degraded by its health check");
            if (health.value(QLatin1String("pending_dynamic_removal")).toBool())
                flags << QStringLiteral("being removed");
            if (health.value(QLatin1String("pending_active_hc")).toBool())
                flags << QStringLiteral("first health check pending");
            if (health.value(QLatin1String("active_hc_timeout")).toBool())
                flags << QStringLiteral("health check timed out");
            if (health.value(QLatin1String("excluded_via_immediate_hc_fail")).toBool())
                flags << QStringLiteral("excluded after an immediate health check failure");
            const bool failed = health.value(QLatin1String("failed_active_health_check")).toBool()
                || health.value(QLatin1String("failed_outlier_check")).toBool() || eds == QLatin1String("UNHEALTHY")
                || eds == QLatin1String("TIMEOUT");
            if (eds == QLatin1String("DRAINING")) {
                s.admin = AdminState::Drain;
                flags << QStringLiteral("draining (EDS)");
            }
            s.health = failed                                               ? Health::Down
                : health.value(QLatin1String("pending_active_hc")).toBool() ? Health::Unknown
                                                                            : Health::Up;
            s.status = flags.isEmpty() ? (eds.isEmpty() ? QStringLiteral("healthy") : eds)
                                       : (eds.isEmpty() || eds == QLatin1String("HEALTHY")
                                               ? flags.join(QStringLiteral(", "))
                                               : QStringLiteral("%1, %2").arg(eds, flags.join(QStringLiteral(", "))));
            if (!hostname.isEmpty() && hostname != s.name)
                s.checkDescription = QStringLiteral("hostname %1").arg(printable(hostname, kShownName));
            if (host.contains(QLatin1String("success_rate")))
                s.checkStatus = QStringLiteral("success rate %1 %")
                                    .arg(host.value(QLatin1String("success_rate"))
                                             .toObject()
                                             .value(QLatin1String("value"))
                                             .toDouble(),
                                        0, 'f', 1);
            pool.requestsTotal += s.requestsTotal;
            pool.responses5xxTotal += qMax<qint64>(0, s.responses5xxTotal);
            pool.sessions += s.sessions;
            pool.servers.append(s);
        }
        pools.append(pool);
    }
    return R::success(pools);
}

Result<QList<FrontendSnapshot>> parseListeners(const QByteArray& json)
{
    using R = Result<QList<FrontendSnapshot>>;
    const auto o = Wire::jsonObject(json, QStringLiteral("/listeners"));
    if (!o)
        return R::failure(o.error());
    QList<FrontendSnapshot> listeners;
    for (const QJsonValue& l : o.value().value(QLatin1String("listener_statuses")).toArray()) {
        const QJsonObject listener = l.toObject();
        FrontendSnapshot f;
        f.name = listener.value(QLatin1String("name")).toString();
        if (f.name.isEmpty())
            return R::failure(QStringLiteral("/listeners: a listener without a name"));
        QStringList binds { addressOf(listener.value(QLatin1String("local_address")).toObject()) };
        for (const QJsonValue& a : listener.value(QLatin1String("additional_local_addresses")).toArray())
            binds << addressOf(a.toObject());
        binds.removeAll(QString());
        f.binds = binds.join(QStringLiteral(", "));
        f.tcp = true; // a listener counts connections; the requests are its HTTP connection manager's
        f.requestsTotal = 0;
        f.responses4xxTotal = -1;
        f.responses5xxTotal = -1;
        f.status = QStringLiteral("listener");
        listeners.append(f);
    }
    return R::success(listeners);
}

void addStats(const Wire::PrometheusScrape& stats, QList<FrontendSnapshot>* frontends, QList<BackendSnapshot>* pools)
{
    // Connections per listener, matched by Envoy's address tag.
    for (FrontendSnapshot& f : *frontends) {
        if (!f.tcp)
            continue;
        for (const QString& bind : f.binds.split(QStringLiteral(", "))) {
            for (const auto& s : stats.find(QStringLiteral("envoy_listener_downstream_cx_active"),
                     { { QStringLiteral("envoy_listener_address"), listenerTag(bind) } }))
                f.sessions += qint64(s.value);
        }
    }
    // Requests per HTTP connection manager, from the response classes; the admin interface's own is left out.
    QMap<QString, FrontendSnapshot> managers;
    for (const auto& s : stats.find(QStringLiteral("envoy_http_downstream_rq_xx"))) {
        const QString prefix = s.label(QStringLiteral("envoy_http_conn_manager_prefix"));
        if (prefix.isEmpty() || prefix == QLatin1String("admin"))
            continue;
        FrontendSnapshot& f = managers[prefix];
        f.name = prefix;
        f.status = QStringLiteral("HTTP connection manager");
        const qint64 n = qint64(s.value);
        f.requestsTotal += n;
        const QString cls = s.label(QStringLiteral("envoy_response_code_class"));
        if (cls == QLatin1String("4"))
            f.responses4xxTotal += n;
        else if (cls == QLatin1String("5"))
            f.responses5xxTotal += n;
    }
    for (const auto& s : stats.find(QStringLiteral("envoy_http_downstream_cx_active"))) {
        const QString prefix = s.label(QStringLiteral("envoy_http_conn_manager_prefix"));
        if (managers.contains(prefix))
            managers[prefix].sessions = qint64(s.value);
    }
    for (auto it = managers.cbegin(); it != managers.cend(); ++it)
        frontends->append(it.value());
    // The mean upstream time of each cluster since start (Envoy's histogram, in ms).
    for (BackendSnapshot& pool : *pools) {
        const QList<QPair<QString, QString>> which { { QStringLiteral("envoy_cluster_name"), pool.name } };
        const auto sum = stats.find(QStringLiteral("envoy_cluster_upstream_rq_time_sum"), which);
        const auto count = stats.find(QStringLiteral("envoy_cluster_upstream_rq_time_count"), which);
        if (!sum.isEmpty() && !count.isEmpty() && count.first().value > 0) {
            pool.load.responseMs = qRound64(sum.first().value / count.first().value);
            pool.load.averagedOver = QStringLiteral("every request since Envoy started");
        }
    }
}

QString healthCheckValue(const QString& state)
{
    if (state == QLatin1String("LIVE"))
        return QStringLiteral("passing");
    if (state == QLatin1String("DRAINING"))
        return QStringLiteral("failing");
    return state.toLower();
}

CachePolicy envoyPolicy(const ServerInfo& info)
{
    CachePolicy policy;
    policy.note
        = QStringLiteral("Envoy keeps no cache Fleetdeck reads; these are its runtime actions. Both act on this "
                         "Envoy only and last until it restarts.");
    policy.reviewNote = QStringLiteral("Sent as POST to the admin interface and verified by reading /server_info.");
    Setting health;
    health.id = QStringLiteral("health-check");
    health.label = QStringLiteral("its own health check");
    health.value = healthCheckValue(info.state);
    health.choices = { QStringLiteral("passing"), QStringLiteral("failing") };
    health.note = QStringLiteral("failing (/healthcheck/fail): Envoy fails the health checks its load balancer sends "
                                 "and closes connections gracefully, so it is drained; /server_info says DRAINING. "
                                 "passing (/healthcheck/ok) takes it back.");
    policy.settings.append(health);
    Setting drain;
    drain.id = QStringLiteral("drain-listeners");
    drain.label = QStringLiteral("listeners (/drain_listeners?graceful)");
    drain.kind = Setting::Kind::Command;
    drain.value = QStringLiteral("accepting");
    drain.choices = { QStringLiteral("drain") };
    drain.note
        = QStringLiteral("Drains every listener gracefully for the drain time, then stops them: cannot be undone "
                         "without a restart of Envoy. /server_info does not show it.");
    policy.settings.append(drain);
    return policy;
}

} // namespace Fleetdeck::Drivers::Envoy
