#pragma once

#include <QSet>

class QUndoCommand;

namespace Fleetdeck {

class FleetActions;
struct ActionReport;

// The undo-stack entry for one verified request, of any kind (state, weight, add, remove, rate limits); null
// when nothing in the report can be undone. Undo and redo send new requests, whose ids go into `requests` so the
// window does not push them again.
QUndoCommand* makeChangeCommand(FleetActions* fleet, QSet<quint64>* requests, const ActionReport& report);

} // namespace Fleetdeck
