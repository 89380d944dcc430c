#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>
#include <QMenuBar>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QStatusBar>
#include <QUndoCommand>
#include <QUndoStack>
#include <QHBoxLayout>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>

#include "changecommand.h"
#include "dialogs/lasthealthy.h"
#include "dialogs/addgatewaydialog.h"
#include "dialogs/certificateprompt.h"
#include "dialogs/rollingdialog.h"
#include "forms/cachepolicydialog.h"
#include "forms/ratelimitdialog.h"
#include "forms/serverformdialog.h"
#include "eventlog.h"
#include "journalmodel.h"
#include "docks/gatewaystatuswidget.h"
#include "docks/journaldock.h"
#include "docks/timelinedock.h"
#include "fleetactions.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "fleettreemodel.h"
#include "metricstore.h"
#include "modelroles.h"
#include "pages/overviewpage.h"
#include "pages/poolpage.h"
#include "upstreamfilterproxy.h"
#include "upstreamtablemodel.h"

namespace Fleetdeck {

MainWindow::MainWindow(const FleetContext& context, QWidget* parent)
    : QMainWindow(parent)
    , m_products(context.products)
    , m_store(context.store)
    , m_metrics(context.metrics)
    , m_events(context.events)
    , m_fleet(context.fleet)
{
    FleetStore* store = m_store;
    MetricStore* metrics = m_metrics;
    EventLog* events = m_events;
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Fleetdeck"));
    m_treeModel = new FleetTreeModel(store, metrics, this);
    m_tableModel = new UpstreamTableModel(store, metrics, this);
    // Views repaint a few times a second however many gateways answer in between.
    m_treeModel->setUpdateInterval(250);
    m_tableModel->setUpdateInterval(250);
    m_proxy = new UpstreamFilterProxy(this);
    m_proxy->setSourceModel(m_tableModel);

    m_tree = new QTreeView;
    m_tree->setObjectName(QStringLiteral("fleetTree"));
    m_tree->setModel(m_treeModel);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(FleetTreeModel::NameColumn, QHeaderView::Stretch);
    // Fixed widths: ResizeToContents re-measures every visible row's text on every change (measured: the largest
    // UI cost with 20 gateways polled each second).
    m_tree->header()->setSectionResizeMode(FleetTreeModel::StateColumn, QHeaderView::Fixed);
    m_tree->header()->setSectionResizeMode(FleetTreeModel::RateColumn, QHeaderView::Fixed);
    m_tree->header()->resizeSection(
        FleetTreeModel::StateColumn, m_tree->fontMetrics().horizontalAdvance(QStringLiteral("unreachable")) + 12);
    m_tree->header()->resizeSection(
        FleetTreeModel::RateColumn, m_tree->fontMetrics().horizontalAdvance(QStringLiteral("00000.0")) + 12);
    // Selection, not the current index: a tree that merely gets the focus must not narrow the view.
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::onTreeSelection);
    // A gateway's backends show as soon as its first snapshot arrives.
    connect(m_treeModel, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex& parent) {
        if (parent.isValid() && !parent.parent().isValid())
            m_tree->expand(parent);
    });

    auto* dock = new QDockWidget(tr("Fleet"), this);
    dock->setObjectName(QStringLiteral("fleetDock"));
    dock->setWidget(m_tree);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    m_page = new PoolPage(store, metrics, events, m_proxy);
    m_overview = new OverviewPage(store, metrics);
    connect(m_overview, &OverviewPage::gatewayActivated, this, &MainWindow::showGateway);
    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("pageTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_page, tr("&Servers"));
    m_tabs->addTab(m_overview, tr("&Overview"));
    setCentralWidget(m_tabs);

    m_undo = new QUndoStack(this);
    createActions();
    createTimelineDock();
    createMenusAndToolBar();

    m_selectionLabel = new QLabel;
    statusBar()->addWidget(m_selectionLabel);
    statusBar()->addPermanentWidget(new GatewayStatusWidget(store));

    connect(m_page, &PoolPage::selectionChanged, this, &MainWindow::updateActionStates);
    connect(m_store, &FleetStore::statusChanged, this, &MainWindow::updateActionStates);
    connect(m_store, &FleetStore::statusChanged, this, &MainWindow::offerCertificate);
    connect(m_store, &FleetStore::statusChanged, this, &MainWindow::offerCredential);
    connect(m_fleet, &FleetActions::actionStarted, this,
        [this](quint64, const QString& description) { statusBar()->showMessage(tr("Working: %1…").arg(description)); });
    connect(m_fleet, &FleetActions::actionFinished, this, &MainWindow::onActionFinished);

    resize(1400, 860);
    restoreLayout();
    if (context.journal)
        setJournal(context.journal);
    if (context.history)
        m_page->setHistory(m_fleet, context.history);
    updateActionStates();
}

