// FleetController, part five: cache policies (read, change, verify), the same pipeline as rate limits.
#include "fleetcontroller.h"

#include <memory>

#include <QTimer>

#include "driver.h"
#include "fleetstore.h"
#include "journal.h"

namespace Fleetdeck {

QString FleetController::refusal(const QString& gateway) const
{
    if (!m_readOnlyReason.isEmpty())
        return tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason);
    const auto it = m_gateways.constFind(gateway);
    if (it == m_gateways.cend() || !it->driver)
        return tr("%1 is not in the fleet").arg(gateway);
    if (const int index = m_store->indexOf(gateway); index >= 0 && m_store->entry(index).config.readOnly)
        return tr("not sent: %1 is read-only in the fleet").arg(gateway);
    return {};
}

void FleetController::requestCachePolicy(const QString& gateway)
{
    readFromDriver<CachePolicy>(gateway, &Drivers::Driver::readCachePolicy, &FleetActions::cachePolicyReceived,
        &FleetActions::cachePolicyFailed);
}

struct FleetController::PolicyRun
{
    ActionReport report;
    QList<PolicyChange> changes;
    QString gateway;
    CachePolicy current;
};

quint64 FleetController::changeCachePolicy(const QList<PolicyChange>& changes)
{
    auto run = std::make_shared<PolicyRun>();
    run->report.id = m_nextActionId++;
    run->changes = changes;
    run->gateway = changes.isEmpty() ? QString() : changes.first().gateway;
    for (const PolicyChange& c : changes) {
        ServerAction a;
        a.kind = ServerAction::Kind::CachePolicy;
        a.target = { c.gateway, QStringLiteral("cache"),
            c.kind == PolicyChange::Kind::SetParameter || c.kind == PolicyChange::Kind::UseVcl ? c.parameter
                : c.kind == PolicyChange::Kind::Ban
                ? QStringLiteral("ban")
                : c.server + (c.path.isEmpty() ? QString() : QLatin1Char(' ') + c.path) };
        a.detail = c.describe();
        a.baseVersion = c.baseVersion;
        a.payload = QVariant::fromValue(c);
        run->report.outcomes.append(ActionOutcome::of(a));
    }
    run->report.description = changes.size() == 1
        ? changes.first().describe()
        : tr("%1 cache-policy changes on %2").arg(changes.size()).arg(run->gateway);
    const quint64 id = run->report.id;
    Q_EMIT actionStarted(id, run->report.description);
    auto failAll = [this, run](const QString& message) {
        for (ActionOutcome& o : run->report.outcomes)
            o.message = message;
        QTimer::singleShot(0, this, [this, run] { finishSingle(run->report); });
    };
    if (changes.isEmpty()) {
        failAll(tr("nothing to change"));
        return id;
    }
    if (const QString no = refusal(run->gateway); !no.isEmpty()) {
        failAll(no);
        return id;
    }
    for (const PolicyChange& c : changes) {
        if (c.gateway != run->gateway) {
            failAll(tr("one request changes one gateway's cache policy; nothing sent"));
            return id;
        }
        const auto problems = validatePolicyChange(c);
        if (!problems.isEmpty()) {
            QStringList lines;
            for (auto p = problems.cbegin(); p != problems.cend(); ++p)
                lines.append(p.key() + QStringLiteral(": ") + p.value());
            failAll(tr("%1: nothing sent: %2").arg(c.describe(), lines.join(QStringLiteral("; "))));
            return id;
        }
    }
    // Read the policy as it is now: it is the "before" in the journal and what undo puts back.
    m_gateways[run->gateway].driver->readCachePolicy([this, run](Result<CachePolicy> now) {
        if (!now) {
            for (ActionOutcome& o : run->report.outcomes)
                o.message
                    = tr("%1: not sent, the cache policy could not be read first: %2").arg(run->gateway, now.error());
            finishSingle(run->report);
            return;
        }
        run->current = now.value();
        if (!run->current.readOnlyReason.isEmpty()) {
            for (ActionOutcome& o : run->report.outcomes)
                o.message = tr("%1: not sent: %2").arg(run->gateway, run->current.readOnlyReason);
            finishSingle(run->report);
            return;
        }
        for (int i = 0; i < run->changes.size(); ++i) {
            ActionOutcome& o = run->report.outcomes[i];
            const PolicyChange& c = run->changes.at(i);
            o.beforeText = describePolicyState(run->current, c);
            o.afterText = c.kind == PolicyChange::Kind::SetRule
                ? QStringLiteral("Cache-Control \"%1\"").arg(c.control.toHeader())
                : c.kind == PolicyChange::Kind::RemoveRule   ? QStringLiteral("no rule")
                : c.kind == PolicyChange::Kind::SetParameter ? QStringLiteral("%1 %2 s").arg(c.parameter).arg(c.value)
                : c.kind == PolicyChange::Kind::UseVcl       ? QStringLiteral("active VCL %1").arg(c.parameter)
                                                             : c.describe();
            if (const auto back = c.inverse(run->current)) {
                o.undo = QVariant::fromValue(*back);
                o.knewBefore = true;
            }
            if (m_journal)
                m_journal->append(JournalEntry::makeAttempt(run->report.id, o));
        }
        applyPolicyStep(run, 0);
    });
    return id;
}

