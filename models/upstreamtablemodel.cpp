#include "upstreamtablemodel.h"
#include "statecolours.h"

#include <cmath>

#include <QBrush>
#include <QColor>
#include <QTimer>

#include "fleetstore.h"
#include "printable.h"
#include "metricstore.h"
#include "modelroles.h"
#include "serieskeys.h"

namespace Fleetdeck {

namespace {

QString durationText(qint64 seconds)
{
    if (seconds < 0)
        return {};
    if (seconds < 60)
        return QStringLiteral("%1s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1m %2s").arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return QStringLiteral("%1h %2m").arg(seconds / 3600).arg((seconds % 3600) / 60);
    return QStringLiteral("%1d %2h").arg(seconds / 86400).arg((seconds % 86400) / 3600);
}

QColor adminBackground(AdminState admin)
{
    switch (admin) {
    case AdminState::Drain:
        return StateColours::of(StateColours::Role::DrainBackground);
    case AdminState::Maint:
        return StateColours::of(StateColours::Role::MaintBackground);
    case AdminState::ForcedUp:
        return StateColours::of(StateColours::Role::ForcedBackground);
    case AdminState::Ready:
        break;
    }
    return {};
}

QColor healthForeground(Health health)
{
    switch (health) {
    case Health::Up:
        return StateColours::of(StateColours::Role::Good);
    case Health::Down:
        return StateColours::of(StateColours::Role::Bad);
    case Health::Starting:
    case Health::Stopping:
        return StateColours::of(StateColours::Role::Warning);
    case Health::NoCheck:
    case Health::Unknown:
        break;
    }
    return {};
}

// Amber from three quarters of the limit, red from 95 % or as soon as requests queue.
QColor loadForeground(double percent, qint64 queued)
{
    if (queued > 0 || percent >= 95)
        return StateColours::of(StateColours::Role::Bad);
    if (percent >= 75)
        return StateColours::of(StateColours::Role::Warning);
    return {};
}

} // namespace

UpstreamTableModel::UpstreamTableModel(const FleetStore* store, const MetricStore* metrics, QObject* parent)
    : QAbstractTableModel(parent)
    , m_store(store)
    , m_metrics(metrics)
{
    rebuild();
    auto beginReset = [this] {
        if (!m_resetting) {
            m_resetting = true;
            beginResetModel();
        }
    };
    auto endReset = [this] {
        rebuild();
        if (m_resetting) {
            m_resetting = false;
            endResetModel();
        }
    };
    connect(store, &FleetStore::gatewayAboutToBeRemoved, this, beginReset);
    connect(store, &FleetStore::gatewayRemoved, this, endReset);
    connect(store, &FleetStore::gatewayAdded, this, [this] { rebuild(); }); // a new gateway has no servers yet
    connect(store, &FleetStore::snapshotAboutToChangeShape, this, beginReset);
    connect(store, &FleetStore::snapshotApplied, this, [this, endReset](int gateway, bool shapeChanged) {
        if (shapeChanged)
            endReset();
        else
            onSnapshotApplied(gateway, false);
    });
    connect(store, &FleetStore::statusChanged, this, [this](int gateway) { onSnapshotApplied(gateway, false); });
}

void UpstreamTableModel::rebuild()
{
    m_rows.clear();
    for (int g = 0; g < m_store->gatewayCount(); ++g) {
        const auto& snap = m_store->entry(g).snapshot;
        if (!snap)
            continue;
        for (int b = 0; b < snap->backends.size(); ++b) {
            for (int s = 0; s < snap->backends.at(b).servers.size(); ++s)
                m_rows.append(Row { g, b, s });
        }
    }
}

void UpstreamTableModel::setUpdateInterval(int ms)
{
    m_updateInterval = qMax(0, ms);
}

void UpstreamTableModel::onSnapshotApplied(int gateway, bool)
{
    if (m_updateInterval > 0) {
        if (!m_pending) {
            m_pending = true;
            QTimer::singleShot(m_updateInterval, this, [this] {
                m_pending = false;
                if (!m_rows.isEmpty())
                    Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
            });
        }
        return;
    }
    // Rows of one gateway are contiguous: one dataChanged covers them all.
    int first = -1;
    int last = -1;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).gateway == gateway) {
            if (first < 0)
                first = i;
            last = i;
        } else if (first >= 0) {
            break;
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
}

int UpstreamTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int UpstreamTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UpstreamTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case GatewayColumn:
        return tr("Gateway");
    case BackendColumn:
        return tr("Backend");
    case ServerColumn:
        return tr("Server");
    case AddressColumn:
        return tr("Address");
    case AdminColumn:
        return tr("Admin");
    case HealthColumn:
        return tr("Health");
    case CheckColumn:
        return tr("Check");
    case WeightColumn:
        return tr("Weight");
    case SessionsColumn:
        return tr("Sessions");
    case RequestRateColumn:
        return tr("req/s");
    case ErrorRateColumn:
        return tr("5xx/s");
    case LatencyColumn:
        return tr("Latency");
    case QueueColumn:
        return tr("Queue");
    case LoadColumn:
        return tr("Load");
    case LastChangeColumn:
        return tr("Since change");
    default:
        return {};
    }
}

bool UpstreamTableModel::rowIsIn(int row, const QString& gateway, const QString& backend) const
{
    if (row < 0 || row >= m_rows.size())
        return false;
    const Row& r = m_rows.at(row);
    const FleetStore::Entry& e = m_store->entry(r.gateway);
    if (e.config.name != gateway)
        return false;
    return backend.isEmpty() || e.snapshot->backends.at(r.backend).name == backend;
}

