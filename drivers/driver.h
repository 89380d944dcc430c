#pragma once

#include <functional>

#include <QList>
#include <QObject>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "result.h"
#include "ratelimits.h"
#include "serverspec.h"

namespace Fleetdeck::Drivers {

// One gateway's admin channel. A driver only speaks its product's protocol: it reads snapshots and applies
// single server actions; scheduling, verification and bookkeeping belong to the controller.
class Driver : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Driver)

public:
    using SnapshotCallback = std::function<void(Result<GatewaySnapshot>)>;
    using ActionCallback = std::function<void(Result<QString>)>; // success carries the gateway's answer

    explicit Driver(const GatewayConfig& config, QObject* parent = nullptr)
        : QObject(parent)
        , m_config(config)
    { }
    ~Driver() override = default;

    const GatewayConfig& config() const { return m_config; }
    // Reads the gateway's whole state. Calls back once, on the UI thread.
    virtual void fetchSnapshot(SnapshotCallback callback) = 0;
    // Sends one action. A success means the gateway accepted it, not that it took: the caller re-reads.
    virtual void apply(const ServerAction& action, ActionCallback callback) = 0;
    // Adds a server and brings it into service (ready, health checks on when asked for).
    virtual void addServer(const ServerSpec& spec, ActionCallback callback) = 0;
    // Deletes a server (HAProxy: one already in maintenance). baseVersion is the configVersion the operator saw;
    // products that check it (Caddy) refuse the write with Failure::Conflict when the config changed since.
    virtual void deleteServer(const ServerRef& server, const QString& baseVersion, ActionCallback callback) = 0;
    // Rate limits, where the product keeps them at runtime.
    using RateLimitsCallback = std::function<void(Result<RateLimits>)>;
    virtual void readRateLimits(RateLimitsCallback callback)
    {
        callback(Result<RateLimits>::failure(QStringLiteral("this product has no runtime rate limits")));
    }
    virtual void applyRateLimit(const RateLimitChange& change, const RateLimits& current, ActionCallback callback)
    {
        Q_UNUSED(change)
        Q_UNUSED(current)
        callback(Result<QString>::failure(QStringLiteral("this product has no runtime rate limits")));
    }

    // Cache policy: Cache-Control rules (Caddy), TTL parameters and bans (Varnish), cache sections (HAProxy).
    using CachePolicyCallback = std::function<void(Result<CachePolicy>)>;
    virtual void readCachePolicy(CachePolicyCallback callback)
    {
        callback(Result<CachePolicy>::failure(QStringLiteral("this product has no cache policy Fleetdeck can read")));
    }
    virtual void applyPolicyChange(const PolicyChange& change, const CachePolicy& current, ActionCallback callback)
    {
        Q_UNUSED(change)
        Q_UNUSED(current)
        callback(Result<QString>::failure(QStringLiteral("this product's cache policy cannot be changed at runtime")));
    }
    // A secret for the admin channel (the Varnish CLI secret), read from the credential store by the caller.
    // Drivers keep it in memory only and never put it in an error or a log.
    virtual void setSecret(const QByteArray& secret) { Q_UNUSED(secret) }
    // The pass phrase of an encrypted TLS client key (TlsSettings::clientKeyCredential), in memory only.
    virtual void setKeyPassphrase(const QByteArray& passphrase) { Q_UNUSED(passphrase) }

private:
    GatewayConfig m_config;
};

} // namespace Fleetdeck::Drivers
