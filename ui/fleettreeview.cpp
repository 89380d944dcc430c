#include "fleettreeview.h"

#include <QAccessible>
#include <QHeaderView>

#include "fleettreemodel.h"

namespace Fleetdeck {

FleetTreeView::FleetTreeView(QWidget* parent)
    : QTreeView(parent)
{ }

bool FleetTreeView::shown(const QModelIndex& parent) const
{
    for (QModelIndex p = parent; p.isValid(); p = p.parent()) {
        if (!isExpanded(p))
            return false;
    }
    return true;
}

void FleetTreeView::dataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight, const QList<int>& roles)
{
    if (QAccessible::isActive() || topLeft == bottomRight) {
        // A screen reader hears of every change; one index is cheap for the base class.
        QTreeView::dataChanged(topLeft, bottomRight, roles);
        return;
    }
    if (!topLeft.isValid() || !isVisible() || !shown(topLeft.parent()))
        return; // nothing of it is drawn; it is read afresh when its pool is expanded
    // The rows from the first to the last, across the whole width: two look-ups instead of one per index. Rows
    // expanded between them lie between them on screen too, so the rectangle may be larger, never smaller.
    const QRect first = visualRect(topLeft.siblingAtColumn(0));
    const QRect last = visualRect(bottomRight.siblingAtColumn(0));
    if (first.isEmpty() || last.isEmpty()) {
        viewport()->update();
        return;
    }
    const QRect rows(0, first.top(), viewport()->width(), last.bottom() - first.top() + 1);
    const QRect shownRows = rows & viewport()->rect();
    if (!shownRows.isEmpty())
        viewport()->update(shownRows);
}

void FleetTreeView::setFleetModel(FleetTreeModel* model)
{
    setModel(model);
    setUniformRowHeights(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(FleetTreeModel::NameColumn, QHeaderView::Stretch);
    // Fixed widths: ResizeToContents re-measures every visible row's text on every change (measured: the largest
    // UI cost with 20 gateways polled each second).
    const std::pair<int, QString> fixed[] = { { FleetTreeModel::StateColumn, QStringLiteral("unreachable") },
        { FleetTreeModel::RateColumn, QStringLiteral("00000.0") },
        { FleetTreeModel::AlertsColumn, QStringLiteral("Alerts") } };
    for (const auto& [column, widest] : fixed) {
        header()->setSectionResizeMode(column, QHeaderView::Fixed);
        header()->resizeSection(column, fontMetrics().horizontalAdvance(widest) + 12);
    }
}

} // namespace Fleetdeck
