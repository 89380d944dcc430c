// Varnish's CLI frames and JSON answers, on bytes captured from a real Varnish 7.1 (tests/data/varnish), and on
// broken, truncated and oversized input.
#include <limits>

#include <QTest>

#include "lab.h"
#include "varnish/varnishcli.h"
#include "varnish/varnishparsers.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Varnish;

class TestVarnishParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void greetingFrame()
    {
        CliFrameReader reader;
        const auto frames = reader.feed(Test::readTestData(QStringLiteral("varnish/greeting.bin")));
        QVERIFY2(frames.ok(), qPrintable(frames.error()));
        QCOMPARE(frames.value().size(), 1);
        QCOMPARE(frames.value().first().status, 107);
        QCOMPARE(frames.value().first().body.size(), 59);
        QVERIFY(frames.value().first().body.endsWith("Authentication required.\n"));
    }

    void framesSplitAnywhere()
    {
        // Two answers cut into single bytes come out whole, in order.
        const QByteArray stream
            = QByteArray("200 19      \nPONG 1795800167 1.0\n") + "101 16      \nUnknown request.\n";
        CliFrameReader reader;
        QList<CliReply> got;
        for (const char c : stream) {
            const auto r = reader.feed(QByteArray(1, c));
            QVERIFY2(r.ok(), qPrintable(r.error()));
            got += r.value();
        }
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(0), (CliReply { 200, "PONG 1795800167 1.0" }));
        QCOMPARE(got.at(1).status, 101);
    }

    void brokenFrames_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error");
        QTest::newRow("garbage") << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n") << QStringLiteral("status line");
        QTest::newRow("letters in length") << QByteArray("200 abc     \nxyz\n") << QStringLiteral("status line");
        QTest::newRow("status out of range") << QByteArray("099 3       \nabc\n") << QStringLiteral("status line");
        QTest::newRow("huge") << QByteArray("200 99999999\n") << QStringLiteral("larger than");
        QTest::newRow("no newline after body") << QByteArray("200 3       \nabcX") << QStringLiteral("newline");
    }
    void brokenFrames()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        CliFrameReader reader;
        const auto r = reader.feed(bytes);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(error), qPrintable(r.error()));
    }

    void truncatedFrameWaits()
    {
        CliFrameReader reader;
        const auto r = reader.feed("200 19      \nPONG 17");
        QVERIFY(r.ok());
        QVERIFY(r.value().isEmpty()); // not an error: the rest is still coming
    }

    void authLine()
    {
        // sha256("abc\n" + "secret\n" + "abc\n"), computed independently with Python's hashlib.
        QCOMPARE(cliAuthLine("abc", "secret\n"),
            QByteArray("auth 9869b356b2d1e4ea50adbe56091db1a8dc702e022bbb1a1e15f81f78b2ad6dca\n"));
        // The secret file's trailing newline is part of the secret.
        QVERIFY(cliAuthLine("abc", "secret\n") != cliAuthLine("abc", "secret"));
    }

    void backendsOfTheActiveVcl()
    {
        const auto pool
            = parseBackendList(Test::readTestData(QStringLiteral("varnish/backend-list.json")), QStringLiteral("boot"));
        QVERIFY2(pool.ok(), qPrintable(pool.error()));
        QCOMPARE(pool.value().name, QStringLiteral("boot"));
        // The director "boot.pool" is not a member.
        QCOMPARE(pool.value().servers.size(), 3);
        QCOMPARE(pool.value().servers.at(0).name, QStringLiteral("u1"));
        QCOMPARE(pool.value().servers.at(0).admin, AdminState::Ready);
        QCOMPARE(pool.value().servers.at(0).health, Health::Up);
        QCOMPARE(pool.value().servers.at(1).admin, AdminState::Drain); // set sick
        QCOMPARE(pool.value().servers.at(2).admin, AdminState::ForcedUp); // set healthy
        QVERIFY2(pool.value().servers.at(1).status.contains(QLatin1String("sick")),
            qPrintable(pool.value().servers.at(1).status));
        // Another VCL's name gives no members.
        QCOMPARE(parseBackendList(Test::readTestData(QStringLiteral("varnish/backend-list.json")), QStringLiteral("v2"))
                     .value()
                     .servers.size(),
            0);
    }

    void vclListParamAndBans()
    {
        const auto vcls = parseVclList(Test::readTestData(QStringLiteral("varnish/vcl-list.json")));
        QVERIFY2(vcls.ok(), qPrintable(vcls.error()));
        QCOMPARE(vcls.value().size(), 1);
        QCOMPARE(vcls.value().first().name, QStringLiteral("boot"));
        QCOMPARE(vcls.value().first().status, QStringLiteral("active"));
        const auto ttl = parseParameter(Test::readTestData(QStringLiteral("varnish/param-default_ttl.json")));
        QVERIFY2(ttl.ok(), qPrintable(ttl.error()));
        QCOMPARE(ttl.value(), 60.0);
        const auto bans = parseBanList(Test::readTestData(QStringLiteral("varnish/ban-list.json")));
        QVERIFY2(bans.ok(), qPrintable(bans.error()));
        QCOMPARE(bans.value().size(), 2); // Varnish's own empty placeholder is left out
        QCOMPARE(bans.value().at(0).expression, QStringLiteral("req.url ~ \\.png$ && req.http.host == img.example"));
        QCOMPARE(bans.value().at(1).expression, QStringLiteral("req.url ~ ^/old/"));
        // What each ban matches, read back from its expression (verification compares these).
        QCOMPARE(bans.value().at(0).urlPattern, QStringLiteral("\\.png$"));
        QCOMPARE(bans.value().at(0).host, QStringLiteral("img.example"));
        QCOMPARE(bans.value().at(1).urlPattern, QStringLiteral("^/old/"));
        QVERIFY(bans.value().at(1).host.isEmpty());
    }

    void banExpressionIsQuotedForTheCli()
    {
        const PurgeChange purge { QStringLiteral("varnish-1"), QStringLiteral("\\.png\"$"),
            QStringLiteral("img.example") };
        QCOMPARE(
            banExpression(purge), QStringLiteral("req.url ~ \"\\\\.png\\\"$\" && req.http.host == \"img.example\""));
        QCOMPARE(banExpression({ {}, QStringLiteral("^/a/"), {} }), QStringLiteral("req.url ~ \"^/a/\""));
    }

    void malformedJson_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("truncated") << Test::readTestData(QStringLiteral("varnish/backend-list.json")).left(100);
        QTest::newRow("object, not list") << QByteArray("{\"a\": 1}");
        QTest::newRow("no header") << QByteArray("[2]");
        QTest::newRow("text answer") << QByteArray("Backend name   Admin    Probe\n");
    }
    void malformedJson()
    {
        QFETCH(QByteArray, json);
        QVERIFY(!parseBackendList(json, QStringLiteral("boot")).ok());
        QVERIFY(!parseVclList(json).ok());
        QVERIFY(!parseParameter(json).ok());
        QVERIFY(!parseBanList(json).ok());
    }

    // Found by fuzzing with UBSan: times far out of range were converted to integers (undefined behaviour) and
    // subtracted with overflow. They now clamp: an absurd last change reads as "just now" or "long ago", never
    // negative, and a ban's time is still a date.
    void timesOutOfRangeClamp()
    {
        const auto pool = parseBackendList(
            Test::readTestData(QStringLiteral("fuzz/varnish_backend_list/last-change-out-of-range.json")),
            QStringLiteral("boot"));
        QVERIFY2(pool.ok(), qPrintable(pool.error()));
        QCOMPARE(pool.value().servers.size(), 3);
        for (const ServerSnapshot& s : pool.value().servers)
            QVERIFY2(s.secondsSinceChange >= 0, qPrintable(s.name));
        // 1e300 s after the epoch is in the future: no time since the change, not a wrapped negative.
        QCOMPARE(pool.value().servers.at(0).name, QStringLiteral("far"));
        QCOMPARE(pool.value().servers.at(0).secondsSinceChange, 0);
        // 5e-324 s (a denormal, but positive) is the epoch: as long ago as the clock goes.
        QVERIFY(pool.value().servers.at(2).secondsSinceChange > 1'700'000'000);

        const auto bans
            = parseBanList(Test::readTestData(QStringLiteral("fuzz/varnish_lists/ban-time-out-of-range.json")));
        QVERIFY2(bans.ok(), qPrintable(bans.error()));
        QCOMPARE(bans.value().size(), 2);
        QCOMPARE(bans.value().at(0).urlPattern, QStringLiteral("^/a"));

        // An empty param.show list is an error, not a read past the end.
        const auto param
            = parseParameter(Test::readTestData(QStringLiteral("fuzz/varnish_lists/param-empty-list.json")));
        QVERIFY(!param.ok());
        QVERIFY2(param.error().contains(QLatin1String("no numeric value")), qPrintable(param.error()));
    }

    void countersOutOfRangeSaturate()
    {
        GatewaySnapshot snap;
        BackendSnapshot pool;
        ServerSnapshot web1;
        web1.name = QStringLiteral("web1");
        pool.servers.append(web1);
        snap.backends.append(pool);
        const auto r = applyVarnishMetrics(
            Test::readTestData(QStringLiteral("fuzz/varnish_metrics/counters-out-of-range.txt")), snap);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        // Two samples of 1e300 add up to the largest count, not to a wrapped negative one.
        QCOMPARE(snap.frontends.first().requestsTotal, std::numeric_limits<qint64>::max());
        QCOMPARE(snap.frontends.first().cacheHitsTotal, 0); // NaN counts nothing
        QCOMPARE(snap.frontends.first().cacheMissesTotal, std::numeric_limits<qint64>::min());
        QCOMPARE(snap.backends.first().servers.first().requestsTotal, std::numeric_limits<qint64>::max());
    }

    void exporterMetrics()
    {
        GatewaySnapshot snap;
        snap.backends.append(
            parseBackendList(Test::readTestData(QStringLiteral("varnish/backend-list.json")), QStringLiteral("boot"))
                .value());
        const auto r = applyVarnishMetrics(Test::readTestData(QStringLiteral("varnish/exporter-metrics.txt")), snap);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(snap.frontends.size(), 1);
        QVERIFY(snap.frontends.first().requestsTotal > 0);
        QVERIFY(snap.frontends.first().cacheHitsTotal > 0);
        QVERIFY(snap.frontends.first().cacheMissesTotal >= 0);
        QVERIFY(!applyVarnishMetrics("varnish_main_client_req{", snap).ok());
    }

    void backendConnectionsAndBusy()
    {
        // Written after the exporter's own names: connections open to a backend now, and fetches it refused at
        // max_connections (the counter "busy").
        GatewaySnapshot snap;
        snap.backends.append(
            parseBackendList(Test::readTestData(QStringLiteral("varnish/backend-list.json")), QStringLiteral("boot"))
                .value());
        const QString first = snap.backends.first().servers.first().name;
        const QByteArray text = "varnish_backend_req{backend=\"" + first.toUtf8()
            + "\",server=\"unknown\"} 40\n"
              "varnish_backend_conn{backend=\""
            + first.toUtf8()
            + "\",server=\"unknown\"} 3\n"
              "varnish_backend_busy{backend=\""
            + first.toUtf8() + "\",server=\"unknown\"} 7\n";
        QVERIFY(applyVarnishMetrics(text, snap).ok());
        const ServerSnapshot& s = snap.backends.first().servers.first();
        QCOMPARE(s.sessions, 3);
        QCOMPARE(s.load.connectionsUsed, 3);
        QCOMPARE(s.load.refusedAtLimit, 7);
        QCOMPARE(snap.backends.first().sessions, 3);
        QVERIFY(saturationDetails(s.load, s.sessions).contains(QLatin1String("7 requests not sent since start")));
        // A backend the exporter does not list keeps "not reported".
        QCOMPARE(snap.backends.first().servers.last().load.refusedAtLimit, -1);
    }
};

QTEST_GUILESS_MAIN(TestVarnishParsers)
#include "tst_varnishparsers.moc"
