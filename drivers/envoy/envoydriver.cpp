#include "envoydriver.h"

#include <memory>

#include <QDateTime>

#include "registry.h"
#include "wire/httpadmin.h"

namespace Fleetdeck::Drivers::Envoy {

ProductDescriptor descriptor(); // envoyproduct.cpp

namespace {
// The answers of one poll, gathered as they come.
struct Poll
{
    std::optional<Result<Wire::HttpAnswer>> info, clusters, listeners, stats;
    bool complete() const { return info && clusters && listeners && stats; }
};

// A body, or why there is none: the transport's failure, or Envoy's status and words.
Result<QByteArray> bodyOf(const Result<Wire::HttpAnswer>& r)
{
    if (!r)
        return Result<QByteArray>::failure(r.error(), r.failureKind(), r.detail());
    if (r.value().status != 200)
        return Result<QByteArray>::failure(Wire::httpStatusText(r.value()));
    return Result<QByteArray>::success(r.value().body);
}
} // namespace

EnvoyDriver::EnvoyDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_http(new Wire::HttpAdmin(config, this))
{ }

EnvoyDriver::~EnvoyDriver() = default;

void EnvoyDriver::setKeyPassphrase(const QByteArray& passphrase)
{
    m_http->setKeyPassphrase(passphrase);
}

void EnvoyDriver::fetchSnapshot(SnapshotCallback callback)
{
    auto poll = std::make_shared<Poll>();
    auto done = [this, poll, callback] {
        if (!poll->complete())
            return;
        using R = Result<GatewaySnapshot>;
        const QString name = config().name;
        const auto info = bodyOf(*poll->info);
        if (!info) {
            callback(R::failure(
                QStringLiteral("%1: /server_info: %2").arg(name, info.error()), info.failureKind(), info.detail()));
            return;
        }
        const auto server = parseServerInfo(info.value());
        const auto clusterBody = bodyOf(*poll->clusters);
        const auto listenerBody = bodyOf(*poll->listeners);
        if (!server || !clusterBody || !listenerBody) {
            callback(R::failure(QStringLiteral("%1: %2").arg(name,
                !server            ? server.error()
                    : !clusterBody ? clusterBody.error()
                                   : listenerBody.error())));
            return;
        }
        const auto pools = parseClusters(clusterBody.value());
        const auto listeners = parseListeners(listenerBody.value());
        if (!pools || !listeners) {
            callback(R::failure(QStringLiteral("%1: %2").arg(name, !pools ? pools.error() : listeners.error())));
            return;
        }
        GatewaySnapshot snap;
        snap.version = server.value().version;
        snap.uptimeSeconds = server.value().uptimeSeconds;
        snap.backends = pools.value();
        snap.frontends = listeners.value();
        // The Prometheus scrape adds requests and times; without it the pools and health are still shown.
        const auto statsBody = bodyOf(*poll->stats);
        const auto stats = statsBody ? Wire::parsePrometheusText(statsBody.value())
                                     : Result<Wire::PrometheusScrape>::failure(statsBody.error());
        if (stats)
            addStats(stats.value(), &snap.frontends, &snap.backends);
        else
            snap.notices.append(
                { QStringLiteral("/stats/prometheus: %1; requests per listener are not shown").arg(stats.error()),
                    {} });
        if (server.value().state != QLatin1String("LIVE"))
            snap.notices.append({ QStringLiteral("Envoy's state is %1%2")
                                      .arg(server.value().state,
                                          server.value().state == QLatin1String("DRAINING")
                                              ? QStringLiteral(": its health check fails (/healthcheck/fail), so its "
                                                               "load balancer drains it")
                                              : QString()),
                {} });
        snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
        callback(R::success(snap));
    };
    m_http->get(QStringLiteral("/server_info"), [poll, done](auto r) {
        poll->info = r;
        done();
    });
    m_http->get(QStringLiteral("/clusters?format=json"), [poll, done](auto r) {
        poll->clusters = r;
        done();
    });
    m_http->get(QStringLiteral("/listeners?format=json"), [poll, done](auto r) {
        poll->listeners = r;
        done();
    });
    m_http->get(QStringLiteral("/stats/prometheus"), [poll, done](auto r) {
        poll->stats = r;
        done();
    });
}

void EnvoyDriver::readCachePolicy(CachePolicyCallback callback)
{
    m_http->get(QStringLiteral("/server_info"), [this, callback](Result<Wire::HttpAnswer> r) {
        using R = Result<CachePolicy>;
        const auto body = bodyOf(r);
        if (!body) {
            callback(R::failure(QStringLiteral("%1: /server_info: %2").arg(config().name, body.error()),
                body.failureKind(), body.detail()));
            return;
        }
        const auto info = parseServerInfo(body.value());
        if (!info) {
            callback(R::failure(QStringLiteral("%1: %2").arg(config().name, info.error())));
            return;
        }
        callback(R::success(envoyPolicy(info.value())));
    });
}

void EnvoyDriver::sendChange(const Change& change, const GatewayState&, ActionCallback callback)
{
    const auto* setting = change.as<SettingChange>();
    QString path;
    if (setting && setting->setting == QLatin1String("health-check") && setting->value == QLatin1String("failing"))
        path = QStringLiteral("/healthcheck/fail");
    else if (setting && setting->setting == QLatin1String("health-check") && setting->value == QLatin1String("passing"))
        path = QStringLiteral("/healthcheck/ok");
    else if (setting && setting->setting == QLatin1String("drain-listeners")
        && setting->value == QLatin1String("drain"))
        path = QStringLiteral("/drain_listeners?graceful");
    if (path.isEmpty()) {
        callback(refuse(change));
        return;
    }
    // Mutations are POST: Envoy answers a GET with 405.
    m_http->send("POST", path, {}, [this, callback, path](Result<Wire::HttpAnswer> r) {
        const auto body = bodyOf(r);
        if (!body) {
            callback(Result<QString>::failure(QStringLiteral("%1: POST %2: %3").arg(config().name, path, body.error()),
                body.failureKind(), body.detail()));
            return;
        }
        callback(Result<QString>::success(QString::fromUtf8(body.value().trimmed().left(200))));
    });
}

} // namespace Fleetdeck::Drivers::Envoy
