#include "changepipeline.h"

#include <algorithm>

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>

#include "driver.h"
#include "eventlog.h"
#include "fleetstore.h"
#include "journal.h"
#include "poller.h"
#include "printable.h"

namespace Fleetdeck {

namespace {
// How old a reading may be to stand for the one before sending, where the gateway checks the version itself.
constexpr qint64 kRecentReadingMs = 2000;
} // namespace

struct ChangePipeline::Request
{
    ActionReport report;
    bool reviewedTogether = false;
    int gatewaysLeft = 0;
};

// One request's changes to one gateway.
struct ChangePipeline::Run
{
    std::shared_ptr<Request> request;
    QString gateway;
    QList<int> indices; // this gateway's outcomes, in the order asked
    QSet<int> sendable; // passed every check so far
    Capabilities caps;
    QString product;
    QString where; // "name (admin address)", for messages
    GatewayState seen; // as the operator saw it when asking (the store's last poll)
    GatewayState now; // as re-read before sending, and after each verification
    QString chainVersion; // the config version the previous change produced, for the next one
    QList<int> toVerify; // accepted by the gateway, not verified yet
    QElapsedTimer clock; // how long a removal took
    QHash<int, qint64> removedInMs;
    QHash<int, bool> drained;

    ActionOutcome& outcome(int i) { return request->report.outcomes[i]; }
    QList<int> sendableInOrder() const
    {
        QList<int> out;
        for (int i : indices) {
            if (sendable.contains(i))
                out.append(i);
        }
        return out;
    }
};

ChangePipeline::ChangePipeline(Poller* poller, FleetStore* store, QObject* parent)
    : QObject(parent)
    , m_poller(poller)
    , m_store(store)
{
    qRegisterMetaType<ActionReport>();
}

ChangePipeline::~ChangePipeline() = default;

quint64 ChangePipeline::submit(const QList<Change>& changes, const QString& description, bool reviewedTogether)
{
    auto request = std::make_shared<Request>();
    request->report.id = takeId();
    request->report.description = description;
    request->reviewedTogether = reviewedTogether;
    QList<RunPtr> runs;
    for (int i = 0; i < changes.size(); ++i) {
        request->report.outcomes.append(ActionOutcome::of(changes.at(i)));
        const QString gateway = changes.at(i).gateway();
        auto run
            = std::find_if(runs.begin(), runs.end(), [&gateway](const RunPtr& r) { return r->gateway == gateway; });
        if (run == runs.end()) {
            auto r = std::make_shared<Run>();
            r->request = request;
            r->gateway = gateway;
            // What the operator saw when asking: a member changed since then by someone else is a conflict.
            if (const int index = m_store->indexOf(gateway); index >= 0)
                r->seen.pool = m_store->entry(index).snapshot;
            runs.append(r);
            run = runs.end() - 1;
        }
        (*run)->indices.append(i);
    }
    const quint64 id = request->report.id;
    Q_EMIT started(id, description);
    if (const QString refused = readOnlyReason(); !refused.isEmpty() || changes.isEmpty()) {
        // Refused before anything is sent, and said so.
        for (ActionOutcome& o : request->report.outcomes)
            o.message = tr("not sent: Fleetdeck is read-only (%1)").arg(refused);
        QTimer::singleShot(0, this, [this, request] { Q_EMIT finished(request->report); });
        return id;
    }
    request->gatewaysLeft = int(runs.size());
    for (const RunPtr& run : std::as_const(runs))
        ++m_underWay[run->gateway];
    // On the next turn of the event loop: the caller holds the id before any report can come.
    QTimer::singleShot(0, this, [this, runs] {
        for (const RunPtr& run : runs)
            runGateway(run);
    });
    return id;
}

void ChangePipeline::notSent(const RunPtr& run, const QString& why)
{
    for (int i : run->sendableInOrder())
        run->outcome(i).message = why;
    run->sendable.clear();
}

void ChangePipeline::runGateway(const RunPtr& run)
{
    const int index = m_store->indexOf(run->gateway);
    if (index < 0 || !m_poller->driver(run->gateway)) {
        for (int i : run->indices)
            run->outcome(i).message = tr("%1 is not in the fleet").arg(run->gateway);
        finishGateway(run);
        return;
    }
    const FleetStore::Entry& e = m_store->entry(index);
    run->caps = e.capabilities;
    run->product = e.productName;
    run->where = QStringLiteral("%1 (%2)").arg(run->gateway, e.config.admin.toString());
    if (e.config.readOnly) {
        for (int i : run->indices)
            run->outcome(i).message = tr("not sent: %1 is read-only in the fleet").arg(run->gateway);
        finishGateway(run);
        return;
    }
    // Refused before anything is read or sent: what the product does not take, and what is not valid.
    bool anyRefused = false;
    for (int i : run->indices) {
        ActionOutcome& o = run->outcome(i);
        if (const QString no = o.change.refusal(run->caps); !no.isEmpty())
            o.message = tr("%1 (%2) has %3; nothing sent").arg(run->gateway, run->product, no);
        else if (const auto problems = o.change.validate(run->caps); !problems.isEmpty())
            o.message = tr("%1: %2: nothing sent: %3").arg(run->gateway, o.change.describe(), problemsText(problems));
        else
            run->sendable.insert(i);
        anyRefused = anyRefused || !run->sendable.contains(i);
    }
    if (anyRefused && run->request->reviewedTogether)
        notSent(run, tr("not sent: another change of the same request was refused"));
    if (run->sendable.isEmpty()) {
        finishGateway(run);
        return;
    }
    read(run, run->sendableInOrder(), Reading::BeforeSending, [this, run](Result<GatewayState> now) {
        if (!now) {
            notSent(run, tr("%1: not sent, the gateway could not be read first: %2").arg(run->gateway, now.error()));
            finishGateway(run);
            return;
        }
        prepare(run, now.value());
    });
}

void ChangePipeline::read(
    const RunPtr& run, const QList<int>& indices, Reading why, std::function<void(Result<GatewayState>)> then)
{
    QSet<Domain> domains;
    for (int i : indices)
        domains.insert(run->outcome(i).change.domain());
    // One part after the other; each may fail on its own.
    auto state = std::make_shared<GatewayState>();
    auto readCache = [this, run, domains, state, then] {
        Drivers::Driver* driver = m_poller->driver(run->gateway);
        if (!domains.contains(Domain::Cache)) {
            then(Result<GatewayState>::success(*state));
            return;
        }
        if (!driver) {
            then(Result<GatewayState>::failure(tr("%1 was removed from the fleet meanwhile").arg(run->gateway)));
            return;
        }
        driver->readCachePolicy([state, then](Result<CachePolicy> policy) {
            if (!policy) {
                then(Result<GatewayState>::failure(policy.error(), policy.failureKind()));
                return;
            }
            state->cache = policy.value();
            then(Result<GatewayState>::success(*state));
        });
    };
    auto readLimits = [this, run, domains, state, then, readCache] {
        Drivers::Driver* driver = m_poller->driver(run->gateway);
        if (!domains.contains(Domain::RateLimits)) {
            readCache();
            return;
        }
        if (!driver) {
            then(Result<GatewayState>::failure(tr("%1 was removed from the fleet meanwhile").arg(run->gateway)));
            return;
        }
        driver->readRateLimits([state, then, readCache](Result<RateLimits> limits) {
            if (!limits) {
                then(Result<GatewayState>::failure(limits.error(), limits.failureKind()));
                return;
            }
            state->limits = limits.value();
            readCache();
        });
    };
    if (!domains.contains(Domain::Pool)) {
        readLimits();
        return;
    }
    // A product whose writes name the config version they were made against refuses a stale one itself, so a
    // reading of the last moments (the poller's, or the verification of the previous change) serves as the reading
    // before sending, and the round trip is saved: someone else's change since is still a conflict, at the gateway.
    if (why == Reading::BeforeSending && run->caps.versionedWrites) {
        const int index = m_store->indexOf(run->gateway);
        const GatewaySnapshot* snap
            = index >= 0 && m_store->entry(index).snapshot ? &*m_store->entry(index).snapshot : nullptr;
        if (snap && !snap->configVersion.isEmpty()
            && QDateTime::currentMSecsSinceEpoch() - snap->takenAtMs < kRecentReadingMs) {
            state->pool = *snap;
            readLimits();
            return;
        }
    }
    // Through the poller, so the window shows this read too.
    m_poller->fetch(run->gateway, [state, then, readLimits](const Result<GatewaySnapshot>& pool) {
        if (!pool) {
            then(Result<GatewayState>::failure(pool.error(), pool.failureKind()));
            return;
        }
        state->pool = pool.value();
        readLimits();
    });
}

void ChangePipeline::prepare(const RunPtr& run, const GatewayState& now)
{
    run->now = now;
    bool anyProblem = false;
    for (int i : run->sendableInOrder()) {
        ActionOutcome& o = run->outcome(i);
        if (o.change.domain() == Domain::Cache && now.cache && !now.cache->readOnlyReason.isEmpty()) {
            o.message = tr("%1: not sent: %2").arg(run->gateway, now.cache->readOnlyReason);
        } else if (const ChangeCheck check = o.change.precheck(run->seen, now, run->caps); !check.problem.isEmpty()) {
            o.message = check.problem;
            o.conflict = check.conflict;
        } else {
            continue;
        }
        run->sendable.remove(i);
        anyProblem = true;
    }
    if (anyProblem && run->request->reviewedTogether)
        notSent(run, tr("not sent: another change of the same request cannot be sent"));
    // The journal holds each attempt, with the gateway's state before it, before anything is sent. An attempt it
    // cannot record is not sent, and from then on nothing is: a change that cannot be recorded is not made.
    for (int i : run->sendableInOrder()) {
        ActionOutcome& o = run->outcome(i);
        o.beforeText = o.change.stateText(now);
        o.afterText = o.change.wantedText();
        o.undo = o.change.inverse(now);
        if (const QString refused = readOnlyReason(); !refused.isEmpty()) {
            o.message = tr("not sent: %1").arg(refused);
            run->sendable.remove(i);
            continue;
        }
        if (m_journal && !m_journal->append(JournalEntry::makeAttempt(run->request->report.id, o))) {
            o.message = tr("not sent: the journal could not record it: %1").arg(m_journal->lastError());
            run->sendable.remove(i);
            continue;
        }
        o.sent = true;
    }
    sendFrom(run, 0);
}

void ChangePipeline::sendFrom(const RunPtr& run, int position)
{
    while (position < run->indices.size() && !run->sendable.contains(run->indices.at(position)))
        ++position;
    if (position >= run->indices.size()) {
        verify(run, run->toVerify, 0, [this, run] { finishGateway(run); });
        return;
    }
    Drivers::Driver* driver = m_poller->driver(run->gateway);
    if (!driver) {
        stopAfter(run, position - 1, tr("%1 was removed from the fleet meanwhile").arg(run->gateway));
        finishGateway(run);
        return;
    }
    const int i = run->indices.at(position);
    Change change = run->outcome(i).change;
    // Written against the config version the operator saw, or the one the previous change of this request made.
    if (!run->chainVersion.isEmpty())
        change.baseVersion = run->chainVersion;
    else if (change.baseVersion.isEmpty() && change.domain() == Domain::Pool && run->seen.pool)
        change.baseVersion = run->seen.pool->configVersion;
    run->outcome(i).change.baseVersion = change.baseVersion;
    if (change.kind() == ChangeKind::RemoveMember) {
        remove(run, position, 0);
        return;
    }
    driver->apply(change, run->now, [this, run, position](Result<QString> answer) {
        ActionOutcome& o = run->outcome(run->indices.at(position));
        if (answer) {
            accepted(run, position);
            return;
        }
        const bool conflict = answer.failureKind() == Failure::Conflict;
        refused(run, position,
            conflict ? tr("conflict: %1: %2").arg(run->gateway, answer.error())
                     : tr("%1: %2 refused: %3").arg(run->where, o.change.describe(), answer.error()),
            conflict);
    });
}

void ChangePipeline::accepted(const RunPtr& run, int position)
{
    const int i = run->indices.at(position);
    if (!run->caps.verify.eachChange) {
        run->toVerify.append(i);
        sendFrom(run, position + 1);
        return;
    }
    // The next change is written against the config this one produced: verify it first.
    verify(run, { i }, 0, [this, run, position, i] {
        run->chainVersion = run->now.configVersion();
        if (!run->outcome(i).ok && run->request->reviewedTogether)
            stopAfter(run, position, tr("not sent: an earlier change of the same request failed"));
        sendFrom(run, position + 1);
    });
}

void ChangePipeline::refused(const RunPtr& run, int position, const QString& message, bool conflict)
{
    ActionOutcome& o = run->outcome(run->indices.at(position));
    o.ok = false;
    o.conflict = conflict;
    o.message = message;
    // Later changes were reviewed together with this one: do not send them alone.
    if (run->request->reviewedTogether)
        stopAfter(run, position, tr("not sent: an earlier change of the same request failed"));
    sendFrom(run, position + 1);
}

void ChangePipeline::stopAfter(const RunPtr& run, int position, const QString& why)
{
    for (int p = position + 1; p < run->indices.size(); ++p) {
        const int i = run->indices.at(p);
        if (run->sendable.remove(i))
            run->outcome(i).message = why;
    }
}

void ChangePipeline::verify(const RunPtr& run, const QList<int>& indices, int attempt, std::function<void()> then)
{
    if (indices.isEmpty()) {
        then();
        return;
    }
    read(run, indices, Reading::Verifying, [this, run, indices, attempt, then](Result<GatewayState> after) {
        if (!after) {
            for (int i : indices)
                run->outcome(i).message
                    = tr("%1: sent, but could not re-read to verify: %2").arg(run->gateway, after.error());
            then();
            return;
        }
        if (after.value().pool)
            run->now.pool = after.value().pool;
        if (after.value().limits)
            run->now.limits = after.value().limits;
        if (after.value().cache)
            run->now.cache = after.value().cache;
        bool allGood = true;
        for (int i : indices) {
            ActionOutcome& o = run->outcome(i);
            const Verdict v = o.change.verify(run->now);
            o.ok = v.ok;
            o.message = v.message;
            // The undo is sent only while the object still reads as this change left it: a later change by anyone
            // (a hand edit, a colleague) makes it a conflict instead of being overwritten.
            if (v.ok && o.undo)
                o.undo->expectedState = o.undo->stateText(run->now);
            allGood = allGood && v.ok;
        }
        // A change can take a moment to show: look again, as often as the product asks, before calling it failed.
        if (!allGood && attempt + 1 < run->caps.verify.attempts) {
            QTimer::singleShot(run->caps.verify.delayMs, this,
                [this, run, indices, attempt, then] { verify(run, indices, attempt + 1, then); });
            return;
        }
        then();
    });
}

void ChangePipeline::finishGateway(const RunPtr& run)
{
    for (int i : run->indices) {
        ActionOutcome& o = run->outcome(i);
        // A gateway's answer may be anywhere in the message: escaped and capped before the journal or anyone sees it.
        o.message = printableLines(o.message, kMaxMessageLength);
        if (o.ok && run->removedInMs.contains(i))
            o.message += run->drained.value(i) ? tr(" (drained and deleted in %1 ms)").arg(run->removedInMs.value(i))
                                               : tr(" (deleted in %1 ms)").arg(run->removedInMs.value(i));
        // The journal holds the result before anyone is told of it; a change refused before sending has a result and
        // no attempt.
        if (!o.sent) {
            o.beforeText = o.change.stateText(run->seen);
            o.afterText = o.change.wantedText();
        }
        if (m_journal && !m_journal->append(JournalEntry::makeResult(run->request->report.id, o))) {
            o.message += tr(" (the journal could not record this result: %1)").arg(m_journal->lastError());
        }
    }
    if (--m_underWay[run->gateway] <= 0)
        m_underWay.remove(run->gateway);
    if (--run->request->gatewaysLeft == 0)
        finish(run->request);
}

QString ChangePipeline::readOnlyReason() const
{
    if (!m_readOnlyReason.isEmpty() || !m_journal)
        return m_readOnlyReason;
    return m_journal->refusal();
}

void ChangePipeline::finish(const std::shared_ptr<Request>& request)
{
    recordEvents(request->report);
    Q_EMIT finished(request->report);
}

void ChangePipeline::recordEvents(const ActionReport& report)
{
    if (!m_events)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ActionOutcome& o : report.outcomes)
        m_events->add(FleetEvent { now, FleetEvent::Kind::Change, o.change.gateway(), o.change.object(),
            tr("%1 asked from Fleetdeck: %2").arg(o.change.wantedText(), o.ok ? tr("done and verified") : o.message),
            !o.ok });
}

