#include "changereports.h"

#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QUndoStack>

#include "changecommand.h"
#include "fleetactions.h"

namespace Fleetdeck {

ChangeReports::ChangeReports(FleetActions* fleet, QUndoStack* undo, QWidget* window, QStatusBar* status)
    : QObject(window)
    , m_fleet(fleet)
    , m_undo(undo)
    , m_window(window)
    , m_status(status)
{
    connect(fleet, &FleetActions::actionStarted, this,
        [this](quint64, const QString& description) { m_status->showMessage(tr("Working: %1…").arg(description)); });
    connect(fleet, &FleetActions::actionFinished, this, &ChangeReports::finished);
}

void ChangeReports::finished(const ActionReport& report)
{
    if (!m_undoRequests.remove(report.id)) {
        if (QUndoCommand* command = makeChangeCommand(m_fleet, &m_undoRequests, report))
            m_undo->push(command);
    }
    if (report.ok()) {
        m_status->showMessage(tr("Done and verified: %1").arg(report.description), 10000);
        return;
    }
    m_status->showMessage(
        tr("Failed: %1 (%2 of %3)").arg(report.description).arg(report.failures()).arg(report.outcomes.size()), 15000);
    QStringList lines;
    for (const ActionOutcome& o : report.outcomes)
        lines.append((o.ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + o.change.describe() + QStringLiteral(": ")
            + o.message);
    // Not modal: the operator keeps working while reading what went wrong.
    QString summary
        = tr("%1: %2 of %3 did not take.").arg(report.description).arg(report.failures()).arg(report.outcomes.size());
    if (!report.outcomes.isEmpty())
        if (const QString hint = m_hints.value(report.outcomes.first().change.kind()); !hint.isEmpty())
            summary += QLatin1Char('\n') + hint;
    auto* box
        = new QMessageBox(QMessageBox::Warning, tr("Change not fully applied"), summary, QMessageBox::Close, m_window);
    box->setObjectName(QStringLiteral("actionFailedBox"));
    // A set that failed half-way: offer to put back what did take.
    if (const QList<Change> back = report.undoChanges();
        !back.isEmpty() && report.failures() < report.outcomes.size()) {
        QPushButton* rollback
            = box->addButton(tr("Roll back the %n that took", nullptr, int(back.size())), QMessageBox::ActionRole);
        rollback->setObjectName(QStringLiteral("rollbackButton"));
        const QString description = tr("roll back: %1").arg(report.description);
        connect(
            rollback, &QPushButton::clicked, this, [this, back, description] { m_fleet->apply(back, description); });
    }
    box->setDetailedText(lines.join(QLatin1Char('\n')));
    box->setInformativeText(lines.mid(0, 5).join(QLatin1Char('\n')));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
}

} // namespace Fleetdeck
