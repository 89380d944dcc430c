#include "bigfleetmodel.h"

#include <algorithm>
#include <set>

#include <QBrush>

#include "printable.h"
#include "statecolours.h"

namespace Fleetdeck {

namespace {
constexpr double kErrorsCritical = 0.05;
constexpr double kErrorsWarning = 0.01;

QString figure(double v, int decimals)
{
    return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', decimals);
}
} // namespace

double DiscoveredGateway::errorShare() const
{
    if (std::isnan(requestsPerSecond) || requestsPerSecond <= 0 || std::isnan(errorsPerSecond))
        return std::nan("");
    return errorsPerSecond / requestsPerSecond;
}

DiscoveredGateway::Trouble DiscoveredGateway::trouble() const
{
    const double share = errorShare();
    if ((servers > 0 && serversUp == 0) || share >= kErrorsCritical)
        return Trouble::Critical;
    if (std::isnan(serversUp) || std::isnan(servers) || serversUp < servers || share >= kErrorsWarning)
        return Trouble::Warning;
    return Trouble::None;
}

double DiscoveredGateway::troubleScore() const
{
    const double down = servers > 0 && !std::isnan(serversUp) ? (servers - serversUp) / servers : 0;
    const double share = errorShare();
    return 10.0 * int(trouble()) + down + (std::isnan(share) ? 0 : std::min(1.0, share));
}

BigFleetModel::BigFleetModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

void BigFleetModel::setGroupBy(const QStringList& labels)
{
    if (labels == m_groupBy)
        return;
    beginResetModel();
    m_groupBy = labels;
    regroup();
    endResetModel();
}

QString BigFleetModel::groupTitle(const DiscoveredGateway& g) const
{
    if (m_groupBy.isEmpty())
        return tr("all gateways");
    QStringList parts;
    for (const QString& label : m_groupBy) {
        const QString value = groupValue(g, label);
        parts.append(label + QLatin1Char('=') + (value.isEmpty() ? tr("(none)") : value));
    }
    return parts.join(QLatin1Char(' '));
}

QString BigFleetModel::groupValue(const DiscoveredGateway& g, const QString& label) const
{
    return label == QLatin1String("product") && !g.labels.contains(label) ? g.product : g.labels.value(label);
}

void BigFleetModel::regroup()
{
    m_groups.clear();
    m_groupOf = QVector<int>(m_gateways.size(), 0);
    m_rowInGroup = QVector<int>(m_gateways.size(), 0);
    QMap<QString, int> byTitle; // groups in title order
    QVector<QString> titles(m_gateways.size());
    for (int i = 0; i < m_gateways.size(); ++i) {
        titles[i] = groupTitle(m_gateways.at(i));
        byTitle.insert(titles.at(i), 0);
    }
    for (auto it = byTitle.begin(); it != byTitle.end(); ++it) {
        it.value() = int(m_groups.size());
        m_groups.append(Group { it.key(), {}, 0, 0, 0 });
    }
    for (int i = 0; i < m_gateways.size(); ++i) {
        Group& group = m_groups[byTitle.value(titles.at(i))];
        m_groupOf[i] = byTitle.value(titles.at(i));
        m_rowInGroup[i] = int(group.members.size());
        group.members.append(i);
    }
    countTrouble();
}

void BigFleetModel::countTrouble()
{
    for (Group& group : m_groups) {
        group.worst = 0;
        group.critical = group.warning = 0;
        for (int i : std::as_const(group.members)) {
            const DiscoveredGateway& g = m_gateways.at(i);
            group.worst = std::max(group.worst, g.troubleScore());
            group.critical += g.trouble() == DiscoveredGateway::Trouble::Critical;
            group.warning += g.trouble() == DiscoveredGateway::Trouble::Warning;
        }
    }
}

void BigFleetModel::setRefreshStatus(const QString& text, bool failed)
{
    m_status = text;
    m_statusFailed = failed;
    Q_EMIT refreshStatusChanged();
}

void BigFleetModel::setGateways(QVector<DiscoveredGateway> gateways)
{
    const auto byName = [](const DiscoveredGateway& a, const DiscoveredGateway& b) { return a.name < b.name; };
    if (!std::is_sorted(gateways.cbegin(), gateways.cend(), byName)) // read onto the last members: already sorted
        std::sort(gateways.begin(), gateways.end(), byName);
    bool sameShape = gateways.size() == m_gateways.size();
    for (int i = 0; sameShape && i < gateways.size(); ++i) {
        sameShape = gateways.at(i).name == m_gateways.at(i).name;
        for (int l = 0; sameShape && l < m_groupBy.size(); ++l)
            sameShape = groupValue(gateways.at(i), m_groupBy.at(l)) == groupValue(m_gateways.at(i), m_groupBy.at(l));
    }
    if (!sameShape) {
        beginResetModel();
        m_gateways = std::move(gateways);
        m_byName.clear();
        for (int i = 0; i < m_gateways.size(); ++i)
            m_byName.insert(m_gateways.at(i).name, i);
        regroup();
        endResetModel();
        return;
    }
    // The same gateways in the same groups: new figures in place, one dataChanged per group.
    m_gateways = std::move(gateways);
    countTrouble();
    for (int g = 0; g < m_groups.size(); ++g) {
        Q_EMIT dataChanged(index(g, 0), index(g, ColumnCount - 1));
        if (!m_groups.at(g).members.isEmpty()) {
            const QModelIndex parent = index(g, 0);
            Q_EMIT dataChanged(
                index(0, 0, parent), index(int(m_groups.at(g).members.size()) - 1, ColumnCount - 1, parent));
        }
    }
}

const DiscoveredGateway* BigFleetModel::gateway(const QString& name) const
{
    const auto it = m_byName.constFind(name);
    return it == m_byName.cend() ? nullptr : &m_gateways.at(*it);
}

QStringList BigFleetModel::labelNames() const
{
    std::set<QString> names;
    for (const DiscoveredGateway& g : m_gateways)
        for (auto it = g.labels.cbegin(); it != g.labels.cend(); ++it)
            names.insert(it.key());
    return QStringList(names.begin(), names.end());
}

QModelIndex BigFleetModel::index(int row, int column, const QModelIndex& parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < m_groups.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= m_groups.size())
        return {};
    return row < m_groups.at(parent.row()).members.size() ? createIndex(row, column, quintptr(parent.row() + 1))
                                                          : QModelIndex();
}

