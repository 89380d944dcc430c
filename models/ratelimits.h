#pragma once

#include <optional>

#include <QList>
#include <QMap>
#include <QString>

#include "capabilities.h"
#include "changekind.h"

namespace Fleetdeck {

// One limit a gateway keeps for one key (an API key, a user), with what the gateway counted for it.
struct RateLimitEntry
{
    QString key;
    qint64 limit = 0; // requests per window
    qint64 requestRate = -1; // requests in the current window (-1: not tracked now)
    qint64 requestCount = -1;
    qint64 refused = -1; // 429s answered to this key (-1: the gateway does not count them)
    friend bool operator==(const RateLimitEntry&, const RateLimitEntry&) = default;
};

// A gateway's rate limits as an operator edits them: limits per key, one limit per client IP, the window they count
// over, and where the gateway keeps them.
struct RateLimits
{
    QList<RateLimitEntry> entries; // per key
    qint64 ipLimit = -1; // per client IP (-1: none)
    int windowSeconds = 10;
    QString keyStore; // where the per-key limits live in the gateway (e.g. a map file), for the driver and the operator
    QString ipStore; // where the per-IP limit lives
    QString persistNote; // runtime changes are lost on reload unless...: what to do
    QString exportName; // a file to export the per-key limits to, as the gateway reads it (empty: none)
    QString exportContent;

    const RateLimitEntry* entry(const QString& key) const;
    friend bool operator==(const RateLimits&, const RateLimits&) = default;
};

// One rate-limit rule to set: by what it counts (scope), for which key (none for the per-IP rule), how many requests
// per window; limit < 0 removes a key's rule.
struct RateLimitChange
{
    QString gateway;
    RateScope scope = RateScope::Key;
    QString key;
    qint64 limit = 0;
    int windowSeconds = 0; // 0: the window the gateway has
    qint64 burst = -1; // -1: none asked for

    FLEETDECK_CHANGE_KIND(RateLimitChange)
};

QString validateRateLimitKey(const QString& key);

} // namespace Fleetdeck

#include <QMetaType>
Q_DECLARE_METATYPE(Fleetdeck::RateLimits)
