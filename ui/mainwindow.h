#pragma once

#include <QHash>
#include <QSet>
#include <QMainWindow>

#include "fleetcontext.h"
#include "serverspec.h"

class QAction;
class QTabWidget;
class QUndoStack;
class QTreeView;
class QLabel;

namespace Fleetdeck {

class EventLog;
class HistoryCache;
class JournalModel;
class EventFilterProxy;
class FleetActions;
class FleetStore;
class FleetTreeModel;
class MetricStore;
class OverviewPage;
class PoolPage;
class UpstreamFilterProxy;
class UpstreamTableModel;
struct ActionReport;

// The window: a fleet tree dock, the pool page, actions and the status bar. It holds no fleet logic:
// it asks FleetActions for work and shows what the stores say.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(const FleetContext& context, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Actions by id ("server.drain", "fleet.add", ...), so menus, tool bars and tests share one set.
    QAction* action(const QString& id) const { return m_actions.value(id); }
    PoolPage* poolPage() const { return m_page; }
    OverviewPage* overviewPage() const { return m_overview; }
    // Selects a gateway in the fleet tree and shows its servers.
    void showGateway(const QString& name);
    QUndoStack* undoStack() const { return m_undo; }
    // Off for one-shot runs such as --screenshot, which must not overwrite the operator's layout.
    void setLayoutSaved(bool saved) { m_saveLayout = saved; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    QAction* addAction(const QString& id, const QString& text, const QKeySequence& shortcut, const QString& tip);
    void createActions();
    void createMenusAndToolBar();
    void createTimelineDock();
    void updateActionStates();
    void applyRemediesInteractively();
    void offerCertificate(int index);
    void offerCredential(int index);
    void openCredentialDialog(const QString& gateway, const QString& reference, bool missing);
    void onTreeSelection();
    void onActionFinished(const ActionReport& report);
    void addGatewayInteractively();
    void openFleetFile();
    void setWeightInteractively();
    void addServerInteractively();
    // Taking these servers out would leave a pool with no server in service: two explicit choices to go on.
    bool confirmLastHealthy(const QList<ServerRef>& targets, const QString& verb);
    void removeServerInteractively();
    void restoreLayout();
    void saveLayout();

    void setJournal(JournalModel* journal);

    ProductCatalog m_products;
    FleetStore* m_store;
    MetricStore* m_metrics;
    EventLog* m_events;
    FleetActions* m_fleet;
    FleetTreeModel* m_treeModel;
    UpstreamTableModel* m_tableModel;
    UpstreamFilterProxy* m_proxy;
    QTreeView* m_tree;
    PoolPage* m_page;
    OverviewPage* m_overview;
    QTabWidget* m_tabs;
    QLabel* m_selectionLabel;
    QHash<QString, QAction*> m_actions;
    bool m_saveLayout = true;
    ServerSpec m_lastSpec; // what the pool form held when its push failed, to give it back
    quint64 m_addRequest = 0;
    QUndoStack* m_undo;
    QSet<quint64> m_undoRequests; // actions sent by undo or redo: not pushed again
    QSet<QString> m_credentialsOffered; // "gateway reference" already asked for
    QSet<QString> m_certificatesOffered; // "gateway fingerprint" already put to the operator
};

} // namespace Fleetdeck
