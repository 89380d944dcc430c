#pragma once

#include <QHash>
#include <QObject>
#include <QSet>

#include "change.h"

class QStatusBar;
class QUndoStack;
class QWidget;

namespace Fleetdeck {

class FleetActions;

// What becomes of a finished request in the window: it goes on the undo stack (unless it was itself an undo or
// redo), the status bar says how it ended, and one that did not fully take opens a box (not modal) with each
// change's result and, when some took, an offer to roll those back.
class ChangeReports final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangeReports)

public:
    ChangeReports(FleetActions* fleet, QUndoStack* undo, QWidget* window, QStatusBar* status);

    // A line added to the box of a failed request whose first change is of this kind.
    void setHint(ChangeKind kind, const QString& hint) { m_hints.insert(kind, hint); }

private:
    void finished(const ActionReport& report);

    FleetActions* m_fleet;
    QUndoStack* m_undo;
    QWidget* m_window;
    QStatusBar* m_status;
    QSet<quint64> m_undoRequests; // requests sent by undo or redo: not pushed again
    QHash<ChangeKind, QString> m_hints;
};

} // namespace Fleetdeck
