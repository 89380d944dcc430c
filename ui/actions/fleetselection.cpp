#include "fleetselection.h"

#include <QItemSelectionModel>
#include <QTreeView>

#include "modelroles.h"
#include "pages/poolpage.h"

namespace Fleetdeck {

FleetSelection::FleetSelection(QTreeView* tree, PoolPage* page, QObject* parent)
    : QObject(parent)
    , m_tree(tree)
    , m_page(page)
{
    connect(page, &PoolPage::selectionChanged, this, &FleetSelection::changed);
    connect(tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FleetSelection::changed);
}

QList<ServerRef> FleetSelection::servers() const
{
    return m_page->selectedServers();
}

QString FleetSelection::gateway() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(GatewayRole).toString();
}

QString FleetSelection::backend() const
{
    const QModelIndexList rows = m_tree->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(BackendRole).toString();
}

} // namespace Fleetdeck