QModelIndex BigFleetModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int BigFleetModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_groups.size())
        return 0;
    return int(m_groups.at(parent.row()).members.size());
}

int BigFleetModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant BigFleetModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* names[] = { "Gateway", "Trouble", "req/s", "5xx", "Servers up", "Sessions", "Labels" };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QVariant BigFleetModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (role == IsGroupRole)
        return index.internalId() == 0;
    if (index.internalId() == 0)
        return index.row() < m_groups.size() ? groupData(m_groups.at(index.row()), index.column(), role) : QVariant();
    const Group& group = m_groups.at(int(index.internalId() - 1));
    if (index.row() >= group.members.size())
        return {};
    return gatewayData(m_gateways.at(group.members.at(index.row())), index.column(), role);
}

QVariant BigFleetModel::groupData(const Group& group, int column, int role) const
{
    if (role == SortRole)
        return column == NameColumn ? QVariant(group.title) : QVariant(group.worst);
    if (role == TroubleRole)
        return group.critical > 0 ? 2 : group.warning > 0 ? 1 : 0;
    if (role == Qt::ForegroundRole && column == TroubleColumn && (group.critical > 0 || group.warning > 0))
        return QBrush(StateColours::of(group.critical > 0 ? StateColours::Role::Bad : StateColours::Role::Warning));
    if (role != Qt::DisplayRole)
        return {};
    // The group's figures: the sums of its members' (those Prometheus had).
    auto sum = [this, &group](double DiscoveredGateway::*figure) {
        double total = 0;
        bool any = false;
        for (int i : group.members)
            if (const double v = m_gateways.at(i).*figure; !std::isnan(v)) {
                total += v;
                any = true;
            }
        return any ? total : std::nan("");
    };
    switch (column) {
    case NameColumn:
        return tr("%1 (%n gateway(s))", nullptr, int(group.members.size())).arg(printable(group.title, kShownName));
    case RequestsColumn:
        return figure(sum(&DiscoveredGateway::requestsPerSecond), 1);
    case ErrorsColumn: {
        const double requests = sum(&DiscoveredGateway::requestsPerSecond);
        const double errors = sum(&DiscoveredGateway::errorsPerSecond);
        return std::isnan(errors) || !(requests > 0) ? QStringLiteral("–")
                                                     : QStringLiteral("%1 %").arg(errors / requests * 100, 0, 'f', 1);
    }
    case ServersColumn: {
        const double servers = sum(&DiscoveredGateway::servers);
        return std::isnan(servers)
            ? QStringLiteral("–")
            : QStringLiteral("%1 / %2").arg(figure(sum(&DiscoveredGateway::serversUp), 0), figure(servers, 0));
    }
    case SessionsColumn:
        return figure(sum(&DiscoveredGateway::sessions), 0);
    case TroubleColumn:
        if (group.critical == 0 && group.warning == 0)
            return tr("all well");
        return tr("%1 critical, %2 warning").arg(group.critical).arg(group.warning);
    default:
        return {};
    }
}

