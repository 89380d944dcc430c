#pragma once

#include <QAbstractTableModel>
#include <QVector>

namespace Fleetdeck {

class FleetStore;
class MetricStore;
struct ServerSnapshot;

// Every server of the fleet as one flat table: where it is, its state, weight, load and rates.
class UpstreamTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UpstreamTableModel)

public:
    enum Column {
        GatewayColumn,
        BackendColumn,
        ServerColumn,
        AddressColumn,
        AdminColumn,
        HealthColumn,
        CheckColumn,
        WeightColumn,
        SessionsColumn,
        RequestRateColumn,
        ErrorRateColumn,
        LatencyColumn,
        QueueColumn,
        LoadColumn,
        LastChangeColumn,
        ColumnCount
    };

    UpstreamTableModel(const FleetStore* store, const MetricStore* metrics, QObject* parent = nullptr);

    // With an interval, value changes are gathered and announced at most once per interval (one dataChanged for
    // every row), so a fleet of many gateways repaints its views a few times a second, not once per poll.
    // 0 (the default) announces each change at once. Rows added or removed are always announced at once.
    void setUpdateInterval(int ms);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Whether a row belongs to this gateway (and this pool, unless empty), without going through QVariant: a filter
    // over every server of a large fleet asks it for each row.
    bool rowIsIn(int row, const QString& gateway, const QString& backend) const;

private:
    struct Row
    {
        int gateway;
        int backend;
        int server;
    };
    void rebuild();
    void onSnapshotApplied(int gateway, bool shapeChanged);

    const FleetStore* m_store;
    const MetricStore* m_metrics;
    QVector<Row> m_rows;
    bool m_resetting = false;
    int m_updateInterval = 0;
    bool m_pending = false;
};

} // namespace Fleetdeck
