#include "redisparsers.h"

#include <cmath>
#include <limits>

#include <QDateTime>

#include "printable.h"
#include "resp.h"

namespace Fleetdeck::Drivers::Redis {

namespace {
constexpr int kMaxSlowEntriesShown = 16;

qint64 integer(const QHash<QByteArray, QByteArray>& info, const char* field, qint64 fallback = -1)
{
    bool ok = false;
    const qint64 n = info.value(field).toLongLong(&ok);
    return ok ? n : fallback;
}

double real(const QHash<QByteArray, QByteArray>& info, const char* field)
{
    bool ok = false;
    const double d = info.value(field).toDouble(&ok);
    return ok ? d : std::nan("");
}
} // namespace

Result<QHash<QByteArray, QByteArray>> parseInfo(const QByteArray& text)
{
    using R = Result<QHash<QByteArray, QByteArray>>;
    QHash<QByteArray, QByteArray> out;
    int lineNo = 0;
    for (QByteArray line : text.split('\n')) {
        ++lineNo;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return R::failure(QStringLiteral("INFO, line %1: not \"field:value\": \"%2\"")
                                  .arg(lineNo)
                                  .arg(printable(QString::fromUtf8(line.left(120)), kShownName)));
        out.insert(line.left(colon), line.mid(colon + 1));
    }
    if (out.isEmpty())
        return R::failure(QStringLiteral("INFO answered nothing Fleetdeck can read"));
    if (!out.contains("redis_version"))
        return R::failure(QStringLiteral("INFO has no redis_version: not Redis's answer"));
    return R::success(out);
}

QHash<QByteArray, QByteArray> parseInfoPairs(const QByteArray& value)
{
    QHash<QByteArray, QByteArray> out;
    for (const QByteArray& pair : value.split(',')) {
        const qsizetype eq = pair.indexOf('=');
        if (eq > 0)
            out.insert(pair.left(eq), pair.mid(eq + 1));
    }
    return out;
}

Result<QList<SlowEntry>> parseSlowlog(const RespValue& answer)
{
    using R = Result<QList<SlowEntry>>;
    if (answer.type != RespValue::Type::Array)
        return R::failure(QStringLiteral("SLOWLOG GET did not answer a list"));
    QList<SlowEntry> out;
    for (const RespValue& e : answer.items) {
        // id, unix time, microseconds, arguments, and since Redis 4 the client's address and name.
        if (e.type != RespValue::Type::Array || e.items.size() < 4 || e.items.at(0).type != RespValue::Type::Integer
            || e.items.at(1).type != RespValue::Type::Integer || e.items.at(2).type != RespValue::Type::Integer
            || e.items.at(3).type != RespValue::Type::Array)
            return R::failure(QStringLiteral("SLOWLOG GET: an entry is not [id, time, microseconds, arguments, ...]"));
        SlowEntry s;
        s.id = e.items.at(0).integer;
        s.timeSeconds = e.items.at(1).integer;
        s.micros = e.items.at(2).integer;
        QStringList args;
        for (const RespValue& a : e.items.at(3).items)
            args.append(QString::fromUtf8(a.asText()));
        s.command = printable(args.join(QLatin1Char(' ')), kShownName);
        if (e.items.size() > 4)
            s.client = printable(QString::fromUtf8(e.items.at(4).asText()), kShownName);
        out.append(s);
    }
    return R::success(out);
}

Result<QList<LatencyEvent>> parseLatencyLatest(const RespValue& answer)
{
    using R = Result<QList<LatencyEvent>>;
    if (answer.type != RespValue::Type::Array)
        return R::failure(QStringLiteral("LATENCY LATEST did not answer a list"));
    QList<LatencyEvent> out;
    for (const RespValue& e : answer.items) {
        if (e.type != RespValue::Type::Array || e.items.size() < 4)
            return R::failure(QStringLiteral("LATENCY LATEST: an entry is not [event, time, latest, max]"));
        out.append({ printable(QString::fromUtf8(e.items.at(0).asText()), kShownName), e.items.at(1).integer,
            e.items.at(2).integer, e.items.at(3).integer });
    }
    return R::success(out);
}

Result<QHash<QString, QString>> parseConfigGet(const RespValue& answer)
{
    using R = Result<QHash<QString, QString>>;
    if (answer.isError())
        return R::failure(QStringLiteral("CONFIG GET: %1").arg(QString::fromUtf8(answer.text.left(300))));
    if (answer.type != RespValue::Type::Array || answer.items.size() % 2 != 0)
        return R::failure(QStringLiteral("CONFIG GET did not answer names and values"));
    QHash<QString, QString> out;
    for (qsizetype i = 0; i + 1 < answer.items.size(); i += 2)
        out.insert(QString::fromUtf8(answer.items.at(i).asText()), QString::fromUtf8(answer.items.at(i + 1).asText()));
    return R::success(out);
}

QString sizeText(qint64 bytes)
{
    if (bytes <= 0)
        return QStringLiteral("0");
    const struct
    {
        int shift;
        const char* unit;
    } units[] = { { 30, "gb" }, { 20, "mb" }, { 10, "kb" } };
    for (const auto& u : units) {
        if (bytes % (qint64(1) << u.shift) == 0)
            return QString::number(bytes >> u.shift) + QLatin1String(u.unit);
    }
    return QString::number(bytes);
}

GatewaySnapshot redisSnapshot(const QHash<QByteArray, QByteArray>& info, const QString& address,
    const QList<SlowEntry>& slowlog, const QList<LatencyEvent>& latency, qint64* lastSlowId, HitCounts* previous)
{
    GatewaySnapshot snap;
    snap.version = QStringLiteral("Redis %1").arg(QString::fromLatin1(info.value("redis_version")));
    snap.pid = integer(info, "process_id", 0);
    snap.uptimeSeconds = integer(info, "uptime_in_seconds", 0);

    const qint64 hits = integer(info, "keyspace_hits", 0);
    const qint64 misses = integer(info, "keyspace_misses", 0);
    FrontendSnapshot clients;
    clients.name = QStringLiteral("clients");
    clients.sessions = integer(info, "connected_clients", 0);
    // Clients in a blocking command (BLPOP, XREAD BLOCK, WAIT) wait for data, not for Redis: said, not charted.
    clients.status
        = QStringLiteral("%1 connected, %2 blocked").arg(clients.sessions).arg(integer(info, "blocked_clients", 0));
    clients.requestsTotal = integer(info, "total_commands_processed", 0);
    clients.responses5xxTotal = integer(info, "total_error_replies", -1); // Redis 6.2 and later
    clients.cacheHitsTotal = hits;
    clients.cacheMissesTotal = misses;
    clients.binds = address;
    snap.frontends.append(clients);
    snap.load.limit = integer(info, "maxclients", -1);

    // The replication as the pool: this instance, then what it replicates to or from.
    BackendSnapshot pool;
    pool.name = QStringLiteral("replication");
    const QByteArray role = info.value("role");
    pool.status = QString::fromLatin1(role);
    // The pool's traffic is this instance's: its commands are its requests, its error replies its errors.
    pool.requestsTotal = clients.requestsTotal;
    pool.responses5xxTotal = qMax<qint64>(0, clients.responses5xxTotal);
    pool.sessions = clients.sessions;
    ServerSnapshot self;
    self.name = role == "slave" ? QStringLiteral("replica (this instance)") : QStringLiteral("master (this instance)");
    self.address = address;
    self.health = Health::Up;
    self.status = QString::fromLatin1(role);
    self.sessions = clients.sessions;
    self.requestsTotal = clients.requestsTotal;
    self.responses5xxTotal = -1;
    self.weight = 1;
    pool.servers.append(self);
    if (role == "slave") {
        ServerSnapshot master;
        master.name = QStringLiteral("master");
        master.address = QStringLiteral("%1:%2").arg(
            QString::fromLatin1(info.value("master_host")), QString::fromLatin1(info.value("master_port")));
        const bool up = info.value("master_link_status") == "up";
        master.health = up ? Health::Up : Health::Down;
        master.status = QStringLiteral("link %1, last I/O %2 s ago")
                            .arg(QString::fromLatin1(info.value("master_link_status")))
                            .arg(integer(info, "master_last_io_seconds_ago", -1));
        master.requestsTotal = -1;
        master.responses5xxTotal = -1;
        pool.servers.append(master);
    }
    const qint64 replicas = integer(info, "connected_slaves", 0);
    const qint64 masterOffset = integer(info, "master_repl_offset", 0);
    for (qint64 i = 0; i < replicas && i < 1000; ++i) {
        const auto r = parseInfoPairs(info.value("slave" + QByteArray::number(i)));
        ServerSnapshot s;
        s.name = QStringLiteral("replica %1").arg(i);
        s.address
            = QStringLiteral("%1:%2").arg(QString::fromLatin1(r.value("ip")), QString::fromLatin1(r.value("port")));
        s.health = r.value("state") == "online" ? Health::Up : Health::Starting;
        const qint64 behind = masterOffset - r.value("offset").toLongLong();
        s.status = QStringLiteral("%1, %2 bytes behind, lag %3 s")
                       .arg(QString::fromLatin1(r.value("state")))
                       .arg(qMax<qint64>(0, behind))
                       .arg(QString::fromLatin1(r.value("lag")));
        s.requestsTotal = -1;
        s.responses5xxTotal = -1;
        pool.servers.append(s);
    }
    snap.backends.append(pool);

    // Redis's own figures. The hit ratio is of this interval's lookups (none: a gap, not a made-up 100 %).
    double ratio = std::nan("");
    if (previous && previous->hits >= 0 && hits >= previous->hits && misses >= previous->misses) {
        const qint64 dh = hits - previous->hits;
        const qint64 dm = misses - previous->misses;
        if (dh + dm > 0)
            ratio = 100.0 * double(dh) / double(dh + dm);
    }
    if (previous)
        *previous = { hits, misses };
    const qint64 used = integer(info, "used_memory", 0);
    const qint64 maxmemory = integer(info, "maxmemory", 0);
    snap.figures = {
        { QStringLiteral("hit_ratio"), QStringLiteral("Keyspace hit ratio (%)"), ratio, false },
        { QStringLiteral("used_memory"), QStringLiteral("Used memory (MiB)"), double(used) / (1 << 20), false },
        { QStringLiteral("evicted_keys"), QStringLiteral("Evicted keys"), double(integer(info, "evicted_keys", 0)),
            true },
        { QStringLiteral("expired_keys"), QStringLiteral("Expired keys"), double(integer(info, "expired_keys", 0)),
            true },
        { QStringLiteral("memory_of_max"), QStringLiteral("Memory (% of maxmemory)"),
            maxmemory > 0 ? 100.0 * double(used) / double(maxmemory) : std::nan(""), false },
        { QStringLiteral("fragmentation"), QStringLiteral("Memory fragmentation ratio"),
            real(info, "mem_fragmentation_ratio"), false },
    };

    if (maxmemory == 0)
        snap.notices.append(Notice { QStringLiteral("maxmemory is 0: Redis grows until the machine runs out of memory, "
                                                    "and evicts nothing"),
            {} });
    else if (info.value("maxmemory_policy") == "noeviction")
        snap.notices.append(
            Notice { QStringLiteral("maxmemory-policy is noeviction: once Redis holds %1, writes fail with OOM errors")
                         .arg(sizeText(maxmemory)),
                {} });
    if (integer(info, "rdb_last_bgsave_status") == -1 && info.value("rdb_last_bgsave_status") == "err")
        snap.notices.append(
            Notice { QStringLiteral("the last background save failed (rdb_last_bgsave_status:err)"), {} });
    for (const LatencyEvent& e : latency)
        snap.notices.append(Notice { QStringLiteral("latency spike \"%1\": %2 ms at %3 (highest %4 ms)")
                                         .arg(e.event)
                                         .arg(e.latestMs)
                                         .arg(QDateTime::fromSecsSinceEpoch(e.timeSeconds).toString(Qt::ISODate))
                                         .arg(e.maxMs),
            {} });

    // Slow commands logged since the last poll, oldest first, on the timeline.
    qint64 newest = lastSlowId ? *lastSlowId : -1;
    QList<LoggedEvent> logged;
    for (const SlowEntry& e : slowlog) {
        if (lastSlowId && *lastSlowId >= 0 && e.id <= *lastSlowId)
            continue;
        newest = qMax(newest, e.id);
        if (lastSlowId && *lastSlowId < 0)
            continue; // the first poll: what was logged before Fleetdeck looked is not news
        logged.prepend({ e.timeSeconds * 1000, QString(),
            QStringLiteral("slow command (%1 ms): %2").arg(double(e.micros) / 1000.0, 0, 'f', 1).arg(e.command),
            false });
    }
    while (logged.size() > kMaxSlowEntriesShown)
        logged.removeFirst();
    snap.logged = logged;
    if (lastSlowId)
        *lastSlowId = qMax<qint64>(newest, 0);
    return snap;
}

QStringList evictionPolicies()
{
    return { QStringLiteral("noeviction"), QStringLiteral("allkeys-lru"), QStringLiteral("allkeys-lfu"),
        QStringLiteral("allkeys-random"), QStringLiteral("volatile-lru"), QStringLiteral("volatile-lfu"),
        QStringLiteral("volatile-random"), QStringLiteral("volatile-ttl") };
}

QStringList redisSettings()
{
    return { QStringLiteral("maxmemory"), QStringLiteral("maxmemory-policy"), QStringLiteral("lazyfree-lazy-eviction"),
        QStringLiteral("lazyfree-lazy-expire"), QStringLiteral("lazyfree-lazy-server-del"),
        QStringLiteral("lazyfree-lazy-user-del"), QStringLiteral("lazyfree-lazy-user-flush") };
}

CachePolicy redisCachePolicy(const QHash<QByteArray, QByteArray>& info, const QHash<QString, QString>& config)
{
    CachePolicy policy;
    const QString file = QString::fromUtf8(info.value("config_file"));
    policy.note = QStringLiteral("CONFIG SET changes the running Redis only: a restart reads its configuration "
                                 "again. ")
        + (file.isEmpty() ? QStringLiteral("This Redis runs without a configuration file, so CONFIG REWRITE cannot "
                                           "keep the changes.")
                          : QStringLiteral("It reads %1 at start: \"Rewrite…\" under Settings writes the running "
                                           "configuration into that file (CONFIG REWRITE).")
                                .arg(printable(file, kShownName)));
    policy.reviewNote = QStringLiteral("Sent with CONFIG SET and verified by reading CONFIG GET.");
    Setting memory;
    memory.id = QStringLiteral("maxmemory");
    memory.label = QStringLiteral("memory limit (maxmemory)");
    memory.kind = Setting::Kind::Size;
    memory.value = sizeText(config.value(QStringLiteral("maxmemory")).toLongLong());
    memory.choices = { QStringLiteral("0"), QStringLiteral("64mb"), QStringLiteral("256mb"), QStringLiteral("1gb") };
    memory.note = QStringLiteral("Past this, Redis evicts keys by its policy (or refuses writes under noeviction); 0 "
                                 "is no limit.");
    policy.settings.append(memory);
    Setting eviction;
    eviction.id = QStringLiteral("maxmemory-policy");
    eviction.label = QStringLiteral("eviction policy (maxmemory-policy)");
    eviction.value = config.value(QStringLiteral("maxmemory-policy"));
    eviction.choices = evictionPolicies();
    eviction.note = QStringLiteral("Which keys go when the memory limit is reached: all keys or only those with a TTL, "
                                   "least recently or least frequently used, random, or the nearest expiry.");
    policy.settings.append(eviction);
    for (const QString& id : redisSettings().mid(2)) {
        Setting lazy;
        lazy.id = id;
        lazy.label = id;
        lazy.value = config.value(id);
        lazy.choices = { QStringLiteral("yes"), QStringLiteral("no") };
        lazy.note = QStringLiteral("yes: Redis frees the memory of deleted keys in a background thread instead of "
                                   "blocking while it does.");
        policy.settings.append(lazy);
    }
    // CONFIG REWRITE, offered where Redis runs from a configuration file; without one Redis refuses it in its own
    // words, which the operator then reads.
    Setting rewrite;
    rewrite.id = QStringLiteral("config-rewrite");
    rewrite.label = QStringLiteral("configuration file (CONFIG REWRITE)");
    rewrite.kind = Setting::Kind::Command;
    rewrite.value = file.isEmpty() ? QStringLiteral("none: started without one") : printable(file, kShownName);
    if (!file.isEmpty())
        rewrite.choices = { QStringLiteral("rewrite") };
    rewrite.note = QStringLiteral("Writes the running configuration, CONFIG SET changes included, into the file "
                                  "Redis started from, so a restart keeps them. Cannot be undone from here.");
    policy.settings.append(rewrite);
    // The keyspaces: every database's keys; lookups and hits are Redis's, for all of them.
    CacheStore all;
    all.name = QStringLiteral("all databases");
    all.hits = integer(info, "keyspace_hits", 0);
    all.lookups = all.hits + integer(info, "keyspace_misses", 0);
    for (int db = 0; db < 256; ++db) {
        const QByteArray value = info.value("db" + QByteArray::number(db));
        if (value.isEmpty())
            continue;
        const auto pairs = parseInfoPairs(value);
        CacheStore s;
        s.name = QStringLiteral("db%1").arg(db);
        s.entries = pairs.value("keys").toLongLong();
        s.availableBlocks = -1;
        s.lookups = -1; // Redis counts hits and misses for all databases together
        s.hits = -1;
        all.entries += s.entries;
        policy.stores.append(s);
    }
    policy.stores.prepend(all);
    return policy;
}

} // namespace Fleetdeck::Drivers::Redis
