#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QVector>

namespace Fleetdeck {

class FleetStore;

// Every frontend of the fleet (where a gateway takes traffic in): its binds, mode, rate (requests, or connections
// for TCP), sessions, denied requests, 429s and 5xx. Rates come from the last two snapshots.
class FrontendTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrontendTableModel)

public:
    enum Column {
        GatewayColumn,
        FrontendColumn,
        ModeColumn,
        BindsColumn,
        StatusColumn,
        RateColumn,
        SessionsColumn,
        DeniedColumn,
        RateLimitedColumn,
        ErrorRateColumn,
        ColumnCount
    };

    explicit FrontendTableModel(const FleetStore* store, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        int gateway = 0;
        int frontend = 0;
        double rate = -1; // per second, -1: not yet known
        double errorRate = -1;
    };
    struct Seen
    {
        qint64 atMs = 0;
        qint64 requests = -1;
        qint64 errors = -1;
    };
    void rebuild();
    void onSnapshot(int gateway);

    const FleetStore* m_store;
    QVector<Row> m_rows;
    QHash<QString, Seen> m_seen; // "gateway/frontend": the previous totals
};

} // namespace Fleetdeck