QVariant UpstreamTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = m_rows.at(index.row());
    const FleetStore::Entry& e = m_store->entry(row.gateway);
    const BackendSnapshot& be = e.snapshot->backends.at(row.backend);
    const ServerSnapshot& s = be.servers.at(row.server);
    // Built only for the roles that read a rate (the filter asks every row for its gateway, thousands at a time).
    auto subject = [&] { return SeriesKeys::subject(e.config.name, be.name, s.name); };
    const bool stale = e.status.stale();

    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        // Names and words from the gateway are shown escaped and capped (kShownName); the roles keep them exact.
        case GatewayColumn:
            return printable(e.config.name, kShownName);
        case BackendColumn:
            return printable(be.name, kShownName);
        case ServerColumn:
            return QString(printable(s.name, kShownName) + (s.backup ? tr(" (backup)") : QString()));
        case AddressColumn:
            return printable(s.address, kShownName);
        case AdminColumn:
            return s.disabledByConfig ? tr("disabled by config") : label(s.admin);
        case HealthColumn:
            return label(s.health);
        case CheckColumn:
            return printable(s.checkStatus, kShownName);
        case WeightColumn:
            return s.weight;
        case SessionsColumn:
            return s.sessions;
        case RequestRateColumn:
        case ErrorRateColumn:
            // Counted with another member (two lines of one address): its figure is shown once, there.
            if (!s.countedWith.isEmpty() && s.requestsTotal < 0)
                return tr("with %1").arg(printable(s.countedWith, kShownName));
            return formatRate(
                m_metrics->latest(index.column() == RequestRateColumn ? SeriesKeys::requestRate(subject())
                                                                      : SeriesKeys::errorRate(subject())));
        case LatencyColumn:
            return formatLatency(s.load.latencyMs());
        case QueueColumn:
            return s.load.queued >= 0 ? QVariant(s.load.queued) : QVariant();
        case LoadColumn: {
            const double percent = s.load.loadPercent(s.sessions);
            return percent >= 0 ? QStringLiteral("%1 %").arg(qRound(percent)) : QString();
        }
        case LastChangeColumn:
            return durationText(s.secondsSinceChange);
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case WeightColumn:
            return s.weight;
        case SessionsColumn:
            return s.sessions;
        case RequestRateColumn: {
            const double v = m_metrics->latest(SeriesKeys::requestRate(subject()));
            return std::isnan(v) ? -1.0 : v;
        }
        case ErrorRateColumn: {
            const double v = m_metrics->latest(SeriesKeys::errorRate(subject()));
            return std::isnan(v) ? -1.0 : v;
        }
        case LatencyColumn:
            return s.load.latencyMs();
        case QueueColumn:
            return s.load.queued;
        case LoadColumn:
            return s.load.loadPercent(s.sessions);
        case LastChangeColumn:
            return s.secondsSinceChange;
        // Names sort as they are: escaping them for display costs more than the comparison itself.
        case GatewayColumn:
            return e.config.name;
        case BackendColumn:
            return be.name;
        case ServerColumn:
            return s.name;
        case AddressColumn:
            return s.address;
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::BackgroundRole:
        if (const QColor c = adminBackground(s.admin); c.isValid())
            return QBrush(c);
        return {};
    case Qt::ForegroundRole:
        if (stale)
            return QBrush(StateColours::of(StateColours::Role::Muted));
        if (index.column() == HealthColumn || index.column() == CheckColumn) {
            if (const QColor c = healthForeground(s.health); c.isValid())
                return QBrush(c);
        }
        if (index.column() == ErrorRateColumn) {
            const double v = m_metrics->latest(SeriesKeys::errorRate(subject()));
            if (!std::isnan(v) && v > 0)
                return QBrush(StateColours::of(StateColours::Role::Bad));
        }
        if (index.column() == LoadColumn) {
            if (const QColor c = loadForeground(s.load.loadPercent(s.sessions), s.load.queued); c.isValid())
                return QBrush(c);
        }
        if (index.column() == QueueColumn && s.load.queued > 0)
            return QBrush(StateColours::of(StateColours::Role::Bad));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= WeightColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (stale)
            return tr("%1 is %2: values are from its last answer")
                .arg(printable(e.config.name, kShownName), label(e.status.connection));
        if (index.column() == CheckColumn || index.column() == HealthColumn)
            return printable(
                s.checkDescription.isEmpty() ? s.status : s.status + QLatin1String(": ") + s.checkDescription,
                kMaxMessageLength);
        if (index.column() == LatencyColumn)
            return latencyDetails(s.load);
        if (index.column() == QueueColumn || index.column() == LoadColumn)
            return saturationDetails(s.load, s.sessions);
        if (index.column() == AdminColumn && s.disabledByConfig)
            return tr("Disabled in the gateway's configuration");
        if ((index.column() == RequestRateColumn || index.column() == ErrorRateColumn) && !s.countedWith.isEmpty())
            return tr("Shared: %1 counts this address's figures together with %2 (the product tells them apart by "
                      "address only); shown once, on the first.")
                .arg(printable(s.name, kShownName), printable(s.countedWith, kShownName));
        if (index.column() == ServerColumn && !s.definedAt.isEmpty())
            return printable(s.name + QLatin1Char('\n') + tr("Defined at %1").arg(s.definedAt), kMaxMessageLength);
        if (index.column() == ServerColumn || index.column() == BackendColumn || index.column() == GatewayColumn)
            return printable(index.column() == ServerColumn ? s.name
                    : index.column() == BackendColumn       ? be.name
                                                            : e.config.name,
                kMaxMessageLength);
        return {};
    case KindRole:
        return int(NodeKind::Server);
    case GatewayRole:
        return e.config.name;
    case BackendRole:
        return be.name;
    case ServerRole:
        return s.name;
    case SubjectRole:
        return subject();
    case ServerRefRole:
        return QVariant::fromValue(ServerRef { e.config.name, be.name, s.name });
    case AdminStateRole:
        return int(s.admin);
    default:
        return {};
    }
}

} // namespace Fleetdeck
