#pragma once

#include <QList>

#include "fleettypes.h"

namespace Fleetdeck::Settings {

// The fleet an operator built in the app, kept in QSettings. Addresses only: secrets never go there.
QList<GatewayConfig> loadFleet();
void saveFleet(const QList<GatewayConfig>& gateways);

} // namespace Fleetdeck::Settings
