#include "fleettreemodel.h"
#include "statecolours.h"

#include "alerts.h"

#include <cmath>

#include <QBrush>
#include <QIcon>
#include <QColor>
#include <QTimer>
#include <QVariant>

#include "fleetstore.h"
#include "printable.h"
#include "metricstore.h"
#include "modelroles.h"
#include "serieskeys.h"

namespace Fleetdeck {

namespace {
constexpr int kGatewayBits = 20;
constexpr int kBackendBits = 20;
constexpr quintptr kMask = (quintptr(1) << kGatewayBits) - 1;

} // namespace

FleetTreeModel::FleetTreeModel(const FleetStore* store, const MetricStore* metrics, QObject* parent)
    : QAbstractItemModel(parent)
    , m_store(store)
    , m_metrics(metrics)
    , m_hidden(store->gatewayCount(), false)
{
    connect(store, &FleetStore::gatewayAboutToBeAdded, this, [this](int i) { beginInsertRows({}, i, i); });
    connect(store, &FleetStore::gatewayAdded, this, [this](int i) {
        m_hidden.insert(i, false);
        endInsertRows();
    });
    connect(store, &FleetStore::gatewayAboutToBeRemoved, this, [this](int i) { beginRemoveRows({}, i, i); });
    connect(store, &FleetStore::gatewayRemoved, this, [this](int i) {
        m_hidden.removeAt(i);
        endRemoveRows();
    });
    connect(store, &FleetStore::snapshotAboutToChangeShape, this, [this](int i) {
        const int old = backendCount(i);
        if (old > 0) {
            beginRemoveRows(gatewayIndex(i), 0, old - 1);
            m_pendingRemoval = i;
        }
    });
    connect(store, &FleetStore::snapshotApplied, this, &FleetTreeModel::onSnapshotApplied);
    connect(store, &FleetStore::statusChanged, this,
        [this](int i) { Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1)); });
}

quintptr FleetTreeModel::encode(const Node& n)
{
    return quintptr(n.level) | (quintptr(n.gateway) & kMask) << 2 | (quintptr(n.backend) & kMask) << (2 + kGatewayBits);
}

FleetTreeModel::Node FleetTreeModel::decode(quintptr id)
{
    return Node { int(id & 3), int((id >> 2) & kMask),
        int((id >> (2 + kGatewayBits)) & ((quintptr(1) << kBackendBits) - 1)) };
}

int FleetTreeModel::backendCount(int gateway) const
{
    if (gateway < 0 || gateway >= m_store->gatewayCount() || m_hidden.value(gateway))
        return 0;
    const auto& snap = m_store->entry(gateway).snapshot;
    return snap ? int(snap->backends.size()) : 0;
}

int FleetTreeModel::serverCount(int gateway, int backend) const
{
    if (backend < 0 || backend >= backendCount(gateway))
        return 0;
    return int(m_store->entry(gateway).snapshot->backends.at(backend).servers.size());
}

void FleetTreeModel::onSnapshotApplied(int gateway, bool shapeChanged)
{
    if (shapeChanged) {
        if (m_pendingRemoval == gateway) {
            m_hidden[gateway] = true;
            endRemoveRows();
            m_pendingRemoval = -1;
        }
        m_hidden[gateway] = true;
        const auto& snap = m_store->entry(gateway).snapshot;
        const int count = snap ? int(snap->backends.size()) : 0;
        if (count > 0) {
            beginInsertRows(gatewayIndex(gateway), 0, count - 1);
            m_hidden[gateway] = false;
            endInsertRows();
        } else {
            m_hidden[gateway] = false;
        }
    }
    if (m_updateInterval > 0) {
        m_dirty.resize(m_store->gatewayCount());
        m_dirty[gateway] = true;
        if (!m_pending) {
            m_pending = true;
            QTimer::singleShot(m_updateInterval, this, [this] {
                m_pending = false;
                for (int g = 0; g < m_dirty.size() && g < m_store->gatewayCount(); ++g) {
                    if (m_dirty.at(g))
                        announceValues(g);
                }
                m_dirty.fill(false);
            });
        }
        return;
    }
    announceValues(gateway);
}

void FleetTreeModel::setUpdateInterval(int ms)
{
    m_updateInterval = qMax(0, ms);
}

