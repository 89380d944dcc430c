#include "timelinedock.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

#include "eventlog.h"

namespace Fleetdeck {

TimelineDock::TimelineDock(EventLog* events, QWidget* parent)
    : QDockWidget(tr("Incident timeline"), parent)
{
    setObjectName(QStringLiteral("timelineDock"));
    auto* proxy = new EventFilterProxy(this);
    proxy->setSourceModel(events);
    proxy->setSortRole(EventLog::TimeRole);
    proxy->sort(EventLog::TimeColumn, Qt::DescendingOrder); // newest first
    auto* filter = new QLineEdit;
    filter->setObjectName(QStringLiteral("timelineFilter"));
    filter->setPlaceholderText(tr("Filter events: gateway, server, words…"));
    filter->setClearButtonEnabled(true);
    connect(filter, &QLineEdit::textChanged, proxy, &EventFilterProxy::setSearchText);
    auto* view = new QTableView;
    view->setObjectName(QStringLiteral("timelineTable"));
    view->setAccessibleName(tr("Incident timeline"));
    view->setModel(proxy);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 4);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(EventLog::TimeColumn, QHeaderView::ResizeToContents);
    view->horizontalHeader()->setSectionResizeMode(EventLog::ObjectColumn, QHeaderView::ResizeToContents);
    view->setWordWrap(false);
    connect(view, &QTableView::clicked, this,
        [this](const QModelIndex& index) { Q_EMIT eventActivated(index.data(EventLog::TimeRole).toLongLong()); });
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(filter);
    layout->addWidget(view);
    setWidget(box);
}

} // namespace Fleetdeck