// The one multi-step send: removing a member safely. Drain it, wait for its sessions to end (or the time the operator
// gave), put it in maintenance, delete it; a product without drain or maintenance skips those steps. Each step is
// reported (removalProgress) and cancel() stops before the next one.
namespace {
enum Stage { Drain, Wait, Maint, Delete };
}

void ChangePipeline::remove(const RunPtr& run, int position, int stage)
{
    const int i = run->indices.at(position);
    ActionOutcome& o = run->outcome(i);
    const Change change = o.change;
    const ServerRef t = change.as<RemoveMemberChange>()->target;
    const int timeoutMs = change.as<RemoveMemberChange>()->drainTimeoutMs;
    const quint64 id = run->request->report.id;
    Drivers::Driver* driver = m_poller->driver(run->gateway);
    if (!driver) {
        refused(run, position, tr("%1 was removed from the fleet meanwhile").arg(run->gateway), false);
        return;
    }
    if (stage == Drain) {
        run->clock.start();
        run->drained[i] = run->caps.can(Feature::Drain) && run->caps.drainBeforeRemove;
        if (!run->drained[i])
            stage = Delete; // a product without drain removes at once; its requests in flight finish on the old config
    }
    if (m_cancelled.remove(id)) {
        refused(run, position,
            stage == Drain ? tr("cancelled before anything was sent; %1 is unchanged").arg(t.displayName())
                           : tr("cancelled; %1 is left %2 and was not deleted")
                                 .arg(t.displayName(), label(stage >= Delete ? AdminState::Maint : AdminState::Drain)),
            false);
        return;
    }
    auto failed = [this, run, position, t](const QString& step, const QString& error, bool conflict) {
        refused(run, position, tr("%1: removing %2 stopped at %3: %4").arg(run->where, t.displayName(), step, error),
            conflict);
    };
    const int elapsed = int(run->clock.elapsed());
    switch (stage) {
    case Drain:
        Q_EMIT removalProgress(id, tr("draining"), -1, elapsed);
        driver->apply(
            ServerStateChange { t, AdminState::Drain }, run->now, [this, run, position, failed](Result<QString> r) {
                if (!r)
                    failed(tr("drain"), r.error(), false);
                else
                    remove(run, position, Wait);
            });
        return;
    case Wait:
        // The operator sees the sessions go down; at zero, or when the time is up, the next step.
        m_poller->fetch(
            run->gateway, [this, run, position, failed, t, id, timeoutMs](const Result<GatewaySnapshot>& now) {
                if (!now) {
                    failed(tr("waiting for sessions"), now.error(), false);
                    return;
                }
                const ServerSnapshot* s = now.value().server(t.backend, t.server);
                if (!s) {
                    failed(tr("waiting for sessions"), tr("the server disappeared"), false);
                    return;
                }
                Q_EMIT removalProgress(
                    id, tr("waiting for sessions to end"), int(s->sessions), int(run->clock.elapsed()));
                if (s->sessions > 0 && run->clock.elapsed() < timeoutMs) {
                    QTimer::singleShot(250, this, [this, run, position] { remove(run, position, Wait); });
                    return;
                }
                remove(run, position, Maint);
            });
        return;
    case Maint:
        if (!run->caps.can(Feature::Maint)) {
            remove(run, position, Delete);
            return;
        }
        Q_EMIT removalProgress(id, tr("maintenance"), 0, elapsed);
        driver->apply(
            ServerStateChange { t, AdminState::Maint }, run->now, [this, run, position, failed](Result<QString> r) {
                if (!r)
                    failed(tr("maintenance"), r.error(), false);
                else
                    remove(run, position, Delete);
            });
        return;
    default:
        Q_EMIT removalProgress(id, tr("deleting"), 0, elapsed);
        driver->apply(change, run->now, [this, run, position, failed, i](Result<QString> r) {
            if (!r) {
                failed(tr("delete"), r.error(), r.failureKind() == Failure::Conflict);
                return;
            }
            run->removedInMs[i] = run->clock.elapsed();
            accepted(run, position);
        });
        return;
    }
}

} // namespace Fleetdeck
