#pragma once

#include <QMainWindow>

#include "fleetcontext.h"

class QAction;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTreeView;
class QUndoStack;

namespace Fleetdeck {

class ActionRegistry;
class BigFleetPage;
class FirstStartPage;
class FleetSelection;
class FleetTreeModel;
class OverviewPage;
class PoolPage;
class UpstreamTableModel;

// The window. It only assembles: the fleet tree, the pages, the docks, the status bar, and menus and tool bar built
// from the action registry. The actions, the prompts and the reports live in their own classes; the window asks
// FleetActions for work and shows what the stores say.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(const FleetContext& context, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Actions by id ("server.drain", "fleet.add", ...), so menus, tool bars and tests share one set.
    QAction* action(const QString& id) const;
    PoolPage* poolPage() const { return m_page; }
    OverviewPage* overviewPage() const { return m_overview; }
    BigFleetPage* bigFleetPage() const { return m_bigFleet; } // null: no fleet discovered through Prometheus
    // Selects a gateway in the fleet tree and shows its servers.
    void showGateway(const QString& name);
    // Selects a pool of a gateway in the fleet tree, once the gateway's first answer has listed it (tries for up to
    // timeoutMs); returns at once.
    void showPool(const QString& gateway, const QString& pool, int timeoutMs = 15000);
    QUndoStack* undoStack() const { return m_undo; }
    // Off for one-shot runs such as --screenshot, which must not overwrite the operator's layout.
    void setLayoutSaved(bool saved) { m_saveLayout = saved; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QTreeView* createTree();
    void createViewActions(const FleetContext& context);
    void onTreeSelection();
    void restoreLayout();

    FleetContext m_context;
    FleetTreeModel* m_treeModel;
    UpstreamTableModel* m_tableModel;
    QTreeView* m_tree;
    PoolPage* m_page;
    OverviewPage* m_overview;
    BigFleetPage* m_bigFleet = nullptr;
    QTabWidget* m_tabs;
    QStackedWidget* m_central;
    FirstStartPage* m_firstStart;
    QLabel* m_selectionLabel;
    QUndoStack* m_undo;
    ActionRegistry* m_actions;
    FleetSelection* m_selection;
    bool m_saveLayout = true;
};

} // namespace Fleetdeck
