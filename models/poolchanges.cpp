// The pool's kinds of change: a member's state and weight, a member added or removed.
#include "change.h"

#include <limits>

namespace Fleetdeck {

namespace {
const ServerSnapshot* memberIn(const GatewayState& state, const ServerRef& ref)
{
    return state.pool ? state.pool->server(ref.backend, ref.server) : nullptr;
}

QString objectOf(const ServerRef& ref)
{
    return ref.backend + QLatin1Char('/') + ref.server;
}

ChangeCheck missing(const ServerRef& t)
{
    return { QStringLiteral("%1: %2/%3 does not exist; nothing sent").arg(t.gateway, t.backend, t.server), false };
}
} // namespace

ChangeCheck revisedMeanwhile(const GatewayState& seen, const GatewayState& now, const ServerRef& target)
{
    const ServerSnapshot* before = memberIn(seen, target);
    const ServerSnapshot* s = memberIn(now, target);
    if (!before || !s || before->revision.isEmpty() || s->revision.isEmpty() || before->revision == s->revision)
        return {};
    return { QStringLiteral("conflict: %1 %2/%3 was changed since the change was asked for (revision %4, now %5); "
                            "nothing sent")
                 .arg(target.gateway, target.backend, target.server, before->revision, s->revision),
        true };
}

// --- state ---

QString ServerStateChange::object() const
{
    return objectOf(target);
}

QString ServerStateChange::describe() const
{
    return QStringLiteral("set %1 to %2").arg(target.displayName(), label(state));
}

QMap<QString, QString> ServerStateChange::validate(const Capabilities&) const
{
    return {};
}

ChangeCheck ServerStateChange::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities&) const
{
    const ServerSnapshot* s = memberIn(now, target);
    if (!s)
        return missing(target);
    // A member no longer as the operator saw it was changed by someone else meanwhile.
    if (const ServerSnapshot* before = memberIn(seen, target); before && before->admin != s->admin)
        return { QStringLiteral("conflict: %1 %2/%3 is now %4, not %5 as when the change was asked for; nothing sent")
                     .arg(target.gateway, target.backend, target.server, label(s->admin), label(before->admin)),
            true };
    return revisedMeanwhile(seen, now, target);
}

QString ServerStateChange::stateText(const GatewayState& state) const
{
    if (!state.pool)
        return QStringLiteral("unknown");
    const ServerSnapshot* s = memberIn(state, target);
    return s ? label(s->admin) : QStringLiteral("absent");
}

QString ServerStateChange::wantedText() const
{
    return label(state);
}

std::optional<Change> ServerStateChange::inverse(const GatewayState& before) const
{
    if (const ServerSnapshot* s = memberIn(before, target))
        return Change(ServerStateChange { target, s->admin });
    return std::nullopt;
}

Verdict ServerStateChange::verify(const GatewayState& after) const
{
    const ServerSnapshot* s = memberIn(after, target);
    if (!s)
        return { false,
            QStringLiteral("%1: %2/%3 is gone after the change").arg(target.gateway, target.backend, target.server) };
    if (s->admin == state)
        return { true, QStringLiteral("verified: %1 (%2)").arg(label(s->admin), s->status) };
    return { false,
        QStringLiteral("%1: %2/%3 asked for %4, the gateway reports %5 (%6)")
            .arg(target.gateway, target.backend, target.server, label(state), label(s->admin), s->status) };
}

// --- weight ---

QString WeightChange::object() const
{
    return objectOf(target);
}

QString WeightChange::describe() const
{
    return QStringLiteral("set weight of %1 to %2").arg(target.displayName()).arg(weight);
}

QMap<QString, QString> WeightChange::validate(const Capabilities& caps) const
{
    if (weight < caps.rules.weightMin || weight > caps.rules.weightMax)
        return { { QStringLiteral("weight"),
            QStringLiteral("%1 is outside %2..%3.").arg(weight).arg(caps.rules.weightMin).arg(caps.rules.weightMax) } };
    return {};
}

ChangeCheck WeightChange::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities&) const
{
    const ServerSnapshot* s = memberIn(now, target);
    if (!s)
        return missing(target);
    if (const ServerSnapshot* before = memberIn(seen, target); before && before->weight != s->weight)
        return { QStringLiteral(
                     "conflict: %1 %2/%3 now has weight %4, not %5 as when the change was asked for; nothing sent")
                     .arg(target.gateway, target.backend, target.server)
                     .arg(s->weight)
                     .arg(before->weight),
            true };
    return revisedMeanwhile(seen, now, target);
}

QString WeightChange::stateText(const GatewayState& state) const
{
    if (!state.pool)
        return QStringLiteral("unknown");
    const ServerSnapshot* s = memberIn(state, target);
    return s ? QStringLiteral("weight %1").arg(s->weight) : QStringLiteral("absent");
}

QString WeightChange::wantedText() const
{
    return QStringLiteral("weight %1").arg(weight);
}

std::optional<Change> WeightChange::inverse(const GatewayState& before) const
{
    if (const ServerSnapshot* s = memberIn(before, target))
        return Change(WeightChange { target, s->weight });
    return std::nullopt;
}

Verdict WeightChange::verify(const GatewayState& after) const
{
    const ServerSnapshot* s = memberIn(after, target);
    if (!s)
        return { false,
            QStringLiteral("%1: %2/%3 is gone after the change").arg(target.gateway, target.backend, target.server) };
    if (s->weight == weight)
        return { true, QStringLiteral("verified: weight %1").arg(s->weight) };
    return { false,
        QStringLiteral("%1: %2/%3 asked for weight %4, the gateway reports %5")
            .arg(target.gateway, target.backend, target.server)
            .arg(weight)
            .arg(s->weight) };
}

