#include "frontendsdock.h"

#include <QHeaderView>
#include <QTableView>

#include "frontendtablemodel.h"

namespace Fleetdeck {

FrontendsDock::FrontendsDock(const FleetStore* store, QWidget* parent)
    : QDockWidget(tr("Frontends"), parent)
{
    setObjectName(QStringLiteral("frontendsDock"));
    auto* view = new QTableView;
    view->setObjectName(QStringLiteral("frontendTable"));
    view->setAccessibleName(tr("Frontends"));
    view->setModel(new FrontendTableModel(store, view));
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    setWidget(view);
}

} // namespace Fleetdeck
