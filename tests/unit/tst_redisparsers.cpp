// Redis's protocol and answers: RESP cut out of a stream however it arrives, and refused when broken or too large;
// INFO, SLOWLOG GET and LATENCY LATEST as a real Redis 7.0 of the lab answered them (tests/data/redis, captured
// with traffic running); the snapshot, the hit ratio of each interval and the cache form's settings made from them.
#include <cmath>

#include <QTest>

#include "cachepolicy.h"
#include "change.h"
#include "lab.h"
#include "redis/redisparsers.h"
#include "redis/resp.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Redis;

namespace {
RespValue one(const QByteArray& bytes)
{
    RespReader reader;
    const auto values = reader.feed(bytes);
    if (!values || values.value().size() != 1)
        return RespValue { RespValue::Type::Error, "not one value", 0, {} };
    return values.value().first();
}

QHash<QByteArray, QByteArray> info(const QString& file)
{
    const auto parsed = parseInfo(one(Test::readTestData(file)).asText());
    return parsed ? parsed.value() : QHash<QByteArray, QByteArray>();
}

const Figure* figure(const GatewaySnapshot& snap, const QString& id)
{
    for (const Figure& f : snap.figures) {
        if (f.id == id)
            return &f;
    }
    return nullptr;
}
} // namespace

class TestRedisParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void respIsCutOutOfTheStreamHoweverItArrives()
    {
        const QByteArray bytes = Test::readTestData(QStringLiteral("redis/slowlog-get.resp"))
            + Test::readTestData(QStringLiteral("redis/config-get-maxmemory.resp"))
            + QByteArray("+OK\r\n:42\r\n$-1\r\n");
        RespReader whole;
        const auto all = whole.feed(bytes);
        QVERIFY2(all, qPrintable(all.error()));
        QCOMPARE(all.value().size(), 5);
        QCOMPARE(all.value().at(2).text, QByteArray("OK"));
        QCOMPARE(all.value().at(3).integer, 42);
        QCOMPARE(all.value().at(4).type, RespValue::Type::Null);
        // A byte at a time, and in uneven pieces: the same values, each once.
        for (const int piece : { 1, 3, 7, 64 }) {
            RespReader reader;
            QList<RespValue> got;
            for (qsizetype at = 0; at < bytes.size(); at += piece) {
                const auto r = reader.feed(bytes.mid(at, piece));
                QVERIFY2(r, qPrintable(r.error()));
                got += r.value();
            }
            QCOMPARE(got, all.value());
        }
        QCOMPARE(respCommand({ "CONFIG", "GET", "maxmemory" }),
            QByteArray("*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\nmaxmemory\r\n"));
    }

    void brokenOrHugeAnswersAreRefusedWithTheReason_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("says");
        QTest::newRow("not RESP") << QByteArray("HTTP/1.1 400 Bad Request\r\n") << QStringLiteral("not a Redis answer");
        QTest::newRow("bad length") << QByteArray("$abc\r\n") << QStringLiteral("not a number");
        QTest::newRow("string not ending where it said")
            << QByteArray("$2\r\nabcd\r\n") << QStringLiteral("does not end where it said");
        QTest::newRow("huge string") << QByteArray("$999999999999\r\n") << QStringLiteral("larger than");
        QTest::newRow("huge array") << QByteArray("*99999999\r\n") << QStringLiteral("more than");
        QTest::newRow("deep nesting") << QByteArray("*1\r\n").repeated(20) << QStringLiteral("nested deeper");
        QTest::newRow("more values than allowed in all") // each array under the limit, the whole far over
            << QByteArray("*1000\r\n")
                + QByteArray(QByteArray("*1100\r\n") + QByteArray(":1\r\n").repeated(1100)).repeated(1000)
            << QStringLiteral("more than 1048576 values");
        QTest::newRow("endless line") << QByteArray("+") + QByteArray(70 * 1024, 'x')
                                      << QStringLiteral("without its end");
    }
    void brokenOrHugeAnswersAreRefusedWithTheReason()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, says);
        RespReader reader(1 << 20);
        const auto r = reader.feed(bytes);
        QVERIFY(!r);
        QVERIFY2(r.error().contains(says), qPrintable(r.error()));
    }

    void aRealMasterAndItsReplica()
    {
        const auto master = info(QStringLiteral("redis/info-master.resp"));
        QVERIFY(!master.isEmpty());
        qint64 lastSlow = -1;
        HitCounts hits;
        const GatewaySnapshot snap = redisSnapshot(master, QStringLiteral("127.0.0.1:6379"), {}, {}, &lastSlow, &hits);
        QCOMPARE(snap.version, QStringLiteral("Redis 7.0.15"));
        QCOMPARE(snap.frontends.size(), 1);
        const FrontendSnapshot& clients = snap.frontends.first();
        QCOMPARE(clients.requestsTotal, master.value("total_commands_processed").toLongLong());
        QCOMPARE(clients.status,
            QStringLiteral("%1 connected, 0 blocked").arg(master.value("connected_clients").toLongLong()));
        QCOMPARE(clients.cacheHitsTotal, 520);
        QCOMPARE(clients.cacheMissesTotal, 2633);
        QVERIFY(clients.sessions >= 2); // the lab's traffic and the replica
        QCOMPARE(snap.load.limit, 10000); // maxclients
        QCOMPARE(snap.backends.size(), 1);
        const BackendSnapshot& replication = snap.backends.first();
        QCOMPARE(replication.status, QStringLiteral("master"));
        QCOMPARE(replication.servers.size(), 2);
        QCOMPARE(replication.servers.at(1).health, Health::Up);
        QVERIFY2(replication.servers.at(1).status.startsWith(QLatin1String("online, ")),
            qPrintable(replication.servers.at(1).status));
        QVERIFY(figure(snap, QStringLiteral("used_memory"))->value > 0.5); // MiB
        const Figure* ofMax = figure(snap, QStringLiteral("memory_of_max"));
        QVERIFY(ofMax->value > 0 && ofMax->value < 100); // of the lab's 32 MB
        QVERIFY(std::isnan(figure(snap, QStringLiteral("hit_ratio"))->value)); // no interval yet
        QVERIFY(figure(snap, QStringLiteral("evicted_keys"))->counter);

        const auto replica = info(QStringLiteral("redis/info-replica.resp"));
        const GatewaySnapshot r = redisSnapshot(replica, QStringLiteral("127.0.0.1:6380"), {}, {}, nullptr, nullptr);
        QCOMPARE(r.backends.first().status, QStringLiteral("slave"));
        QCOMPARE(r.backends.first().servers.at(1).name, QStringLiteral("master"));
        QCOMPARE(r.backends.first().servers.at(1).health, Health::Up);
        QVERIFY(r.backends.first().servers.at(1).address.startsWith(QLatin1String("127.0.0.1:")));
    }

    void theHitRatioIsOfTheIntervalAndAGapWithoutLookups()
    {
        auto at = [](qint64 hits, qint64 misses) {
            QHash<QByteArray, QByteArray> i { { "redis_version", "7.0.15" }, { "role", "master" } };
            i.insert("keyspace_hits", QByteArray::number(hits));
            i.insert("keyspace_misses", QByteArray::number(misses));
            return i;
        };
        HitCounts previous;
        auto ratio = [&](qint64 h, qint64 m) {
            return figure(redisSnapshot(at(h, m), {}, {}, {}, nullptr, &previous), QStringLiteral("hit_ratio"))->value;
        };
        QVERIFY(std::isnan(ratio(1000, 1000))); // the first reading: no interval
        QCOMPARE(ratio(1030, 1010), 75.0); // 30 hits of 40 lookups, not the 50 % since start
        QVERIFY(std::isnan(ratio(1030, 1010))); // no lookups: a gap, not 100 % or 0 %
        QVERIFY(std::isnan(ratio(5, 5))); // a restart (totals went down): no interval
        QCOMPARE(ratio(5, 10), 0.0);
    }

    void slowCommandsAfterTheFirstPollGoOnTheTimeline()
    {
        const auto slow = parseSlowlog(one(Test::readTestData(QStringLiteral("redis/slowlog-get.resp"))));
        QVERIFY2(slow, qPrintable(slow.error()));
        QCOMPARE(slow.value().size(), 3);
        QCOMPARE(slow.value().first().id, 308);
        QVERIFY(slow.value().first().command.startsWith(QLatin1String("GET lab:item:")));
        const auto master = info(QStringLiteral("redis/info-master.resp"));
        qint64 last = -1;
        // The first poll: what Redis logged before is not news.
        QVERIFY(redisSnapshot(master, {}, slow.value().mid(1), {}, &last, nullptr).logged.isEmpty());
        QCOMPARE(last, 307);
        // The next: the entry logged since, once.
        const GatewaySnapshot next = redisSnapshot(master, {}, slow.value(), {}, &last, nullptr);
        QCOMPARE(next.logged.size(), 1);
        QVERIFY2(
            next.logged.first().text.startsWith(QLatin1String("slow command (")), qPrintable(next.logged.first().text));
        QCOMPARE(redisSnapshot(master, {}, slow.value(), {}, &last, nullptr).logged.size(), 0);

        QVERIFY(!parseSlowlog(one(":5\r\n")));
        QVERIFY(!parseSlowlog(one("*1\r\n*2\r\n:1\r\n:2\r\n")));
        const auto latency = parseLatencyLatest(one("*1\r\n*4\r\n$7\r\ncommand\r\n:1796101559\r\n:12\r\n:40\r\n"));
        QVERIFY(latency);
        QCOMPARE(latency.value().first().maxMs, 40);
        QVERIFY(parseLatencyLatest(one(Test::readTestData(QStringLiteral("redis/latency-latest.resp")))));
        QVERIFY(!parseInfo("no colon here\r\n"));
        QVERIFY(!parseInfo("# Server\r\nfoo:bar\r\n")); // not Redis: no redis_version
    }

    void theCacheFormsSettingsAndSizes()
    {
        const auto master = info(QStringLiteral("redis/info-master.resp"));
        const auto config = parseConfigGet(one(Test::readTestData(QStringLiteral("redis/config-get-maxmemory.resp"))));
        QVERIFY(config);
        QHash<QString, QString> all = config.value();
        all.insert(QStringLiteral("maxmemory-policy"), QStringLiteral("allkeys-lru"));
        all.insert(QStringLiteral("lazyfree-lazy-eviction"), QStringLiteral("no"));
        const CachePolicy policy = redisCachePolicy(master, all);
        const Setting* memory = policy.setting(QStringLiteral("maxmemory"));
        QVERIFY(memory);
        QCOMPARE(memory->value, QStringLiteral("32mb")); // 33554432 bytes, as CONFIG GET says
        QCOMPARE(memory->kind, Setting::Kind::Size);
        QCOMPARE(policy.setting(QStringLiteral("maxmemory-policy"))->choices.size(), 8);
        QCOMPARE(policy.setting(QStringLiteral("lazyfree-lazy-eviction"))->value, QStringLiteral("no"));
        QVERIFY(policy.note.contains(QLatin1String("CONFIG SET changes the running Redis only")));
        QCOMPARE(policy.stores.first().name, QStringLiteral("all databases"));
        QCOMPARE(policy.stores.first().lookups, 520 + 2633);
        QCOMPARE(policy.stores.at(1).name, QStringLiteral("db0"));
        QVERIFY(policy.stores.at(1).entries > 0);

        // Sizes: written either way, compared by their bytes.
        QCOMPARE(parseSize(QStringLiteral("0")), 0);
        QCOMPARE(parseSize(QStringLiteral("100mb")), 100LL << 20);
        QCOMPARE(parseSize(QStringLiteral("1GB")), 1LL << 30);
        QCOMPARE(parseSize(QStringLiteral("2048")), 2048);
        for (const char* bad : { "12zz", "1k", "-1", "1.5gb", "", "99999999999999999gb" })
            QVERIFY2(!parseSize(QLatin1String(bad)), bad);
        QCOMPARE(sizeText(33554432), QStringLiteral("32mb"));
        QCOMPARE(sizeText(1536), QStringLiteral("1536")); // 1.5 KiB: bytes
        GatewayState after;
        after.cache = policy;
        QVERIFY(SettingChange({ {}, QStringLiteral("maxmemory"), {}, QStringLiteral("32768kb"), {} }).verify(after).ok);
        QVERIFY(!SettingChange({ {}, QStringLiteral("maxmemory"), {}, QStringLiteral("64mb"), {} }).verify(after).ok);
        // A size Redis could not mean is refused before anything is sent.
        const ChangeCheck bad = SettingChange(
            { QStringLiteral("r"), QStringLiteral("maxmemory"), {}, QStringLiteral("12zz"),
                {} }).precheck(after, after, Capabilities {});
        QVERIFY(bad.problem.contains(QLatin1String("a size")));
    }
};

QTEST_GUILESS_MAIN(TestRedisParsers)
#include "tst_redisparsers.moc"
