#pragma once

#include <QAbstractItemModel>
#include <QVector>

namespace Fleetdeck {

class AlertBoard;
class FleetStore;
class MetricStore;

// The fleet as a tree: gateway, then backend, then server, with state and request rate.
class FleetTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetTreeModel)

public:
    // AlertsColumn: the Alertmanager alerts firing on the row or under it (the badge); empty without alerts.
    enum Column { NameColumn, StateColumn, RateColumn, AlertsColumn, ColumnCount };

    FleetTreeModel(const FleetStore* store, const MetricStore* metrics, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    QModelIndex gatewayIndex(int gateway) const;
    // As UpstreamTableModel::setUpdateInterval: value changes announced at most once per interval.
    void setUpdateInterval(int ms);
    // The fleet's alerts, for the badges (optional).
    void setAlerts(const AlertBoard* alerts);

private:
    struct Node
    {
        int level = 0;
        int gateway = 0;
        int backend = 0;
    };
    static quintptr encode(const Node& node);
    static Node decode(quintptr id);

    int backendCount(int gateway) const;
    int serverCount(int gateway, int backend) const;
    void onSnapshotApplied(int gateway, bool shapeChanged);
    void announceValues(int gateway);

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    const AlertBoard* m_alerts = nullptr;
    QVariant alertBadge(int role, const QString& gateway, const QString& pool = {}, const QString& server = {}) const;
    QVector<bool> m_hidden; // per gateway: children hidden while a shape change is in flight
    int m_pendingRemoval = -1;
    int m_updateInterval = 0;
    QVector<bool> m_dirty; // per gateway, while an announcement waits for the interval
    bool m_pending = false;
};

} // namespace Fleetdeck