QVariant BigFleetModel::gatewayData(const DiscoveredGateway& g, int column, int role) const
{
    if (role == NameRole)
        return g.name;
    if (role == SearchTextRole) {
        QString text = g.name;
        for (auto it = g.labels.cbegin(); it != g.labels.cend(); ++it)
            text += QLatin1Char(' ') + it.key() + QLatin1Char('=') + it.value();
        return text;
    }
    if (role == TroubleRole)
        return int(g.trouble());
    if (role == SortRole) {
        switch (column) {
        case NameColumn:
            return g.name;
        case TroubleColumn:
            return g.troubleScore();
        case RequestsColumn:
            return std::isnan(g.requestsPerSecond) ? -1.0 : g.requestsPerSecond;
        case ErrorsColumn:
            return std::isnan(g.errorShare()) ? -1.0 : g.errorShare();
        case ServersColumn:
            return std::isnan(g.serversUp) ? -1.0 : g.serversUp;
        case SessionsColumn:
            return std::isnan(g.sessions) ? -1.0 : g.sessions;
        default:
            return {};
        }
    }
    if (role == Qt::ForegroundRole && column == TroubleColumn && g.trouble() != DiscoveredGateway::Trouble::None)
        return QBrush(
            StateColours::of(g.trouble() == DiscoveredGateway::Trouble::Critical ? StateColours::Role::Bad
                                                                                 : StateColours::Role::Warning));
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (column) {
    case NameColumn: // the names and labels a peer reported, escaped (the tooltip has them whole)
        return role == Qt::ToolTipRole ? printable(g.name) : printable(g.name, kShownName);
    case TroubleColumn: {
        if (std::isnan(g.serversUp) || std::isnan(g.servers))
            return tr("no figures");
        if (g.trouble() == DiscoveredGateway::Trouble::None)
            return tr("well");
        QStringList why;
        if (g.serversUp < g.servers)
            why.append(tr("%1 down").arg(g.servers - g.serversUp));
        if (const double share = g.errorShare(); share >= kErrorsWarning)
            why.append(tr("%1 % 5xx").arg(share * 100, 0, 'f', 1));
        return why.join(QStringLiteral(", "));
    }
    case RequestsColumn:
        return figure(g.requestsPerSecond, 1);
    case ErrorsColumn: {
        const double share = g.errorShare();
        return std::isnan(share) ? QStringLiteral("–") : QStringLiteral("%1 %").arg(share * 100, 0, 'f', 1);
    }
    case ServersColumn:
        return std::isnan(g.servers) ? QStringLiteral("–")
                                     : QStringLiteral("%1 / %2").arg(figure(g.serversUp, 0), figure(g.servers, 0));
    case SessionsColumn:
        return figure(g.sessions, 0);
    case LabelsColumn: {
        QStringList parts;
        for (auto it = g.labels.cbegin(); it != g.labels.cend(); ++it)
            parts.append(it.key() + QLatin1Char('=') + it.value());
        return role == Qt::ToolTipRole ? printable(parts.join(QLatin1Char(' ')), kMaxMessageLength)
                                       : printable(parts.join(QLatin1Char(' ')), 2 * kShownName);
    }
    default:
        return {};
    }
}

BigFleetFilter::BigFleetFilter(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortRole(BigFleetModel::SortRole);
}

void BigFleetFilter::setSearchText(const QString& text)
{
    m_words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    invalidateFilter();
}

bool BigFleetFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_words.isEmpty())
        return true;
    if (!sourceParent.isValid())
        return false; // a group shows through its members (recursive filtering)
    const QString text = sourceModel()
                             ->index(sourceRow, BigFleetModel::NameColumn, sourceParent)
                             .data(BigFleetModel::SearchTextRole)
                             .toString();
    return std::all_of(m_words.cbegin(), m_words.cend(),
        [&text](const QString& word) { return text.contains(word, Qt::CaseInsensitive); });
}

bool BigFleetFilter::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant a = left.data(BigFleetModel::SortRole);
    const QVariant b = right.data(BigFleetModel::SortRole);
    if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double)
        return a.toDouble() < b.toDouble();
    return a.toString() < b.toString();
}

} // namespace Fleetdeck