MainWindow::~MainWindow() = default;

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

void MainWindow::setJournal(JournalModel* journal)
{
    auto* dock = new JournalDock(journal, this);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    if (QDockWidget* timeline = findChild<QDockWidget*>(QStringLiteral("timelineDock"))) {
        tabifyDockWidget(timeline, dock);
        timeline->raise();
    }
    dock->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    m_actions.insert(QStringLiteral("view.journal"), dock->toggleViewAction());
    if (QMenu* view = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu")))
        view->addAction(dock->toggleViewAction());
    restoreState(QSettings().value(QStringLiteral("ui/state")).toByteArray());
    if (m_fleet->isReadOnly())
        setWindowTitle(windowTitle() + tr(" (read-only)"));
    updateActionStates();
}

QAction* MainWindow::addAction(const QString& id, const QString& text, const QKeySequence& shortcut, const QString& tip)
{
    auto* a = new QAction(text, this);
    a->setObjectName(QStringLiteral("action_") + QString(id).replace(QLatin1Char('.'), QLatin1Char('_')));
    if (!shortcut.isEmpty()) {
        a->setShortcut(shortcut);
        a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, shortcut.toString(QKeySequence::NativeText)));
    } else {
        a->setToolTip(tip);
    }
    a->setStatusTip(tip);
    m_actions.insert(id, a);
    QMainWindow::addAction(a); // shortcuts work wherever the focus is in the window
    return a;
}

