#pragma once

#include "driver.h"
#include "wire/prometheustext.h"

class QNetworkAccessManager;

namespace Fleetdeck::Drivers::Caddy {

// Caddy over its admin API (HTTP JSON). Pools are reverse_proxy handlers, members their upstreams. Every write
// names the config it was made against (If-Match); Caddy answers 412 when someone changed it since, which
// becomes a conflict. Nothing is sent to /load, so the admin block is never touched.
class CaddyDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CaddyDriver)

public:
    explicit CaddyDriver(const GatewayConfig& config, QObject* parent = nullptr);

    void fetchSnapshot(SnapshotCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setSecret(const QByteArray& secret) override { m_secret = secret; }
    void setKeyPassphrase(const QByteArray& passphrase) override { m_keyPassphrase = passphrase; }
    ~CaddyDriver() override
    {
        m_secret.fill('\0');
        m_keyPassphrase.fill('\0');
    }

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    // Each write names the config version the operator saw (baseVersion), else the one just read.
    void addServer(const ServerSpec& spec, const QString& baseVersion, ActionCallback callback);
    void deleteServer(const ServerRef& server, const QString& baseVersion, ActionCallback callback);
    void setRule(const CacheRuleChange& rule, const QString& version, ActionCallback callback);
    using BodyCallback = std::function<void(Result<QByteArray>)>;
    // One admin API request. A 412 fails with Failure::Conflict; any other error names the path and Caddy's text.
    void send(const QByteArray& method, const QString& path, const QByteArray& body, const QString& ifMatch,
        BodyCallback callback);
    void get(const QString& path, BodyCallback callback) { send("GET", path, {}, {}, std::move(callback)); }
    QUrl metricsUrl() const;

    QNetworkAccessManager* m_network;
    QByteArray m_secret; // HTTP basic (user:password) or bearer token, when the gateway names one
    QByteArray m_keyPassphrase;
    // The request-duration histogram as read at each poll of the last minute: quantiles are over the difference.
    QList<QPair<qint64, Wire::Histogram>> m_latencySeen;
};

} // namespace Fleetdeck::Drivers::Caddy
