#pragma once

#include "driver.h"
#include "wire/linecommandclient.h"

namespace Fleetdeck::Drivers::HAProxy {

// HAProxy over its runtime API (TCP or UNIX socket), one connection per command.
class HAProxyDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HAProxyDriver)

public:
    explicit HAProxyDriver(const GatewayConfig& config, QObject* parent = nullptr);

    void fetchSnapshot(SnapshotCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void readRateLimits(RateLimitsCallback callback) override;

    // The runtime API command for a member's state or weight, or an error when the names cannot be sent safely.
    static Result<QByteArray> commandFor(const Change& change);

    void setOptions(const Wire::LineCommandClient::Options& options) { m_options = options; }

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    void addServer(const ServerSpec& spec, ActionCallback callback);
    void deleteServer(const ServerRef& server, ActionCallback callback);
    void applyRateLimit(const RateLimitChange& change, const RateLimits& current, ActionCallback callback);
    // Sends one command; success when the answer is empty or equals `expected`.
    void send(const QByteArray& command, const QString& expected, ActionCallback callback);
    // Sends one command and hands back the raw answer.
    void ask(const QByteArray& command, std::function<void(Result<QByteArray>)> callback);

    Wire::LineCommandClient::Options m_options;
};

} // namespace Fleetdeck::Drivers::HAProxy
