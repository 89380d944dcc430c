// A product setting: read and verified through the gateway's policy (CachePolicy::settings).
#include "change.h"

#include "cachepolicy.h"

#include <QRegularExpression>

namespace Fleetdeck {

namespace {
QString named(const SettingChange& c)
{
    const QString what = c.label.isEmpty() ? c.setting : c.label;
    return c.scope.isEmpty() ? what : QStringLiteral("%1 of %2").arg(what, c.scope);
}
} // namespace

QString SettingChange::object() const
{
    return QStringLiteral("setting/") + setting + (scope.isEmpty() ? QString() : QLatin1Char(' ') + scope);
}

QString SettingChange::describe() const
{
    return QStringLiteral("set %1 on %2 to %3").arg(named(*this), gateway, value);
}

QMap<QString, QString> SettingChange::validate(const Capabilities&) const
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:-]{1,100}$"));
    QMap<QString, QString> problems;
    if (!safe.match(value).hasMatch())
        problems.insert(QStringLiteral("value"), QStringLiteral("\"%1\" is not a value that can be sent.").arg(value));
    if (!scope.isEmpty() && !safe.match(scope).hasMatch())
        problems.insert(QStringLiteral("scope"), QStringLiteral("\"%1\" is not a name that can be sent.").arg(scope));
    return problems;
}

ChangeCheck SettingChange::precheck(const GatewayState& seen, const GatewayState& now, const Capabilities&) const
{
    if (!now.cache)
        return {};
    const Setting* s = now.cache->setting(setting, scope);
    if (!s)
        return { QStringLiteral("%1: it has no %2; nothing sent").arg(gateway, named(*this)) };
    // Someone else set it meanwhile: what the operator decided on is not what the gateway has.
    if (s->kind == Setting::Kind::Command) {
        if (!s->choices.contains(value))
            return { QStringLiteral("%1: %2 takes %3, not %4; nothing sent")
                         .arg(gateway, named(*this), s->choices.join(QStringLiteral(", ")), value) };
        return {};
    }
    if (const Setting* before = seen.cache ? seen.cache->setting(setting, scope) : nullptr;
        before && before->value != s->value)
        return { QStringLiteral("conflict: %1's %2 is now %3, not %4 as when the change was asked for; nothing sent")
                     .arg(gateway, named(*this), s->value, before->value),
            true };
    if (s->kind == Setting::Kind::Seconds && !parseSeconds(value))
        return { QStringLiteral("%1: %2 cannot be %3 (a whole number of seconds, at least 1); nothing sent")
                     .arg(gateway, named(*this), value) };
    if (s->kind == Setting::Kind::Size && !parseSize(value))
        return { QStringLiteral("%1: %2 cannot be %3 (a size: bytes, or a whole number of kb, mb or gb); nothing sent")
                     .arg(gateway, named(*this), value) };
    if (s->kind == Setting::Kind::Choice && !s->choices.isEmpty() && !s->choices.contains(value))
        return { QStringLiteral("%1: %2 cannot be %3 (%4); nothing sent")
                     .arg(gateway, named(*this), value, s->choices.join(QStringLiteral(", "))) };
    return {};
}

QString SettingChange::stateText(const GatewayState& state) const
{
    if (!state.cache)
        return QStringLiteral("unknown");
    const Setting* s = state.cache->setting(setting, scope);
    return s ? QStringLiteral("%1 %2").arg(named(*this), s->value) : QStringLiteral("no %1").arg(named(*this));
}

QString SettingChange::wantedText() const
{
    return QStringLiteral("%1 %2").arg(named(*this), value);
}

std::optional<Change> SettingChange::inverse(const GatewayState& before) const
{
    const Setting* s = before.cache ? before.cache->setting(setting, scope) : nullptr;
    if (!s || s->kind == Setting::Kind::Command || s->value.isEmpty() || s->value == value)
        return std::nullopt;
    SettingChange back = *this;
    back.value = s->value;
    return Change(back);
}

Verdict SettingChange::verify(const GatewayState& after) const
{
    const Setting* s = after.cache ? after.cache->setting(setting, scope) : nullptr;
    // A command is done when the gateway said so (a refusal fails the send); there is no state to compare.
    if (s && s->kind == Setting::Kind::Command)
        return { true, QStringLiteral("done: %1 answered OK (a command: nothing to read back)").arg(gateway) };
    // A size is the same size however it is written (100mb, 102400kb).
    const bool same = s
        && (s->kind == Setting::Kind::Size ? parseSize(s->value).has_value() && parseSize(s->value) == parseSize(value)
                : s->kind == Setting::Kind::Seconds
                ? parseSeconds(s->value).has_value() && parseSeconds(s->value) == parseSeconds(value)
                : s->value == value);
    if (same)
        return { true, QStringLiteral("verified: %1").arg(stateText(after)) };
    return { false,
        QStringLiteral("%1: asked to %2, the gateway now has %3").arg(gateway, describe(), stateText(after)) };
}

} // namespace Fleetdeck