void FleetTreeModel::announceValues(int gateway)
{
    const QModelIndex gw = gatewayIndex(gateway);
    Q_EMIT dataChanged(gw, gw.siblingAtColumn(ColumnCount - 1));
    const int backends = backendCount(gateway);
    if (backends == 0)
        return;
    Q_EMIT dataChanged(index(0, 0, gw), index(backends - 1, ColumnCount - 1, gw));
    for (int b = 0; b < backends; ++b) {
        const QModelIndex be = index(b, 0, gw);
        if (const int servers = serverCount(gateway, b); servers > 0)
            Q_EMIT dataChanged(index(0, 0, be), index(servers - 1, ColumnCount - 1, be));
    }
}

QModelIndex FleetTreeModel::gatewayIndex(int gateway) const
{
    return index(gateway, 0);
}

QModelIndex FleetTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid()) {
        if (row >= m_store->gatewayCount())
            return {};
        return createIndex(row, column, encode(Node { 0, row, 0 }));
    }
    if (parent.column() != 0)
        return {};
    const Node p = decode(parent.internalId());
    if (p.level == 0) {
        if (row >= backendCount(p.gateway))
            return {};
        return createIndex(row, column, encode(Node { 1, p.gateway, row }));
    }
    if (p.level == 1) {
        if (row >= serverCount(p.gateway, p.backend))
            return {};
        return createIndex(row, column, encode(Node { 2, p.gateway, p.backend }));
    }
    return {};
}

QModelIndex FleetTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    const Node n = decode(child.internalId());
    if (n.level == 1)
        return createIndex(n.gateway, 0, encode(Node { 0, n.gateway, 0 }));
    if (n.level == 2)
        return createIndex(n.backend, 0, encode(Node { 1, n.gateway, n.backend }));
    return {};
}

int FleetTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return m_store->gatewayCount();
    if (parent.column() != 0)
        return 0;
    const Node p = decode(parent.internalId());
    if (p.level == 0)
        return backendCount(p.gateway);
    if (p.level == 1)
        return serverCount(p.gateway, parent.row());
    return 0;
}

int FleetTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant FleetTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case StateColumn:
        return tr("State");
    case RateColumn:
        return tr("req/s");
    case AlertsColumn:
        return tr("Alerts");
    default:
        return {};
    }
}

void FleetTreeModel::setAlerts(const AlertBoard* alerts)
{
    m_alerts = alerts;
    if (!m_alerts)
        return;
    connect(m_alerts, &AlertBoard::changed, this, [this] {
        for (int g = 0; g < m_store->gatewayCount(); ++g)
            announceValues(g);
    });
}

