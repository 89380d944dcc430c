// Change: one type for every kind of change, dispatching to the kind, which knows its own rules.
#include "change.h"

#include <algorithm>

namespace Fleetdeck {

namespace {
template <typename... Fs> struct Overloaded : Fs...
{
    using Fs::operator()...;
};
template <typename... Fs> Overloaded(Fs...) -> Overloaded<Fs...>;

QString kindLabel(ChangeKind kind)
{
    switch (kind) {
    case ChangeKind::ServerState:
        return QStringLiteral("server state");
    case ChangeKind::Weight:
        return QStringLiteral("weight");
    case ChangeKind::AddMember:
        return QStringLiteral("member added at runtime");
    case ChangeKind::RemoveMember:
        return QStringLiteral("member removed at runtime");
    case ChangeKind::RateLimit:
        return QStringLiteral("rate limit");
    case ChangeKind::CacheRule:
        return QStringLiteral("Cache-Control rule");
    case ChangeKind::CacheTtl:
        return QStringLiteral("default cache lifetime");
    case ChangeKind::Purge:
        return QStringLiteral("purge");
    case ChangeKind::Setting:
        return QStringLiteral("setting");
    case ChangeKind::MemberOption:
        return QStringLiteral("member option");
    }
    return {};
}
} // namespace

QString GatewayState::configVersion() const
{
    if (cache && !cache->configVersion.isEmpty())
        return cache->configVersion;
    return pool ? pool->configVersion : QString();
}

QString problemsText(const QMap<QString, QString>& problems)
{
    QStringList lines;
    for (auto p = problems.cbegin(); p != problems.cend(); ++p)
        lines.append(p.key() + QStringLiteral(": ") + p.value());
    return lines.join(QStringLiteral("; "));
}

ChangeKind Change::kind() const
{
    return std::visit(Overloaded {
                          [](const ServerStateChange&) { return ChangeKind::ServerState; },
                          [](const WeightChange&) { return ChangeKind::Weight; },
                          [](const AddMemberChange&) { return ChangeKind::AddMember; },
                          [](const RemoveMemberChange&) { return ChangeKind::RemoveMember; },
                          [](const RateLimitChange&) { return ChangeKind::RateLimit; },
                          [](const CacheRuleChange&) { return ChangeKind::CacheRule; },
                          [](const CacheTtlChange&) { return ChangeKind::CacheTtl; },
                          [](const PurgeChange&) { return ChangeKind::Purge; },
                          [](const SettingChange&) { return ChangeKind::Setting; },
                          [](const MemberOptionChange&) { return ChangeKind::MemberOption; },
                      },
        what);
}

Domain Change::domain() const
{
    switch (kind()) {
    case ChangeKind::ServerState:
    case ChangeKind::Weight:
    case ChangeKind::AddMember:
    case ChangeKind::RemoveMember:
    case ChangeKind::MemberOption:
        return Domain::Pool;
    case ChangeKind::RateLimit:
        return Domain::RateLimits;
    case ChangeKind::CacheRule:
    case ChangeKind::CacheTtl:
    case ChangeKind::Purge:
    case ChangeKind::Setting:
        return Domain::Cache;
    }
    return Domain::Pool;
}

std::optional<Feature> Change::feature() const
{
    switch (kind()) {
    case ChangeKind::ServerState:
        switch (as<ServerStateChange>()->state) {
        case AdminState::Drain:
            return Feature::Drain;
        case AdminState::Ready:
            return Feature::Ready;
        case AdminState::ForcedUp:
            return Feature::ForceUp;
        case AdminState::Maint:
            return Feature::Maint;
        }
        return std::nullopt;
    case ChangeKind::Weight:
        return Feature::Weight;
    case ChangeKind::AddMember:
        return Feature::AddMember;
    case ChangeKind::RemoveMember:
        return Feature::RemoveMember;
    case ChangeKind::RateLimit:
        return Feature::RateLimits;
    case ChangeKind::CacheRule:
    case ChangeKind::CacheTtl:
    case ChangeKind::Purge:
        return Feature::CachePolicy;
    case ChangeKind::Setting:
    case ChangeKind::MemberOption:
        return std::nullopt;
    }
    return std::nullopt;
}

QString Change::refusal(const Capabilities& caps) const
{
    if (const auto f = feature(); f && !caps.can(*f))
        return QStringLiteral("no %1 at runtime: %2").arg(label(*f).toLower(), caps.whyNot(*f));
    if (!caps.takes(kind()))
        return QStringLiteral("no %1 change at runtime").arg(kindLabel(kind()));
    if (const auto* s = as<SettingChange>(); s && !caps.settings.contains(s->setting))
        return QStringLiteral("no setting \"%1\"").arg(s->setting);
    if (const auto* o = as<MemberOptionChange>(); o && !caps.memberOption(o->option))
        return QStringLiteral("no member option \"%1\"").arg(o->option);
    return {};
}

QString Change::gateway() const
{
    return std::visit(Overloaded {
                          [](const ServerStateChange& c) { return c.target.gateway; },
                          [](const WeightChange& c) { return c.target.gateway; },
                          [](const AddMemberChange& c) { return c.spec.gateway; },
                          [](const RemoveMemberChange& c) { return c.target.gateway; },
                          [](const MemberOptionChange& c) { return c.target.gateway; },
                          [](const auto& c) { return c.gateway; },
                      },
        what);
}

QString Change::object() const
{
    return std::visit([](const auto& c) { return c.object(); }, what);
}

QString Change::describe() const
{
    return std::visit([](const auto& c) { return c.describe(); }, what);
}

QMap<QString, QString> Change::validate(const Capabilities& caps) const
{
    return std::visit([&caps](const auto& c) { return c.validate(caps); }, what);
}

ChangeCheck Change::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities& caps) const
{
    if (!expectedState.isEmpty()) {
        if (const QString found = stateText(now); found != expectedState)
            return { QStringLiteral("conflict: %1 %2 now reads \"%3\", not \"%4\" as expected (changed by someone else "
                                    "since); nothing sent")
                         .arg(gateway(), object(), found, expectedState),
                true };
    }
    return std::visit([&](const auto& c) { return c.precheck(seen, now, caps); }, what);
}

QString Change::stateText(const GatewayState& state) const
{
    return std::visit([&state](const auto& c) { return c.stateText(state); }, what);
}

QString Change::wantedText() const
{
    return std::visit([](const auto& c) { return c.wantedText(); }, what);
}

std::optional<Change> Change::inverse(const GatewayState& before) const
{
    return std::visit([&before](const auto& c) { return c.inverse(before); }, what);
}

Verdict Change::verify(const GatewayState& after) const
{
    return std::visit([&after](const auto& c) { return c.verify(after); }, what);
}

ActionOutcome ActionOutcome::of(const Change& change)
{
    ActionOutcome o;
    o.change = change;
    return o;
}

bool ActionReport::ok() const
{
    return !outcomes.isEmpty() && failures() == 0;
}

int ActionReport::failures() const
{
    return int(std::count_if(outcomes.cbegin(), outcomes.cend(), [](const ActionOutcome& o) { return !o.ok; }));
}

QList<Change> ActionReport::undoChanges() const
{
    QList<Change> back;
    for (const ActionOutcome& o : outcomes) {
        if (o.ok && o.undo)
            back.prepend(*o.undo);
    }
    return back;
}

QList<Change> ActionReport::doneChanges() const
{
    QList<Change> done;
    for (const ActionOutcome& o : outcomes) {
        if (o.ok && o.undo)
            done.append(o.change);
    }
    return done;
}

} // namespace Fleetdeck
