#pragma once

#include "driver.h"

class QNetworkAccessManager;

namespace Fleetdeck::Drivers::Caddy {

// Caddy over its admin API (HTTP JSON). This first slice reads pools and upstreams; changes come later, so its
// capabilities are all off and every action is refused with the reason.
class CaddyDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CaddyDriver)

public:
    explicit CaddyDriver(const GatewayConfig& config, QObject* parent = nullptr);

    Capabilities capabilities() const override;
    void fetchSnapshot(SnapshotCallback callback) override;
    void apply(const ServerAction& action, ActionCallback callback) override;
    void addServer(const ServerSpec& spec, ActionCallback callback) override;
    void deleteServer(const ServerRef& server, ActionCallback callback) override;

private:
    void get(const QString& path, std::function<void(Result<QByteArray>)> callback);

    QNetworkAccessManager* m_network;
};

} // namespace Fleetdeck::Drivers::Caddy
