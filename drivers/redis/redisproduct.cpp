// Redis as the rest of Fleetdeck sees it: its registration.
#include "redisdriver.h"
#include "registry.h"

namespace Fleetdeck::Drivers::Redis {

ProductDescriptor descriptor()
{
    ProductInfo p;
    p.id = QStringLiteral("redis");
    p.displayName = QStringLiteral("Redis");
    p.testedVersion = QStringLiteral("7.0");
    p.channel = QStringLiteral("RESP");
    p.channelDetail = QStringLiteral("TCP, or TLS with rediss://; AUTH with an ACL user and password");
    p.adminSchemes = { QStringLiteral("tcp"), QStringLiteral("redis"), QStringLiteral("rediss") };
    p.adminExample = QStringLiteral("tcp://127.0.0.1:6379");
    p.defaultPort = 6379;
    p.credentials = { CredentialKind::Secret };
    p.secretHint = QStringLiteral("user:password for an ACL user, or the password alone for the default user");
    p.credentialSuffix = QStringLiteral("/auth");
    p.pools = QStringLiteral("the replication: this instance, its replicas or its master");
    p.metrics = QStringLiteral("INFO (ops/s, hit ratio, memory, evictions); SLOWLOG and LATENCY on the timeline");
    p.conflictCheck = QStringLiteral("re-read (CONFIG GET) before sending");
    Capabilities& c = p.capabilities;
    c.set(Feature::Drain, false, QStringLiteral("a Redis is not a pool member Fleetdeck can drain"))
        .set(Feature::Ready, false, QStringLiteral("a Redis is not a pool member Fleetdeck can drain"))
        .set(Feature::ForceUp, false, QStringLiteral("no health checks to override"))
        .set(Feature::Maint, false, QStringLiteral("no maintenance state"))
        .set(Feature::Weight, false, QStringLiteral("no weights"))
        .set(Feature::AddMember, false, QStringLiteral("replicas are added on the replica (REPLICAOF)"))
        .set(Feature::RemoveMember, false, QStringLiteral("replicas are removed on the replica (REPLICAOF NO ONE)"))
        .set(Feature::RateLimits, false, QStringLiteral("Redis limits nothing per client by itself"))
        .set(Feature::CachePolicy, true,
            QStringLiteral("`maxmemory`, `maxmemory-policy` and lazy freeing with `CONFIG SET`, verified by "
                           "`CONFIG GET`"));
    c.changes = { ChangeKind::Setting };
    c.settings = { QStringLiteral("maxmemory"), QStringLiteral("maxmemory-policy"),
        QStringLiteral("lazyfree-lazy-eviction"), QStringLiteral("lazyfree-lazy-expire"),
        QStringLiteral("lazyfree-lazy-server-del"), QStringLiteral("lazyfree-lazy-user-del"),
        QStringLiteral("lazyfree-lazy-user-flush"), QStringLiteral("config-rewrite") };
    c.runtimeOnly = true;
    c.note = QStringLiteral("CONFIG SET changes the running Redis only; a restart reads its configuration file "
                            "again unless CONFIG REWRITE wrote the change into it.");
    p.notes = {
        QStringLiteral(
            "Requests are the commands Redis processed (`total_commands_processed`), errors its error replies "
            "(`total_error_replies`, Redis 6.2 and later); the hit ratio is of the keyspace lookups in each "
            "poll's interval, a gap when there were none."),
        QStringLiteral("`CONFIG REWRITE` is offered where Redis started from a configuration file, to keep runtime "
                       "changes across a restart; Redis refuses it without one, in its own words."),
    };
    return { p, [](const GatewayConfig& config, QObject* parent) { return new RedisDriver(config, parent); } };
}

} // namespace Fleetdeck::Drivers::Redis
