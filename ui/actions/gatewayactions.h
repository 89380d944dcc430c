#pragma once

#include <QObject>

#include "productcatalog.h"

class QAction;
class QMenuBar;
class QStatusBar;
class QWidget;

namespace Fleetdeck {

class ActionRegistry;
class FleetActions;
class FleetSelection;
class FleetStore;
class SecurityPrompter;

// The Fleet menu (gateways in and out, fleet files, the rate-limit and cache-policy forms, suggested fixes, a
// gateway's credential, refresh, quit) and Help. The products the forms offer come from the registry's plain values.
class GatewayActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayActions)

public:
    GatewayActions(ActionRegistry* actions, const ProductCatalog& products, FleetSelection* selection,
        const FleetStore* store, FleetActions* fleet, SecurityPrompter* prompter, QWidget* window, QStatusBar* status);

    // Adds the gateways of a fleet file and remembers it among the recent ones; a file that does not read or
    // validate is said so, and nothing is added.
    void openFleetFile(const QString& path);
    // Fleet → Open recent, after `open` in the menu bar's menu that holds it: the fleet files opened last, read again
    // each time the menu opens.
    void addRecentMenu(QMenuBar* bar, QAction* open);

private:
    void registerActions(ActionRegistry* actions);
    void addGateway();
    void openFleetFile();
    void exportFleetFile();
    void removeGateway();
    void applyRemedies();
    void changeCredential();
    void about();

    ProductCatalog m_products;
    FleetSelection* m_selection;
    const FleetStore* m_store;
    FleetActions* m_fleet;
    SecurityPrompter* m_prompter;
    QWidget* m_window;
    QStatusBar* m_status;
};

} // namespace Fleetdeck
