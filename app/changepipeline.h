#pragma once

#include <functional>
#include <memory>

#include <QHash>
#include <QObject>
#include <QSet>

#include "change.h"

namespace Fleetdeck {

class EventLog;
class FleetStore;
class Journal;
class Poller;

// The one way a change reaches a gateway, whatever its kind and whichever form asked for it:
//   validate -> re-read the gateway (a conflict or a missing object is not sent) -> journal the attempt -> send ->
//   re-read and verify (as often as the product asks) -> journal the result -> report, with what undoes it.
// Changes to different gateways run side by side; changes to one gateway go one at a time, in order.
class ChangePipeline final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChangePipeline)

public:
    ChangePipeline(Poller* poller, FleetStore* store, QObject* parent = nullptr);
    ~ChangePipeline() override;

    // Every attempt and its result are appended here before the result is reported (optional).
    void setJournal(Journal* journal) { m_journal = journal; }
    // Where Fleetdeck's own changes are recorded as events (optional).
    void setEventLog(EventLog* events) { m_events = events; }
    // Non-empty: every change is refused before anything is sent, with this reason.
    void setReadOnly(const QString& reason) { m_readOnlyReason = reason; }
    // Why every change is refused now: the reason set above, or the journal's (empty: changes may be made).
    QString readOnlyReason() const;

    // Runs a request; `finished` reports it under the returned id. reviewedTogether: once a change fails on a
    // gateway, the later ones to that gateway are not sent.
    quint64 submit(const QList<Change>& changes, const QString& description, bool reviewedTogether);
    // Stops a request before its next step (a removal between drain, wait, maintenance and delete).
    void cancel(quint64 id) { m_cancelled.insert(id); }
    // Request ids are shared with the requests built on this one (rolling changes).
    quint64 takeId() { return m_nextId++; }
    // A request on the gateway is submitted and not finished: its admin channel must stay open until it is.
    bool underWay(const QString& gateway) const { return m_underWay.value(gateway) > 0; }

Q_SIGNALS:
    void started(quint64 id, const QString& description);
    void finished(const Fleetdeck::ActionReport& report);
    void removalProgress(quint64 id, const QString& stage, int sessions, int elapsedMs);

private:
    struct Request;
    struct Run;
    using RunPtr = std::shared_ptr<Run>;

    void runGateway(const RunPtr& run);
    // Reads the parts of the gateway the changes at `indices` are checked against.
    // Before sending, a recent reading may stand in where the gateway checks the version itself; a verification
    // always reads.
    enum class Reading { BeforeSending, Verifying };
    void read(
        const RunPtr& run, const QList<int>& indices, Reading why, std::function<void(Result<GatewayState>)> then);
    void prepare(const RunPtr& run, const GatewayState& now);
    void sendFrom(const RunPtr& run, int position);
    // The gateway accepted the change at `position`: verify it now, or with the others at the end.
    void accepted(const RunPtr& run, int position);
    // It did not: say why, and stop a request reviewed together.
    void refused(const RunPtr& run, int position, const QString& message, bool conflict);
    void verify(const RunPtr& run, const QList<int>& indices, int attempt, std::function<void()> then);
    // Safe removal, step by step (drain, wait for sessions, maintenance, delete), each skipped where the product
    // has no such step; cancel() stops it before the next.
    void remove(const RunPtr& run, int position, int stage);
    // Marks every change after `position` not sent, for `why`.
    void stopAfter(const RunPtr& run, int position, const QString& why);
    void notSent(const RunPtr& run, const QString& why);
    void finishGateway(const RunPtr& run);
    void finish(const std::shared_ptr<Request>& request);
    void recordEvents(const ActionReport& report);

    Poller* m_poller;
    FleetStore* m_store;
    Journal* m_journal = nullptr;
    EventLog* m_events = nullptr;
    QString m_readOnlyReason;
    QSet<quint64> m_cancelled;
    QHash<QString, int> m_underWay; // per gateway: its runs submitted and not finished
    quint64 m_nextId = 1;
};

} // namespace Fleetdeck
