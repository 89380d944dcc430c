#pragma once

#include <QList>

#include "fleettypes.h"
#include "productcatalog.h"

namespace Fleetdeck::Settings {

// The fleet an operator built in the app, kept in QSettings. Addresses only: secrets never go there.
// Entries that do not validate against their product (or name none that is registered) are skipped.
QList<GatewayConfig> loadFleet(const ProductCatalog& products);
void saveFleet(const QList<GatewayConfig>& gateways);

} // namespace Fleetdeck::Settings
