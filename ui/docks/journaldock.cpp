#include "journaldock.h"

#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "eventlog.h"
#include "journalmodel.h"

namespace Fleetdeck {

JournalDock::JournalDock(JournalModel* journal, QWidget* parent)
    : QDockWidget(tr("Change journal"), parent)
{
    setObjectName(QStringLiteral("journalDock"));

    auto* proxy = new EventFilterProxy(this);
    proxy->setSourceModel(journal);
    auto* filter = new QLineEdit;
    filter->setObjectName(QStringLiteral("journalFilter"));
    filter->setPlaceholderText(tr("Filter the journal: gateway, server, result, user…"));
    filter->setClearButtonEnabled(true);
    connect(filter, &QLineEdit::textChanged, proxy, &EventFilterProxy::setSearchText);
    auto* exportButton = new QPushButton(tr("Export CSV…"));
    exportButton->setObjectName(QStringLiteral("journalExport"));
    connect(exportButton, &QPushButton::clicked, this, [this, journal] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export journal"), QStringLiteral("fleetdeck-journal.csv"), tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(journal->toCsv()) < 0)
            QMessageBox::warning(
                this, tr("Export journal"), tr("Could not write %1: %2").arg(path, file.errorString()));
    });
    auto* view = new QTableView;
    view->setObjectName(QStringLiteral("journalTable"));
    view->setAccessibleName(tr("Change journal"));
    view->setModel(proxy);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 4);
    view->horizontalHeader()->setStretchLastSection(true);
    view->setWordWrap(false);
    connect(journal, &QAbstractItemModel::rowsInserted, view, [view] { view->scrollToBottom(); });
    auto* top = new QHBoxLayout;
    top->addWidget(filter, 1);
    top->addWidget(exportButton);
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(view);
    setWidget(box);
}

} // namespace Fleetdeck
