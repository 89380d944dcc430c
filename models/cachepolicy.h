#pragma once

#include <optional>

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck {

// A Cache-Control response header as the cache-policy form edits it.
struct CacheControl
{
    enum class Visibility { Unset, Public, Private };
    Visibility visibility = Visibility::Unset;
    int maxAge = -1; // seconds; -1: not sent
    int sMaxAge = -1;
    int staleWhileRevalidate = -1;
    bool noStore = false;

    QString toHeader() const; // "public, max-age=600, stale-while-revalidate=30"
    // Reads a header value; directives the form does not edit make it fail, so nothing is dropped silently.
    static Result<CacheControl> parse(const QString& header);
    // Field ("max-age", "s-maxage", "stale-while-revalidate", "no-store") -> what is wrong. Empty when sendable.
    QMap<QString, QString> validate() const;
    friend bool operator==(const CacheControl&, const CacheControl&) = default;
};

// One Cache-Control rule found in a gateway's config (Caddy: a headers handler, per path).
struct CacheRule
{
    QString server; // the product's server the rule belongs to (Caddy's HTTP server name)
    QString path; // the path matcher, e.g. "/static/*"; empty: every request
    QString header; // the value as configured
    QString where; // "route 0" or "inside pool api": where it lives, for the operator
    bool editable = true; // false: set inside a reverse_proxy (Fleetdeck shows it but leaves it alone)
    friend bool operator==(const CacheRule&, const CacheRule&) = default;
};

// A Varnish ban as ban.list shows it.
struct BanEntry
{
    QString time;
    qint64 objects = 0;
    bool completed = false;
    QString expression;
    friend bool operator==(const BanEntry&, const BanEntry&) = default;
};

// An HAProxy cache section, as seen at runtime (2.6 cannot change it).
struct CacheStore
{
    QString name;
    qint64 entries = 0;
    qint64 availableBlocks = -1;
    qint64 lookups = 0; // summed over the backends that use it
    qint64 hits = 0;
    QStringList backends;
    friend bool operator==(const CacheStore&, const CacheStore&) = default;
};

// What one gateway's cache policy is now. What it holds says which parts of the form apply: rules, TTL parameters
// and bans, cache stores.
struct CachePolicy
{
    bool hasRules = false; // Cache-Control rules per path (Caddy)
    QString configVersion; // Caddy: the config the rules were read from (writes send it as If-Match); Varnish: the
                           // active VCL
    QStringList servers; // Caddy: the HTTP servers a rule can go on; Varnish: the loaded VCLs
    QList<CacheRule> rules; // Caddy
    bool hasParameters = false; // Varnish
    double defaultTtl = -1;
    double defaultGrace = -1;
    double defaultKeep = -1;
    QList<BanEntry> bans;
    QList<CacheStore> stores; // HAProxy
    QString readOnlyReason; // non-empty: this product cannot change its cache at runtime, and why
    QString note; // how the product applies what the form changes, in its own terms
    QString reviewNote; // what the review should say about sending it (e.g. how a conflict is caught)

    const CacheRule* rule(const QString& server, const QString& path) const;
    double parameter(const QString& name) const; // -1 when unknown
};

// One cache-policy edit.
struct PolicyChange
{
    enum class Kind { SetRule, RemoveRule, SetParameter, Ban, EnableMetrics, UseVcl };
    Kind kind = Kind::SetRule;
    QString gateway;
    QString server; // SetRule/RemoveRule/EnableMetrics: the HTTP server (Caddy)
    QString path; // SetRule/RemoveRule
    CacheControl control; // SetRule
    QString parameter; // SetParameter: default_ttl, default_grace or default_keep; UseVcl: the VCL's name
    double value = 0; // SetParameter: seconds
    QString banUrlRegex; // Ban: either or both
    QString banHost;
    QString baseVersion; // the CachePolicy's configVersion the operator saw

    QString describe() const;
    QString banExpression() const; // as the Varnish CLI takes it: req.url ~ "..." && req.http.host == "..."
    bool bansEverything() const;
    // The change that puts things back as `before` had them, or nothing when it cannot be undone (a ban).
    std::optional<PolicyChange> inverse(const CachePolicy& before) const;
    friend bool operator==(const PolicyChange&, const PolicyChange&) = default;
};

// Field ("path", "max-age", "value", "url", "host", ...) -> what is wrong. Empty when the change can be sent.
QMap<QString, QString> validatePolicyChange(const PolicyChange& change);
// What the policy now says about what a change touches, in words (journal before/after).
QString describePolicyState(const CachePolicy& policy, const PolicyChange& change);
// True when `policy` shows what `change` asked for.
bool policyShows(const CachePolicy& policy, const PolicyChange& change);

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::CachePolicy)
Q_DECLARE_METATYPE(Fleetdeck::PolicyChange)