void MainWindow::createActions()
{
    addAction(QStringLiteral("fleet.add"), tr("&Add gateway…"), QKeySequence(Qt::CTRL | Qt::Key_N),
        tr("Add a gateway to the fleet by its admin API address"));
    addAction(QStringLiteral("fleet.open"), tr("&Open fleet file…"), QKeySequence::Open,
        tr("Add the gateways listed in a fleet file"));
    addAction(QStringLiteral("fleet.export"), tr("&Export fleet file…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
        tr("Write the fleet's gateways to a file to share: addresses only, never secrets"));
    addAction(
        QStringLiteral("fleet.remove"), tr("&Remove gateway"), {}, tr("Remove the selected gateway from the fleet"));
    addAction(
        QStringLiteral("fleet.refresh"), tr("Re&fresh now"), QKeySequence(Qt::Key_F5), tr("Poll every gateway now"));
    addAction(QStringLiteral("app.quit"), tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), tr("Quit Fleetdeck"));
    addAction(QStringLiteral("view.find"), tr("&Find servers"), QKeySequence(Qt::CTRL | Qt::Key_F),
        tr("Filter the server table"));
    addAction(QStringLiteral("view.servers"), tr("&Servers page"), QKeySequence(Qt::CTRL | Qt::Key_1),
        tr("Show the server table and charts"));
    addAction(QStringLiteral("view.overview"), tr("&Overview page"), QKeySequence(Qt::CTRL | Qt::Key_2),
        tr("Show one tile per gateway"));
    addAction(QStringLiteral("server.drain"), tr("&Drain"), QKeySequence(Qt::CTRL | Qt::Key_D),
        tr("Drain the selected servers: no new sessions, current ones finish"));
    addAction(QStringLiteral("server.ready"), tr("&Ready"), QKeySequence(Qt::CTRL | Qt::Key_R),
        tr("Put the selected servers back in service"));
    addAction(QStringLiteral("server.forceup"), tr("&Force up"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U),
        tr("Declare the selected backends healthy whatever their probe says"));
    addAction(QStringLiteral("server.maint"), tr("&Maintenance"), QKeySequence(Qt::CTRL | Qt::Key_M),
        tr("Put the selected servers in maintenance: no traffic, no health checks"));
    addAction(QStringLiteral("server.weight"), tr("Set &weight…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W),
        tr("Set the load-balancing weight of the selected servers"));
    addAction(QStringLiteral("server.everywhere"), tr("Select this upstream &everywhere"),
        QKeySequence(Qt::CTRL | Qt::Key_E),
        tr("Select every server, on every gateway and pool, with the same address as the selected one"));
    addAction(QStringLiteral("server.rolling"), tr("Ro&lling drain…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
        tr("Drain the selected servers in batches, with a health gate between batches"));
    addAction(QStringLiteral("server.add"), tr("&Add server…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A),
        tr("Add a server to a pool: validate, review, push, verify"));
    addAction(QStringLiteral("server.remove"), tr("Re&move server…"), QKeySequence(Qt::Key_Delete),
        tr("Remove the selected server safely: drain, wait for its sessions, maintenance, delete"));
    addAction(QStringLiteral("fleet.ratelimits"), tr("Rate &limits…"), QKeySequence(Qt::CTRL | Qt::Key_L),
        tr("Edit per-API-key and per-IP rate limits"));
    addAction(QStringLiteral("fleet.cache"), tr("&Cache policy…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
        tr("Cache rules, TTLs and purges, and cache stores, as the gateway's product has them"));
    addAction(QStringLiteral("fleet.credential"), tr("Gateway c&redential…"), {},
        tr("Change or forget the secret the selected gateway's credential names"));
    addAction(QStringLiteral("fleet.remedies"), tr("Apply suggested &fixes…"), {},
        tr("Review and apply the fixes the gateways suggest for what they report (e.g. metrics that are off)"));
    addAction(QStringLiteral("help.about"), tr("&About Fleetdeck"), {}, tr("About Fleetdeck"));
    // Undo and redo send the inverse (or the original) change, itself verified and journaled.
    QAction* undo = m_undo->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("action_edit_undo"));
    undo->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Z));
    QMainWindow::addAction(undo);
    m_actions.insert(QStringLiteral("edit.undo"), undo);
    QAction* redo = m_undo->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("action_edit_redo"));
    redo->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z));
    QMainWindow::addAction(redo);
    m_actions.insert(QStringLiteral("edit.redo"), redo);

    connect(action(QStringLiteral("fleet.add")), &QAction::triggered, this, &MainWindow::addGatewayInteractively);
    connect(action(QStringLiteral("fleet.open")), &QAction::triggered, this, &MainWindow::openFleetFile);
    connect(action(QStringLiteral("fleet.export")), &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export fleet file"), QStringLiteral("fleet.json"), tr("Fleet files (*.json)"));
        if (path.isEmpty())
            return;
        FleetFile fleet;
        fleet.name = windowTitle();
        fleet.gateways = m_store->configs();
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(serializeFleetFile(fleet)) < 0)
            QMessageBox::warning(
                this, tr("Export fleet file"), tr("Could not write %1: %2").arg(path, file.errorString()));
        else
            statusBar()->showMessage(
                tr("Fleet written to %1 (%n gateway(s), no secrets)", nullptr, int(fleet.gateways.size())).arg(path),
                8000);
    });
    connect(action(QStringLiteral("fleet.remove")), &QAction::triggered, this, [this] {
        const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
        const QString gateway = rows.isEmpty() ? QString() : rows.first().data(GatewayRole).toString();
        if (gateway.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Remove gateway"),
                tr("Remove %1 from the fleet? Fleetdeck stops polling it; the gateway itself is "
                   "not changed.")
                    .arg(gateway))
            == QMessageBox::Yes)
            m_fleet->removeGateway(gateway);
    });
    connect(action(QStringLiteral("fleet.refresh")), &QAction::triggered, m_fleet, &FleetActions::refreshNow);
    connect(action(QStringLiteral("app.quit")), &QAction::triggered, this, &QWidget::close);
    connect(action(QStringLiteral("view.find")), &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_page);
        m_page->focusSearch();
    });
    connect(action(QStringLiteral("view.servers")), &QAction::triggered, this,
        [this] { m_tabs->setCurrentWidget(m_page); });
    connect(action(QStringLiteral("view.overview")), &QAction::triggered, this,
        [this] { m_tabs->setCurrentWidget(m_overview); });
    connect(action(QStringLiteral("server.drain")), &QAction::triggered, this, [this] {
        const QList<ServerRef> targets = m_page->selectedServers();
        if (confirmLastHealthy(targets, tr("Draining")))
            m_fleet->setServerState(targets, AdminState::Drain);
    });
    connect(action(QStringLiteral("server.ready")), &QAction::triggered, this,
        [this] { m_fleet->setServerState(m_page->selectedServers(), AdminState::Ready); });
    connect(action(QStringLiteral("server.forceup")), &QAction::triggered, this,
        [this] { m_fleet->setServerState(m_page->selectedServers(), AdminState::ForcedUp); });
    connect(action(QStringLiteral("server.maint")), &QAction::triggered, this, [this] {
        const QList<ServerRef> targets = m_page->selectedServers();
        if (confirmLastHealthy(targets, tr("Putting in maintenance")))
            m_fleet->setServerState(targets, AdminState::Maint);
    });
    connect(action(QStringLiteral("server.weight")), &QAction::triggered, this, &MainWindow::setWeightInteractively);
    connect(action(QStringLiteral("server.add")), &QAction::triggered, this, &MainWindow::addServerInteractively);
    connect(action(QStringLiteral("server.rolling")), &QAction::triggered, this, [this] {
        const QList<ServerRef> selected = m_page->selectedServers();
        if (selected.isEmpty())
            return;
        auto* dialog = new RollingDialog(m_fleet, selected, AdminState::Drain, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(action(QStringLiteral("fleet.cache")), &QAction::triggered, this, [this] {
        const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
        auto* dialog = new CachePolicyDialog(
            m_store, m_fleet, rows.isEmpty() ? QString() : rows.first().data(GatewayRole).toString(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(
        action(QStringLiteral("fleet.remedies")), &QAction::triggered, this, &MainWindow::applyRemediesInteractively);
    connect(action(QStringLiteral("fleet.credential")), &QAction::triggered, this, [this] {
        const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
        const int index = rows.isEmpty() ? -1 : m_store->indexOf(rows.first().data(GatewayRole).toString());
        if (index < 0) {
            statusBar()->showMessage(tr("Select a gateway in the fleet tree first."), 8000);
            return;
        }
        const GatewayConfig& c = m_store->entry(index).config;
        if (c.credential.isEmpty()) {
            statusBar()->showMessage(
                tr("%1 names no credential (its fleet entry has no \"credential\").").arg(c.name), 8000);
            return;
        }
        openCredentialDialog(c.name, c.credential, false);
    });
    connect(action(QStringLiteral("fleet.ratelimits")), &QAction::triggered, this, [this] {
        auto* dialog = new RateLimitDialog(m_store, m_fleet, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(action(QStringLiteral("server.everywhere")), &QAction::triggered, this, [this] {
        // A fleet-wide action starts from one upstream: the whole fleet is shown, and every row with its address
        // is selected, ready for Drain or Ready.
        QTableView* table = m_page->table();
        const QModelIndexList rows = table->selectionModel()->selectedRows(UpstreamTableModel::AddressColumn);
        if (rows.isEmpty())
            return;
        const QString address = rows.first().data().toString();
        m_tree->clearSelection();
        m_page->setScope({}, {});
        QItemSelection selection;
        for (int r = 0; r < table->model()->rowCount(); ++r) {
            const QModelIndex cell = table->model()->index(r, UpstreamTableModel::AddressColumn);
            if (cell.data().toString() == address)
                selection.select(cell.siblingAtColumn(0), cell.siblingAtColumn(UpstreamTableModel::ColumnCount - 1));
        }
        table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        statusBar()->showMessage(
            tr("%n server(s) with address %1 selected", nullptr, int(selection.size())).arg(address), 8000);
    });
    connect(action(QStringLiteral("server.remove")), &QAction::triggered, this, &MainWindow::removeServerInteractively);
    connect(action(QStringLiteral("help.about")), &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About Fleetdeck"),
            tr("<b>Fleetdeck %1</b><p>A desktop control panel for API fleets. What each product can do at "
               "runtime, over its own admin API:</p>%2")
                .arg(QApplication::applicationVersion(), m_products.capabilitiesHtml()));
    });
    m_page->setContextActions({ action(QStringLiteral("server.drain")), action(QStringLiteral("server.ready")),
        action(QStringLiteral("server.forceup")), action(QStringLiteral("server.maint")),
        action(QStringLiteral("server.weight")), action(QStringLiteral("server.everywhere")),
        action(QStringLiteral("server.add")), action(QStringLiteral("server.remove")) });
    m_tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_tree->addAction(action(QStringLiteral("fleet.refresh")));
    m_tree->addAction(action(QStringLiteral("fleet.remove")));
}

void MainWindow::createTimelineDock()
{
    auto* dock = new TimelineDock(m_events, this);
    // Clicking an event moves the charts to it (and freezes them there).
    connect(dock, &TimelineDock::eventActivated, m_page, &PoolPage::showTime);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    resizeDocks({ dock }, { 170 }, Qt::Vertical);
    m_actions.insert(QStringLiteral("view.timeline"), dock->toggleViewAction());
    dock->toggleViewAction()->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
}

void MainWindow::createMenusAndToolBar()
{
    QMenu* file = menuBar()->addMenu(tr("&Fleet"));
    file->addAction(action(QStringLiteral("fleet.add")));
    file->addAction(action(QStringLiteral("fleet.open")));
    file->addAction(action(QStringLiteral("fleet.export")));
    file->addAction(action(QStringLiteral("fleet.remove")));
    file->addAction(action(QStringLiteral("fleet.ratelimits")));
    file->addAction(action(QStringLiteral("fleet.cache")));
    file->addAction(action(QStringLiteral("fleet.remedies")));
    file->addAction(action(QStringLiteral("fleet.credential")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("fleet.refresh")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("app.quit")));
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action(QStringLiteral("edit.undo")));
    edit->addAction(action(QStringLiteral("edit.redo")));
    QMenu* server = menuBar()->addMenu(tr("&Server"));
    for (const char* id : { "server.drain", "server.ready", "server.forceup", "server.maint", "server.weight" })
        server->addAction(action(QLatin1String(id)));
    server->addSeparator();
    server->addAction(action(QStringLiteral("server.everywhere")));
    server->addAction(action(QStringLiteral("server.rolling")));
    server->addAction(action(QStringLiteral("server.add")));
    server->addAction(action(QStringLiteral("server.remove")));
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    view->addAction(action(QStringLiteral("view.find")));
    view->addAction(action(QStringLiteral("view.timeline")));
    view->addSeparator();
    view->addAction(action(QStringLiteral("view.servers")));
    view->addAction(action(QStringLiteral("view.overview")));
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(action(QStringLiteral("help.about")));

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->addAction(action(QStringLiteral("fleet.add")));
    bar->addAction(action(QStringLiteral("fleet.refresh")));
    bar->addSeparator();
    for (const char* id : { "server.drain", "server.ready", "server.forceup", "server.maint", "server.weight" })
        bar->addAction(action(QLatin1String(id)));
    bar->addSeparator();
    bar->addAction(action(QStringLiteral("server.add")));
}

void MainWindow::onTreeSelection()
{
    const QModelIndexList selected = m_tree->selectionModel()->selectedRows();
    const QModelIndex current = selected.isEmpty() ? QModelIndex() : selected.first();
    QString gateway, backend;
    if (current.isValid()) {
        const auto kind = NodeKind(current.data(KindRole).toInt());
        gateway = current.data(GatewayRole).toString();
        if (kind != NodeKind::Gateway)
            backend = current.data(BackendRole).toString();
        if (kind == NodeKind::Server) {
            // Show the server's backend and select the server's row.
            m_page->setScope(gateway, backend);
            const QString server = current.data(ServerRole).toString();
            QTableView* table = m_page->table();
            for (int r = 0; r < table->model()->rowCount(); ++r) {
                const QModelIndex idx = table->model()->index(r, 0);
                if (idx.data(ServerRole).toString() == server) {
                    table->selectRow(r);
                    break;
                }
            }
            updateActionStates();
            return;
        }
    }
    m_page->table()->clearSelection();
    m_page->setScope(gateway, backend);
    updateActionStates();
}

void MainWindow::addServerInteractively()
{
    ServerSpec initial = m_lastSpec;
    if (initial.gateway.isEmpty()) {
        // Start from what is selected: its gateway and backend.
        const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
        if (!rows.isEmpty()) {
            initial.gateway = rows.first().data(GatewayRole).toString();
            initial.backend = rows.first().data(BackendRole).toString();
        }
    }
    auto* form = new ServerFormDialog(m_store, initial, this);
    form->setAttribute(Qt::WA_DeleteOnClose);
    connect(form, &ServerFormDialog::reviewRequested, this, [this, form](const ServerSpec& spec) {
        const int g = m_store->indexOf(spec.gateway);
        const QString note = g >= 0 ? m_store->entry(g).capabilities.note : QString();
        auto* review = new ReviewDialog(
            { { spec.gateway, spec.backend + QLatin1Char('/') + spec.name, tr("absent"), spec.describe() } }, note,
            form);
        review->setAttribute(Qt::WA_DeleteOnClose);
        connect(review, &QDialog::accepted, this, [this, form, spec] {
            m_lastSpec = spec; // kept until the push is verified
            m_addRequest = m_fleet->addServer(spec);
            form->accept();
        });
        review->open();
    });
    form->open();
}

bool MainWindow::confirmLastHealthy(const QList<ServerRef>& targets, const QString& verb)
{
    return Fleetdeck::confirmLastHealthy(this, m_store, targets, verb);
}

void MainWindow::removeServerInteractively()
{
    const QList<ServerRef> selected = m_page->selectedServers();
    if (selected.size() != 1)
        return;
    const ServerRef target = selected.first();
    if (!confirmLastHealthy(selected, tr("Removing")))
        return;
    if (QMessageBox::question(this, tr("Remove server"),
            tr("Remove %1?\n\nFleetdeck drains it, waits up to 30 s for its sessions to end, puts it in "
               "maintenance and deletes it. You can cancel at every step.")
                .arg(target.displayName()))
        != QMessageBox::Yes)
        return;
    auto* progress = new QProgressDialog(tr("Removing %1…").arg(target.displayName()), tr("Cancel"), 0, 30000, this);
    progress->setObjectName(QStringLiteral("removalProgress"));
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(0);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    const quint64 id = m_fleet->removeServer(target, 30000);
    connect(m_fleet, &FleetActions::removalProgress, progress,
        [progress, id, target](quint64 rid, const QString& stage, int sessions, int elapsedMs) {
            if (rid != id)
                return;
            progress->setValue(qMin(elapsedMs, 29999));
            progress->setLabelText(sessions >= 0
                    ? QObject::tr("%1: %2, %3 session(s) open").arg(target.displayName(), stage).arg(sessions)
                    : QObject::tr("%1: %2").arg(target.displayName(), stage));
        });
    connect(progress, &QProgressDialog::canceled, this, [this, id] { m_fleet->cancel(id); });
    connect(m_fleet, &FleetActions::actionFinished, progress, [progress, id](const ActionReport& r) {
        if (r.id == id)
            progress->close();
    });
    progress->show();
}

void MainWindow::onActionFinished(const ActionReport& report)
{
    if (report.id == m_addRequest) {
        if (report.ok())
            m_lastSpec = ServerSpec {};
        m_addRequest = 0;
    }
    if (!m_undoRequests.remove(report.id)) {
        if (QUndoCommand* command = makeChangeCommand(m_fleet, &m_undoRequests, report))
            m_undo->push(command);
    }
    if (report.ok()) {
        statusBar()->showMessage(tr("Done and verified: %1").arg(report.description), 10000);
        return;
    }
    statusBar()->showMessage(
        tr("Failed: %1 (%2 of %3)").arg(report.description).arg(report.failures()).arg(report.outcomes.size()), 15000);
    QStringList lines;
    for (const ActionOutcome& o : report.outcomes)
        lines.append((o.ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + o.change.describe() + QStringLiteral(": ")
            + o.message);
    // Not modal: the operator keeps working while reading what went wrong.
    QString summary
        = tr("%1: %2 of %3 did not take.").arg(report.description).arg(report.failures()).arg(report.outcomes.size());
    if (!report.outcomes.isEmpty() && report.outcomes.first().change.kind() == ChangeKind::AddMember)
        summary += tr("\nServer → Add server… opens the form again with what you typed.");
    auto* box
        = new QMessageBox(QMessageBox::Warning, tr("Change not fully applied"), summary, QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("actionFailedBox"));
    // A set that failed half-way: offer to put back what did take.
    if (const QList<Change> back = report.undoChanges();
        !back.isEmpty() && report.failures() < report.outcomes.size()) {
        QPushButton* rollback
            = box->addButton(tr("Roll back the %n that took", nullptr, int(back.size())), QMessageBox::ActionRole);
        rollback->setObjectName(QStringLiteral("rollbackButton"));
        const QString description = tr("roll back: %1").arg(report.description);
        connect(
            rollback, &QPushButton::clicked, this, [this, back, description] { m_fleet->apply(back, description); });
    }
    box->setDetailedText(lines.join(QLatin1Char('\n')));
    box->setInformativeText(lines.mid(0, 5).join(QLatin1Char('\n')));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

void MainWindow::openFleetFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open fleet file"), {}, tr("Fleet files (*.json)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(this, tr("Open fleet file"), tr("Cannot read %1: %2").arg(path, file.errorString()));
        return;
    }
    const auto fleet = parseFleetFile(file.read(16 * 1024 * 1024), m_products);
    if (!fleet) {
        QMessageBox::warning(this, tr("Open fleet file"), tr("%1: %2").arg(path, fleet.error()));
        return;
    }
    for (const GatewayConfig& c : fleet.value().gateways)
        m_fleet->addGateway(c);
}

void MainWindow::setWeightInteractively()
{
    const QList<ServerRef> selected = m_page->selectedServers();
    if (selected.isEmpty())
        return;
    int lo = 0, hi = 256;
    for (const ServerRef& s : selected) {
        if (const int g = m_store->indexOf(s.gateway); g >= 0) {
            lo = qMax(lo, m_store->entry(g).capabilities.rules.weightMin);
            hi = qMin(hi, m_store->entry(g).capabilities.rules.weightMax);
        }
    }
    int current = 1;
    if (const int g = m_store->indexOf(selected.first().gateway); g >= 0 && m_store->entry(g).snapshot) {
        if (const auto* s = m_store->entry(g).snapshot->server(selected.first().backend, selected.first().server))
            current = s->weight;
    }
    bool ok = false;
    const int weight = QInputDialog::getInt(this, tr("Set weight"),
        tr("Weight for %n server(s) (%1..%2; 0 takes no new traffic):", nullptr, int(selected.size())).arg(lo).arg(hi),
        current, lo, hi, 1, &ok);
    if (ok)
        m_fleet->setServerWeight(selected, weight);
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

void MainWindow::saveLayout()
{
    if (!m_saveLayout)
        return;
    QSettings settings;
    settings.setValue(QStringLiteral("ui/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("ui/state"), saveState());
    settings.setValue(QStringLiteral("ui/serverTable"), m_page->table()->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("ui/poolSplitter"), m_page->splitterState());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveLayout();
    event->accept();
}

} // namespace Fleetdeck
