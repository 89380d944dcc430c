#pragma once

#include <optional>

#include <QList>
#include <QObject>

#include "fleettypes.h"

namespace Fleetdeck {

// The fleet as the UI sees it: each gateway's configuration, capabilities, connection status and latest snapshot.
// Only the UI thread changes it; item models listen to its signals.
class FleetStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetStore)

public:
    struct Entry
    {
        GatewayConfig config;
        QString productName; // the product as the operator reads it
        Capabilities capabilities;
        GatewayStatus status;
        std::optional<GatewaySnapshot> snapshot;
    };

    explicit FleetStore(QObject* parent = nullptr);

    int gatewayCount() const { return int(m_entries.size()); }
    const Entry& entry(int index) const { return m_entries.at(index); }
    int indexOf(const QString& gatewayName) const;
    QList<GatewayConfig> configs() const;

    void addGateway(const GatewayConfig& config, const Capabilities& capabilities, const QString& productName = {});
    void removeGateway(const QString& name);
    void applySnapshot(const QString& name, const GatewaySnapshot& snapshot);
    void setStatus(const QString& name, const GatewayStatus& status);

Q_SIGNALS:
    void gatewayAboutToBeAdded(int index);
    void gatewayAdded(int index);
    void gatewayAboutToBeRemoved(int index);
    void gatewayRemoved(int index);
    // shapeChanged: backends or servers were added, removed or renamed since the previous snapshot.
    void snapshotAboutToChangeShape(int index);
    void snapshotApplied(int index, bool shapeChanged);
    void statusChanged(int index);

private:
    QList<Entry> m_entries;
};

} // namespace Fleetdeck