void FleetController::applyPolicyStep(const std::shared_ptr<PolicyRun>& run, int position)
{
    auto it = m_gateways.find(run->gateway);
    if (it == m_gateways.end() || !it->driver) {
        for (int i = position; i < run->report.outcomes.size(); ++i)
            run->report.outcomes[i].message = tr("%1 was removed from the fleet; not sent").arg(run->gateway);
        finishSingle(run->report);
        return;
    }
    if (position >= run->changes.size()) {
        finishSingle(run->report);
        return;
    }
    const PolicyChange& change = run->changes.at(position);
    it->driver->applyPolicyChange(change, run->current, [this, run, position](Result<QString> answer) {
        ActionOutcome& o = run->report.outcomes[position];
        const PolicyChange& c = run->changes.at(position);
        if (!answer) {
            o.conflict = answer.failureKind() == Failure::Conflict;
            o.message = o.conflict ? tr("conflict: %1: %2").arg(run->gateway, answer.error())
                                   : tr("%1: %2 refused: %3").arg(run->gateway, c.describe(), answer.error());
            // Later changes were reviewed together with this one: do not send them alone.
            for (int i = position + 1; i < run->report.outcomes.size(); ++i)
                run->report.outcomes[i].message = tr("not sent: an earlier change of the same request failed");
            finishSingle(run->report);
            return;
        }
        auto g = m_gateways.find(run->gateway);
        if (g == m_gateways.end() || !g->driver) {
            o.message = tr("%1: sent, but the gateway left the fleet before it was verified").arg(run->gateway);
            finishSingle(run->report);
            return;
        }
        // Re-read and compare with what was asked; the next change goes against the config as it is now.
        g->driver->readCachePolicy([this, run, position](Result<CachePolicy> after) {
            ActionOutcome& out = run->report.outcomes[position];
            const PolicyChange& done = run->changes.at(position);
            if (!after) {
                out.message = tr("%1: sent, but could not re-read to verify: %2").arg(run->gateway, after.error());
                finishSingle(run->report);
                return;
            }
            out.ok = policyShows(after.value(), done);
            out.message = out.ok ? tr("verified: %1").arg(describePolicyState(after.value(), done))
                                 : tr("%1: asked to %2, the gateway now has %3")
                                       .arg(run->gateway, done.describe(), describePolicyState(after.value(), done));
            run->current = after.value();
            // Later changes in the same request go against the config this request produced.
            for (int i = position + 1; i < run->changes.size(); ++i)
                run->changes[i].baseVersion = run->current.configVersion;
            if (!out.ok) {
                for (int i = position + 1; i < run->report.outcomes.size(); ++i)
                    run->report.outcomes[i].message = tr("not sent: an earlier change of the same request failed");
                finishSingle(run->report);
                return;
            }
            applyPolicyStep(run, position + 1);
        });
    });
}

} // namespace Fleetdeck
