#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers::Redis {

// INFO's answer: "# Section" headers and "field:value" lines, CRLF or LF. Fields by name (they are unique across
// sections). A line that is neither, or an answer with no field at all, is an error naming the line.
Result<QHash<QByteArray, QByteArray>> parseInfo(const QByteArray& text);

// "key=value,key=value" as INFO writes db0 and slave0.
QHash<QByteArray, QByteArray> parseInfoPairs(const QByteArray& value);

// One SLOWLOG GET entry.
struct SlowEntry
{
    qint64 id = 0;
    qint64 timeSeconds = 0;
    qint64 micros = 0;
    QString command; // the arguments, joined by spaces, capped
    QString client;
    friend bool operator==(const SlowEntry&, const SlowEntry&) = default;
};

// One LATENCY LATEST row: an event, when it last happened, its latest and its highest latency.
struct LatencyEvent
{
    QString event;
    qint64 timeSeconds = 0;
    qint64 latestMs = 0;
    qint64 maxMs = 0;
    friend bool operator==(const LatencyEvent&, const LatencyEvent&) = default;
};

struct RespValue;
Result<QList<SlowEntry>> parseSlowlog(const RespValue& answer);
Result<QList<LatencyEvent>> parseLatencyLatest(const RespValue& answer);
// CONFIG GET's flat array of names and values.
Result<QHash<QString, QString>> parseConfigGet(const RespValue& answer);

// Bytes as the cache form shows a size: the largest of gb, mb, kb that divides it exactly, else bytes.
QString sizeText(qint64 bytes);

// What the driver keeps between polls to turn totals into the hit ratio of the last interval.
struct HitCounts
{
    qint64 hits = -1;
    qint64 misses = -1;
};

// The gateway as Fleetdeck shows it, from INFO (and the slow log entries newer than `lastSlowId`, which it moves
// on). Clients are the frontend (commands processed as requests, error replies as errors, keyspace hits and misses);
// the replication is the pool (this instance first, then its replicas or its master); Redis's own figures (hit
// ratio, memory, evictions, expirations, fragmentation, blocked clients) are charted for the gateway.
GatewaySnapshot redisSnapshot(const QHash<QByteArray, QByteArray>& info, const QString& address,
    const QList<SlowEntry>& slowlog, const QList<LatencyEvent>& latency, qint64* lastSlowId, HitCounts* previous);

// The cache form's part: memory limit and eviction policy, lazy freeing, the keyspaces as stores.
CachePolicy redisCachePolicy(const QHash<QByteArray, QByteArray>& info, const QHash<QString, QString>& config);

// The settings the form edits, as CONFIG GET names them.
QStringList redisSettings();
QStringList evictionPolicies();

} // namespace Fleetdeck::Drivers::Redis
