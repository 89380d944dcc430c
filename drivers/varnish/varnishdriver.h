#pragma once

#include "driver.h"
#include "varnishcli.h"

class QNetworkAccessManager;

namespace Fleetdeck::Drivers::Varnish {

// Varnish over its CLI (TCP, challenge authentication with the secret from the credential store). The active
// VCL's backends are one pool; drain is "backend.set_health sick", force up is "healthy", ready is "auto"
// (the probe decides). Counters come from prometheus-varnish-exporter when the gateway names one.
class VarnishDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(VarnishDriver)

public:
    explicit VarnishDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~VarnishDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setSecret(const QByteArray& secret) override { m_secret = secret; }

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    void cli(const QList<QByteArray>& commands, CliSession::Callback callback);
    // Runs one command whose answer is only "done": a non-200 becomes an error with Varnish's own words.
    void command(const QByteArray& line, ActionCallback callback);

    QByteArray m_secret;
    QNetworkAccessManager* m_network;
};

} // namespace Fleetdeck::Drivers::Varnish
