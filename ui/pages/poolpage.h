#pragma once

#include <QList>
#include <QWidget>

#include "fleettypes.h"
#include "modelroles.h"

class QComboBox;
class QSplitter;
class QLineEdit;
class QTableView;
class QTimer;

namespace Fleetdeck {

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
    PoolPage(const FleetStore* store, const MetricStore* metrics, UpstreamFilterProxy* proxy, QWidget* parent = nullptr);

    // What the charts show when no server row is selected: the whole fleet, a gateway or a backend.
    void setScope(const QString& gateway, const QString& backend);
    QList<ServerRef> selectedServers() const;
    void setContextActions(const QList<QAction*>& actions);
    void focusSearch();
    QTableView* table() const { return m_table; }
    void refreshCharts();
    QByteArray splitterState() const;
    void restoreSplitterState(const QByteArray& state);

Q_SIGNALS:
    void selectionChanged();

private:
    void updateChartLines();

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    UpstreamFilterProxy* m_proxy;
    QLineEdit* m_search;
    QComboBox* m_window;
    QTableView* m_table;
    QSplitter* m_splitter;
    QList<TimeSeriesChart*> m_charts;
    QTimer* m_repaint;
    bool m_dirty = true;
    bool m_columnsSized = false;
    QString m_gateway;
    QString m_backend;
    QList<QAction*> m_contextActions;
};

} // namespace Fleetdeck
