// A member's own parameter (Capabilities::memberOptions), read back from ServerSnapshot::options. An empty value is
// the product's default (the parameter not written), so undoing a first setting removes it again.
#include "change.h"

#include <QRegularExpression>

namespace Fleetdeck {

namespace {
const ServerSnapshot* memberIn(const GatewayState& state, const ServerRef& ref)
{
    return state.pool ? state.pool->server(ref.backend, ref.server) : nullptr;
}

QString shown(const QString& value)
{
    return value.isEmpty() ? QStringLiteral("(default)") : value;
}
} // namespace

QString MemberOptionChange::object() const
{
    return target.backend + QLatin1Char('/') + target.server;
}

QString MemberOptionChange::describe() const
{
    return QStringLiteral("set %1 of %2 to %3").arg(option, target.displayName(), shown(value));
}

QMap<QString, QString> MemberOptionChange::validate(const Capabilities& caps) const
{
    const MemberOption* o = caps.memberOption(option);
    if (!o)
        return { { QStringLiteral("option"),
            QStringLiteral("\"%1\" is not a member option of this product.").arg(option) } };
    static const QRegularExpression count(QStringLiteral("^[0-9]{1,7}$"));
    static const QRegularExpression duration(QStringLiteral("^([0-9]{1,6}(ms|s|m|h|d)?){1,4}$"));
    switch (o->kind) {
    case MemberOption::Kind::Flag:
        if (value != QLatin1String("on") && value != QLatin1String("off"))
            return { { QStringLiteral("value"), QStringLiteral("%1 is on or off, not \"%2\".").arg(o->label, value) } };
        break;
    case MemberOption::Kind::Count:
        if (!value.isEmpty() && !count.match(value).hasMatch())
            return { { QStringLiteral("value"),
                QStringLiteral("%1 is a whole number (0..9999999), not \"%2\".").arg(o->label, value) } };
        break;
    case MemberOption::Kind::Duration:
        if (!value.isEmpty() && !duration.match(value).hasMatch())
            return { { QStringLiteral("value"),
                QStringLiteral("%1 is a time such as 10s, 500ms or 1m30s, not \"%2\".").arg(o->label, value) } };
        break;
    }
    return {};
}

ChangeCheck MemberOptionChange::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities&) const
{
    const ServerSnapshot* s = memberIn(now, target);
    if (!s)
        return {
            QStringLiteral("%1: %2/%3 does not exist; nothing sent").arg(target.gateway, target.backend, target.server),
            false
        };
    if (const ServerSnapshot* before = memberIn(seen, target);
        before && before->options.value(option) != s->options.value(option))
        return { QStringLiteral(
                     "conflict: %1 %2/%3 now has %4 %5, not %6 as when the change was asked for; nothing sent")
                     .arg(target.gateway, target.backend, target.server, option, s->options.value(option),
                         before->options.value(option)),
            true };
    return revisedMeanwhile(seen, now, target);
}

QString MemberOptionChange::stateText(const GatewayState& state) const
{
    if (!state.pool)
        return QStringLiteral("unknown");
    const ServerSnapshot* s = memberIn(state, target);
    return s ? QStringLiteral("%1 %2").arg(option, shown(s->options.value(option))) : QStringLiteral("absent");
}

QString MemberOptionChange::wantedText() const
{
    return QStringLiteral("%1 %2").arg(option, shown(value));
}

std::optional<Change> MemberOptionChange::inverse(const GatewayState& before) const
{
    const ServerSnapshot* s = memberIn(before, target);
    if (!s || s->options.value(option) == value)
        return std::nullopt;
    return Change(MemberOptionChange { target, option, s->options.value(option) });
}

Verdict MemberOptionChange::verify(const GatewayState& after) const
{
    const ServerSnapshot* s = memberIn(after, target);
    if (!s)
        return { false,
            QStringLiteral("%1: %2/%3 is gone after the change").arg(target.gateway, target.backend, target.server) };
    if (s->options.value(option) == value)
        return { true, QStringLiteral("verified: %1 %2").arg(option, shown(value)) };
    return { false,
        QStringLiteral("%1: %2/%3 asked for %4 %5, the gateway reports %6")
            .arg(
                target.gateway, target.backend, target.server, option, shown(value), shown(s->options.value(option))) };
}

} // namespace Fleetdeck
