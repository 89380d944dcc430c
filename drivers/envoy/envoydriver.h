#pragma once

#include "driver.h"
#include "envoyparsers.h"

namespace Fleetdeck::Wire {
class HttpAdmin;
}

namespace Fleetdeck::Drivers::Envoy {

// Envoy over its admin interface (HTTP, unauthenticated: bound to localhost or reached through a tunnel). Reads
// /server_info, /clusters?format=json, /listeners?format=json and /stats/prometheus; its runtime actions are its
// own health check (/healthcheck/fail and /ok) and the listeners' graceful drain, each a POST, verified by reading
// /server_info again. Built from Envoy's documentation: not yet run against a live instance.
class EnvoyDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnvoyDriver)

public:
    explicit EnvoyDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~EnvoyDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setKeyPassphrase(const QByteArray& passphrase) override;

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    Wire::HttpAdmin* m_http;
};

} // namespace Fleetdeck::Drivers::Envoy
