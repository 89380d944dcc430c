// nginx's configuration as Fleetdeck reads and edits it: the tokenizer on odd but valid configs and on broken
// ones, `nginx -T` into pools and routes, minimal edits that keep every other byte, and the log readers.
#include <QTest>

#include "lab.h"
#include "nginx/nginxconfig.h"
#include "nginx/nginxlogs.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Nginx;

namespace {

QByteArray dumpOf(const QList<std::pair<const char*, QByteArray>>& files)
{
    QByteArray out;
    for (const auto& [path, text] : files)
        out += QByteArray("# configuration file ") + path + ":\n" + text + (text.endsWith('\n') ? "" : "\n");
    return out;
}

QStringList W(std::initializer_list<const char*> words)
{
    QStringList out;
    for (const char* w : words)
        out.append(QString::fromUtf8(w));
    return out;
}

const QByteArray kUpstreams = "# pools for the api (kept by hand)\n"
                              "upstream api {\n"
                              "    # the first two take most\n"
                              "    server 10.0.0.1:8080 weight=3 max_fails=2 fail_timeout=5s; # rack a\n"
                              "    server 10.0.0.2:8080;\n"
                              "    server 10.0.0.3:8080 backup;\n"
                              "    keepalive 16;\n"
                              "}\n";

} // namespace

class TestNginxConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenizerReadsOddButValidConfigs_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QStringList>("firstWords"); // the first directive's words, decoded
        QTest::addColumn<int>("count"); // directives at the top level

        QTest::newRow("double quotes with ; { } inside") << QByteArray("add_header X-Note \"a;b{c}d\" always;\n")
                                                         << W({ "add_header", "X-Note", "a;b{c}d", "always" }) << 1;
        QTest::newRow("escaped quotes") << QByteArray("return 200 'it\\'s \"ok\"';")
                                        << W({ "return", "200", "it's \"ok\"" }) << 1;
        QTest::newRow("hash inside a string is not a comment")
            << QByteArray("set $a \"x#y\"; # a real comment\nset $b c;") << W({ "set", "$a", "x#y" }) << 2;
        QTest::newRow("hash inside a word") << QByteArray("set $a foo#bar;") << W({ "set", "$a", "foo#bar" }) << 1;
        QTest::newRow("${var} inside a word")
            << QByteArray("set $k ${host}_${uri};") << W({ "set", "$k", "${host}_${uri}" }) << 1;
        QTest::newRow("map block") << QByteArray("map $http_upgrade $conn { default upgrade; '' close; }\n")
                                   << W({ "map", "$http_upgrade", "$conn" }) << 1;
        QTest::newRow("if with parentheses") << QByteArray("if ($request_method = POST) { return 405; }")
                                             << W({ "if", "($request_method", "=", "POST)" }) << 1;
        QTest::newRow("CRLF line endings")
            << QByteArray("worker_processes 1;\r\nevents {\r\n}\r\n") << W({ "worker_processes", "1" }) << 2;
        QTest::newRow("unknown directives are kept")
            << QByteArray("frobnicate the widgets;\nhttp { mystery_module_on; }")
            << W({ "frobnicate", "the", "widgets" }) << 2;
        // nginx keeps a backslash before anything but a quote, a backslash, t, r or n (the regex sees "\;").
        QTest::newRow("escaped semicolon in a word")
            << QByteArray("rewrite ^/a\\;b /c;") << W({ "rewrite", "^/a\\;b", "/c" }) << 1;
        const QByteArray longWord(100000, 'x');
        QTest::newRow("a 100 kB line") << (QByteArray("set $long ") + longWord + ";")
                                       << W({ "set", "$long" }) + QStringList { QString::fromLatin1(longWord) } << 1;
        QTest::newRow("empty file") << QByteArray() << QStringList() << 0;
    }
    void tokenizerReadsOddButValidConfigs()
    {
        QFETCH(QByteArray, text);
        QFETCH(QStringList, firstWords);
        QFETCH(int, count);
        QList<Directive> list;
        ParseError error;
        QVERIFY2(parseDirectives(text, &list, &error), qPrintable(error.message));
        QCOMPARE(list.size(), count);
        if (count > 0) {
            QStringList words;
            for (const Word& w : list.first().words)
                words.append(w.text);
            QCOMPARE(words, firstWords);
        }
    }

    void tokenizerRefusesBrokenConfigsWithTheLine_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("says");
        QTest::newRow("unterminated quote")
            << QByteArray("events {}\nset $a \"never ends;\n}\n") << 2 << QStringLiteral("never ends");
        QTest::newRow("missing ; at the end")
            << QByteArray("events {}\nworker_processes 1") << 2 << QStringLiteral("expecting");
        QTest::newRow("missing }") << QByteArray("http {\n  server {\n") << 3 << QStringLiteral("expecting \"}\"");
        QTest::newRow("extra }") << QByteArray("events {}\n}\n") << 2 << QStringLiteral("unexpected \"}\"");
        QTest::newRow("lone ;") << QByteArray("\n\n;") << 3 << QStringLiteral("unexpected \";\"");
        QTest::newRow("text after a quote")
            << QByteArray("set $a \"x\"y;") << 1 << QStringLiteral("after a quoted string");
        QTest::newRow("} inside a word before the end")
            << QByteArray("location / { return 200 ok}") << 1 << QStringLiteral("expecting");
        QTest::newRow("nested 100 deep") << (QByteArray("a {").repeated(100) + QByteArray("}").repeated(100)) << 1
                                         << QStringLiteral("deeper");
        QTest::newRow("binary garbage") << QByteArray("\x01\x02\x03 {") << 1 << QStringLiteral("expecting");
    }
    void tokenizerRefusesBrokenConfigsWithTheLine()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(QString, says);
        QList<Directive> list;
        ParseError error;
        QVERIFY(!parseDirectives(text, &list, &error));
        QCOMPARE(error.line, line);
        QVERIFY2(error.message.contains(says), qPrintable(error.message));
    }

    void dumpGivesPoolsRoutesAndContexts()
    {
        const QByteArray main = "pid /run/lb.pid;\nerror_log /var/log/lb/error.log warn;\n"
                                "http {\n"
                                "    include conf.d/*.conf;\n"
                                "    server {\n"
                                "        listen 127.0.0.1:8080;\n"
                                "        server_name api.example.net;\n"
                                "        location /v1/ { proxy_pass http://api/v1/; }\n"
                                "        location /img/ { proxy_pass http://$backend; }\n"
                                "    }\n"
                                "}\n"
                                "stream {\n"
                                "    upstream api { hash $remote_addr consistent; server 10.0.0.9:5432; }\n"
                                "    server { listen 5432; proxy_pass api; }\n"
                                "}\n";
        const QByteArray extra
            = "upstream images { least_conn; server unix:/run/img.sock; server 10.0.0.5:80 down; }\n";
        const QByteArray dump = dumpOf({ { "/etc/lb/nginx.conf", main }, { "/etc/lb/conf.d/a-api.conf", kUpstreams },
            { "/etc/lb/conf.d/b-images.conf", extra }, { "/etc/lb/mime.types", "types { text/html html; }" } });
        const Result<NginxConfig> c = parseDump(dump);
        QVERIFY2(c.ok(), qPrintable(c.error()));
        const NginxConfig& config = c.value();
        QCOMPARE(config.problem, QString());
        QCOMPARE(config.files.size(), 4);
        QCOMPARE(config.pid, QStringLiteral("/run/lb.pid"));
        QCOMPARE(config.errorLog, QStringLiteral("/var/log/lb/error.log"));
        QCOMPARE(config.upstreams.size(), 3);
        const Upstream* api = config.upstream(QStringLiteral("api"));
        QVERIFY(api);
        QVERIFY(!api->stream);
        QCOMPARE(api->file, QStringLiteral("/etc/lb/conf.d/a-api.conf"));
        QCOMPARE(api->line, 2);
        QCOMPARE(api->method, QStringLiteral("round robin"));
        QCOMPARE(api->servers.size(), 3);
        QCOMPARE(api->servers.at(0).weight, 3);
        QCOMPARE(api->servers.at(0).maxFails, 2);
        QCOMPARE(api->servers.at(0).failTimeout, QStringLiteral("5s"));
        QVERIFY(api->servers.at(2).backup);
        QCOMPARE(api->otherDirectives, QStringList { QStringLiteral("keepalive 16") });
        QCOMPARE(api->routes, QStringList { QStringLiteral("api.example.net location /v1/") });
        const Upstream* images = config.upstream(QStringLiteral("images"));
        QVERIFY(images);
        QCOMPARE(images->method, QStringLiteral("least_conn"));
        QVERIFY(images->servers.at(1).down);
        QVERIFY(images->routes.isEmpty()); // proxy_pass to a variable names no pool
        // The stream upstream shares the http one's name, in its own namespace.
        const Upstream* tcp = config.upstream(QStringLiteral("api (stream)"));
        QVERIFY(tcp);
        QVERIFY(tcp->stream);
        QCOMPARE(tcp->configName, QStringLiteral("api"));
        QCOMPARE(tcp->method, QStringLiteral("hash $remote_addr consistent"));
        QCOMPARE(tcp->routes, QStringList { QStringLiteral("5432") });

        const QList<BackendSnapshot> pools = poolsOf(config);
        QCOMPARE(pools.size(), 3);
        QCOMPARE(pools.at(0).servers.at(0).admin, AdminState::Ready);
        QCOMPARE(pools.at(1).servers.at(1).admin, AdminState::Drain); // down
        QCOMPARE(pools.at(1).servers.at(0).health, Health::NoCheck);
        QCOMPARE(pools.at(1).servers.at(0).requestsTotal, -1);
    }

    // A proxy_pass through a map variable routes to every pool the map can name; listens are where nginx listens.
    void mapVariableRoutesAndListens()
    {
        const QByteArray main = "http {\n"
                                "    map $http_x_tier $pool { default api; gold \"gold\"; hostnames; }\n"
                                "    upstream api { server 10.0.0.1:80; }\n"
                                "    upstream gold { server 10.0.0.2:80; }\n"
                                "    server {\n"
                                "        listen [::1]:8080 ssl;\n"
                                "        listen 127.0.0.1:8080;\n"
                                "        location / { proxy_pass http://${pool}; }\n"
                                "    }\n"
                                "}\n"
                                "stream {\n"
                                "    upstream db { server 10.0.0.9:5432; }\n"
                                "    server { listen 5432; proxy_pass db; }\n"
                                "}\n";
        const Result<NginxConfig> c = parseDump(dumpOf({ { "/etc/nginx/nginx.conf", main } }));
        QVERIFY2(c.ok(), qPrintable(c.error()));
        const QString where = QStringLiteral("[::1]:8080 127.0.0.1:8080 location / (map $pool)");
        QCOMPARE(c.value().upstream(QStringLiteral("api"))->routes, QStringList { where });
        QCOMPARE(c.value().upstream(QStringLiteral("gold"))->routes, QStringList { where });
        QCOMPARE(c.value().httpListens, W({ "[::1]:8080 ssl", "127.0.0.1:8080" }));
        QCOMPARE(c.value().streamListens, W({ "5432" }));
        QCOMPARE(poolsOf(c.value()).at(0).routes, QStringList { where });
    }

    // Names follow members: a line removed takes its name with it (the second line of an address keeps "#2"), an
    // edited line keeps its name, and a line put back before its twin gets the name asked for.
    void namesFollowMembersAcrossRemovalsAndEdits()
    {
        auto config = [](const QByteArray& servers) {
            return parseDump(dumpOf({ { "/etc/nginx/nginx.conf", "http { upstream a {\n" + servers + "} }\n" } }))
                .value();
        };
        auto names = [](const NginxConfig& c) {
            QStringList out;
            for (const UpstreamServer& s : c.upstreams.first().servers)
                out.append(s.name + QLatin1Char('@') + QString::number(s.line));
            return out;
        };
        const NginxConfig twice = config("server 10.0.0.1:80;\nserver 10.0.0.2:80;\nserver 10.0.0.1:80 backup;\n");
        QCOMPARE(names(twice), W({ "10.0.0.1:80@2", "10.0.0.2:80@3", "10.0.0.1:80#2@4" }));
        // The first line of 10.0.0.1 goes: the backup line is still "#2".
        NginxConfig removed = config("server 10.0.0.2:80;\nserver 10.0.0.1:80 backup;\n");
        carryNames(twice, &removed);
        QCOMPARE(names(removed), W({ "10.0.0.2:80@2", "10.0.0.1:80#2@3" }));
        // Put back before the line that followed it, asking for its old name.
        NginxConfig back = config("server 10.0.0.1:80;\nserver 10.0.0.2:80;\nserver 10.0.0.1:80 backup;\n");
        carryNames(removed, &back, { { QStringLiteral("a|10.0.0.1:80"), QStringLiteral("10.0.0.1:80") } });
        QCOMPARE(names(back), names(twice));
        // An edit of the second line's parameters keeps its name; so does one that makes it its twin's copy.
        NginxConfig edited = config("server 10.0.0.1:80;\nserver 10.0.0.2:80;\nserver 10.0.0.1:80 weight=5;\n");
        carryNames(twice, &edited);
        QCOMPARE(names(edited), names(twice));
        NginxConfig same = config("server 10.0.0.1:80;\nserver 10.0.0.2:80;\nserver 10.0.0.1:80;\n");
        carryNames(twice, &same);
        QCOMPARE(names(same), names(twice));
        // A new third line of the address gets the first free number.
        NginxConfig more = config("server 10.0.0.1:80;\nserver 10.0.0.2:80;\nserver 10.0.0.1:80 backup;\n"
                                  "server 10.0.0.1:80 down;\n");
        carryNames(removed, &more);
        QCOMPARE(names(more), W({ "10.0.0.1:80@2", "10.0.0.2:80@3", "10.0.0.1:80#2@4", "10.0.0.1:80#3@5" }));
    }

    // A server put back goes before the line it preceded, with its indent; an edit names its line, not its rank.
    void aServerPutBackGoesBeforeTheOneThatFollowedIt()
    {
        const auto back = addServer(kUpstreams, QStringLiteral("api"), 2, QStringLiteral("10.0.0.7:8080"),
            { QStringLiteral("max_conns=50"), QStringLiteral("backup") }, ServerAt { QStringLiteral("10.0.0.2:8080") });
        QVERIFY2(back.ok(), qPrintable(back.error()));
        QVERIFY2(back.value().contains("    server 10.0.0.7:8080 max_conns=50 backup;\n    server 10.0.0.2:8080;\n"),
            back.value().constData());
        // The line, not the address's first occurrence: line 6 is 10.0.0.3's; an address on another line is a
        // conflict.
        QVERIFY(setServerFlag(kUpstreams, QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.3:8080"), 6 },
            QStringLiteral("down"), true)
                    .ok());
        QCOMPARE(setServerFlag(kUpstreams, QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.3:8080"), 5 },
                     QStringLiteral("down"), true)
                     .failureKind(),
            Failure::Conflict);
    }

    // With "proxy_host", each pool counts its own requests (nginx's own 502s included) and each server its pool's
    // tries to it.
    void accessLogCountsPerPool()
    {
        AccessLog log;
        log.read("{\"status\":\"200\",\"upstream_addr\":\"10.0.0.1:80\",\"upstream_status\":\"200\",\"proxy_host\":"
                 "\"api\"}\n"
                 "{\"status\":\"200\",\"upstream_addr\":\"10.0.0.1:80\",\"upstream_status\":\"200\",\"proxy_host\":"
                 "\"web\"}\n"
                 "{\"status\":\"502\",\"upstream_addr\":\"api\",\"upstream_status\":\"-\",\"proxy_host\":\"api\"}\n"
                 "{\"status\":\"200\",\"proxy_host\":\"\"}\n");
        QVERIFY(log.poolNamed);
        QCOMPARE(log.byPool.value(QStringLiteral("api")).requests, 2);
        QCOMPARE(log.byPool.value(QStringLiteral("api")).responses5xx, 1);
        QCOMPARE(log.byPool.value(QStringLiteral("web")).requests, 1);
        QCOMPARE(log.byAddress.value(QStringLiteral("api|10.0.0.1:80")).requests, 1);
        QCOMPARE(log.byAddress.value(QStringLiteral("web|10.0.0.1:80")).requests, 1);
        QCOMPARE(log.byAddress.value(QStringLiteral("10.0.0.1:80")).requests, 2);
    }

    // Includes that fan out (every file of a directory including the directory again) are read a bounded number of
    // times: the walk ends at once, says so, and the configuration is not edited.
    void includesThatFanOutAreBounded()
    {
        QList<std::pair<const char*, QByteArray>> files
            = { { "/etc/nginx/nginx.conf", "http { include /etc/nginx/conf.d/*.conf; }" } };
        static const char* const names[] = { "/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf",
            "/etc/nginx/conf.d/c.conf", "/etc/nginx/conf.d/d.conf", "/etc/nginx/conf.d/e.conf",
            "/etc/nginx/conf.d/f.conf", "/etc/nginx/conf.d/g.conf", "/etc/nginx/conf.d/h.conf" };
        for (const char* name : names)
            files.append(std::pair<const char*, QByteArray>(
                name, "include /etc/nginx/conf.d/*.conf;\nupstream u { server 10.0.0.1:80; }\n"));
        const Result<NginxConfig> c = parseDump(dumpOf(files));
        QVERIFY(c.ok());
        QVERIFY2(c.value().problem.contains(QLatin1String("fan out")), qPrintable(c.value().problem));
    }

    void theLabsRealDumpReads()
    {
        const Result<NginxConfig> c = parseDump(Test::readTestData(QStringLiteral("nginx/lab-dump.txt")));
        QVERIFY2(c.ok(), qPrintable(c.error()));
        QCOMPARE(c.value().problem, QString());
        QStringList names;
        for (const Upstream& u : c.value().upstreams)
            names.append(u.name + (u.stream ? QStringLiteral(":stream") : QString()));
        QCOMPARE(names, W({ "api", "static", "tcp_api:stream" }));
        QCOMPARE(c.value().upstream(QStringLiteral("static"))->routes.size(), 1);
    }

    void aFileThatDoesNotParseIsTheProblemWithItsLine()
    {
        const QByteArray dump = dumpOf({ { "/etc/nginx/nginx.conf", "http { include /etc/nginx/u.conf; }" },
            { "/etc/nginx/u.conf", "upstream a {\n server 1.2.3.4:80;\n server \"oops;\n}\n" } });
        const Result<NginxConfig> c = parseDump(dump);
        QVERIFY(c.ok());
        QVERIFY2(c.value().problem.startsWith(QLatin1String("/etc/nginx/u.conf:3:")), qPrintable(c.value().problem));
        QVERIFY(!parseDump("nginx: [emerg] unknown directive \"frob\" in /etc/nginx/nginx.conf:3\n").ok());
    }

    void drainAndUndoKeepEveryOtherByte()
    {
        const Result<QByteArray> drained = setServerFlag(kUpstreams, QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.1:8080") }, QStringLiteral("down"), true);
        QVERIFY2(drained.ok(), qPrintable(drained.error()));
        QVERIFY(drained.value().contains("server 10.0.0.1:8080 weight=3 max_fails=2 fail_timeout=5s down; # rack a\n"));
        QCOMPARE(drained.value().size(), kUpstreams.size() + 5);
        const Result<QByteArray> undone = setServerFlag(drained.value(), QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.1:8080") }, QStringLiteral("down"), false);
        QVERIFY(undone.ok());
        QCOMPARE(undone.value(), kUpstreams);
        // Asking for what is already so changes nothing.
        QCOMPARE(setServerFlag(kUpstreams, QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.2:8080") },
                     QStringLiteral("down"), false)
                     .value(),
            kUpstreams);
    }

    void weightIsReplacedOrAdded()
    {
        const auto replaced = setServerParameter(kUpstreams, QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.1:8080") }, QStringLiteral("weight"), QStringLiteral("7"));
        QVERIFY(replaced.ok());
        QVERIFY(replaced.value().contains("server 10.0.0.1:8080 weight=7 max_fails=2"));
        QCOMPARE(replaced.value().size(), kUpstreams.size());
        const auto added = setServerParameter(kUpstreams, QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.2:8080") }, QStringLiteral("weight"), QStringLiteral("4"));
        QVERIFY(added.ok());
        QVERIFY(added.value().contains("    server 10.0.0.2:8080 weight=4;\n"));
        const auto removed = setServerParameter(added.value(), QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.2:8080") }, QStringLiteral("weight"), {});
        QCOMPARE(removed.value(), kUpstreams);
    }

    void addAndRemoveAServerLine()
    {
        const auto added = addServer(
            kUpstreams, QStringLiteral("api"), 2, QStringLiteral("10.0.0.4:8080"), { QStringLiteral("max_conns=100") });
        QVERIFY2(added.ok(), qPrintable(added.error()));
        QVERIFY2(added.value().contains(
                     "    server 10.0.0.3:8080 backup;\n    server 10.0.0.4:8080 max_conns=100;\n    keepalive"),
            added.value().constData());
        const auto removed
            = removeServer(added.value(), QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.4:8080") });
        QVERIFY(removed.ok());
        QCOMPARE(removed.value(), kUpstreams);
        // A server with its own comment goes with its line; the others stay as they were.
        const auto gone
            = removeServer(kUpstreams, QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.1:8080") });
        QVERIFY(gone.ok());
        QVERIFY(!gone.value().contains("rack a"));
        QVERIFY(gone.value().contains("    # the first two take most\n    server 10.0.0.2:8080;\n"));
    }

    void editsKeepCrlfAndOneLineBlocks()
    {
        const QByteArray crlf = "upstream a {\r\n    server 1.1.1.1:80;\r\n}\r\n";
        const auto added = addServer(crlf, QStringLiteral("a"), 1, QStringLiteral("1.1.1.2:80"), {});
        QVERIFY(added.ok());
        QCOMPARE(
            added.value(), QByteArray("upstream a {\r\n    server 1.1.1.1:80;\r\n    server 1.1.1.2:80;\r\n}\r\n"));
        QCOMPARE(removeServer(added.value(), QStringLiteral("a"), 1, ServerAt { QStringLiteral("1.1.1.2:80") }).value(),
            crlf);
        const QByteArray oneLine = "http { upstream b { server 2.2.2.2:80; } }\n";
        const auto added2 = addServer(oneLine, QStringLiteral("b"), 1, QStringLiteral("2.2.2.3:80"), {});
        QVERIFY(added2.ok());
        QCOMPARE(added2.value(), QByteArray("http { upstream b { server 2.2.2.2:80; server 2.2.2.3:80; } }\n"));
    }

    void editsRefuseWhatTheyCannotReadWhole()
    {
        const QByteArray broken = kUpstreams + "upstream broken { server \"x;\n";
        const auto r = setServerFlag(broken, QStringLiteral("api"), 2, ServerAt { QStringLiteral("10.0.0.1:8080") },
            QStringLiteral("down"), true);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QLatin1String("does not parse")), qPrintable(r.error()));
        // The upstream moved (someone edited the file): a conflict, not a guess.
        const auto moved = setServerFlag("\n" + kUpstreams, QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.0.0.1:8080") }, QStringLiteral("down"), true);
        QVERIFY(!moved.ok());
        QCOMPARE(moved.failureKind(), Failure::Conflict);
        const auto noServer = setServerFlag(kUpstreams, QStringLiteral("api"), 2,
            ServerAt { QStringLiteral("10.9.9.9:1") }, QStringLiteral("down"), true);
        QCOMPARE(noServer.failureKind(), Failure::Conflict);
        // An address that is not a config word is quoted rather than written raw.
        QCOMPARE(
            configWord(QStringLiteral("evil;include /etc/shadow")), QStringLiteral("\"evil;include /etc/shadow\""));
        QCOMPARE(configWord(QStringLiteral("10.0.0.1:80")), QStringLiteral("10.0.0.1:80"));
    }

    void stubStatusReads()
    {
        const auto s = parseStubStatus("Active connections: 3 \nserver accepts handled requests\n 10 10 42 \n"
                                       "Reading: 0 Writing: 2 Waiting: 1 \n");
        QVERIFY(s.ok());
        QCOMPARE(s.value().active, 3);
        QCOMPARE(s.value().requests, 42);
        QCOMPARE(s.value().writing, 2);
        QVERIFY(!parseStubStatus("<html>404</html>").ok());
        QVERIFY(!parseStubStatus({}).ok());
    }

    void accessLogCountsTriesAndKeepsPartialLines()
    {
        AccessLog log;
        const QByteArray chunk
            = "{\"status\":\"200\",\"upstream_addr\":\"10.0.0.1:80\",\"upstream_status\":\"200\",\"upstream_response_"
              "time\":\"0.020\"}\n"
              "{\"status\":\"200\",\"upstream_addr\":\"10.0.0.2:80, 10.0.0.1:80\",\"upstream_status\":\"502, 200\","
              "\"upstream_response_time\":\"0.001, 0.040\"}\n"
              "{\"status\":\"502\",\"upstream_addr\":\"10.0.0.2:80\",\"upstream_status\":\"-\",\"upstream_response_"
              "time\":\"-\"}\n"
              "not json at all\n"
              "{\"status\":\"200\",\"upstream_addr\":\"10.0.0.1:80\"";
        const qsizetype used = log.read(chunk);
        QCOMPARE(used, chunk.lastIndexOf('\n') + 1);
        QCOMPARE(log.requests, 3);
        QCOMPARE(log.responses5xx, 1);
        QCOMPARE(log.unreadable, 1);
        QCOMPARE(log.byAddress.value(QStringLiteral("10.0.0.1:80")).requests, 2);
        QCOMPARE(log.byAddress.value(QStringLiteral("10.0.0.1:80")).errors5xx, 0);
        QCOMPARE(log.byAddress.value(QStringLiteral("10.0.0.2:80")).requests, 2);
        QCOMPARE(log.byAddress.value(QStringLiteral("10.0.0.2:80")).errors5xx, 2);
        QCOMPARE(qRound(log.byAddress.value(QStringLiteral("10.0.0.1:80")).averageMs()), 30);
    }

    void errorLogLinesNameTheirUpstream()
    {
        const QByteArray chunk
            = "2026/11/30 21:10:01 [error] 11#11: *5 connect() failed (111: Connection refused) "
              "while connecting to upstream, client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", "
              "upstream: \"http://127.0.0.1:8081/\", host: \"x\"\n"
              "2026/11/30 21:10:01 [warn] 11#11: *5 upstream server temporarily disabled while "
              "connecting to upstream, client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", "
              "upstream: \"http://127.0.0.1:8081/\", host: \"x\"\n"
              "2026/11/30 21:10:02 [error] 11#11: *9 no live upstreams while connecting to upstream, "
              "client: 127.0.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://api/\", host: \"x\"\n"
              "2026/11/30 21:10:03 [notice] 10#10: signal process started\n"
              "2026/11/30 21:10:04 [emerg] 10#10: bind() to 127.0.0.1:80 failed (98: Address already in use)\n"
              "2026/11/30 21:10:05 [error] 11#11: *12 upstream timed out";
        qsizetype used = 0;
        const QList<ErrorLine> lines = parseErrorLog(chunk, &used);
        QCOMPARE(used, chunk.lastIndexOf('\n') + 1);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines.at(0).upstream, QStringLiteral("127.0.0.1:8081"));
        QCOMPARE(lines.at(0).message,
            QStringLiteral("connect() failed (111: Connection refused) while connecting to upstream"));
        QVERIFY(lines.at(1).disabled);
        QCOMPARE(lines.at(2).upstream, QStringLiteral("api"));
        QVERIFY(lines.at(2).noLiveUpstreams);
        QCOMPARE(lines.at(3).level, QStringLiteral("emerg"));
        QVERIFY(lines.at(3).upstream.isEmpty());
    }

    void nginxTimes()
    {
        QCOMPARE(nginxTimeMs(QStringLiteral("10s")), 10000);
        QCOMPARE(nginxTimeMs(QStringLiteral("10")), 10000);
        QCOMPARE(nginxTimeMs(QStringLiteral("500ms")), 500);
        QCOMPARE(nginxTimeMs(QStringLiteral("1m30s")), 90000);
        QCOMPARE(nginxTimeMs(QStringLiteral("ten")), -1);
    }
};

QTEST_GUILESS_MAIN(TestNginxConfig)
#include "tst_nginxconfig.moc"
