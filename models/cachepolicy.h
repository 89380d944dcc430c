#pragma once

#include <optional>

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

#include "capabilities.h"
#include "changekind.h"
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

// One Cache-Control rule found in a gateway's config.
struct CacheRule
{
    QString scope; // what the rule belongs to (the product's server, site or route), as the gateway names it
    QString path; // the path pattern, e.g. "/static/*"; empty: every request
    QString header; // the value as configured
    QString where; // "route 0" or "inside pool api": where it lives, for the operator
    bool editable = true; // false: Fleetdeck shows it but leaves it alone
    friend bool operator==(const CacheRule&, const CacheRule&) = default;
};

// A purge (ban) the gateway holds, as it lists it.
struct BanEntry
{
    QString time;
    qint64 objects = 0;
    bool completed = false;
    QString expression; // the gateway's own words
    QString urlPattern; // what it matches, as the driver read it from the expression
    QString host;
    friend bool operator==(const BanEntry&, const BanEntry&) = default;
};

// A cache store seen at runtime (read-only).
struct CacheStore
{
    QString name;
    qint64 entries = 0;
    qint64 availableBlocks = -1;
    qint64 lookups = 0; // summed over the pools that use it (-1: not counted for this store alone)
    qint64 hits = 0; // -1: not counted for this store alone
    QStringList backends;
    friend bool operator==(const CacheStore&, const CacheStore&) = default;
};

// A size as settings write it: bytes, or a whole number of kb, mb or gb (1024-based). Nothing when it is not one.
std::optional<qint64> parseSize(const QString& text);
// A whole number of seconds, 1 to 2^31 - 1. Nothing when it is not one.
std::optional<qint64> parseSeconds(const QString& text);

// A product setting as the gateway has it now, with the values it may take.
struct Setting
{
    // Choice: one of `choices`. Size: a size (parseSize), compared by its bytes. Seconds: a whole number of seconds
    // (parseSeconds; Kong's cache_ttl), `choices` only suggestions. Command: a one-shot command (Redis's CONFIG
    // REWRITE): `value` says what it acts on, `choices.first()` is what is sent; there is nothing to read back but
    // the gateway's answer, and no undo.
    enum class Kind { Choice, Size, Seconds, Command };
    QString id; // as SettingChange names it
    QString scope; // empty: the gateway as a whole
    QString label; // "active VCL", "HTTP metrics"
    QString value;
    QStringList choices;
    QString note; // what changing it does
    Kind kind = Kind::Choice;
    friend bool operator==(const Setting&, const Setting&) = default;
};

// The three default lifetimes of a cached object.
enum class CacheTtl { Ttl, Grace, Keep };
QString label(CacheTtl which);

// What one gateway's cache policy is now. What it holds says which parts of the form apply: Cache-Control rules,
// default lifetimes, purges, settings, stores.
struct CachePolicy
{
    QString configVersion; // the config this was read from (writes that send it are refused if it changed since)
    bool hasRules = false;
    QStringList ruleScopes; // where a rule can go (the product's servers)
    QList<CacheRule> rules;
    bool hasTtl = false;
    double ttl = -1; // seconds; -1: unknown
    double grace = -1;
    double keep = -1;
    bool purges = false;
    QList<BanEntry> bans;
    QList<Setting> settings;
    QList<CacheStore> stores;
    QString readOnlyReason; // non-empty: this gateway cannot change its cache at runtime, and why
    QString note; // how the product applies what the form changes, in its own terms
    QString reviewNote; // what the review should say about sending it (e.g. how a conflict is caught)

    const CacheRule* rule(const QString& scope, const QString& path) const;
    double lifetime(CacheTtl which) const; // -1 when unknown
    const Setting* setting(const QString& id, const QString& scope = {}) const;
    friend bool operator==(const CachePolicy&, const CachePolicy&) = default;
};

// Set (or remove) the Cache-Control rule on a path.
struct CacheRuleChange
{
    QString gateway;
    QString scope;
    QString path;
    CacheControl control;
    bool remove = false;

    FLEETDECK_CHANGE_KIND(CacheRuleChange)
};

// Set one default lifetime of newly cached objects.
struct CacheTtlChange
{
    QString gateway;
    CacheTtl which = CacheTtl::Ttl;
    double seconds = 0;

    FLEETDECK_CHANGE_KIND(CacheTtlChange)
};

// Purge what a URL pattern (regular expression) and a host match: every cached object it matches becomes a miss.
// It cannot be undone.
struct PurgeChange
{
    QString gateway;
    QString urlPattern;
    QString host;

    bool purgesEverything() const;
    FLEETDECK_CHANGE_KIND(PurgeChange)
};

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::CachePolicy)
