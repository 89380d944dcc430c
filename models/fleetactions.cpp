#include "fleetactions.h"

namespace Fleetdeck {

namespace {
QString oneOrMany(const QList<Change>& changes, const QString& many)
{
    return changes.size() == 1 ? changes.first().describe() : many;
}

Change asShown(Change change, const FleetActions::Shown& shown)
{
    if (const auto it = shown.constFind(change.gateway()); it != shown.constEnd())
        change.expectedState = change.stateText(it.value());
    return change;
}
} // namespace

quint64 FleetActions::setServerState(const QList<ServerRef>& servers, AdminState state, const Shown& shown)
{
    QList<Change> changes;
    for (const ServerRef& s : servers)
        changes.append(asShown(ServerStateChange { s, state }, shown));
    return apply(changes, oneOrMany(changes, tr("set %1 servers to %2").arg(servers.size()).arg(label(state))));
}

quint64 FleetActions::setServerWeight(const QList<ServerRef>& servers, int weight, const Shown& shown)
{
    QList<Change> changes;
    for (const ServerRef& s : servers)
        changes.append(asShown(WeightChange { s, weight }, shown));
    return apply(changes, oneOrMany(changes, tr("set weight of %1 servers to %2").arg(servers.size()).arg(weight)));
}

quint64 FleetActions::addServer(const ServerSpec& spec)
{
    const Change change = AddMemberChange { spec };
    return apply({ change }, change.describe());
}

quint64 FleetActions::removeServer(const ServerRef& server, int drainTimeoutMs, const Shown& shown)
{
    const Change change = asShown(RemoveMemberChange { server, drainTimeoutMs }, shown);
    return apply({ change }, change.describe());
}

quint64 FleetActions::changeRateLimits(const QList<RateLimitChange>& limits)
{
    QList<Change> changes;
    for (const RateLimitChange& c : limits)
        changes.append(c);
    const QString gateway = limits.isEmpty() ? QString() : limits.first().gateway;
    return apply(changes, oneOrMany(changes, tr("%1 rate-limit changes on %2").arg(changes.size()).arg(gateway)), true);
}

quint64 FleetActions::changePolicy(const QList<Change>& changes)
{
    const QString gateway = changes.isEmpty() ? QString() : changes.first().gateway();
    return apply(
        changes, oneOrMany(changes, tr("%1 cache-policy changes on %2").arg(changes.size()).arg(gateway)), true);
}

} // namespace Fleetdeck
