#include "upstreamfilterproxy.h"

#include "modelroles.h"
#include "upstreamtablemodel.h"

namespace Fleetdeck {

UpstreamFilterProxy::UpstreamFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SortRole);
    setDynamicSortFilter(false); // rows re-sort on a header click, not on every poll, so they do not jump
}

void UpstreamFilterProxy::setSearchText(const QString& text)
{
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words == m_words)
        return;
    m_words = words;
    invalidateRowsFilter();
}

void UpstreamFilterProxy::setScope(const QString& gateway, const QString& backend)
{
    if (gateway == m_gateway && backend == m_backend)
        return;
    m_gateway = gateway;
    m_backend = backend;
    invalidateRowsFilter();
}

bool UpstreamFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* m = sourceModel();
    if (const auto* table = qobject_cast<const UpstreamTableModel*>(m); table && !m_gateway.isEmpty()) {
        if (!table->rowIsIn(sourceRow, m_gateway, m_backend))
            return false;
    } else {
        const QModelIndex first = m->index(sourceRow, 0, sourceParent);
        if (!m_gateway.isEmpty() && first.data(GatewayRole).toString() != m_gateway)
            return false;
        if (!m_backend.isEmpty() && first.data(BackendRole).toString() != m_backend)
            return false;
    }
    if (m_words.isEmpty())
        return true;
    static constexpr int searched[] = {
        UpstreamTableModel::GatewayColumn,
        UpstreamTableModel::BackendColumn,
        UpstreamTableModel::ServerColumn,
        UpstreamTableModel::AddressColumn,
        UpstreamTableModel::AdminColumn,
        UpstreamTableModel::HealthColumn,
        UpstreamTableModel::CheckColumn,
    };
    for (const QString& word : m_words) {
        bool found = false;
        for (int column : searched) {
            if (m->index(sourceRow, column, sourceParent).data().toString().contains(word, Qt::CaseInsensitive)) {
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

bool UpstreamFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant l = left.data(SortRole);
    const QVariant r = right.data(SortRole);
    if (l.typeId() == QMetaType::QString || r.typeId() == QMetaType::QString) {
        // Equal names first, without the locale's collation: sorted by gateway, one gateway's hundreds of rows are
        // all equal, and collating each pair cost tens of ms every time a gateway was opened.
        const QString a = l.toString();
        const QString b = r.toString();
        return a != b && QString::localeAwareCompare(a, b) < 0;
    }
    return QVariant::compare(l, r) == QPartialOrdering::Less;
}

} // namespace Fleetdeck
