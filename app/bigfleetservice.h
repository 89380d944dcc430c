#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "fleetdiscovery.h"
#include "wire/fleetquery.h"

namespace Fleetdeck {

class BigFleetModel;
namespace Wire {
class PrometheusClient;
}

// Keeps a fleet too large to poll up to date from its Prometheus: every refresh is one batched instant query (the
// discovery selector and the product's fleet figures), read into the BigFleetModel in place. One refresh at a time:
// a slow Prometheus delays the next one instead of piling them up.
class BigFleetService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BigFleetService)

public:
    // figures: the product's ProductInfo::fleetFigures.
    BigFleetService(const FleetDiscovery& discovery, const QMap<QString, QString>& figures, BigFleetModel* model,
        QObject* parent = nullptr);
    ~BigFleetService() override;

    // What a refresh of the discovered fleet asks for (also what `fleetdeck --recording-rules` writes rules for).
    static Wire::FleetQuerySpec specFor(const FleetDiscovery& discovery, const QMap<QString, QString>& figures);

    const FleetDiscovery& discovery() const { return m_discovery; }
    QString query() const { return Wire::fleetQuery(m_spec); }
    void start(); // refreshes now and then every discovery.refreshMs
    void stop();
    // Refreshes now unless a refresh is under way (then returns false).
    bool refreshNow();
    bool busy() const { return m_busy; }

Q_SIGNALS:
    // A refresh ended: the model holds its gateways (or, on error, still the last ones). ms: from the request to the
    // model updated.
    void refreshed(bool ok, qint64 ms, const QString& error);

private:
    FleetDiscovery m_discovery;
    Wire::FleetQuerySpec m_spec;
    QPointer<BigFleetModel> m_model;
    Wire::PrometheusClient* m_prometheus;
    QTimer m_timer;
    bool m_busy = false;
    QElapsedTimer m_clock;
};

} // namespace Fleetdeck
