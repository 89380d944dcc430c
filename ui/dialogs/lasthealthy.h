#pragma once

#include <QList>
#include <QString>

class QWidget;

namespace Fleetdeck {

class FleetStore;
struct ServerRef;

// When taking these servers out of service would leave a pool with none, asks twice (a warning, then a box to
// tick) before going on. True when there is no such pool, or the operator chose both times to go on.
bool confirmLastHealthy(QWidget* parent, const FleetStore* store, const QList<ServerRef>& targets, const QString& verb);

} // namespace Fleetdeck
