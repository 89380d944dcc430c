// FleetController, part two: pool changes (add a server, safe removal).
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

void FleetController::finishSingle(ActionReport report)
{
    if (m_journal) {
        for (const ActionOutcome& o : std::as_const(report.outcomes))
            m_journal->append(JournalEntry::makeResult(report.id, o));
    }
    recordReport(report);
    Q_EMIT actionFinished(report);
}

quint64 FleetController::addServer(const ServerSpec& spec)
{
    ActionReport report;
    report.id = m_nextActionId++;
    ServerAction action;
    action.kind = ServerAction::Kind::AddServer;
    action.target = { spec.gateway, spec.backend, spec.name };
    action.weight = spec.weight;
    action.detail = spec.describe();
    action.host = spec.host;
    action.port = spec.port;
    action.maxconn = spec.maxconn;
    action.check = spec.check;
    report.description = action.describe();
    report.outcomes.append(ActionOutcome::of(action));
    Q_EMIT actionStarted(report.id, report.description);
    const quint64 id = report.id;
    auto fail = [this](ActionReport r, const QString& message) {
        r.outcomes.first().message = message;
        QTimer::singleShot(0, this, [this, r] { finishSingle(r); });
    };
    if (!m_readOnlyReason.isEmpty()) {
        fail(report, tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason));
        return id;
    }
    auto it = m_gateways.find(spec.gateway);
    const int index = m_store->indexOf(spec.gateway);
    if (it == m_gateways.end() || index < 0 || !it->driver) {
        fail(report, tr("%1 is not in the fleet").arg(spec.gateway));
        return id;
    }
    if (m_store->entry(index).config.readOnly) {
        fail(report, tr("not sent: %1 is read-only in the fleet").arg(spec.gateway));
        return id;
    }
    const Capabilities caps = m_store->entry(index).capabilities;
    // Products that check a config version (Caddy) refuse the write if the config moved since the operator saw it.
    ServerSpec sent = spec;
    if (sent.baseVersion.isEmpty() && m_store->entry(index).snapshot)
        sent.baseVersion = m_store->entry(index).snapshot->configVersion;
    // Validate against the pool as it is now, not as it was last polled.
    fetch(spec.gateway, [this, report, spec = sent, caps, fail](const Result<GatewaySnapshot>& now) mutable {
        if (!now) {
            fail(report, tr("%1: not sent, the gateway could not be read first: %2").arg(spec.gateway, now.error()));
            return;
        }
        const BackendSnapshot* pool = now.value().backend(spec.backend);
        if (!pool) {
            fail(report, tr("%1: there is no backend \"%2\"; nothing sent").arg(spec.gateway, spec.backend));
            return;
        }
        const auto problems = validateServerSpec(spec, pool, caps);
        if (!problems.isEmpty()) {
            QStringList lines;
            for (auto p = problems.cbegin(); p != problems.cend(); ++p)
                lines.append(p.key() + QStringLiteral(": ") + p.value());
            fail(report, tr("%1: nothing sent: %2").arg(spec.gateway, lines.join(QStringLiteral("; "))));
            return;
        }
        if (m_journal)
            m_journal->append(JournalEntry::makeAttempt(report.id, report.outcomes.first()));
        auto g = m_gateways.find(spec.gateway);
        if (g == m_gateways.end() || !g->driver) {
            fail(report, tr("%1 was removed from the fleet meanwhile").arg(spec.gateway));
            return;
        }
        g->driver->addServer(spec, [this, report, spec](Result<QString> answer) mutable {
            ActionOutcome& o = report.outcomes.first();
            if (!answer) {
                const int i = m_store->indexOf(spec.gateway);
                o.conflict = answer.failureKind() == Failure::Conflict;
                o.message = o.conflict
                    ? tr("conflict: %1: %2").arg(spec.gateway, answer.error())
                    : tr("%1 (%2): %3 refused: %4")
                          .arg(spec.gateway, i >= 0 ? m_store->entry(i).config.admin.toString() : QString(),
                              o.action.describe(), answer.error());
                finishSingle(report);
                return;
            }
            fetch(spec.gateway, [this, report, spec](const Result<GatewaySnapshot>& after) mutable {
                ActionOutcome& o = report.outcomes.first();
                const ServerSnapshot* s = after ? after.value().server(spec.backend, spec.name) : nullptr;
                o.ok = s && s->admin == AdminState::Ready;
                o.message = !after
                    ? tr("%1: added, but could not re-read to verify: %2").arg(spec.gateway, after.error())
                    : !s ? tr("%1: the gateway said it added %2/%3, but it is not there")
                               .arg(spec.gateway, spec.backend, spec.name)
                    : o.ok
                    ? tr("verified: %1 is in %2, %3 (%4)").arg(spec.name, spec.backend, label(s->admin), s->status)
                    : tr("%1: %2/%3 was added but is %4").arg(spec.gateway, spec.backend, spec.name, label(s->admin));
                finishSingle(report);
            });
        });
    });
    return id;
}

struct FleetController::Removal
{
    ActionReport report;
    ServerRef server;
    int timeoutMs = 30000;
    QElapsedTimer clock;
    enum class Stage { Drain, Wait, Maint, Delete, Verify } stage = Stage::Drain;
};

