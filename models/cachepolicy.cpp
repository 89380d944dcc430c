#include "cachepolicy.h"

#include "change.h"

#include <cmath>
#include <limits>

#include <QRegularExpression>

namespace Fleetdeck {

namespace {
constexpr int kMaxSeconds = 365 * 24 * 3600; // a year: RFC 9111 caches may cap at this anyway

QString seconds(double s)
{
    return s < 0 ? QStringLiteral("unknown") : QStringLiteral("%1 s").arg(s, 0, 'f', s == std::floor(s) ? 0 : 3);
}

} // namespace

QString CacheControl::toHeader() const
{
    QStringList parts;
    if (noStore)
        parts << QStringLiteral("no-store");
    if (visibility == Visibility::Public)
        parts << QStringLiteral("public");
    else if (visibility == Visibility::Private)
        parts << QStringLiteral("private");
    if (maxAge >= 0)
        parts << QStringLiteral("max-age=%1").arg(maxAge);
    if (sMaxAge >= 0)
        parts << QStringLiteral("s-maxage=%1").arg(sMaxAge);
    if (staleWhileRevalidate >= 0)
        parts << QStringLiteral("stale-while-revalidate=%1").arg(staleWhileRevalidate);
    return parts.join(QStringLiteral(", "));
}

Result<CacheControl> CacheControl::parse(const QString& header)
{
    CacheControl c;
    for (const QString& raw : header.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString part = raw.trimmed().toLower();
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        const QString name = eq < 0 ? part : part.left(eq).trimmed();
        int* target = name == QLatin1String("max-age")        ? &c.maxAge
            : name == QLatin1String("s-maxage")               ? &c.sMaxAge
            : name == QLatin1String("stale-while-revalidate") ? &c.staleWhileRevalidate
                                                              : nullptr;
        if (target) {
            bool ok = false;
            const int v = eq < 0 ? -1 : part.mid(eq + 1).trimmed().remove(QLatin1Char('"')).toInt(&ok);
            if (!ok || v < 0)
                return Result<CacheControl>::failure(QStringLiteral("\"%1\": %2 needs seconds").arg(header, name));
            *target = v;
        } else if (part == QLatin1String("public")) {
            c.visibility = Visibility::Public;
        } else if (part == QLatin1String("private")) {
            c.visibility = Visibility::Private;
        } else if (part == QLatin1String("no-store")) {
            c.noStore = true;
        } else {
            return Result<CacheControl>::failure(
                QStringLiteral("\"%1\": the directive \"%2\" is not one the form edits").arg(header, raw.trimmed()));
        }
    }
    return Result<CacheControl>::success(c);
}

QMap<QString, QString> CacheControl::validate() const
{
    QMap<QString, QString> problems;
    auto range = [&problems](const char* field, int value) {
        if (value > kMaxSeconds)
            problems.insert(QLatin1String(field), QStringLiteral("%1 s is more than a year.").arg(value));
        else if (value < -1)
            problems.insert(QLatin1String(field), QStringLiteral("%1: seconds cannot be negative.").arg(value));
    };
    range("max-age", maxAge);
    range("s-maxage", sMaxAge);
    range("stale-while-revalidate", staleWhileRevalidate);
    if (noStore && (maxAge >= 0 || sMaxAge >= 0 || staleWhileRevalidate >= 0 || visibility == Visibility::Public))
        problems.insert(QStringLiteral("no-store"),
            QStringLiteral("no-store forbids storing: it cannot go with public, max-age, s-maxage or "
                           "stale-while-revalidate."));
    if (visibility == Visibility::Private && sMaxAge >= 0)
        problems.insert(
            QStringLiteral("s-maxage"), QStringLiteral("s-maxage is for shared caches, which private forbids."));
    if (!noStore && visibility == Visibility::Unset && maxAge < 0 && sMaxAge < 0 && staleWhileRevalidate < 0)
        problems.insert(QStringLiteral("max-age"),
            QStringLiteral("An empty Cache-Control says nothing: set max-age "
                           "or no-store, or remove the rule."));
    return problems;
}

QString label(CacheTtl which)
{
    switch (which) {
    case CacheTtl::Ttl:
        return QStringLiteral("default TTL");
    case CacheTtl::Grace:
        return QStringLiteral("default grace");
    case CacheTtl::Keep:
        return QStringLiteral("default keep");
    }
    return {};
}

const CacheRule* CachePolicy::rule(const QString& scope, const QString& path) const
{
    for (const CacheRule& r : rules) {
        if (r.scope == scope && r.path == path && r.editable)
            return &r;
    }
    return nullptr;
}

double CachePolicy::lifetime(CacheTtl which) const
{
    switch (which) {
    case CacheTtl::Ttl:
        return ttl;
    case CacheTtl::Grace:
        return grace;
    case CacheTtl::Keep:
        return keep;
    }
    return -1;
}

std::optional<qint64> parseSeconds(const QString& text)
{
    bool ok = false;
    const qint64 n = text.trimmed().toLongLong(&ok);
    if (!ok || n < 1 || n > std::numeric_limits<qint32>::max())
        return std::nullopt;
    return n;
}

std::optional<qint64> parseSize(const QString& text)
{
    static const QRegularExpression size(
        QStringLiteral("^([0-9]{1,15})(kb|mb|gb)?$"), QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = size.match(text.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    const qint64 n = m.captured(1).toLongLong();
    const QString unit = m.captured(2).toLower();
    const int shift = unit == QLatin1String("kb") ? 10
        : unit == QLatin1String("mb")             ? 20
        : unit == QLatin1String("gb")             ? 30
                                                  : 0;
    if (n > (std::numeric_limits<qint64>::max() >> shift))
        return std::nullopt;
    return n << shift;
}

const Setting* CachePolicy::setting(const QString& id, const QString& scope) const
{
    for (const Setting& s : settings) {
        if (s.id == id && s.scope == scope)
            return &s;
    }
    return nullptr;
}

namespace {
QMap<QString, QString> scopeProblems(const QString& scope)
{
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!name.match(scope).hasMatch())
        return { { QStringLiteral("server"), QStringLiteral("Choose where the rule goes.") } };
    return {};
}

Verdict notReadBack(const QString& gateway)
{
    return { false, QStringLiteral("%1: the cache policy was not read back").arg(gateway) };
}
} // namespace

// --- a Cache-Control rule ---

QString CacheRuleChange::object() const
{
    return QStringLiteral("cache/%1 %2").arg(scope, path.isEmpty() ? QStringLiteral("(every path)") : path);
}

QString CacheRuleChange::describe() const
{
    const QString where = path.isEmpty() ? QStringLiteral("every path") : path;
    if (remove)
        return QStringLiteral("remove the Cache-Control rule on %1 of %2/%3").arg(where, gateway, scope);
    return QStringLiteral("set Cache-Control \"%1\" on %2 of %3/%4").arg(control.toHeader(), where, gateway, scope);
}

QMap<QString, QString> CacheRuleChange::validate(const Capabilities&) const
{
    static const QRegularExpression pattern(QStringLiteral("^/[A-Za-z0-9._~!$&'()+,;=:@%/*-]{0,200}$"));
    QMap<QString, QString> problems = remove ? QMap<QString, QString> {} : control.validate();
    if (!path.isEmpty() && !pattern.match(path).hasMatch())
        problems.insert(QStringLiteral("path"),
            QStringLiteral("\"%1\" is not a path (it starts with / and may end in *).").arg(path));
    problems.insert(scopeProblems(scope));
    return problems;
}

ChangeCheck CacheRuleChange::precheck(const GatewayState&, const GatewayState& now, const Capabilities&) const
{
    if (remove && now.cache && !now.cache->rule(scope, path))
        return { QStringLiteral("%1: there is no rule on %2 to remove; nothing sent")
                     .arg(gateway, path.isEmpty() ? QStringLiteral("every path") : path) };
    return {};
}

QString CacheRuleChange::stateText(const GatewayState& state) const
{
    if (!state.cache)
        return QStringLiteral("unknown");
    const CacheRule* r = state.cache->rule(scope, path);
    return r ? QStringLiteral("Cache-Control \"%1\"").arg(r->header) : QStringLiteral("no rule");
}

QString CacheRuleChange::wantedText() const
{
    return remove ? QStringLiteral("no rule") : QStringLiteral("Cache-Control \"%1\"").arg(control.toHeader());
}

std::optional<Change> CacheRuleChange::inverse(const GatewayState& before) const
{
    if (!before.cache)
        return std::nullopt;
    CacheRuleChange back = *this;
    if (const CacheRule* old = before.cache->rule(scope, path)) {
        const auto parsed = CacheControl::parse(old->header);
        if (!parsed)
            return std::nullopt; // a header the form cannot write back
        back.remove = false;
        back.control = parsed.value();
        return Change(back);
    }
    if (remove)
        return std::nullopt; // there was nothing to remove
    back.remove = true;
    return Change(back);
}

Verdict CacheRuleChange::verify(const GatewayState& after) const
{
    if (!after.cache)
        return notReadBack(gateway);
    const CacheRule* r = after.cache->rule(scope, path);
    bool ok = false;
    if (remove) {
        ok = r == nullptr;
    } else if (r) {
        const auto now = CacheControl::parse(r->header);
        ok = now && now.value() == control;
    }
    if (ok)
        return { true, QStringLiteral("verified: %1").arg(stateText(after)) };
    return { false,
        QStringLiteral("%1: asked to %2, the gateway now has %3").arg(gateway, describe(), stateText(after)) };
}

// --- a default lifetime ---

QString CacheTtlChange::object() const
{
    return QStringLiteral("cache/") + label(which);
}

QString CacheTtlChange::describe() const
{
    return QStringLiteral("set %1 on %2 to %3").arg(label(which), gateway, ::Fleetdeck::seconds(seconds));
}

QMap<QString, QString> CacheTtlChange::validate(const Capabilities&) const
{
    if (!(seconds >= 0) || seconds > kMaxSeconds)
        return { { QStringLiteral("value"),
            QStringLiteral("%1: seconds from 0 to %2.").arg(seconds).arg(kMaxSeconds) } };
    return {};
}

ChangeCheck CacheTtlChange::precheck(const GatewayState&, const GatewayState& now, const Capabilities&) const
{
    if (now.cache && !now.cache->hasTtl)
        return { QStringLiteral("%1: it has no %2 to set; nothing sent").arg(gateway, label(which)) };
    return {};
}

QString CacheTtlChange::stateText(const GatewayState& state) const
{
    return state.cache ? QStringLiteral("%1 %2").arg(label(which), ::Fleetdeck::seconds(state.cache->lifetime(which)))
                       : QStringLiteral("unknown");
}

QString CacheTtlChange::wantedText() const
{
    return QStringLiteral("%1 %2").arg(label(which), ::Fleetdeck::seconds(seconds));
}

std::optional<Change> CacheTtlChange::inverse(const GatewayState& before) const
{
    if (!before.cache || before.cache->lifetime(which) < 0)
        return std::nullopt;
    CacheTtlChange back = *this;
    back.seconds = before.cache->lifetime(which);
    return Change(back);
}

Verdict CacheTtlChange::verify(const GatewayState& after) const
{
    if (!after.cache)
        return notReadBack(gateway);
    if (std::abs(after.cache->lifetime(which) - seconds) < 0.0005)
        return { true, QStringLiteral("verified: %1").arg(stateText(after)) };
    return { false,
        QStringLiteral("%1: asked to %2, the gateway now has %3").arg(gateway, describe(), stateText(after)) };
}

// --- a purge ---

bool PurgeChange::purgesEverything() const
{
    if (!host.isEmpty())
        return false;
    static const QStringList all { QString(), QStringLiteral("."), QStringLiteral(".*"), QStringLiteral("^"),
        QStringLiteral("^/"), QStringLiteral("/"), QStringLiteral("^.*") };
    return all.contains(urlPattern);
}

QString PurgeChange::object() const
{
    return QStringLiteral("cache/purge");
}

QString PurgeChange::describe() const
{
    QStringList what;
    if (!urlPattern.isEmpty())
        what << QStringLiteral("URLs matching %1").arg(urlPattern);
    if (!host.isEmpty())
        what << QStringLiteral("host %1").arg(host);
    return QStringLiteral("purge %1 on %2").arg(what.join(QStringLiteral(" on ")), gateway);
}

QMap<QString, QString> PurgeChange::validate(const Capabilities&) const
{
    QMap<QString, QString> problems;
    static const QRegularExpression hostName(QStringLiteral("^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$"));
    if (urlPattern.isEmpty() && host.isEmpty())
        problems.insert(QStringLiteral("url"), QStringLiteral("A purge needs a URL pattern, a host, or both."));
    if (!urlPattern.isEmpty()) {
        const QRegularExpression re(urlPattern);
        if (!re.isValid())
            problems.insert(QStringLiteral("url"),
                QStringLiteral("\"%1\" is not a regular expression: %2 at %3.")
                    .arg(urlPattern, re.errorString())
                    .arg(re.patternErrorOffset()));
        else if (urlPattern.contains(QLatin1Char('\n')))
            problems.insert(QStringLiteral("url"), QStringLiteral("A pattern is one line."));
    }
    if (!host.isEmpty() && !hostName.match(host).hasMatch())
        problems.insert(QStringLiteral("host"), QStringLiteral("\"%1\" is not a host name.").arg(host));
    return problems;
}

ChangeCheck PurgeChange::precheck(const GatewayState&, const GatewayState& now, const Capabilities&) const
{
    if (now.cache && !now.cache->purges)
        return { QStringLiteral("%1: it cannot purge at runtime; nothing sent").arg(gateway) };
    return {};
}

QString PurgeChange::stateText(const GatewayState& state) const
{
    return state.cache ? QStringLiteral("%1 bans").arg(state.cache->bans.size()) : QStringLiteral("unknown");
}

QString PurgeChange::wantedText() const
{
    return describe();
}

std::optional<Change> PurgeChange::inverse(const GatewayState&) const
{
    return std::nullopt; // what was purged is gone
}

Verdict PurgeChange::verify(const GatewayState& after) const
{
    if (!after.cache)
        return notReadBack(gateway);
    for (const BanEntry& b : after.cache->bans) {
        if (b.urlPattern == urlPattern && b.host == host)
            return { true, QStringLiteral("verified: %1").arg(stateText(after)) };
    }
    return { false, QStringLiteral("%1: asked to %2, the gateway lists no such ban").arg(gateway, describe()) };
}

} // namespace Fleetdeck
