#include "ratelimits.h"

#include <QRegularExpression>

#include "change.h"

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

const RateLimitEntry* RateLimits::entry(const QString& key) const
{
    for (const auto& e : entries) {
        if (e.key == key)
            return &e;
    }
    return nullptr;
}

QString validateRateLimitKey(const QString& key)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:@-]{1,64}$"));
    if (key.isEmpty())
        return QStringLiteral("A key is needed.");
    if (!safe.match(key).hasMatch())
        return QStringLiteral("\"%1\": letters, digits and . _ : @ - only, at most 64.").arg(key);
    return {};
}

QString RateLimitChange::object() const
{
    return QStringLiteral("ratelimit/") + (scope == RateScope::Ip ? QStringLiteral("per-ip") : key);
}

QString RateLimitChange::describe() const
{
    if (scope == RateScope::Ip)
        return QStringLiteral("set the per-IP limit of %1 to %2").arg(gateway).arg(limit);
    if (limit < 0)
        return QStringLiteral("delete the limit of %1 %2 on %3").arg(label(scope), key, gateway);
    return QStringLiteral("limit %1 %2 on %3 to %4").arg(label(scope), key, gateway).arg(limit);
}

QMap<QString, QString> RateLimitChange::validate(const Capabilities& caps) const
{
    QMap<QString, QString> problems;
    if (!caps.rules.rateScopes.contains(scope))
        problems.insert(QStringLiteral("scope"), QStringLiteral("this gateway cannot limit by %1.").arg(label(scope)));
    if (scope == RateScope::Ip) {
        if (!key.isEmpty())
            problems.insert(QStringLiteral("key"), QStringLiteral("the per-IP limit has no key."));
        if (limit <= 0)
            problems.insert(QStringLiteral("limit"), QStringLiteral("the per-IP limit must be greater than zero."));
    } else {
        if (const QString problem = validateRateLimitKey(key); !problem.isEmpty())
            problems.insert(QStringLiteral("key"), problem);
        if (limit == 0)
            problems.insert(QStringLiteral("limit"),
                QStringLiteral("a key's limit must be greater than zero (delete the key to lift it)."));
    }
    if (windowSeconds < 0)
        problems.insert(
            QStringLiteral("window"), QStringLiteral("%1 s: a window cannot be negative.").arg(windowSeconds));
    if (burst >= 0)
        problems.insert(QStringLiteral("burst"), QStringLiteral("this gateway's limits have no burst."));
    return problems;
}

ChangeCheck RateLimitChange::precheck(const GatewayState&, const GatewayState& now, const Capabilities&) const
{
    // The window is the gateway's config (a stick table's period): a rule cannot ask for another one at runtime.
    if (now.limits && windowSeconds > 0 && windowSeconds != now.limits->windowSeconds)
        return { QStringLiteral("%1: nothing sent: its limits count over %2 s, set in its config; a rule cannot ask "
                                "for %3 s")
                     .arg(gateway)
                     .arg(now.limits->windowSeconds)
                     .arg(windowSeconds) };
    return {};
}

QString RateLimitChange::stateText(const GatewayState& state) const
{
    return state.limits ? limitText(*state.limits, scope == RateScope::Ip ? QString() : key)
                        : QStringLiteral("unknown");
}

QString RateLimitChange::wantedText() const
{
    if (limit < 0)
        return QStringLiteral("absent");
    return scope == RateScope::Ip ? QStringLiteral("%1 per IP").arg(limit) : QString::number(limit);
}

std::optional<Change> RateLimitChange::inverse(const GatewayState& before) const
{
    if (!before.limits)
        return std::nullopt;
    RateLimitChange back = *this;
    back.windowSeconds = 0;
    if (scope == RateScope::Ip) {
        if (before.limits->ipLimit <= 0)
            return std::nullopt; // nothing to put back: the gateway had no per-IP limit
        back.limit = before.limits->ipLimit;
        return Change(back);
    }
    const RateLimitEntry* e = before.limits->entry(key);
    back.limit = e ? e->limit : -1; // a key that was absent is deleted again
    return Change(back);
}

Verdict RateLimitChange::verify(const GatewayState& after) const
{
    if (!after.limits)
        return { false, QStringLiteral("%1: the limits were not read back").arg(gateway) };
    const RateLimits& now = *after.limits;
    const QString k = scope == RateScope::Ip ? QString() : key;
    const RateLimitEntry* e = k.isEmpty() ? nullptr : now.entry(k);
    const bool ok = k.isEmpty() ? now.ipLimit == limit : (limit < 0 ? e == nullptr : (e && e->limit == limit));
    if (ok)
        return { true,
            QStringLiteral("verified: %1%2")
                .arg(limitText(now, k),
                    now.persistNote.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(now.persistNote)) };
    return { false,
        QStringLiteral("%1: asked to %2, the gateway now has %3").arg(gateway, describe(), limitText(now, k)) };
}

} // namespace Fleetdeck