quint64 FleetController::removeServer(const ServerRef& server, int drainTimeoutMs)
{
    auto removal = std::make_shared<Removal>();
    removal->server = server;
    removal->timeoutMs = qMax(0, drainTimeoutMs);
    removal->report.id = m_nextActionId++;
    ServerAction action;
    action.kind = ServerAction::Kind::RemoveServer;
    action.target = server;
    action.state = AdminState::Maint;
    removal->report.description = action.describe();
    if (const int index = m_store->indexOf(server.gateway); index >= 0) {
        const FleetStore::Entry& e = m_store->entry(index);
        if (e.snapshot)
            action.baseVersion = e.snapshot->configVersion;
        // A product without drain (Caddy) removes at once; its in-flight requests finish on the old config.
        if (!e.capabilities.can(Feature::Drain))
            removal->stage = Removal::Stage::Delete;
    }
    ActionOutcome o = ActionOutcome::of(action);
    recordBefore(o);
    removal->report.outcomes.append(o);
    Q_EMIT actionStarted(removal->report.id, removal->report.description);
    const quint64 id = removal->report.id;
    if (!m_readOnlyReason.isEmpty()) {
        removal->report.outcomes.first().message = tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason);
        QTimer::singleShot(0, this, [this, removal] { finishSingle(removal->report); });
        return id;
    }
    if (const int index = m_store->indexOf(server.gateway); index >= 0 && m_store->entry(index).config.readOnly) {
        removal->report.outcomes.first().message = tr("not sent: %1 is read-only in the fleet").arg(server.gateway);
        QTimer::singleShot(0, this, [this, removal] { finishSingle(removal->report); });
        return id;
    }
    if (m_journal)
        m_journal->append(JournalEntry::makeAttempt(id, removal->report.outcomes.first()));
    removal->clock.start();
    QTimer::singleShot(0, this, [this, removal] { removalStep(removal); });
    return id;
}

void FleetController::cancel(quint64 id)
{
    m_cancelled.insert(id);
}

void FleetController::removalStep(const std::shared_ptr<Removal>& removal)
{
    ActionOutcome& o = removal->report.outcomes.first();
    const ServerRef& t = removal->server;
    const quint64 id = removal->report.id;
    auto g = m_gateways.find(t.gateway);
    if (g == m_gateways.end() || !g->driver) {
        o.message = tr("%1 is not in the fleet").arg(t.gateway);
        finishSingle(removal->report);
        return;
    }
    if (m_cancelled.remove(id)) {
        o.message = removal->stage == Removal::Stage::Drain
            ? tr("cancelled before anything was sent; %1 is unchanged").arg(t.displayName())
            : tr("cancelled; %1 is left %2 and was not deleted")
                  .arg(t.displayName(),
                      removal->stage == Removal::Stage::Delete ? label(AdminState::Maint) : label(AdminState::Drain));
        finishSingle(removal->report);
        return;
    }
    auto failed = [this, removal, t](const QString& step, const QString& error) {
        const int i = m_store->indexOf(t.gateway);
        removal->report.outcomes.first().message
            = tr("%1 (%2): removing %3 stopped at %4: %5")
                  .arg(t.gateway, i >= 0 ? m_store->entry(i).config.admin.toString() : QString(), t.displayName(), step,
                      error);
        finishSingle(removal->report);
    };
    switch (removal->stage) {
    case Removal::Stage::Drain:
        Q_EMIT removalProgress(id, tr("draining"), -1, int(removal->clock.elapsed()));
        g->driver->apply(ServerAction::stateChange(t, AdminState::Drain), [this, removal, failed](Result<QString> r) {
            if (!r) {
                failed(tr("drain"), r.error());
                return;
            }
            removal->stage = Removal::Stage::Wait;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Wait:
        // Poll the server's sessions until none are left or the time is up; the operator sees the count.
        fetch(t.gateway, [this, removal, failed, t, id](const Result<GatewaySnapshot>& now) {
            if (!now) {
                failed(tr("waiting for sessions"), now.error());
                return;
            }
            const ServerSnapshot* s = now.value().server(t.backend, t.server);
            if (!s) {
                failed(tr("waiting for sessions"), tr("the server disappeared"));
                return;
            }
            Q_EMIT removalProgress(
                id, tr("waiting for sessions to end"), int(s->sessions), int(removal->clock.elapsed()));
            if (s->sessions > 0 && removal->clock.elapsed() < removal->timeoutMs) {
                QTimer::singleShot(250, this, [this, removal] { removalStep(removal); });
                return;
            }
            removal->stage = Removal::Stage::Maint;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Maint:
        Q_EMIT removalProgress(id, tr("maintenance"), 0, int(removal->clock.elapsed()));
        g->driver->apply(ServerAction::stateChange(t, AdminState::Maint), [this, removal, failed](Result<QString> r) {
            if (!r) {
                failed(tr("maintenance"), r.error());
                return;
            }
            removal->stage = Removal::Stage::Delete;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Delete:
        Q_EMIT removalProgress(id, tr("deleting"), 0, int(removal->clock.elapsed()));
        g->driver->deleteServer(t, o.action.baseVersion, [this, removal, failed](Result<QString> r) {
            if (!r) {
                removal->report.outcomes.first().conflict = r.failureKind() == Failure::Conflict;
                failed(tr("delete"), r.error());
                return;
            }
            removal->stage = Removal::Stage::Verify;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Verify:
        fetch(t.gateway, [this, removal, t](const Result<GatewaySnapshot>& now) {
            ActionOutcome& out = removal->report.outcomes.first();
            out.ok = now && !now.value().server(t.backend, t.server);
            out.message = !now ? tr("%1: deleted, but could not re-read to verify: %2").arg(t.gateway, now.error())
                : out.ok
                ? tr("verified: %1 is gone (drained and deleted in %2 ms)")
                      .arg(t.displayName())
                      .arg(removal->clock.elapsed())
                : tr("%1: the gateway said it deleted %2, but it is still there").arg(t.gateway, t.displayName());
            finishSingle(removal->report);
        });
        return;
    }
}

} // namespace Fleetdeck
