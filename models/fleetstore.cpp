#include "fleetstore.h"

namespace Fleetdeck {

FleetStore::FleetStore(QObject* parent)
    : QObject(parent)
{ }

int FleetStore::indexOf(const QString& gatewayName) const
{
    for (int i = 0; i < m_entries.size(); ++i) {
        if (m_entries.at(i).config.name == gatewayName)
            return i;
    }
    return -1;
}

QList<GatewayConfig> FleetStore::configs() const
{
    QList<GatewayConfig> out;
    out.reserve(m_entries.size());
    for (const auto& e : m_entries)
        out.append(e.config);
    return out;
}

void FleetStore::addGateway(const GatewayConfig& config, const Capabilities& capabilities, const QString& productName)
{
    if (indexOf(config.name) >= 0)
        return;
    const int index = int(m_entries.size());
    Q_EMIT gatewayAboutToBeAdded(index);
    m_entries.append(Entry {
        config, productName.isEmpty() ? config.product : productName, capabilities, GatewayStatus {}, std::nullopt });
    Q_EMIT gatewayAdded(index);
}

void FleetStore::removeGateway(const QString& name)
{
    const int index = indexOf(name);
    if (index < 0)
        return;
    Q_EMIT gatewayAboutToBeRemoved(index);
    m_entries.removeAt(index);
    Q_EMIT gatewayRemoved(index);
}

void FleetStore::applySnapshot(const QString& name, const GatewaySnapshot& snapshot)
{
    const int index = indexOf(name);
    if (index < 0)
        return;
    Entry& e = m_entries[index];
    const bool shapeChanged = !e.snapshot || !e.snapshot->sameShape(snapshot);
    if (shapeChanged)
        Q_EMIT snapshotAboutToChangeShape(index);
    e.snapshot = snapshot;
    Q_EMIT snapshotApplied(index, shapeChanged);
}

void FleetStore::setStatus(const QString& name, const GatewayStatus& status)
{
    const int index = indexOf(name);
    if (index < 0 || m_entries.at(index).status == status)
        return;
    m_entries[index].status = status;
    Q_EMIT statusChanged(index);
}

} // namespace Fleetdeck
