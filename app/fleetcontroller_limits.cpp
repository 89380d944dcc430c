// FleetController, part three: rate limits (read, change, verify).
#include "fleetcontroller.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTimer>

#include "driver.h"
#include "eventlog.h"
#include "historycache.h"
#include "journal.h"
#include "serverspec.h"
#include "wire/prometheusapi.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "serieskeys.h"

namespace Fleetdeck {

namespace {
QString limitText(const RateLimits& limits, const QString& key)
{
    if (key.isEmpty())
        return limits.ipLimit < 0 ? QStringLiteral("none")
                                  : QStringLiteral("%1 per %2 s per IP").arg(limits.ipLimit).arg(limits.windowSeconds);
    const RateLimitEntry* e = limits.entry(key);
    return e ? QStringLiteral("%1 per %2 s").arg(e->limit).arg(limits.windowSeconds) : QStringLiteral("absent");
}
} // namespace

void FleetController::requestRateLimits(const QString& gateway)
{
    readFromDriver<RateLimits>(
        gateway, &Drivers::Driver::readRateLimits, &FleetActions::rateLimitsReceived, &FleetActions::rateLimitsFailed);
}

struct FleetController::LimitRun
{
    ActionReport report;
    QList<RateLimitChange> changes;
    QString gateway;
    RateLimits current;
    QSet<int> sent;
};

quint64 FleetController::changeRateLimits(const QList<RateLimitChange>& changes)
{
    auto run = std::make_shared<LimitRun>();
    run->report.id = m_nextActionId++;
    run->changes = changes;
    run->gateway = changes.isEmpty() ? QString() : changes.first().gateway;
    for (const RateLimitChange& c : changes) {
        ServerAction a;
        a.kind = ServerAction::Kind::RateLimit;
        a.target = { c.gateway, QStringLiteral("ratelimit"), c.key.isEmpty() ? QStringLiteral("per-ip") : c.key };
        a.weight = int(
            qBound<qint64>(qint64(-1), c.limit, qint64(std::numeric_limits<int>::max()))); // the new limit (-1: delete)
        a.detail = c.describe();
        run->report.outcomes.append(ActionOutcome::of(a));
    }
    run->report.description = changes.size() == 1
        ? changes.first().describe()
        : tr("%1 rate-limit changes on %2").arg(changes.size()).arg(run->gateway);
    const quint64 id = run->report.id;
    Q_EMIT actionStarted(id, run->report.description);
    auto failAll = [this, run](const QString& message) {
        for (ActionOutcome& o : run->report.outcomes)
            o.message = message;
        QTimer::singleShot(0, this, [this, run] { finishSingle(run->report); });
    };
    if (const QString no = refusal(run->gateway); !no.isEmpty()) {
        failAll(no);
        return id;
    }
    for (const RateLimitChange& c : changes) {
        if (c.gateway != run->gateway) {
            failAll(tr("one request changes one gateway's limits; nothing sent"));
            return id;
        }
        if (!c.key.isEmpty()) {
            if (const QString problem = validateRateLimitKey(c.key); !problem.isEmpty()) {
                failAll(tr("key: %1 Nothing sent.").arg(problem));
                return id;
            }
        }
        if (c.key.isEmpty() && c.limit <= 0) {
            failAll(tr("the per-IP limit must be greater than zero; nothing sent"));
            return id;
        }
        if (!c.key.isEmpty() && c.limit == 0) {
            failAll(tr("a key's limit must be greater than zero (delete the key to lift it); nothing sent"));
            return id;
        }
    }
    auto it = m_gateways.find(run->gateway);
    // Re-read the limits as they are now: what add/set/del to send depends on it, and it is the "before".
    it->driver->readRateLimits([this, run](Result<RateLimits> now) {
        if (!now) {
            for (ActionOutcome& o : run->report.outcomes)
                o.message = tr("%1: not sent, the limits could not be read first: %2").arg(run->gateway, now.error());
            finishSingle(run->report);
            return;
        }
        run->current = now.value();
        for (int i = 0; i < run->changes.size(); ++i) {
            ActionOutcome& o = run->report.outcomes[i];
            o.beforeText = limitText(run->current, run->changes.at(i).key);
            // For undo: the limit before (absent keys are not "known").
            const QString& key = run->changes.at(i).key;
            const RateLimitEntry* before = key.isEmpty() ? nullptr : run->current.entry(key);
            o.knewBefore = key.isEmpty() ? run->current.ipLimit > 0 : before != nullptr;
            o.weightBefore = int(qMin<qint64>(
                key.isEmpty() ? run->current.ipLimit : (before ? before->limit : 0), std::numeric_limits<int>::max()));
            o.afterText = run->changes.at(i).limit < 0 ? QStringLiteral("absent")
                : run->changes.at(i).key.isEmpty()
                ? QStringLiteral("%1 per %2 s per IP").arg(run->changes.at(i).limit).arg(run->current.windowSeconds)
                : QStringLiteral("%1 per %2 s").arg(run->changes.at(i).limit).arg(run->current.windowSeconds);
            if (m_journal)
                m_journal->append(JournalEntry::makeAttempt(run->report.id, o));
        }
        applyLimitStep(run, 0);
    });
    return id;
}

void FleetController::applyLimitStep(const std::shared_ptr<LimitRun>& run, int position)
{
    auto it = m_gateways.find(run->gateway);
    if (it == m_gateways.end() || !it->driver) {
        finishSingle(run->report);
        return;
    }
    if (position < run->changes.size()) {
        it->driver->applyRateLimit(
            run->changes.at(position), run->current, [this, run, position](Result<QString> answer) {
                if (answer)
                    run->sent.insert(position);
                else
                    run->report.outcomes[position].message
                        = tr("%1: %2 refused: %3")
                              .arg(run->gateway, run->changes.at(position).describe(), answer.error());
                applyLimitStep(run, position + 1);
            });
        return;
    }
    // Read back and compare each change with what it asked for.
    it->driver->readRateLimits([this, run](Result<RateLimits> after) {
        for (int i = 0; i < run->changes.size(); ++i) {
            if (!run->sent.contains(i))
                continue;
            ActionOutcome& o = run->report.outcomes[i];
            const RateLimitChange& c = run->changes.at(i);
            if (!after) {
                o.message = tr("%1: sent, but could not re-read to verify: %2").arg(run->gateway, after.error());
                continue;
            }
            const RateLimitEntry* e = c.key.isEmpty() ? nullptr : after.value().entry(c.key);
            o.ok = c.key.isEmpty() ? after.value().ipLimit == c.limit
                                   : (c.limit < 0 ? e == nullptr : (e && e->limit == c.limit));
            o.message = o.ok
                ? tr("verified: %1 (in memory: save the map file to keep it)").arg(limitText(after.value(), c.key))
                : tr("%1: asked to %2, the gateway now has %3")
                      .arg(run->gateway, c.describe(), limitText(after.value(), c.key));
        }
        finishSingle(run->report);
    });
}

} // namespace Fleetdeck
