#pragma once

#include <functional>

#include <QList>
#include <QObject>

#include "change.h"
#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers {

// One gateway's admin channel. A driver only speaks its product's protocol: it reads the gateway (its pools, its
// rate limits, its cache policy) and sends one change at a time; scheduling, conflict checks, verification and
// bookkeeping belong to the change pipeline.
class Driver : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Driver)

public:
    using SnapshotCallback = std::function<void(Result<GatewaySnapshot>)>;
    using ActionCallback = std::function<void(Result<QString>)>; // success carries the gateway's answer
    using RateLimitsCallback = std::function<void(Result<RateLimits>)>;
    using CachePolicyCallback = std::function<void(Result<CachePolicy>)>;

    // capabilities: what the product registered (its descriptor's), which apply() holds the driver to.
    Driver(const GatewayConfig& config, const Capabilities& capabilities, QObject* parent = nullptr)
        : QObject(parent)
        , m_config(config)
        , m_capabilities(capabilities)
    { }
    ~Driver() override = default;

    const GatewayConfig& config() const { return m_config; }
    const Capabilities& capabilities() const { return m_capabilities; }
    // Reads the gateway's pools and members. Calls back once, on the UI thread.
    virtual void fetchSnapshot(SnapshotCallback callback) = 0;
    // Rate limits, where the product keeps them at runtime.
    virtual void readRateLimits(RateLimitsCallback callback)
    {
        callback(Result<RateLimits>::failure(QStringLiteral("this product has no runtime rate limits")));
    }
    // The cache policy and the product settings that go with it.
    virtual void readCachePolicy(CachePolicyCallback callback)
    {
        callback(Result<CachePolicy>::failure(QStringLiteral("this product has no cache policy Fleetdeck can read")));
    }
    // Sends one change. `current` is the gateway as the pipeline re-read it just before (the part the change's
    // domain needs). A success means the gateway accepted it, not that it took: the pipeline re-reads. A change of a
    // kind the product did not register is refused at once, before anything is sent.
    void apply(const Change& change, const GatewayState& current, ActionCallback callback)
    {
        if (!m_capabilities.takes(change.kind()))
            callback(refuse(change));
        else
            sendChange(change, current, std::move(callback));
    }
    // A secret for the admin channel, read from the credential store by the caller. Drivers keep it in memory only
    // and never put it in an error or a log.
    virtual void setSecret(const QByteArray& secret) { Q_UNUSED(secret) }
    // The pass phrase of an encrypted TLS client key (TlsSettings::clientKeyCredential), in memory only.
    virtual void setKeyPassphrase(const QByteArray& passphrase) { Q_UNUSED(passphrase) }

protected:
    // Sends a change of a kind the product takes.
    virtual void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) = 0;
    // The refusal of a change this driver does not take.
    static Result<QString> refuse(const Change& change)
    {
        return Result<QString>::failure(QStringLiteral("this product does not take \"%1\"").arg(change.describe()));
    }

private:
    GatewayConfig m_config;
    Capabilities m_capabilities;
};

} // namespace Fleetdeck::Drivers
