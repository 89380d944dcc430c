#pragma once

#include "driver.h"
#include "redisparsers.h"
#include "resp.h"

namespace Fleetdeck::Drivers::Redis {

// Redis over its own protocol (RESP, TCP, TLS for rediss://), AUTH with an ACL user and password from the credential
// store. Reads INFO, SLOWLOG GET and LATENCY LATEST; changes the cache settings with CONFIG SET, which the pipeline
// verifies by reading CONFIG GET.
class RedisDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RedisDriver)

public:
    explicit RedisDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~RedisDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setSecret(const QByteArray& secret) override { m_secret = secret; }
    void setKeyPassphrase(const QByteArray& passphrase) override { m_keyPassphrase = passphrase; }

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    void run(const QList<QList<QByteArray>>& commands, RespSession::Callback callback);
    QString address() const;

    QByteArray m_secret;
    QByteArray m_keyPassphrase; // the TLS client key's, from the keychain
    qint64 m_lastSlowId = -1;
    HitCounts m_hits;
};

} // namespace Fleetdeck::Drivers::Redis
