#include "poolpage.h"

#include <algorithm>
#include <cmath>

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QToolButton>
#include <limits>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "alerts.h"
#include "charts/timeserieschart.h"
#include "eventlog.h"
#include "fleetactions.h"
#include "historycache.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "serieskeys.h"
#include "statecolours.h"
#include "upstreamfilterproxy.h"
#include "upstreamtablemodel.h"

namespace Fleetdeck {

PoolPage::PoolPage(const FleetStore* store, const MetricStore* metrics, const EventLog* events,
    UpstreamFilterProxy* proxy, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_metrics(metrics)
    , m_events(events)
    , m_proxy(proxy)
{
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("searchBox"));
    m_search->setAccessibleName(tr("Filter servers"));
    m_search->setPlaceholderText(tr("Filter servers: name, address, state… (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &UpstreamFilterProxy::setSearchText);

    m_window = new QComboBox;
    m_window->setObjectName(QStringLiteral("windowCombo"));
    m_window->setAccessibleName(tr("Chart window"));
    m_window->setToolTip(tr("Time window of the charts"));
    const QList<QPair<QString, int>> presets = { { tr("5 min"), 300 }, { tr("15 min"), 900 }, { tr("1 h"), 3600 },
        { tr("6 h"), 6 * 3600 }, { tr("24 h"), 86400 }, { tr("7 days"), 7 * 86400 } };
    for (const auto& [text, seconds] : presets)
        m_window->addItem(text, seconds);
    m_window->setCurrentIndex(
        qBound(0, QSettings().value(QStringLiteral("ui/chartWindow"), 0).toInt(), int(presets.size()) - 1));
    m_windowMs = qint64(m_window->currentData().toInt()) * 1000;
    // Remembered with the window's layout when it closes (writing the settings file here stalled each change).
    connect(m_window, &QComboBox::activated, this,
        [this](int index) { setWindowSeconds(m_window->itemData(index).toInt()); });

    m_pause = new QToolButton;
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_pause->setText(tr("Pause"));
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Freeze the charts (data keeps coming in)"));
    connect(m_pause, &QToolButton::toggled, this, &PoolPage::setPaused);
    m_live = new QToolButton;
    m_live->setObjectName(QStringLiteral("liveButton"));
    m_live->setText(tr("Live"));
    m_live->setToolTip(tr("Follow the newest data with the chosen window"));
    connect(m_live, &QToolButton::clicked, this, [this] {
        m_windowMs = qint64(m_window->currentData().toInt()) * 1000;
        setPaused(false);
    });

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("upstreamTable"));
    m_table->setAccessibleName(tr("Servers"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(UpstreamTableModel::GatewayColumn, Qt::AscendingOrder);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QTableView::customContextMenuRequested, this, [this](const QPoint& pos) {
        if (m_contextActions.isEmpty())
            return;
        QMenu menu(this);
        menu.addActions(m_contextActions);
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateChartLines();
        Q_EMIT selectionChanged();
    });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, [this] {
        // Size the columns to their content the first time rows arrive, unless the operator's layout was restored.
        if (!m_columnsSized && m_proxy->rowCount() > 0) {
            m_columnsSized = true;
            if (!m_table->property("layoutRestored").toBool())
                m_table->resizeColumnsToContents();
        }
        updateChartLines();
        Q_EMIT selectionChanged();
    });

    auto* top = new QHBoxLayout;
    top->addWidget(m_search, 1);
    top->addWidget(new QLabel(tr("Charts:")));
    top->addWidget(m_window);
    top->addWidget(m_pause);
    top->addWidget(m_live);

    auto* charts = new QWidget;
    auto* chartGrid = new QGridLayout(charts);
    chartGrid->setContentsMargins(0, 0, 0, 0);
    chartGrid->setSpacing(4);
    // Traffic, errors, latency on top; how full below (sessions, queue, load against the limit).
    const QList<QPair<QString, QString>> specs = {
        { QStringLiteral("requestChart"), tr("Requests per second") },
        { QStringLiteral("errorChart"), tr("5xx responses per second") },
        { QStringLiteral("latencyChart"), tr("Latency (ms)") },
        { QStringLiteral("sessionChart"), tr("Current sessions") },
        { QStringLiteral("queueChart"), tr("Queued requests") },
        { QStringLiteral("loadChart"), tr("Load (% of the session limit)") },
    };
    m_chartGrid = chartGrid;
    for (const auto& [name, title] : specs)
        addChart(name, title);

    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(QStringLiteral("poolSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(charts);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({ 400, 400 });

    m_scopeInfo = new QLabel;
    m_scopeInfo->setObjectName(QStringLiteral("scopeInfo"));
    m_scopeInfo->setWordWrap(true);
    m_scopeInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_scopeInfo->hide();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_scopeInfo);
    layout->addWidget(m_splitter, 1);

    // One coalescing timer repaints every chart; samples only mark the charts dirty.
    m_repaint = new QTimer(this);
    m_repaint->setInterval(500);
    connect(m_repaint, &QTimer::timeout, this, [this] {
        if (m_dirty)
            refreshCharts();
    });
    m_repaint->start();
    connect(m_metrics, &MetricStore::samplesAppended, this, [this] {
        m_dirty = !m_paused;
        // The first samples of this session are drawn at once rather than at the next tick.
        if (m_dirty && !m_shownLive && isVisible()) {
            refreshCharts();
            m_shownLive = true;
        }
    });
    connect(m_events, &EventLog::eventAdded, this, [this] {
        updateEvents();
        m_dirty = true;
    });
    // Which lines are the worst changes with the traffic: re-picked every few seconds while they are ranked.
    m_rerank = new QTimer(this);
    m_rerank->setInterval(5000);
    connect(m_rerank, &QTimer::timeout, this, [this] {
        if (m_ranked && !m_paused && isVisible())
            updateChartLines();
    });
    m_rerank->start();
    connect(m_store, &FleetStore::gatewayAdded, this, [this] { m_linesSoon.request(); });
    connect(m_store, &FleetStore::gatewayRemoved, this, [this] { m_linesSoon.request(); });
    connect(m_store, &FleetStore::snapshotApplied, this, [this](int gateway, bool shapeChanged) {
        if (shapeChanged)
            updateChartLines();
        if (gateway >= 0 && gateway < m_store->gatewayCount() && m_store->entry(gateway).config.name == m_gateway)
            updateScopeInfo();
    });
    updateChartLines();
}

void PoolPage::updateScopeInfo()
{
    const int g = m_store->indexOf(m_gateway);
    const auto* snap = g >= 0 && m_store->entry(g).snapshot ? &*m_store->entry(g).snapshot : nullptr;
    QStringList parts;
    if (snap && !m_backend.isEmpty()) {
        if (const BackendSnapshot* b = snap->backend(m_backend)) {
            parts.append(tr("<b>%1</b> on %2").arg(m_backend.toHtmlEscaped(), m_gateway.toHtmlEscaped()));
            if (!b->algorithm.isEmpty())
                parts.append(tr("balancing: %1").arg(b->algorithm.toHtmlEscaped()));
            parts.append(b->routes.isEmpty()
                    ? tr("routes: none found")
                    : tr("routes: %1").arg(b->routes.join(QStringLiteral("; ")).toHtmlEscaped()));
            parts.append(tr("%1 of %2 serving").arg(b->serving()).arg(b->meantToServe()));
        }
    } else if (snap) {
        parts.append(tr("<b>%1</b>").arg(m_gateway.toHtmlEscaped()));
        QStringList listens;
        for (const FrontendSnapshot& f : snap->frontends)
            if (!f.binds.isEmpty())
                listens.append(QStringLiteral("%1 %2").arg(f.name, f.binds).toHtmlEscaped());
        if (!listens.isEmpty())
            parts.append(tr("listens: %1").arg(listens.join(QStringLiteral("; "))));
        if (!snap->configDetail().isEmpty())
            parts.append(
                QStringLiteral("<span style='color:%1'>%2</span>")
                    .arg(StateColours::css(StateColours::Role::Warning), snap->configDetail().toHtmlEscaped()));
    }
    m_scopeInfo->setText(parts.join(QStringLiteral(" · ")));
    m_scopeInfo->setVisible(!parts.isEmpty());
}

TimeSeriesChart* PoolPage::addChart(const QString& name, const QString& title)
{
    auto* chart = new TimeSeriesChart(title);
    chart->setObjectName(name);
    chart->setAccessibleName(title); // a screen reader names the chart by what it plots
    connect(chart, &TimeSeriesChart::rangeSelected, this, [this](qint64 fromMs, qint64 toMs) {
        // Drag to zoom: freeze on the dragged range.
        m_windowMs = qMax<qint64>(toMs - fromMs, 10 * 1000);
        m_endMs = toMs;
        m_paused = true;
        m_pause->setChecked(true);
        refreshCharts();
    });
    connect(chart, &TimeSeriesChart::exportRequested, this, [this, chart](bool csv) { exportChart(chart, csv); });
    m_chartGrid->addWidget(chart, int(m_charts.size()) / 3, int(m_charts.size()) % 3);
    m_charts.append(chart);
    return chart;
}

void PoolPage::setScope(const QString& gateway, const QString& backend)
{
    m_gateway = gateway;
    m_backend = backend;
    m_proxy->setScope(gateway, backend);
    updateChartLines();
    updateScopeInfo();
}

QList<ServerRef> PoolPage::selectedServers() const
{
    QList<ServerRef> out;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& row : rows)
        out.append(row.data(ServerRefRole).value<ServerRef>());
    return out;
}

void PoolPage::setContextActions(const QList<QAction*>& actions)
{
    m_contextActions = actions;
}

void PoolPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void PoolPage::updateChartLines()
{
    // Subjects: the selected servers; else the servers of the selected backend; else the backends of the
    // selected gateway; else every gateway.
    struct Subject
    {
        QString label;
        QString key;
        Shown parts;
        int counterWindowMs = 0; // its rates are smoothed over this window (a product counting in batches)
    };
    QList<Subject> subjects;
    const QList<ServerRef> selected = selectedServers();
    if (!selected.isEmpty()) {
        for (const ServerRef& s : selected)
            subjects.append({ s.displayName(), SeriesKeys::subject(s.gateway, s.backend, s.server),
                { s.gateway, s.backend, s.server } });
    } else if (const int g = m_store->indexOf(m_gateway); g >= 0) {
        const auto& snap = m_store->entry(g).snapshot;
        if (!m_backend.isEmpty()) {
            if (snap) {
                if (const BackendSnapshot* b = snap->backend(m_backend)) {
                    for (const ServerSnapshot& s : b->servers)
                        subjects.append({ s.name, SeriesKeys::subject(m_gateway, m_backend, s.name),
                            { m_gateway, m_backend, s.name } });
                }
            }
        } else if (snap) {
            for (const BackendSnapshot& b : snap->backends) {
                if (!b.servers.isEmpty())
                    subjects.append({ b.name, SeriesKeys::subject(m_gateway, b.name), { m_gateway, b.name, {} } });
            }
        }
    } else {
        for (int i = 0; i < m_store->gatewayCount(); ++i) {
            const QString name = m_store->entry(i).config.name;
            subjects.append({ name, SeriesKeys::subject(name), { name, {}, {} } });
        }
    }

    for (Subject& s : subjects) {
        if (const int g = m_store->indexOf(s.parts.gateway); g >= 0 && m_store->entry(g).snapshot)
            s.counterWindowMs = m_store->entry(g).snapshot->counterWindowMs;
    }
    // Rates taken over a window say so in the legend (the request and 5xx charts).
    auto labelFor = [this](const Subject& s, qsizetype chart) {
        return chart <= 1 && s.counterWindowMs > 0 ? tr("%1 (%2 s avg)").arg(s.label).arg(s.counterWindowMs / 1000)
                                                   : s.label;
    };
    m_subjects.clear();
    m_shown.clear();
    if (!selected.isEmpty()) {
        for (const Subject& s : std::as_const(subjects)) {
            m_subjects.append(s.key);
            m_shown.append(s.parts);
        }
    } else {
        m_subjects.append(m_gateway.isEmpty() ? QString() : SeriesKeys::subject(m_gateway, m_backend));
        m_shown.append({ m_gateway, m_backend, {} });
    }
    updateEvents();
    updateBands();

    // Each chart's lines: every subject while they fit; past kMaxLines, the worst by that chart's newest value
    // (highest first), and the rest added up (or, for latency and load, their highest) as one grey "others" line.
    using KeyOf = QString (*)(const QString&);
    const KeyOf keyOf[] = { &SeriesKeys::requestRate, &SeriesKeys::errorRate, &SeriesKeys::latency,
        &SeriesKeys::sessions, &SeriesKeys::queue, &SeriesKeys::load };
    const bool combineMax[] = { false, false, true, false, false, true };
    m_ranked = subjects.size() > kMaxLines;
    for (qsizetype c = 0; c < kBaseCharts; ++c) {
        QList<TimeSeriesChart::Line> lines;
        if (!m_ranked) {
            for (const Subject& s : std::as_const(subjects))
                lines.append({ labelFor(s, c), keyOf[c](s.key) });
        } else {
            QList<QPair<double, qsizetype>> order;
            for (qsizetype i = 0; i < subjects.size(); ++i) {
                const double v = m_metrics->latest(keyOf[c](subjects.at(i).key));
                order.append({ std::isnan(v) ? -1.0 : v, i });
            }
            // Worst first; ties keep the tree's order.
            std::stable_sort(
                order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
            QStringList others;
            for (qsizetype k = 0; k < order.size(); ++k) {
                const Subject& s = subjects.at(order.at(k).second);
                if (k < kMaxLines - 1)
                    lines.append({ labelFor(s, c), keyOf[c](s.key) });
                else
                    others.append(keyOf[c](s.key));
            }
            lines.append({ tr("others (+%n more)", nullptr, int(others.size())), keyOf[c](QStringLiteral("others")),
                others, combineMax[c] });
        }
        m_charts.at(c)->setLines(lines);
    }
    // A backend's servers add up to the backend: its request chart is stacked.
    m_charts.at(0)->setStacked(selected.isEmpty() && !m_backend.isEmpty());

    // A gateway's own figures (Redis's hit ratio, its memory), one chart each, below the others; hidden elsewhere.
    QList<Figure> figures;
    if (selected.isEmpty() && m_backend.isEmpty()) {
        if (const int g = m_store->indexOf(m_gateway); g >= 0 && m_store->entry(g).snapshot)
            figures = m_store->entry(g).snapshot->figures.mid(0, kMaxFigureCharts);
    }
    while (m_charts.size() < kBaseCharts + figures.size())
        addChart(QString(), QString());
    for (qsizetype i = kBaseCharts; i < m_charts.size(); ++i) {
        TimeSeriesChart* chart = m_charts.at(i);
        if (i - kBaseCharts < figures.size()) {
            const Figure& f = figures.at(i - kBaseCharts);
            chart->setObjectName(QStringLiteral("figureChart_") + f.id);
            chart->setTitle(f.counter ? tr("%1 per second").arg(f.title) : f.title);
            chart->setAccessibleName(chart->title());
            chart->setLines({ { m_gateway, SeriesKeys::figure(SeriesKeys::subject(m_gateway), f.id) } });
            chart->show();
        } else {
            chart->setLines({});
            chart->hide();
        }
    }
    refreshCharts();
}

void PoolPage::refreshCharts()
{
    m_dirty = false;
    const qint64 end = m_paused ? m_endMs : QDateTime::currentMSecsSinceEpoch();
    requestMissingHistory(end - m_windowMs, end);
    for (TimeSeriesChart* c : std::as_const(m_charts))
        c->refresh(*m_metrics, end, m_windowMs, !m_paused && !m_history, m_history);
}

void PoolPage::setHistory(FleetActions* fleet, const HistoryCache* history)
{
    m_fleet = fleet;
    m_history = history;
    if (m_history)
        connect(m_history, &HistoryCache::historyArrived, this, [this] { m_dirty = true; });
}

void PoolPage::requestMissingHistory(qint64 fromMs, qint64 toMs)
{
    if (!m_fleet || !m_history)
        return;
    for (TimeSeriesChart* c : std::as_const(m_charts)) {
        for (const TimeSeriesChart::Line& line : c->lines()) {
            const qint64 oldest = m_metrics->oldestTimeMs(line.key);
            const qint64 until = oldest == 0 ? toMs : qMin(toMs, oldest);
            // Only what the local store does not hold, and only once per window.
            if (until - fromMs < 5000 || m_history->covers(line.key, fromMs, until))
                continue;
            m_fleet->requestHistory(line.key, fromMs, until, qMax(100, c->width()));
        }
    }
}

void PoolPage::setAlerts(const AlertBoard* alerts)
{
    m_alerts = alerts;
    if (m_alerts)
        connect(m_alerts, &AlertBoard::changed, this, &PoolPage::updateBands);
    updateBands();
}

void PoolPage::updateBands()
{
    QList<TimeSeriesChart::Band> bands;
    if (m_alerts && m_alerts->configured()) {
        for (const Shown& s : std::as_const(m_shown)) {
            if (s.gateway.isEmpty()) {
                // The whole fleet: every gateway's alerts.
                for (int i = 0; i < m_store->gatewayCount(); ++i) {
                    for (const AlertBoard::Span& span : m_alerts->spansFor(m_store->entry(i).config.name))
                        bands.append(
                            { span.fromMs, span.toMs, span.gateway + QLatin1String(": ") + span.name, span.silenced });
                }
                continue;
            }
            for (const AlertBoard::Span& span : m_alerts->spansFor(s.gateway, s.backend, s.server)) {
                const QString where = span.server.isEmpty() ? span.pool : span.pool + QLatin1Char('/') + span.server;
                bands.append({ span.fromMs, span.toMs,
                    where.isEmpty() ? span.name : where + QLatin1String(": ") + span.name, span.silenced });
            }
        }
    }
    for (TimeSeriesChart* c : std::as_const(m_charts))
        c->setBands(bands);
}

void PoolPage::updateEvents()
{
    QList<FleetEvent> events;
    for (const QString& subject : std::as_const(m_subjects))
        events += m_events->eventsFor(subject, 0, std::numeric_limits<qint64>::max());
    for (TimeSeriesChart* c : std::as_const(m_charts))
        c->setEvents(events);
}

int PoolPage::chartWindowIndex() const
{
    return m_window->currentIndex();
}

void PoolPage::setWindowSeconds(qint64 seconds)
{
    m_windowMs = qMax<qint64>(10, seconds) * 1000;
    for (int i = 0; i < m_window->count(); ++i) {
        if (m_window->itemData(i).toLongLong() == seconds)
            m_window->setCurrentIndex(i);
    }
    refreshCharts();
}

void PoolPage::setPaused(bool paused)
{
    if (paused && !m_paused)
        m_endMs = QDateTime::currentMSecsSinceEpoch();
    m_paused = paused;
    const QSignalBlocker block(m_pause);
    m_pause->setChecked(paused);
    refreshCharts();
}

void PoolPage::showTime(qint64 timeMs)
{
    m_paused = true;
    m_endMs = qMin(timeMs + m_windowMs / 2, QDateTime::currentMSecsSinceEpoch() + m_windowMs / 2);
    const QSignalBlocker block(m_pause);
    m_pause->setChecked(true);
    refreshCharts();
}

void PoolPage::exportChart(TimeSeriesChart* chart, bool csv)
{
    const QString base
        = chart->objectName() + QDateTime::currentDateTime().toString(QStringLiteral("-yyyyMMdd-HHmmss"));
    const QString path
        = QFileDialog::getSaveFileName(this, csv ? tr("Export series as CSV") : tr("Export chart as PNG"),
            base + (csv ? QStringLiteral(".csv") : QStringLiteral(".png")),
            csv ? tr("CSV files (*.csv)") : tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    const bool ok = csv ? chart->exportCsv(path, *m_metrics) : chart->exportPng(path);
    if (!ok)
        QMessageBox::warning(this, tr("Export"), tr("Could not write %1.").arg(path));
}

} // namespace Fleetdeck

namespace Fleetdeck {

QByteArray PoolPage::splitterState() const
{
    return m_splitter->saveState();
}

void PoolPage::restoreSplitterState(const QByteArray& state)
{
    m_splitter->restoreState(state);
}

} // namespace Fleetdeck