QVariant FleetTreeModel::alertBadge(int role, const QString& gateway, const QString& pool, const QString& server) const
{
    if (!m_alerts || !m_alerts->configured())
        return {};
    const QList<Alert> alerts = m_alerts->alertsFor(gateway, pool, server);
    if (alerts.isEmpty())
        return {};
    const int firing = m_alerts->firingCount(gateway, pool, server);
    switch (role) {
    case Qt::DisplayRole:
        // Narrow, the tree is: an icon and a count; the tooltip names them.
        return firing > 0 ? QString::number(firing) : tr("%1 muted").arg(alerts.size());
    case Qt::DecorationRole:
        // From the resources, not a font glyph (a font without it draws an empty box).
        return firing > 0 ? QIcon(QStringLiteral(":/icons/warning.svg")) : QVariant();
    case Qt::ForegroundRole:
        return QBrush(
            firing > 0 ? StateColours::of(StateColours::Role::Bad) : StateColours::of(StateColours::Role::Muted));
    case Qt::ToolTipRole: {
        QStringList lines;
        for (const Alert& a : alerts)
            lines.append(printable(a.silenced() ? tr("%1 (silenced)").arg(a.describe()) : a.describe(), kShownName));
        return lines.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

QVariant FleetTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node n = decode(index.internalId());
    const FleetStore::Entry& e = m_store->entry(n.gateway);
    const QString gwName = e.config.name;

    if (n.level == 0) {
        const QString subject = SeriesKeys::subject(gwName);
        if (index.column() == AlertsColumn)
            return alertBadge(role, gwName);
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return printable(gwName, kShownName);
            if (index.column() == StateColumn) {
                const QString config = e.snapshot ? e.snapshot->configState() : QString();
                return config.isEmpty() ? label(e.status.connection)
                                        : tr("%1, %2").arg(label(e.status.connection), config);
            }
            if (index.column() == RateColumn)
                return formatRate(m_metrics->latest(SeriesKeys::requestRate(subject)));
            return {};
        case Qt::ForegroundRole:
            if (index.column() == StateColumn && e.status.stale())
                return QBrush(StateColours::of(StateColours::Role::Bad));
            if (index.column() == StateColumn && e.snapshot && !e.snapshot->configState().isEmpty())
                return QBrush(StateColours::of(StateColours::Role::Warning));
            return {};
        case Qt::ToolTipRole: {
            QString tip = e.config.admin.toString();
            if (e.snapshot && !e.snapshot->configDetail().isEmpty())
                tip += QLatin1Char('\n') + e.snapshot->configDetail();
            if (!e.status.lastError.isEmpty())
                tip += QLatin1Char('\n') + e.status.lastError;
            if (e.config.plaintextOverNetwork())
                tip += tr("\nPlaintext admin channel across the network: tunnel it (SSH port forward).");
            return tip;
        }
        case KindRole:
            return int(NodeKind::Gateway);
        case GatewayRole:
            return gwName;
        case SubjectRole:
            return subject;
        default:
            return {};
        }
    }

    const BackendSnapshot& be = e.snapshot->backends.at(n.backend);
    if (n.level == 1) {
        const QString subject = SeriesKeys::subject(gwName, be.name);
        if (index.column() == AlertsColumn)
            return alertBadge(role, gwName, be.name);
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == NameColumn)
                return printable(be.name, kShownName);
            if (index.column() == StateColumn)
                return be.backups() > 0
                    ? tr("%1/%2 serving, %3 backup").arg(be.serving()).arg(be.meantToServe()).arg(be.backups())
                    : tr("%1/%2 serving").arg(be.serving()).arg(be.meantToServe());
            if (index.column() == RateColumn)
                return formatRate(m_metrics->latest(SeriesKeys::requestRate(subject)));
            return {};
        case Qt::ForegroundRole:
            if (index.column() == StateColumn && be.serving() < be.meantToServe())
                return QBrush(be.serving() == 0 ? StateColours::of(StateColours::Role::Bad)
                                                : StateColours::of(StateColours::Role::Warning));
            return {};
        case Qt::ToolTipRole: {
            // What the driver knows of the pool: how it balances and what sends traffic to it.
            QStringList tip;
            if (!be.algorithm.isEmpty())
                tip.append(tr("Balancing: %1").arg(printable(be.algorithm, kShownName)));
            if (!be.routes.isEmpty())
                tip.append(
                    tr("Routes into it: %1").arg(printable(be.routes.join(QStringLiteral("; ")), kMaxMessageLength)));
            tip.append(tr("%1 of %2 meant to serve are serving").arg(be.serving()).arg(be.meantToServe()));
            if (be.backups() > 0)
                tip.append(tr("%n backup(s), serving only when no other server can", nullptr, be.backups()));
            return tip.join(QLatin1Char('\n'));
        }
        case KindRole:
            return int(NodeKind::Backend);
        case GatewayRole:
            return gwName;
        case BackendRole:
            return be.name;
        case SubjectRole:
            return subject;
        default:
            return {};
        }
    }

    const ServerSnapshot& s = be.servers.at(index.row());
    const QString subject = SeriesKeys::subject(gwName, be.name, s.name);
    if (index.column() == AlertsColumn)
        return alertBadge(role, gwName, be.name, s.name);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return printable(s.name, kShownName);
        if (index.column() == StateColumn)
            return s.admin == AdminState::Ready ? label(s.health) : label(s.admin);
        if (index.column() == RateColumn)
            return formatRate(m_metrics->latest(SeriesKeys::requestRate(subject)));
        return {};
    case KindRole:
        return int(NodeKind::Server);
    case GatewayRole:
        return gwName;
    case BackendRole:
        return be.name;
    case ServerRole:
        return s.name;
    case SubjectRole:
        return subject;
    case ServerRefRole:
        return QVariant::fromValue(ServerRef { gwName, be.name, s.name });
    default:
        return {};
    }
}

} // namespace Fleetdeck
