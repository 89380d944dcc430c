// Table tests of the HAProxy runtime API parsers on answers captured from real HAProxy 2.6 processes,
// and on broken answers: each must give a clear error, never a crash or a silent half-result.
#include <QFile>
#include <QRandomGenerator>
#include <QTest>

#include "haproxy/haproxydriver.h"
#include "haproxy/haproxyparsers.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::HAProxy;

namespace {
QByteArray readData(const QString& name)
{
    return Test::readTestData(QStringLiteral("haproxy/") + name);
}
} // namespace

class TestHAProxyParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void csvSplitting_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QList<QByteArray>>("fields");
        QTest::newRow("plain") << QByteArray("a,b,c") << QList<QByteArray> { "a", "b", "c" };
        QTest::newRow("empty fields") << QByteArray(",,x,") << QList<QByteArray> { "", "", "x", "" };
        QTest::newRow("quoted comma") << QByteArray("a,\"b,c\",d") << QList<QByteArray> { "a", "b,c", "d" };
        QTest::newRow("escaped quote") << QByteArray("\"say \"\"hi\"\"\",x") << QList<QByteArray> { "say \"hi\"", "x" };
        QTest::newRow("ipv6 address") << QByteArray("be,s1,[::1]:80") << QList<QByteArray> { "be", "s1", "[::1]:80" };
    }
    void csvSplitting()
    {
        QFETCH(QByteArray, line);
        QFETCH(QList<QByteArray>, fields);
        QCOMPARE(splitCsvLine(line), fields);
    }

    void healthyLab()
    {
        const auto snap = parsePollReply(readData(QStringLiteral("poll-lab-healthy.txt")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        const GatewaySnapshot& s = snap.value();
        QCOMPARE(s.version, QStringLiteral("2.6.12-1+deb12u4"));
        QVERIFY(s.pid > 0);
        QCOMPARE(s.frontends.size(), 2); // fe and stats
        QCOMPARE(s.frontends.at(0).name, QStringLiteral("fe"));
        QVERIFY(s.frontends.at(0).requestsTotal > 0);
        QStringList names;
        for (const auto& b : s.backends)
            names.append(b.name);
        QCOMPARE(names, (QStringList { QStringLiteral("st_ip"), QStringLiteral("api"), QStringLiteral("static") }));
        const BackendSnapshot* api = s.backend(QStringLiteral("api"));
        QVERIFY(api);
        QCOMPARE(api->servers.size(), 3);
        QCOMPARE(api->algorithm, QStringLiteral("roundrobin"));
        for (const auto& srv : api->servers) {
            QCOMPARE(srv.admin, AdminState::Ready);
            QCOMPARE(srv.health, Health::Up);
            QCOMPARE(srv.weight, 1);
            QCOMPARE(srv.checkStatus, QStringLiteral("L7OK"));
            QVERIFY(srv.address.startsWith(QLatin1String("127.0.0.1:")));
            QVERIFY(srv.requestsTotal > 0);
        }
        QCOMPARE(api->serving(), 3);
        QVERIFY(api->requestsTotal >= api->servers.at(0).requestsTotal);
    }

    void mixedStates()
    {
        // Captured after "set server api/s1 state drain", "set server api/s2 state maint", "set weight api/s3 50".
        const auto snap = parsePollReply(readData(QStringLiteral("poll-lab-mixed-states.txt")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        const auto* s1 = snap.value().server(QStringLiteral("api"), QStringLiteral("s1"));
        const auto* s2 = snap.value().server(QStringLiteral("api"), QStringLiteral("s2"));
        const auto* s3 = snap.value().server(QStringLiteral("api"), QStringLiteral("s3"));
        QVERIFY(s1 && s2 && s3);
        QCOMPARE(s1->admin, AdminState::Drain);
        QCOMPARE(s1->health, Health::Up);
        QCOMPARE(s1->status, QStringLiteral("DRAIN"));
        QCOMPARE(s2->admin, AdminState::Maint);
        QCOMPARE(s2->status, QStringLiteral("MAINT"));
        QCOMPARE(s3->admin, AdminState::Ready);
        QCOMPARE(s3->weight, 50);
        // Drained and in maintenance: neither serves; both are meant to.
        QCOMPARE(snap.value().backend(QStringLiteral("api"))->serving(), 1);
        QCOMPARE(snap.value().backend(QStringLiteral("api"))->meantToServe(), 3);
    }

    void signalsLatencySaturationAndModes()
    {
        // Captured from the lab's signals HAProxy while 8 clients hit its slow pool (maxconn 2, 300 ms answers),
        // after 100 keep-alive requests to its pooled backend and 10 connections through its TCP proxy.
        const auto snap = parsePollReply(readData(QStringLiteral("poll-lab-signals.txt")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        const GatewaySnapshot& g = snap.value();
        const BackendSnapshot* slow = g.backend(QStringLiteral("slow"));
        const ServerSnapshot* s1 = g.server(QStringLiteral("slow"), QStringLiteral("s1"));
        QVERIFY(slow && s1);
        QCOMPARE(slow->load.queued, 6);
        QCOMPARE(slow->load.queuedMax, 6);
        QCOMPARE(s1->load.limit, 2);
        QCOMPARE(s1->sessions, 2);
        QCOMPARE(s1->load.loadPercent(s1->sessions), 100.0);
        QCOMPARE(s1->load.queueMs, 301);
        QCOMPARE(s1->load.connectMs, 1);
        QCOMPARE(s1->load.responseMs, 301);
        QCOMPARE(s1->load.totalMs, 609);
        QCOMPARE(s1->load.latencyMs(), 603.0); // queue + connect + response
        QCOMPARE(s1->load.connectionsUsed, 2);
        QCOMPARE(s1->load.connectionsIdle, 3);
        QCOMPARE(s1->load.connectionsNeeded, 3);
        QCOMPARE(s1->load.averagedOver, QStringLiteral("the last 1024 requests"));
        // The gateway's latency is its slowest pool's.
        QCOMPARE(g.load.latencyMs(), 603.0);
        QVERIFY(g.load.averagedOver.endsWith(QLatin1String("slowest pool, slow")));
        QCOMPARE(g.load.queued, 6);

        const ServerSnapshot* p1 = g.server(QStringLiteral("pooled"), QStringLiteral("p1"));
        QVERIFY(p1);
        QCOMPARE(p1->load.connectionsOpened, 2);
        QCOMPARE(p1->load.connectionsReused, 48);
        QCOMPARE(p1->load.loadPercent(p1->sessions), 0.0);

        // "disabled" in the configuration: out of service on purpose, not down.
        QVERIFY(g.server(QStringLiteral("configured_off"), QStringLiteral("off1"))->disabledByConfig);
        QVERIFY(!g.server(QStringLiteral("configured_off"), QStringLiteral("on1"))->disabledByConfig);
        QCOMPARE(g.server(QStringLiteral("configured_off"), QStringLiteral("on1"))->load.limit, -1); // no maxconn
        QCOMPARE(g.server(QStringLiteral("configured_off"), QStringLiteral("on1"))->load.loadPercent(0), -1.0);
        // No request served yet: no latency (HAProxy's averages read 0), rather than a made-up 0 ms.
        QCOMPARE(g.server(QStringLiteral("configured_off"), QStringLiteral("on1"))->load.latencyMs(), -1.0);
        QVERIFY(g.server(QStringLiteral("configured_off"), QStringLiteral("on1"))->load.averagedOver.isEmpty());

        // TCP: connections stand for requests (req_tot stays 0 on the frontend), and there is no 5xx.
        const FrontendSnapshot* tcpIn = nullptr;
        const FrontendSnapshot* web = nullptr;
        for (const FrontendSnapshot& f : g.frontends) {
            tcpIn = f.name == QLatin1String("tcp_in") ? &f : tcpIn;
            web = f.name == QLatin1String("web") ? &f : web;
        }
        QVERIFY(tcpIn && web);
        QVERIFY(tcpIn->tcp);
        QCOMPARE(tcpIn->requestsTotal, 10);
        QCOMPARE(tcpIn->responses5xxTotal, -1);
        QVERIFY(!web->tcp);
        QCOMPARE(web->requestsTotal, 114);
        QCOMPARE(web->binds, QStringLiteral("127.0.0.1:49933")); // "option socket-stats" lists the binds
        const BackendSnapshot* tcpPool = g.backend(QStringLiteral("tcp_pool"));
        QVERIFY(tcpPool && tcpPool->tcp);
        QCOMPARE(tcpPool->requestsTotal, 10);
        QCOMPARE(tcpPool->responses5xxTotal, -1);
        QCOMPARE(tcpPool->servers.first().responses5xxTotal, -1);
        // The gateway adds HTTP requests and TCP connections; its 5xx come from HTTP frontends only.
        QCOMPARE(g.requestsTotal(), 114 + 10 + 0);
        QCOMPARE(g.responses5xxTotal(), 2);
        QVERIFY(!g.tcpOnly());

        // A stats-only "listen" is a frontend, not an empty pool.
        QVERIFY(!g.backend(QStringLiteral("stats_only")));
        QCOMPARE(g.backends.size(), 4);
        QCOMPARE(g.frontends.size(), 3);
    }

    void oddNamesAndIPv6()
    {
        const auto snap = parsePollReply(readData(QStringLiteral("poll-odd-names-ipv6.txt")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        const GatewaySnapshot& s = snap.value();
        QCOMPARE(s.frontends.first().name, QStringLiteral("fe.public-v2"));
        const BackendSnapshot* be = s.backend(QStringLiteral("be.api_v2-eu"));
        QVERIFY(be);
        QCOMPARE(be->algorithm, QStringLiteral("leastconn"));
        QCOMPARE(be->servers.size(), 4);
        QCOMPARE(be->servers.at(0).name, QStringLiteral("web_01.eu-west"));
        QCOMPARE(be->servers.at(0).health, Health::Up);
        QCOMPARE(be->servers.at(1).name, QStringLiteral("v6-node"));
        QCOMPARE(be->servers.at(1).address, QStringLiteral("[::1]:9"));
        QCOMPARE(be->servers.at(1).health, Health::Down);
        QCOMPARE(be->servers.at(1).checkStatus, QStringLiteral("L4CON"));
        QCOMPARE(be->servers.at(2).name, QStringLiteral("nocheck-1"));
        QCOMPARE(be->servers.at(2).admin, AdminState::Maint);
        QCOMPARE(be->servers.at(3).name, QStringLiteral("backup.node"));
        QVERIFY(be->servers.at(3).backup);
        const BackendSnapshot* empty = s.backend(QStringLiteral("empty-pool"));
        QVERIFY(empty);
        QVERIFY(empty->servers.isEmpty());
    }

    void adminBits_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("state");
        QTest::newRow("none") << 0 << int(AdminState::Ready);
        QTest::newRow("forced maint") << 0x01 << int(AdminState::Maint);
        QTest::newRow("inherited maint") << 0x02 << int(AdminState::Maint);
        QTest::newRow("resolution maint") << 0x20 << int(AdminState::Maint);
        QTest::newRow("forced drain") << 0x08 << int(AdminState::Drain);
        QTest::newRow("inherited drain") << 0x10 << int(AdminState::Drain);
        QTest::newRow("maint wins over drain") << 0x09 << int(AdminState::Maint);
        // "disabled" in the configuration sets 0x04 and 0x01; "set server ... state ready" clears only 0x01, and the
        // server is in service with 0x04 still set.
        QTest::newRow("disabled in the config") << 0x05 << int(AdminState::Maint);
        QTest::newRow("disabled in the config, made ready") << 0x04 << int(AdminState::Ready);
        QTest::newRow("disabled in the config, drained") << 0x0C << int(AdminState::Drain);
        QTest::newRow("FQDN set at runtime") << 0x40 << int(AdminState::Ready);
        QTest::newRow("FQDN set, resolution failed") << 0x60 << int(AdminState::Maint);
        QTest::newRow("inherited drain and maint") << 0x12 << int(AdminState::Maint);
    }
    void adminBits()
    {
        QFETCH(int, bits);
        QFETCH(int, state);
        QCOMPARE(int(adminStateFromBits(bits)), state);
    }

    void fallbackWithoutServersState()
    {
        // An HAProxy that refuses "show servers state" still gives states from the status column.
        const QByteArray all = readData(QStringLiteral("poll-lab-mixed-states.txt"));
        const qsizetype cut = all.indexOf("\n1\n# be_id");
        QVERIFY(cut > 0);
        const auto snap = parsePollReply(all.left(cut + 1));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QCOMPARE(snap.value().server(QStringLiteral("api"), QStringLiteral("s1"))->admin, AdminState::Drain);
        QCOMPARE(snap.value().server(QStringLiteral("api"), QStringLiteral("s2"))->admin, AdminState::Maint);
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("reply");
        QTest::addColumn<QString>("errorContains");
        const QByteArray good = readData(QStringLiteral("poll-lab-healthy.txt"));
        QTest::newRow("empty") << QByteArray() << QStringLiteral("empty answer");
        QTest::newRow("blank lines") << QByteArray("\n\n\n") << QStringLiteral("empty answer");
        QTest::newRow("unknown command") << QByteArray(
            "Unknown command, but maybe one of the following ones is a better match:\n  show fd\n\n")
                                         << QStringLiteral("unexpected answer: \"Unknown command");
        QTest::newRow("permission denied")
            << QByteArray("Permission denied\n\n") << QStringLiteral("Permission denied");
        QTest::newRow("truncated mid-row")
            << good.left(good.indexOf("api,s2,") + 30) << QStringLiteral("truncated answer");
        QTest::newRow("truncated before stat")
            << good.left(good.indexOf("# pxname")) << QStringLiteral("no \"show stat\" part");
        QByteArray badHeader = good;
        badHeader.replace("# pxname,svname,qcur", "# pxname,svnom,qcur");
        QTest::newRow("header lacks svname") << badHeader << QStringLiteral("no \"svname\" column");
        QByteArray badType = good;
        const qsizetype row = badType.indexOf("\napi,s1,") + 1;
        const QList<QByteArray> header = badType.mid(badType.indexOf("# pxname") + 2).split('\n').first().split(',');
        QList<QByteArray> fields = badType.mid(row, badType.indexOf('\n', row) - row).split(',');
        fields[header.indexOf("type")] = "frontend";
        badType.replace(row, badType.indexOf('\n', row) - row, fields.join(','));
        QTest::newRow("type not a number") << badType << QStringLiteral("type \"frontend\" is not 0..3");
        QByteArray shortRow = good;
        const qsizetype r2 = shortRow.indexOf("\napi,s2,") + 1;
        shortRow.replace(r2, shortRow.indexOf('\n', r2) - r2, "api,s2,0,0");
        QTest::newRow("short row") << shortRow << QStringLiteral("fields where at least");
        QByteArray badState = good;
        badState.replace("\n1\n# be_id", "\n2\n# be_id");
        QTest::newRow("unknown state format") << badState << QStringLiteral("unexpected answer");
        QTest::newRow("garbage") << QByteArray("\x01\x02garbage\xff\xfe\n\n", 13)
                                 << QStringLiteral("not HAProxy's runtime API: the answer is binary data");
        QTest::newRow("invalid UTF-8") << QByteArray("Name: HAProxy\xff\xfe\n\n", 17)
                                       << QStringLiteral("not HAProxy's runtime API: the answer is binary data");
        QTest::newRow("text, not the runtime API")
            << QByteArray("SSH-2.0-OpenSSH_9.2\n\n") << QStringLiteral("unexpected answer: \"SSH-2.0-OpenSSH_9.2\"");
        QByteArray huge(1 << 20, 'x');
        huge.append("\n\n");
        QTest::newRow("one huge line") << huge << QStringLiteral("unexpected answer");
    }
    void badInput()
    {
        QFETCH(QByteArray, reply);
        QFETCH(QString, errorContains);
        const auto snap = parsePollReply(reply);
        QVERIFY(!snap.ok());
        QVERIFY2(snap.error().contains(errorContains), qPrintable(snap.error()));
    }

    void randomCorruptionNeverCrashes()
    {
        // Flip bytes of a real answer: the parser must answer (snapshot or error) every time.
        const QByteArray good = readData(QStringLiteral("poll-lab-mixed-states.txt"));
        QRandomGenerator rng(20261127);
        int errors = 0;
        for (int round = 0; round < 500; ++round) {
            QByteArray bad = good;
            const int flips = 1 + int(rng.bounded(20));
            for (int i = 0; i < flips; ++i)
                bad[qsizetype(rng.bounded(quint32(bad.size())))] = char(rng.bounded(256));
            const auto snap = parsePollReply(bad.left(qsizetype(rng.bounded(quint32(bad.size() + 1)))));
            if (!snap.ok()) {
                QVERIFY(!snap.error().isEmpty());
                ++errors;
            }
        }
        QVERIFY(errors > 0); // truncation alone must be caught at least sometimes
    }

    void showInfoErrors()
    {
        QVERIFY(!parseShowInfo("no colon here\n").ok());
        QVERIFY(!parseShowInfo("Foo: bar\n").ok()); // neither Name nor Version
        const auto ok = parseShowInfo("Name: HAProxy\nVersion: 2.6.12\n");
        QVERIFY(ok.ok());
        QCOMPARE(ok.value().value(QStringLiteral("Version")), QStringLiteral("2.6.12"));
    }

    void rateLimitAnswers()
    {
        // Captured from the lab's HAProxy 2.6 (addresses shortened).
        const auto maps
            = parseMapList("# id (file) description\n1 (/tmp/lab/haproxy-1/ratelimits.map) pattern loaded from file "
                           "'/tmp/lab/haproxy-1/ratelimits.map' used by map at file '/tmp/lab/haproxy-1/haproxy.cfg' "
                           "line 18. curr_ver=0 next_ver=0 entry_cnt=3\n\n");
        QVERIFY2(maps.ok(), qPrintable(maps.error()));
        QCOMPARE(maps.value().size(), 1);
        QCOMPARE(maps.value().first().path, QStringLiteral("/tmp/lab/haproxy-1/ratelimits.map"));
        const auto entries = parseMapEntries("0x557e628732e0 key-gold 1000\n0x557e62873330 key-free 5\n\n");
        QVERIFY(entries.ok());
        QCOMPARE(entries.value().size(), 2);
        QCOMPARE(entries.value().at(1), (QPair<QString, QString> { QStringLiteral("key-free"), QStringLiteral("5") }));
        QVERIFY(!parseMapEntries("Unknown map identifier. Please use #<id> or <file>.\n").ok());
        const auto var = parseIntegerVariable("proc.iplimit: type=sint value=<200>\n\n");
        QVERIFY(var.ok());
        QCOMPARE(var.value(), qint64(200));
        QVERIFY(!parseIntegerVariable("Variable not found.\n").ok());
        const auto table = parseStickTable(
            "# table: fe, type: string, size:102400, used:2\n"
            "0x557e62a69980: key=key-free use=0 exp=29804 http_req_cnt=4 http_req_rate(10000)=4\n"
            "0x557e62a63d40: key=key-load use=0 exp=29960 gpc0=7 http_req_cnt=172 http_req_rate(10000)=172\n\n");
        QVERIFY2(table.ok(), qPrintable(table.error()));
        QCOMPARE(table.value().size(), 2);
        QCOMPARE(table.value().at(1).key, QStringLiteral("key-load"));
        QCOMPARE(table.value().at(1).requestCount, qint64(172));
        QCOMPARE(table.value().at(1).requestRate, qint64(172));
        QCOMPARE(table.value().at(1).refused, qint64(7));
        QCOMPARE(table.value().at(0).refused, qint64(-1));
        QVERIFY(!parseStickTable("garbage\n").ok());
    }

    void commands_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("backend");
        QTest::addColumn<QString>("server");
        QTest::addColumn<int>("value");
        QTest::addColumn<QByteArray>("command"); // empty: refused
        QTest::newRow("drain") << 0 << "api"
                               << "s1" << int(AdminState::Drain) << QByteArray("set server api/s1 state drain");
        QTest::newRow("ready") << 0 << "api"
                               << "s1" << int(AdminState::Ready) << QByteArray("set server api/s1 state ready");
        QTest::newRow("maint") << 0 << "be.v2"
                               << "web_01" << int(AdminState::Maint)
                               << QByteArray("set server be.v2/web_01 state maint");
        QTest::newRow("weight") << 1 << "api"
                                << "s3" << 50 << QByteArray("set weight api/s3 50");
        QTest::newRow("weight 0") << 1 << "api"
                                  << "s3" << 0 << QByteArray("set weight api/s3 0");
        QTest::newRow("weight too high") << 1 << "api"
                                         << "s3" << 257 << QByteArray();
        QTest::newRow("negative weight") << 1 << "api"
                                         << "s3" << -1 << QByteArray();
        QTest::newRow("injection") << 0 << "api"
                                   << "s1;shutdown sessions" << 0 << QByteArray();
        QTest::newRow("newline") << 0 << "api\nshow"
                                 << "s1" << 0 << QByteArray();
        QTest::newRow("space") << 0 << "api"
                               << "s 1" << 0 << QByteArray();
    }
    void commands()
    {
        QFETCH(int, kind);
        QFETCH(QString, backend);
        QFETCH(QString, server);
        QFETCH(int, value);
        QFETCH(QByteArray, command);
        const ServerRef target { QStringLiteral("gw"), backend, server };
        const Change change = kind == 0 ? Change(ServerStateChange { target, AdminState(value) })
                                        : Change(WeightChange { target, value });
        const auto c = HAProxyDriver::commandFor(change);
        if (command.isEmpty()) {
            QVERIFY(!c.ok());
            QVERIFY(!c.error().isEmpty());
        } else {
            QVERIFY2(c.ok(), qPrintable(c.error()));
            QCOMPARE(c.value(), command);
        }
    }

    void showCache()
    {
        // A captured "show cache" and a minimal "show stat" with the static backend's cache counters.
        const QByteArray stat = "# pxname,svname,status,weight,scur,type,cache_lookups,cache_hits\n"
                                "static,BACKEND,UP,3,0,1,12,9\napi,BACKEND,UP,3,0,1,0,0\n\n";
        const auto policy = parseCachePolicy(readData(QStringLiteral("show-cache.txt")), stat);
        QVERIFY2(policy.ok(), qPrintable(policy.error()));
        QCOMPARE(policy.value().stores.size(), 1);
        QCOMPARE(policy.value().stores.first().name, QStringLiteral("assets"));
        QCOMPARE(policy.value().stores.first().entries, 1);
        QCOMPARE(policy.value().stores.first().availableBlocks, 4096);
        QCOMPARE(policy.value().stores.first().lookups, 12);
        QCOMPARE(policy.value().stores.first().hits, 9);
        QVERIFY(!policy.value().readOnlyReason.isEmpty());
        QVERIFY(parseCachePolicy(QByteArray(), stat).value().stores.isEmpty()); // no cache section at all
        QVERIFY(!parseCachePolicy("Unknown command: 'show cache'\n", stat).ok());
        QVERIFY(!parseCachePolicy(readData(QStringLiteral("show-cache.txt")), "garbage\n").ok());
    }
};

QTEST_GUILESS_MAIN(TestHAProxyParsers)
#include "tst_haproxyparsers.moc"
