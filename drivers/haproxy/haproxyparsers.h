#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers::HAProxy {

// Pure functions from the runtime API's bytes to values; no sockets, so they can be table-tested and fuzzed.

// One row of "show stat", holding the columns Fleetdeck uses.
struct StatRow
{
    enum class Type { Frontend = 0, Backend = 1, Server = 2, Listener = 3 };
    QString proxy;
    QString name;
    Type type = Type::Server;
    QString status;
    int weight = 0;
    int userWeight = -1; // -1: the column is absent (older HAProxy)
    bool backup = false;
    qint64 sessions = 0;
    qint64 sessionsTotal = 0;
    qint64 requestsTotal = -1; // -1: the column is empty for this row
    qint64 responses4xx = 0;
    qint64 responses5xx = 0;
    qint64 deniedRequests = 0;
    qint64 lastChange = -1;
    QString checkStatus;
    QString checkDescription;
    QString address;
    QString algorithm;
    qint64 cacheLookups = 0;
    qint64 cacheHits = 0;
    QString mode; // "http", "tcp" (frontends, backends and servers; empty on older HAProxy)
    qint64 connectionsTotal = -1; // conn_tot (frontends)
    // Latency (averages over the last 1024 requests, ms) and saturation; -1: the column is absent or empty.
    qint64 queued = -1; // qcur
    qint64 queuedMax = -1; // qmax
    qint64 sessionLimit = -1; // slim
    qint64 queueMs = -1; // qtime
    qint64 connectMs = -1; // ctime
    qint64 responseMs = -1; // rtime
    qint64 totalMs = -1; // ttime
    qint64 connectsTotal = -1; // connect
    qint64 reusesTotal = -1; // reuse
    qint64 usedConnections = -1; // used_conn_cur
    qint64 idleConnections = -1; // srv_icur: idle connections kept for reuse (safe and idle)
    qint64 neededConnections = -1; // need_conn_est
};

// One row of "show servers state".
struct ServerStateRow
{
    QString backend;
    QString server;
    QString address;
    int operationalState = -1; // 0 stopped, 1 starting, 2 running, 3 stopping
    int adminState = 0; // bit field: 0x01|0x02|0x04|0x20|0x40 maintenance, 0x08|0x10 drain
    int userWeight = 0;
};

QList<QByteArray> splitCsvLine(const QByteArray& line);
Result<QHash<QString, QString>> parseShowInfo(const QByteArray& text);
Result<QList<StatRow>> parseShowStat(const QByteArray& text);
Result<QList<ServerStateRow>> parseServersState(const QByteArray& text);

AdminState adminStateFromBits(int bits);
// Builds a snapshot from the three answers; serversState may be empty (then states come from "show stat").
GatewaySnapshot buildSnapshot(
    const QHash<QString, QString>& info, const QList<StatRow>& stat, const QList<ServerStateRow>& serversState);

// Rate-limit pieces: "show map" (the list), "show map <file>", "get var <name>", "show table <name>".
struct MapInfo
{
    int id = -1;
    QString path;
};
Result<QList<MapInfo>> parseMapList(const QByteArray& text);
Result<QList<QPair<QString, QString>>> parseMapEntries(const QByteArray& text);
Result<qint64> parseIntegerVariable(const QByteArray& text);
struct TableEntry
{
    QString key;
    qint64 requestCount = -1;
    qint64 requestRate = -1;
    qint64 refused = -1; // gpc0, where the configuration counts refusals in it
};
Result<QList<TableEntry>> parseStickTable(const QByteArray& text);

// The command one poll sends, and the parser of its whole reply.
QByteArray pollCommand();
Result<GatewaySnapshot> parsePollReply(const QByteArray& reply);

// "show cache": each cache section with its entries, and "show stat"'s per-backend cache lookups and hits as
// a read-only policy (HAProxy 2.6 cannot change a cache section at runtime).
Result<CachePolicy> parseCachePolicy(const QByteArray& showCache, const QByteArray& showStat);

} // namespace Fleetdeck::Drivers::HAProxy
