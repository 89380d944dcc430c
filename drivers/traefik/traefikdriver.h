#pragma once

#include <memory>

#include "driver.h"
#include "traefikparsers.h"

namespace Fleetdeck::Wire {
class HttpAdmin;
class PagingBudget;
}

namespace Fleetdeck::Drivers::Traefik {

// Traefik over its API (read-only by design: its dynamic configuration lives in its providers). Reads
// /api/version and, page by page (X-Next-Page), /api/http/routers, services and middlewares, and its Prometheus
// metrics when the gateway names the endpoint. Sends nothing. Built from Traefik's documentation: not yet run
// against a live instance.
class TraefikDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TraefikDriver)

public:
    explicit TraefikDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~TraefikDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void setSecret(const QByteArray& secret) override;
    void setKeyPassphrase(const QByteArray& passphrase) override;

    // The most pages of one list read in one poll (100 entries each): a list past it is cut, and said so.
    static constexpr int kMaxPages = 50;

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    using ListCallback = std::function<void(Result<QList<QJsonObject>>, bool cut)>;
    // Reads a list page by page (X-Next-Page), within a PagingBudget (pages, bytes, time, no page twice).
    void readList(const QString& path, int page, QList<QJsonObject> sofar, ListCallback callback,
        std::shared_ptr<Wire::PagingBudget> budget = {});

    Wire::HttpAdmin* m_http;
    Wire::HttpAdmin* m_metrics;
};

} // namespace Fleetdeck::Drivers::Traefik
