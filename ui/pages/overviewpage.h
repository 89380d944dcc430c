#pragma once

#include <QList>
#include <QWidget>

#include "nextturn.h"

class QGridLayout;
class QScrollArea;
class QTimer;

namespace Fleetdeck {

class AlertBoard;
class FleetStore;
class GatewayTile;
class MetricStore;

// The fleet at a glance: one tile per gateway (req/s sparkline, 5xx share, servers up of total, colour for
// trouble), in a scrolling grid that holds hundreds of gateways.
class OverviewPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverviewPage)

public:
    OverviewPage(const FleetStore* store, const MetricStore* metrics, QWidget* parent = nullptr);

    // The fleet's alerts: a badge on each tile whose gateway has some (optional).
    void setAlerts(const AlertBoard* alerts);
    int tileCount() const { return int(m_tiles.size()); }
    GatewayTile* tile(int index) const { return m_tiles.value(index); }

Q_SIGNALS:
    void gatewayActivated(const QString& name);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuild();
    void relayout();

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    const AlertBoard* m_alerts = nullptr;
    QScrollArea* m_scroll;
    QWidget* m_grid;
    QGridLayout* m_layout;
    QList<GatewayTile*> m_tiles;
    QTimer* m_repaint;
    NextTurn m_rebuildSoon { this, [this] { rebuild(); } }; // gateways added in one turn are tiled once
    int m_columns = 0;
};

// One gateway's tile. Paints straight from the stores; nothing is cached but the gateway's index.
class GatewayTile final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayTile)

public:
    enum class Trouble { None, Warning, Critical };

    GatewayTile(const FleetStore* store, const MetricStore* metrics, int gateway, QWidget* parent = nullptr);
    void setAlerts(const AlertBoard* alerts) { m_alerts = alerts; }
    QSize sizeHint() const override;
    QString gatewayName() const;
    Trouble trouble() const;
    // The tile's words, as painted (for tests and accessibility).
    QString summary() const;

Q_SIGNALS:
    void activated(const QString& name);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    // What the tile shows, read once per paint.
    struct Figures
    {
        double requestRate = 0; // the latest req/s
        double minuteRequests = 0; // means over the last minute, for the 5xx share
        double minuteErrors = 0;
        int up = 0;
        int total = 0; // servers meant to serve: those the gateway's own configuration disables are not counted
        int disabled = 0; // disabled by the gateway's configuration
        double latencyMs = -1; // the latest, -1: none
        QString latencyLabel; // "p95" or "avg"
        bool tcpOnly = false; // the rate is connections, and there is no 5xx
        int alerts = 0; // Alertmanager alerts firing on the gateway (silenced ones not counted)
        bool paging = false; // one of them has severity "page" or "critical"
        QString rateUnit() const;
        double errorShare() const; // percent, NaN when unknown
    };
    Figures figures() const;

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    const AlertBoard* m_alerts = nullptr;
    int m_gateway;
};

} // namespace Fleetdeck
