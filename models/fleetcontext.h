#pragma once

#include "fleetdiscovery.h"
#include "productcatalog.h"

namespace Fleetdeck {

class BigFleetModel;
class EventLog;
class FleetActions;
class FleetStore;
class HistoryCache;
class JournalModel;
class MetricStore;

// What the window is built from, as the composition root hands it over: the stores it shows, the interface it asks
// for work through, and the registered products as plain values. The window names no product and sees no driver.
struct FleetContext
{
    FleetStore* store = nullptr;
    MetricStore* metrics = nullptr;
    EventLog* events = nullptr;
    FleetActions* fleet = nullptr;
    ProductCatalog products;
    JournalModel* journal = nullptr; // null: no change journal
    const HistoryCache* history = nullptr; // null: no fleet Prometheus for older history
    // A fleet discovered through Prometheus (null: none), and how: the window opens a discovered gateway's admin
    // channel (FleetActions::addGateway) only while the operator looks at it.
    BigFleetModel* bigFleet = nullptr;
    FleetDiscovery discovery;
};

} // namespace Fleetdeck
