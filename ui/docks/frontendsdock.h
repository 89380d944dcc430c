#pragma once

#include <QDockWidget>

namespace Fleetdeck {

class FleetStore;

// Where the gateways take traffic in: every frontend with its binds, mode and rates.
class FrontendsDock final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrontendsDock)

public:
    FrontendsDock(const FleetStore* store, QWidget* parent = nullptr);
};

} // namespace Fleetdeck
