#include "mainwindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTimer>
#include <QTreeView>
#include <QUndoStack>

#include "actions/actionregistry.h"
#include "actions/fleetselection.h"
#include "actions/gatewayactions.h"
#include "actions/serveractions.h"
#include "changereports.h"
#include "dialogs/securityprompter.h"
#include "docks/gatewaystatuswidget.h"
#include "docks/alertsdock.h"
#include "docks/frontendsdock.h"
#include "docks/journaldock.h"
#include "docks/timelinedock.h"
#include "fleetactions.h"
#include "fleetstore.h"
#include "fleettreemodel.h"
#include "fleettreeview.h"
#include "modelroles.h"
#include "pages/bigfleetpage.h"
#include "pages/firststartpage.h"
#include "pages/overviewpage.h"
#include "pages/poolpage.h"
#include "upstreamfilterproxy.h"
#include "upstreamtablemodel.h"

namespace Fleetdeck {

MainWindow::MainWindow(const FleetContext& context, QWidget* parent)
    : QMainWindow(parent)
    , m_context(context)
{
    setObjectName(QStringLiteral("mainWindow"));
    // The platform adds the application's name after the title; read-only says so before it.
    setWindowTitle(context.fleet->isReadOnly() ? tr("Read-only") : tr("Fleetdeck"));
    m_treeModel = new FleetTreeModel(context.store, context.metrics, this);
    m_tableModel = new UpstreamTableModel(context.store, context.metrics, this);
    // Views repaint a few times a second however many gateways answer in between.
    m_treeModel->setUpdateInterval(250);
    m_tableModel->setUpdateInterval(250);
    auto* proxy = new UpstreamFilterProxy(this);
    proxy->setSourceModel(m_tableModel);
    m_tree = createTree();
    auto* dock = new QDockWidget(tr("Fleet"), this);
    dock->setObjectName(QStringLiteral("fleetDock"));
    dock->setWidget(m_tree);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    // Wide enough for names, state, rate and the alert badge side by side (a restored layout overrides it).
    resizeDocks({ dock }, { fontMetrics().horizontalAdvance(QLatin1Char('x')) * 48 }, Qt::Horizontal);

    m_page = new PoolPage(context.store, context.metrics, context.events, proxy);
    m_overview = new OverviewPage(context.store, context.metrics);
    connect(m_overview, &OverviewPage::gatewayActivated, this, &MainWindow::showGateway);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("pageTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_page, tr("&Servers"));
    m_tabs->addTab(m_overview, tr("&Overview"));
    if (context.bigFleet) { // a fleet discovered through Prometheus; its gateways are polled only while looked at
        m_bigFleet = new BigFleetPage(context.bigFleet, context.discovery, context.store, context.fleet);
        connect(m_bigFleet, &BigFleetPage::gatewayActivated, this, &MainWindow::showGateway);
        m_tabs->addTab(m_bigFleet, tr("&Large fleet"));
    }
    m_tabs->setAccessibleName(tr("Pages"));
    // While the fleet has no gateway, the first-start page stands where the pages go.
    m_firstStart = new FirstStartPage(context.products);
    m_central = new QStackedWidget;
    m_central->addWidget(m_firstStart);
    m_central->addWidget(m_tabs);
    setCentralWidget(m_central);
    if (context.history)
        m_page->setHistory(context.fleet, context.history);
    if (context.fleet) {
        m_page->setAlerts(context.fleet->alerts());
        m_overview->setAlerts(context.fleet->alerts());
        m_treeModel->setAlerts(context.fleet->alerts());
    }
    m_selectionLabel = new QLabel;
    statusBar()->addWidget(m_selectionLabel);
    statusBar()->addPermanentWidget(new GatewayStatusWidget(context.store));

    // The actions, each group in its own class, registered by id; menus and the tool bar are built from them.
    m_undo = new QUndoStack(this);
    m_actions = new ActionRegistry(this);
    m_selection = new FleetSelection(m_tree, m_page, this);
    auto* prompter = new SecurityPrompter(context.store, context.fleet, context.journal, this, statusBar());
    auto* reports = new ChangeReports(context.fleet, m_undo, this, statusBar());
    reports->setHint(ChangeKind::AddMember, tr("Server → Add server… opens the form again with what you typed."));
    auto* gatewayActions = new GatewayActions(
        m_actions, context.products, m_selection, context.store, context.fleet, prompter, this, statusBar());
    createViewActions(context);
    new ServerActions(m_actions, m_selection, context.store, context.fleet, prompter, this, statusBar());
    m_actions->buildMenus(menuBar(),
        { { QStringLiteral("fleet"), tr("&Fleet") }, { QStringLiteral("edit"), tr("&Edit") },
            { QStringLiteral("server"), tr("&Server") }, { QStringLiteral("view"), tr("&View") },
            { QStringLiteral("help"), tr("&Help") } });
    gatewayActions->addRecentMenu(menuBar(), m_actions->action(QStringLiteral("fleet.open")));
    QToolBar* bar = addToolBar(tr("Actions"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setAccessibleName(tr("Actions"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_actions->buildToolBar(bar);
    m_page->setContextActions(m_actions->contextActions(QStringLiteral("servers")));
    m_tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_tree->addActions(m_actions->contextActions(QStringLiteral("tree")));

    // Enable rules follow the selection, the gateways' state and what they report.
    auto refresh = [this] {
        m_actions->refresh();
        const int selected = int(m_selection->servers().size());
        m_selectionLabel->setText(selected == 0 ? m_actions->action(QStringLiteral("server.drain"))->statusTip()
                                                : tr("%n server(s) selected", nullptr, selected));
    };
    connect(m_selection, &FleetSelection::changed, this, refresh);
    connect(context.store, &FleetStore::statusChanged, this, refresh);
    connect(context.store, &FleetStore::gatewayAdded, this, refresh);
    connect(context.store, &FleetStore::gatewayRemoved, this, refresh);
    auto firstStart = [this, store = context.store] {
        const bool empty = store->gatewayCount() == 0 && !m_bigFleet;
        m_central->setCurrentWidget(empty ? static_cast<QWidget*>(m_firstStart) : m_tabs);
    };
    connect(context.store, &FleetStore::gatewayAdded, this, firstStart);
    connect(context.store, &FleetStore::gatewayRemoved, this, firstStart);
    connect(m_firstStart, &FirstStartPage::openFleetFile, this,
        [this] { m_actions->action(QStringLiteral("fleet.open"))->trigger(); });
    connect(m_firstStart, &FirstStartPage::addGateway, this,
        [this] { m_actions->action(QStringLiteral("fleet.add"))->trigger(); });
    firstStart();
    resize(1400, 860);
    restoreLayout();
    refresh();
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::action(const QString& id) const
{
    return m_actions->action(id);
}

QTreeView* MainWindow::createTree()
{
    auto* tree = new FleetTreeView;
    tree->setObjectName(QStringLiteral("fleetTree"));
    tree->setAccessibleName(tr("Fleet: gateways, pools and servers"));
    tree->setFleetModel(m_treeModel);
    // Selection, not the current index: a tree that merely gets the focus must not narrow the view.
    connect(tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::onTreeSelection);
    // A gateway's backends show as soon as its first snapshot arrives.
    connect(m_treeModel, &QAbstractItemModel::rowsInserted, this, [tree](const QModelIndex& parent) {
        if (parent.isValid() && !parent.parent().isValid())
            tree->expand(parent);
    });
    return tree;
}

void MainWindow::createViewActions(const FleetContext& context)
{
    using Spec = ActionRegistry::Spec;
    // Undo and redo send the inverse (or the original) change, itself verified and journaled.
    QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    m_actions->adopt(undo, Spec { QStringLiteral("edit.undo"), {}, {}, tr("Undo the last change, verified") });
    QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z));
    m_actions->adopt(redo, Spec { QStringLiteral("edit.redo"), {}, {}, tr("Redo the change, verified") });
    m_actions->add(Spec { QStringLiteral("view.find"), tr("&Find servers"), QKeySequence(Qt::CTRL | Qt::Key_F),
        tr("Filter the server table"), false, {}, false, {}, [this] {
            if (m_bigFleet && m_tabs->currentWidget() == m_bigFleet)
                return m_bigFleet->focusSearch();
            m_tabs->setCurrentWidget(m_page);
            m_page->focusSearch();
        } });
    auto* timeline = new TimelineDock(context.events, this);
    // Clicking an event moves the charts to it (and freezes them there).
    connect(timeline, &TimelineDock::eventActivated, m_page, &PoolPage::showTime);
    addDockWidget(Qt::BottomDockWidgetArea, timeline);
    resizeDocks({ timeline }, { 170 }, Qt::Vertical);
    timeline->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    m_actions->adopt(timeline->toggleViewAction(),
        Spec { QStringLiteral("view.timeline"), {}, {}, tr("Show the incident timeline") });
    if (context.journal) {
        auto* journal = new JournalDock(context.journal, this);
        addDockWidget(Qt::BottomDockWidgetArea, journal);
        tabifyDockWidget(timeline, journal);
        timeline->raise();
        journal->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
        m_actions->adopt(journal->toggleViewAction(),
            Spec { QStringLiteral("view.journal"), {}, {}, tr("Show the change journal") });
    }
    auto* frontends = new FrontendsDock(context.store, this);
    addDockWidget(Qt::BottomDockWidgetArea, frontends);
    tabifyDockWidget(timeline, frontends);
    timeline->raise();
    m_actions->adopt(frontends->toggleViewAction(),
        Spec { QStringLiteral("view.frontends"), {}, {}, tr("Show every gateway's frontends") });
    if (context.fleet && context.fleet->alerts()) {
        auto* alerts = new AlertsDock(context.fleet->alerts(), context.fleet, this);
        addDockWidget(Qt::BottomDockWidgetArea, alerts);
        tabifyDockWidget(timeline, alerts);
        timeline->raise();
        alerts->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
        m_actions->adopt(alerts->toggleViewAction(),
            Spec { QStringLiteral("view.alerts"), {}, {}, tr("Show Alertmanager's alerts") });
    }
    m_actions->add(Spec { QStringLiteral("view.servers"), tr("&Servers page"), QKeySequence(Qt::CTRL | Qt::Key_1),
        tr("Show the server table and charts"), false, {}, true, {}, [this] { m_tabs->setCurrentWidget(m_page); } });
    m_actions->add(Spec { QStringLiteral("view.overview"), tr("&Overview page"), QKeySequence(Qt::CTRL | Qt::Key_2),
        tr("Show one tile per gateway"), false, {}, false, {}, [this] { m_tabs->setCurrentWidget(m_overview); } });
    if (m_bigFleet)
        m_actions->add(Spec { QStringLiteral("view.largefleet"), tr("&Large fleet page"),
            QKeySequence(Qt::CTRL | Qt::Key_3), tr("Show every gateway the fleet's Prometheus finds, worst first"),
            false, {}, false, {}, [this] { m_tabs->setCurrentWidget(m_bigFleet); } });
}

void MainWindow::showGateway(const QString& name)
{
    for (int r = 0; r < m_treeModel->rowCount(); ++r) {
        const QModelIndex index = m_treeModel->index(r, 0);
        if (index.data(GatewayRole).toString() == name) {
            m_tree->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            break;
        }
    }
    m_tabs->setCurrentWidget(m_page);
}

void MainWindow::showPool(const QString& gateway, const QString& pool, int timeoutMs)
{
    for (int r = 0; r < m_treeModel->rowCount(); ++r) {
        const QModelIndex g = m_treeModel->index(r, 0);
        if (g.data(GatewayRole).toString() != gateway)
            continue;
        for (int b = 0; b < m_treeModel->rowCount(g); ++b) {
            const QModelIndex index = m_treeModel->index(b, 0, g);
            if (index.data(BackendRole).toString() == pool) {
                m_tree->expand(g);
                m_tree->selectionModel()->setCurrentIndex(
                    index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
                m_tabs->setCurrentWidget(m_page);
                return;
            }
        }
    }
    if (timeoutMs > 0) // not listed yet: the gateway has not answered
        QTimer::singleShot(200, this, [this, gateway, pool, timeoutMs] { showPool(gateway, pool, timeoutMs - 200); });
}

void MainWindow::onTreeSelection()
{
    const QModelIndexList selected = m_tree->selectionModel()->selectedRows();
    const QModelIndex current = selected.isEmpty() ? QModelIndex() : selected.first();
    const auto kind = current.isValid() ? NodeKind(current.data(KindRole).toInt()) : NodeKind::Gateway;
    const QString gateway = current.data(GatewayRole).toString();
    const QString backend = kind != NodeKind::Gateway ? current.data(BackendRole).toString() : QString();
    m_page->table()->clearSelection();
    m_page->setScope(gateway, backend);
    if (kind != NodeKind::Server)
        return;
    // A server: show its backend and select its row.
    QTableView* table = m_page->table();
    const QString server = current.data(ServerRole).toString();
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        if (table->model()->index(r, 0).data(ServerRole).toString() == server) {
            table->selectRow(r);
            break;
        }
    }
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("ui/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("ui/state")).toByteArray());
    if (m_page->table()->horizontalHeader()->restoreState(
            settings.value(QStringLiteral("ui/serverTable")).toByteArray()))
        m_page->table()->setProperty("layoutRestored", true);
    m_page->restoreSplitterState(settings.value(QStringLiteral("ui/poolSplitter")).toByteArray());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_saveLayout) {
        QSettings settings;
        settings.setValue(QStringLiteral("ui/geometry"), saveGeometry());
        settings.setValue(QStringLiteral("ui/state"), saveState());
        settings.setValue(QStringLiteral("ui/serverTable"), m_page->table()->horizontalHeader()->saveState());
        settings.setValue(QStringLiteral("ui/poolSplitter"), m_page->splitterState());
        settings.setValue(QStringLiteral("ui/chartWindow"), m_page->chartWindowIndex());
    }
    event->accept();
}

} // namespace Fleetdeck