// --- add a member ---

QString AddMemberChange::object() const
{
    return spec.backend + QLatin1Char('/') + spec.name;
}

QString AddMemberChange::describe() const
{
    return QStringLiteral("add %1 (%2)")
        .arg(ServerRef { spec.gateway, spec.backend, spec.name }.displayName(), spec.describe());
}

QMap<QString, QString> AddMemberChange::validate(const Capabilities& caps) const
{
    return validateServerSpec(spec, nullptr, caps);
}

ChangeCheck AddMemberChange::precheck(const GatewayState&, const GatewayState& now, const Capabilities& caps) const
{
    // Checked against the pool as it is now, not as it was last polled.
    const BackendSnapshot* pool = now.pool ? now.pool->backend(spec.backend) : nullptr;
    if (!pool)
        return { QStringLiteral("%1: there is no backend \"%2\"; nothing sent").arg(spec.gateway, spec.backend) };
    if (const auto problems = validateServerSpec(spec, pool, caps); !problems.isEmpty())
        return { QStringLiteral("%1: nothing sent: %2").arg(spec.gateway, problemsText(problems)) };
    return {};
}

QString AddMemberChange::stateText(const GatewayState& state) const
{
    if (!state.pool)
        return QStringLiteral("unknown");
    return state.pool->server(spec.backend, spec.name) ? QStringLiteral("present") : QStringLiteral("absent");
}

QString AddMemberChange::wantedText() const
{
    return spec.describe();
}

std::optional<Change> AddMemberChange::inverse(const GatewayState&) const
{
    return Change(RemoveMemberChange { { spec.gateway, spec.backend, spec.name }, 30000 });
}

Verdict AddMemberChange::verify(const GatewayState& after) const
{
    const ServerSnapshot* s = after.pool ? after.pool->server(spec.backend, spec.name) : nullptr;
    if (!s)
        return { false,
            QStringLiteral("%1: the gateway said it added %2/%3, but it is not there")
                .arg(spec.gateway, spec.backend, spec.name) };
    if (s->admin != spec.state)
        return { false,
            QStringLiteral("%1: %2/%3 was added but is %4, not %5")
                .arg(spec.gateway, spec.backend, spec.name, label(s->admin), label(spec.state)) };
    // A member put back whole reads back as it was written.
    if (!spec.definition.isEmpty() && !s->definition.isEmpty() && s->definition != spec.definition)
        return { false,
            QStringLiteral("%1: %2/%3 was added as \"%4\", not \"%5\" as before")
                .arg(spec.gateway, spec.backend, spec.name, s->definition, spec.definition) };
    return { true,
        QStringLiteral("verified: %1 is in %2, %3 (%4)").arg(spec.name, spec.backend, label(s->admin), s->status) };
}

// --- remove a member ---

QString RemoveMemberChange::object() const
{
    return objectOf(target);
}

QString RemoveMemberChange::describe() const
{
    return QStringLiteral("remove %1").arg(target.displayName());
}

QMap<QString, QString> RemoveMemberChange::validate(const Capabilities&) const
{
    if (drainTimeoutMs < 0)
        return { { QStringLiteral("drain"), QStringLiteral("%1 ms: a wait cannot be negative.").arg(drainTimeoutMs) } };
    return {};
}

ChangeCheck RemoveMemberChange::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities&) const
{
    return memberIn(now, target) ? revisedMeanwhile(seen, now, target) : missing(target);
}

QString RemoveMemberChange::stateText(const GatewayState& state) const
{
    if (!state.pool)
        return QStringLiteral("unknown");
    const ServerSnapshot* s = memberIn(state, target);
    return s ? label(s->admin) : QStringLiteral("removed");
}

QString RemoveMemberChange::wantedText() const
{
    return QStringLiteral("removed");
}

std::optional<Change> RemoveMemberChange::inverse(const GatewayState& before) const
{
    // Put back whole, as it was: its address, weight, limit, backup flag, options, state, health checks, its
    // definition as the product wrote it, and its place before the member that followed it.
    const ServerSnapshot* s = memberIn(before, target);
    if (!s || s->address.isEmpty())
        return std::nullopt;
    const qsizetype colon = s->address.lastIndexOf(QLatin1Char(':'));
    ServerSpec spec;
    spec.gateway = target.gateway;
    spec.backend = target.backend;
    spec.name = target.server;
    spec.host = s->address.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    spec.port = s->address.mid(colon + 1).toInt();
    spec.weight = s->weight;
    spec.maxconn = s->load.limit > 0 ? int(qMin<qint64>(s->load.limit, std::numeric_limits<int>::max())) : 0;
    spec.check = !s->checkStatus.isEmpty() && s->health != Health::NoCheck;
    spec.backup = s->backup;
    spec.state = s->admin == AdminState::Drain ? AdminState::Drain : AdminState::Ready;
    spec.options = s->options;
    spec.definition = s->definition;
    if (const BackendSnapshot* pool = before.pool->backend(target.backend)) {
        for (qsizetype i = 0; i + 1 < pool->servers.size(); ++i)
            if (pool->servers.at(i).name == target.server)
                spec.before = pool->servers.at(i + 1).name;
    }
    return Change(AddMemberChange { spec });
}

Verdict RemoveMemberChange::verify(const GatewayState& after) const
{
    if (!after.pool || memberIn(after, target))
        return { false,
            QStringLiteral("%1: the gateway said it deleted %2, but it is still there")
                .arg(target.gateway, target.displayName()) };
    return { true, QStringLiteral("verified: %1 is gone").arg(target.displayName()) };
}

} // namespace Fleetdeck
