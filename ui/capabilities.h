#pragma once

#include <QString>

namespace Fleetdeck {

// What each product can do at runtime through Fleetdeck, as an HTML table (About, and docs/capabilities.md).
QString capabilitiesTable();

} // namespace Fleetdeck
