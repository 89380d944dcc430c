#pragma once

#include <QList>
#include <QWidget>

#include "fleettypes.h"
#include "modelroles.h"
#include "nextturn.h"

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTimer;
class QToolButton;

namespace Fleetdeck {

class EventLog;
class FleetActions;
class AlertBoard;
class HistoryCache;
class FleetStore;
class MetricStore;
class TimeSeriesChart;
class UpstreamFilterProxy;

// The servers of whatever the fleet tree has selected, with live charts of the selection underneath.
class PoolPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PoolPage)

public:
    PoolPage(const FleetStore* store, const MetricStore* metrics, const EventLog* events, UpstreamFilterProxy* proxy,
        QWidget* parent = nullptr);

    // What the charts show when no server row is selected: the whole fleet, a gateway or a backend.
    void setScope(const QString& gateway, const QString& backend);
    QList<ServerRef> selectedServers() const;
    void setContextActions(const QList<QAction*>& actions);
    void focusSearch();
    QTableView* table() const { return m_table; }
    QList<TimeSeriesChart*> charts() const { return m_charts; }
    void refreshCharts();
    QByteArray splitterState() const;
    void restoreSplitterState(const QByteArray& state);

    // Time controls: a window preset in seconds, frozen or live, and a jump to a moment (freezes).
    void setWindowSeconds(qint64 seconds);
    int chartWindowIndex() const; // the chart window chosen, as the settings keep it
    qint64 windowSeconds() const { return m_windowMs / 1000; }
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void showTime(qint64 timeMs);
    // Where history older than the local store comes from (optional).
    void setHistory(FleetActions* fleet, const HistoryCache* history);
    // The fleet's alerts, shaded on the charts while they fire (optional).
    void setAlerts(const AlertBoard* alerts);
    // At most this many lines per chart: past it, the worst by the charted value, and the rest as one "others".
    static constexpr int kMaxLines = 8;

Q_SIGNALS:
    void selectionChanged();

private:
    static constexpr int kBaseCharts = 6; // requests, 5xx, latency, sessions, queue, load
    static constexpr int kMaxFigureCharts = 6;
    TimeSeriesChart* addChart(const QString& name, const QString& title);
    void updateChartLines();
    // The scoped pool's (or gateway's) own words: how it balances, what routes into it, where it listens.
    void updateScopeInfo();
    void updateEvents();
    void updateBands();
    void exportChart(TimeSeriesChart* chart, bool csv);
    void requestMissingHistory(qint64 fromMs, qint64 toMs);

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    const EventLog* m_events;
    FleetActions* m_fleet = nullptr;
    const HistoryCache* m_history = nullptr;
    UpstreamFilterProxy* m_proxy;
    QLineEdit* m_search;
    QComboBox* m_window;
    QToolButton* m_pause;
    QToolButton* m_live;
    QTableView* m_table;
    QLabel* m_scopeInfo;
    QSplitter* m_splitter;
    QList<TimeSeriesChart*> m_charts; // the six of every product, then the gateway's own figures
    QGridLayout* m_chartGrid = nullptr;
    QTimer* m_repaint;
    bool m_dirty = true;
    bool m_shownLive = false; // the charts were drawn once with samples of this session
    bool m_columnsSized = false;
    bool m_paused = false;
    qint64 m_windowMs = 300 * 1000;
    qint64 m_endMs = 0; // the right edge while paused
    QString m_gateway;
    QString m_backend;
    QStringList m_subjects; // what the charts show, for their event markers
    struct Shown
    {
        QString gateway;
        QString backend;
        QString server;
    };
    QList<Shown> m_shown; // the same, in parts, for the alert bands
    const AlertBoard* m_alerts = nullptr;
    QTimer* m_rerank; // re-picks the worst lines while there are more subjects than lines
    // Gateways added or removed in one turn of the event loop change the lines once.
    NextTurn m_linesSoon { this, [this] { updateChartLines(); } };
    bool m_ranked = false;
    QList<QAction*> m_contextActions;
};

} // namespace Fleetdeck
