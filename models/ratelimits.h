#pragma once

#include <QList>
#include <QString>

namespace Fleetdeck {

// A gateway's rate limits as an operator edits them: per-API-key limits in a map, a global per-client-IP limit,
// and what the stick table saw per key.
struct RateLimitEntry
{
    QString key;
    qint64 limit = 0; // requests per window
    qint64 requestRate = -1; // requests in the current window, from the stick table (-1: not tracked now)
    qint64 requestCount = -1;
    qint64 refused = -1; // 429s answered to this key (-1: the gateway does not count them)
    friend bool operator==(const RateLimitEntry&, const RateLimitEntry&) = default;
};

struct RateLimits
{
    QString mapFile; // the map HAProxy loaded the per-key limits from
    QList<RateLimitEntry> entries;
    qint64 ipLimit = -1; // -1: no global variable
    QString ipLimitVariable = QStringLiteral("proc.iplimit");
    int windowSeconds = 10; // the stick table's http_req_rate window

    const RateLimitEntry* entry(const QString& key) const;
    // The map file's new content, for the operator to save: runtime changes live in memory until then.
    QString mapFileContent() const;
};

// One edit. limit < 0 deletes the key; key empty sets the global IP limit.
struct RateLimitChange
{
    QString gateway;
    QString key;
    qint64 limit = 0;
    QString describe() const;
};

QString validateRateLimitKey(const QString& key);

} // namespace Fleetdeck

#include <QMetaType>
Q_DECLARE_METATYPE(Fleetdeck::RateLimits)
