#pragma once

#include <memory>

#include "driver.h"
#include "kongparsers.h"

namespace Fleetdeck::Wire {
class HttpAdmin;
class PagingBudget;
struct HttpAnswer;
}

namespace Fleetdeck::Drivers::Kong {

// Kong over its Admin API (HTTP JSON; Kong Enterprise's RBAC token as Kong-Admin-Token). Reads the node (/, /status),
// upstreams with their targets' health, services, routes and plugins, page by page (Kong's `next`). Drains a
// target by weight 0 (keeping its weight in a tag) and back, sets weights, marks a target healthy or unhealthy,
// adds and removes targets. Built from Kong's documentation: not yet run against a live instance.
class KongDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KongDriver)

public:
    explicit KongDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~KongDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void readRateLimits(RateLimitsCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setSecret(const QByteArray& secret) override;
    void setKeyPassphrase(const QByteArray& passphrase) override;

    static constexpr int kPageSize = 100;
    static constexpr int kMaxPages = 50; // per list and poll: past it, the list is cut and said so
    static constexpr int kMaxHealthReads = 100; // upstreams whose targets are read per poll

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    using ListCallback = std::function<void(Result<QList<QJsonObject>>, bool cut)>;
    // Reads a list page by page through Kong's `next`, within a PagingBudget (pages, bytes, time, no cursor twice).
    void readList(const QString& path, int pages, QList<QJsonObject> sofar, ListCallback callback,
        std::shared_ptr<Wire::PagingBudget> budget = {});
    // One request whose answer must have one of the `ok` statuses; anything else fails in Kong's words.
    void call(const QByteArray& method, const QString& path, const QByteArray& body, QList<int> ok,
        std::function<void(Result<QByteArray>)> callback);
    void setRateLimit(const RateLimitChange& change, ActionCallback callback);
    void setWeight(const ServerRef& target, const QString& revision, std::function<int(const QJsonObject&)> weight,
        std::function<QJsonArray(const QJsonObject&)> tags, ActionCallback callback);

    Wire::HttpAdmin* m_http;
};

// A path segment as Kong reads it: "[fd00::12]:8080" and names with spaces or accents percent-encoded.
QString segment(const QString& name);

} // namespace Fleetdeck::Drivers::Kong
