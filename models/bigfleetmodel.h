#pragma once

#include <cmath>

#include <QAbstractItemModel>
#include <QHash>
#include <QMap>
#include <QSortFilterProxyModel>
#include <QStringList>
#include <QVector>

namespace Fleetdeck {

// One gateway of a fleet too large to poll, as the fleet's Prometheus knows it: found by the discovery selector,
// its labels, and the figures of the last refresh (NaN: Prometheus had none).
struct DiscoveredGateway
{
    QString name; // the value of the discovery's name label (e.g. instance="10.1.2.3:8405")
    QString product;
    QMap<QString, QString> labels; // the labels it may be grouped by
    double requestsPerSecond = std::nan("");
    double errorsPerSecond = std::nan(""); // 5xx answers per second
    double serversUp = std::nan("");
    double servers = std::nan("");
    double sessions = std::nan("");

    enum class Trouble { None, Warning, Critical };
    Trouble trouble() const;
    // Worst first sorts by this, highest first: the trouble level, then the share of servers down and of errors.
    double troubleScore() const;
    double errorShare() const; // 5xx / requests, NaN without traffic
};

// The discovered gateways as a tree: one row per group (the values of the grouping labels, "site=par1 role=edge"),
// its gateways below. Refreshing figures updates rows in place (no reset) while the set of gateways is the same, so
// a view keeps its scroll position, selection and collapsed groups.
class BigFleetModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BigFleetModel)

public:
    enum Column {
        NameColumn,
        TroubleColumn,
        RequestsColumn,
        ErrorsColumn,
        ServersColumn,
        SessionsColumn,
        LabelsColumn,
        ColumnCount
    };
    // SearchTextRole: a gateway's name and labels as reported (unescaped, uncut), for the search box.
    enum Role { SortRole = Qt::UserRole + 300, NameRole, IsGroupRole, TroubleRole, SearchTextRole };

    explicit BigFleetModel(QObject* parent = nullptr);

    // Labels to group by, in order; empty: one group for the whole fleet.
    void setGroupBy(const QStringList& labels);
    QStringList groupBy() const { return m_groupBy; }
    void setGateways(QVector<DiscoveredGateway> gateways);
    const DiscoveredGateway* gateway(const QString& name) const;
    int gatewayCount() const { return int(m_gateways.size()); }
    int groupCount() const { return int(m_groups.size()); }
    QStringList labelNames() const; // every label some gateway has
    // What the last refresh said (when, how long, how many), or why it failed: the figures shown are then older.
    void setRefreshStatus(const QString& text, bool failed);
    QString refreshStatus() const { return m_status; }
    bool refreshFailed() const { return m_statusFailed; }

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void refreshStatusChanged();

private:
    struct Group
    {
        QString title;
        QVector<int> members; // indices into m_gateways
        double worst = 0; // highest troubleScore of its members
        int critical = 0;
        int warning = 0;
    };
    void regroup();
    void countTrouble(); // each group's worst member and its critical and warning ones
    QString groupTitle(const DiscoveredGateway& g) const;
    QString groupValue(const DiscoveredGateway& g, const QString& label) const;
    QVariant gatewayData(const DiscoveredGateway& g, int column, int role) const;
    QVariant groupData(const Group& group, int column, int role) const;

    QStringList m_groupBy;
    QVector<DiscoveredGateway> m_gateways;
    QHash<QString, int> m_byName;
    QVector<Group> m_groups;
    QVector<int> m_groupOf; // per gateway: its group's row
    QVector<int> m_rowInGroup; // per gateway: its row within the group
    QString m_status;
    bool m_statusFailed = false;
};

// Search (every word in the gateway's name or labels; a group shows when some member matches) and the sort the view
// asks for, worst first by default.
class BigFleetFilter final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BigFleetFilter)

public:
    explicit BigFleetFilter(QObject* parent = nullptr);
    void setSearchText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QStringList m_words;
};

} // namespace Fleetdeck
