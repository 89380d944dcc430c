#pragma once

#include <optional>

#include <QObject>

#include "capabilities.h"
#include "fleetactions.h"
#include "serverspec.h"

class QStatusBar;
class QWidget;

namespace Fleetdeck {

class ActionRegistry;
class FleetSelection;
class FleetStore;
class SecurityPrompter;
struct ActionReport;

// The Server menu: drain, ready, force up, maintenance, weight, select everywhere, rolling drain, add and remove a
// member. Each is enabled from the selection and the selected gateways' capabilities, and says why when it is not.
class ServerActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerActions)

public:
    ServerActions(ActionRegistry* actions, FleetSelection* selection, const FleetStore* store, FleetActions* fleet,
        SecurityPrompter* prompter, QWidget* window, QStatusBar* status);

private:
    void registerActions(ActionRegistry* actions);
    // Why the selected servers cannot take this feature now (empty: they can).
    QString whyNot(Feature feature) const;
    QString how(Feature feature) const;
    void setState(AdminState state, const QString& verb);
    void setWeight();
    // Asks before a change to a product whose changes are its configuration file (Capabilities::runtimeOnly false).
    bool confirmPersistent(const QList<ServerRef>& targets, const QString& what, std::optional<Feature> feature);
    // Copies of the targets' gateways as shown now, taken before any dialog: the changes expect what the operator
    // saw, whatever polls replace while the dialogs are open.
    FleetActions::Shown shownNow(const QList<ServerRef>& targets) const;
    void editOptions();
    void selectEverywhere();
    void rolling();
    void addServer();
    void removeServer();
    void finished(const ActionReport& report);

    FleetSelection* m_selection;
    const FleetStore* m_store;
    FleetActions* m_fleet;
    SecurityPrompter* m_prompter;
    QWidget* m_window;
    QStatusBar* m_status;
    ServerSpec m_lastSpec; // what the pool form held when its push failed, to give it back
    quint64 m_addRequest = 0;
};

} // namespace Fleetdeck
