#include "changecommand.h"

#include <QUndoCommand>

#include "fleetactions.h"

namespace Fleetdeck {

namespace {
// One applied request on the undo stack, of any kind: undo sends what the pipeline said puts each change back (last
// first), redo sends the changes again. Each is a request of its own, re-read, verified and journaled.
class ChangeCommand final : public QUndoCommand
{
public:
    ChangeCommand(FleetActions* fleet, QSet<quint64>* requests, const ActionReport& report)
        : m_fleet(fleet)
        , m_requests(requests)
        , m_back(report.undoChanges())
        , m_forward(report.doneChanges())
    {
        setText(report.description);
    }
    bool isEmpty() const { return m_back.isEmpty(); }
    void undo() override { m_requests->insert(m_fleet->apply(m_back, QObject::tr("undo: %1").arg(text()))); }
    void redo() override
    {
        if (m_first) { // already applied when pushed
            m_first = false;
            return;
        }
        QList<Change> again = m_forward;
        for (Change& c : again)
            c.baseVersion.clear(); // against the config as it is when redoing
        m_requests->insert(m_fleet->apply(again, QObject::tr("redo: %1").arg(text())));
    }

private:
    FleetActions* m_fleet;
    QSet<quint64>* m_requests;
    QList<Change> m_back;
    QList<Change> m_forward;
    bool m_first = true;
};
} // namespace

QUndoCommand* makeChangeCommand(FleetActions* fleet, QSet<quint64>* requests, const ActionReport& report)
{
    auto* command = new ChangeCommand(fleet, requests, report);
    if (command->isEmpty()) {
        delete command;
        return nullptr;
    }
    return command;
}

} // namespace Fleetdeck
