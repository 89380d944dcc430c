#include "cachepolicy.h"

#include <cmath>

#include <QRegularExpression>

namespace Fleetdeck {

namespace {
constexpr int kMaxSeconds = 365 * 24 * 3600; // a year: RFC 9111 caches may cap at this anyway

QString seconds(double s)
{
    return s < 0 ? QStringLiteral("unknown") : QStringLiteral("%1 s").arg(s, 0, 'f', s == std::floor(s) ? 0 : 3);
}

// Varnish CLI arguments are quoted; a backslash or quote inside needs escaping.
QString cliQuoted(const QString& text)
{
    QString out = text;
    out.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('"'), QStringLiteral("\\\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
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

const CacheRule* CachePolicy::rule(const QString& server, const QString& path) const
{
    for (const CacheRule& r : rules) {
        if (r.server == server && r.path == path && r.editable)
            return &r;
    }
    return nullptr;
}

double CachePolicy::parameter(const QString& name) const
{
    if (name == QLatin1String("default_ttl"))
        return defaultTtl;
    if (name == QLatin1String("default_grace"))
        return defaultGrace;
    if (name == QLatin1String("default_keep"))
        return defaultKeep;
    return -1;
}

QString PolicyChange::banExpression() const
{
    QStringList parts;
    if (!banUrlRegex.isEmpty())
        parts << QStringLiteral("req.url ~ ") + cliQuoted(banUrlRegex);
    if (!banHost.isEmpty())
        parts << QStringLiteral("req.http.host == ") + cliQuoted(banHost);
    return parts.join(QStringLiteral(" && "));
}

bool PolicyChange::bansEverything() const
{
    if (kind != Kind::Ban || !banHost.isEmpty())
        return false;
    static const QStringList all { QString(), QStringLiteral("."), QStringLiteral(".*"), QStringLiteral("^"),
        QStringLiteral("^/"), QStringLiteral("/"), QStringLiteral("^.*") };
    return all.contains(banUrlRegex);
}

QString PolicyChange::describe() const
{
    const QString where = path.isEmpty() ? QStringLiteral("every path") : path;
    switch (kind) {
    case Kind::SetRule:
        return QStringLiteral("set Cache-Control \"%1\" on %2 of %3/%4")
            .arg(control.toHeader(), where, gateway, server);
    case Kind::RemoveRule:
        return QStringLiteral("remove the Cache-Control rule on %1 of %2/%3").arg(where, gateway, server);
    case Kind::SetParameter:
        return QStringLiteral("set %1 on %2 to %3").arg(parameter, gateway, seconds(value));
    case Kind::Ban:
        return QStringLiteral("ban %1 on %2").arg(banExpression(), gateway);
    case Kind::EnableMetrics:
        return QStringLiteral("enable HTTP metrics on %1/%2").arg(gateway, server);
    case Kind::UseVcl:
        return QStringLiteral("make VCL %1 active on %2").arg(parameter, gateway);
    }
    return {};
}

std::optional<PolicyChange> PolicyChange::inverse(const CachePolicy& before) const
{
    PolicyChange back = *this;
    back.baseVersion.clear(); // undo is checked against the config as it is when undoing
    switch (kind) {
    case Kind::SetRule:
    case Kind::RemoveRule:
        if (const CacheRule* old = before.rule(server, path)) {
            const auto control = CacheControl::parse(old->header);
            if (!control)
                return std::nullopt;
            back.kind = Kind::SetRule;
            back.control = control.value();
            return back;
        }
        if (kind == Kind::RemoveRule)
            return std::nullopt; // there was nothing to remove
        back.kind = Kind::RemoveRule;
        return back;
    case Kind::SetParameter:
        if (before.parameter(parameter) < 0)
            return std::nullopt;
        back.value = before.parameter(parameter);
        return back;
    case Kind::UseVcl:
        if (before.configVersion.isEmpty())
            return std::nullopt;
        back.parameter = before.configVersion;
        return back;
    case Kind::Ban:
    case Kind::EnableMetrics:
        return std::nullopt;
    }
    return std::nullopt;
}

QMap<QString, QString> validatePolicyChange(const PolicyChange& change)
{
    QMap<QString, QString> problems;
    static const QRegularExpression path(QStringLiteral("^/[A-Za-z0-9._~!$&'()+,;=:@%/*-]{0,200}$"));
    static const QRegularExpression server(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    static const QRegularExpression host(QStringLiteral("^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$"));
    switch (change.kind) {
    case PolicyChange::Kind::SetRule:
        problems = change.control.validate();
        [[fallthrough]];
    case PolicyChange::Kind::RemoveRule:
        if (!change.path.isEmpty() && !path.match(change.path).hasMatch())
            problems.insert(QStringLiteral("path"),
                QStringLiteral("\"%1\" is not a path (it starts with / and may end in *).").arg(change.path));
        if (!server.match(change.server).hasMatch())
            problems.insert(QStringLiteral("server"), QStringLiteral("Choose the HTTP server."));
        break;
    case PolicyChange::Kind::SetParameter: {
        static const QStringList known { QStringLiteral("default_ttl"), QStringLiteral("default_grace"),
            QStringLiteral("default_keep") };
        if (!known.contains(change.parameter))
            problems.insert(QStringLiteral("parameter"),
                QStringLiteral("\"%1\" is not one of %2.").arg(change.parameter, known.join(QStringLiteral(", "))));
        if (!(change.value >= 0) || change.value > kMaxSeconds)
            problems.insert(QStringLiteral("value"),
                QStringLiteral("%1: seconds from 0 to %2.").arg(change.value).arg(kMaxSeconds));
        break;
    }
    case PolicyChange::Kind::Ban:
        if (change.banUrlRegex.isEmpty() && change.banHost.isEmpty())
            problems.insert(QStringLiteral("url"), QStringLiteral("A ban needs a URL pattern, a host, or both."));
        if (!change.banUrlRegex.isEmpty()) {
            const QRegularExpression re(change.banUrlRegex);
            if (!re.isValid())
                problems.insert(QStringLiteral("url"),
                    QStringLiteral("\"%1\" is not a regular expression: %2 at %3.")
                        .arg(change.banUrlRegex, re.errorString())
                        .arg(re.patternErrorOffset()));
            else if (change.banUrlRegex.contains(QLatin1Char('\n')))
                problems.insert(QStringLiteral("url"), QStringLiteral("A pattern is one line."));
        }
        if (!change.banHost.isEmpty() && !host.match(change.banHost).hasMatch())
            problems.insert(QStringLiteral("host"), QStringLiteral("\"%1\" is not a host name.").arg(change.banHost));
        break;
    case PolicyChange::Kind::EnableMetrics:
        if (!server.match(change.server).hasMatch())
            problems.insert(QStringLiteral("server"), QStringLiteral("Choose the HTTP server."));
        break;
    case PolicyChange::Kind::UseVcl:
        if (!server.match(change.parameter).hasMatch())
            problems.insert(QStringLiteral("vcl"), QStringLiteral("\"%1\" is not a VCL name.").arg(change.parameter));
        break;
    }
    return problems;
}

QString describePolicyState(const CachePolicy& policy, const PolicyChange& change)
{
    switch (change.kind) {
    case PolicyChange::Kind::SetRule:
    case PolicyChange::Kind::RemoveRule: {
        const CacheRule* r = policy.rule(change.server, change.path);
        return r ? QStringLiteral("Cache-Control \"%1\"").arg(r->header) : QStringLiteral("no rule");
    }
    case PolicyChange::Kind::SetParameter:
        return QStringLiteral("%1 %2").arg(change.parameter, seconds(policy.parameter(change.parameter)));
    case PolicyChange::Kind::Ban:
        return QStringLiteral("%1 bans").arg(policy.bans.size());
    case PolicyChange::Kind::EnableMetrics:
        return {};
    case PolicyChange::Kind::UseVcl:
        return QStringLiteral("active VCL %1").arg(policy.configVersion);
    }
    return {};
}

bool policyShows(const CachePolicy& policy, const PolicyChange& change)
{
    switch (change.kind) {
    case PolicyChange::Kind::SetRule: {
        const CacheRule* r = policy.rule(change.server, change.path);
        if (!r)
            return false;
        const auto now = CacheControl::parse(r->header);
        return now && now.value() == change.control;
    }
    case PolicyChange::Kind::RemoveRule:
        return policy.rule(change.server, change.path) == nullptr;
    case PolicyChange::Kind::SetParameter:
        return std::abs(policy.parameter(change.parameter) - change.value) < 0.0005;
    case PolicyChange::Kind::Ban: {
        // ban.list prints the expression with its arguments unquoted.
        QStringList parts;
        if (!change.banUrlRegex.isEmpty())
            parts << QStringLiteral("req.url ~ ") + change.banUrlRegex;
        if (!change.banHost.isEmpty())
            parts << QStringLiteral("req.http.host == ") + change.banHost;
        const QString expected = parts.join(QStringLiteral(" && "));
        for (const BanEntry& b : policy.bans) {
            if (b.expression == expected)
                return true;
        }
        return false;
    }
    case PolicyChange::Kind::EnableMetrics:
        return true; // verified through the snapshot's notices
    case PolicyChange::Kind::UseVcl:
        return policy.configVersion == change.parameter;
    }
    return false;
}

} // namespace Fleetdeck
