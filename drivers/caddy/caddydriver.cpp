#include "caddydriver.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>

#include "caddyparsers.h"

namespace Fleetdeck::Drivers::Caddy {

namespace {
const QString kNotYet = QStringLiteral("Fleetdeck reads Caddy but does not change it yet");
}

CaddyDriver::CaddyDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, parent)
    , m_network(new QNetworkAccessManager(this))
{ }

Capabilities CaddyDriver::capabilities() const
{
    Capabilities c;
    c.note = kNotYet;
    return c;
}

void CaddyDriver::get(const QString& path, std::function<void(Result<QByteArray>)> callback)
{
    QUrl url = config().admin;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setTransferTimeout(5000);
    QNetworkReply* reply = m_network->get(request);
    connect(reply, &QNetworkReply::finished, this, [reply, callback = std::move(callback), url] {
        reply->deleteLater();
        const QByteArray body = reply->read(64 * 1024 * 1024);
        if (reply->error() != QNetworkReply::NoError)
            callback(Result<QByteArray>::failure(
                QStringLiteral("GET %1: %2 %3")
                    .arg(url.path(), reply->errorString(), QString::fromUtf8(body.left(200)).trimmed())));
        else
            callback(Result<QByteArray>::success(body));
    });
}

void CaddyDriver::fetchSnapshot(SnapshotCallback callback)
{
    get(QStringLiteral("/config/"), [this, callback](Result<QByteArray> config) {
        if (!config) {
            callback(Result<GatewaySnapshot>::failure(config.error()));
            return;
        }
        get(QStringLiteral("/reverse_proxy/upstreams"), [callback, config](Result<QByteArray> upstreams) {
            // The in-flight counts are a bonus: a failure here still leaves the pools.
            auto snap = parseCaddyConfig(config.value(), upstreams ? upstreams.value() : QByteArray());
            if (!snap) {
                callback(snap);
                return;
            }
            GatewaySnapshot s = std::move(snap).value();
            s.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(Result<GatewaySnapshot>::success(std::move(s)));
        });
    });
}

void CaddyDriver::apply(const ServerAction&, ActionCallback callback)
{
    callback(Result<QString>::failure(kNotYet));
}

void CaddyDriver::addServer(const ServerSpec&, ActionCallback callback)
{
    callback(Result<QString>::failure(kNotYet));
}

void CaddyDriver::deleteServer(const ServerRef&, ActionCallback callback)
{
    callback(Result<QString>::failure(kNotYet));
}

} // namespace Fleetdeck::Drivers::Caddy
