// Caddy's config walked for pools, on answers captured from a real Caddy 2.6 (a subroute and an @id pool), and
// on broken input.
#include <QTest>

#include "caddy/caddyparsers.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::Caddy;

class TestCaddyParsers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void poolsAndUpstreams()
    {
        const auto snap = parseCaddyConfig(Test::readTestData(QStringLiteral("caddy/config-nested.json")),
            Test::readTestData(QStringLiteral("caddy/upstreams.json")));
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QCOMPARE(snap.value().backends.size(), 2);
        // The pool inside a subroute is named by where it sits; the other by its @id.
        QCOMPARE(snap.value().backends.at(0).name, QStringLiteral("srv0/routes/0/handle/0/routes/0/handle/0"));
        QCOMPARE(snap.value().backends.at(0).algorithm, QStringLiteral("random"));
        const BackendSnapshot* api = snap.value().backend(QStringLiteral("api"));
        QVERIFY(api);
        QCOMPARE(api->algorithm, QStringLiteral("round_robin"));
        QCOMPARE(api->servers.size(), 3);
        QCOMPARE(api->servers.at(2).name, QStringLiteral("[::1]:18083"));
        QCOMPARE(api->servers.at(0).health, Health::Unknown);
        QCOMPARE(api->servers.at(0).sessions, qint64(0));
    }

    void broken_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QByteArray>("upstreams");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("html") << QByteArray("<html>404</html>") << QByteArray()
                              << QStringLiteral("/config/ is not JSON");
        QTest::newRow("truncated") << QByteArray("{\"apps\":{\"http\":{\"servers\"") << QByteArray()
                                   << QStringLiteral("/config/ is not JSON");
        QTest::newRow("a list") << QByteArray("[1,2]") << QByteArray() << QStringLiteral("not a JSON object");
        QTest::newRow("bad upstreams") << QByteArray("{}") << QByteArray("{\"error\":\"x\"}")
                                       << QStringLiteral("not a JSON list");
    }
    void broken()
    {
        QFETCH(QByteArray, config);
        QFETCH(QByteArray, upstreams);
        QFETCH(QString, errorContains);
        const auto snap = parseCaddyConfig(config, upstreams);
        QVERIFY(!snap.ok());
        QVERIFY2(snap.error().contains(errorContains), qPrintable(snap.error()));
    }

    void emptyConfigHasNoPools()
    {
        // Caddy with nothing loaded answers "null".
        const auto snap = parseCaddyConfig("null\n");
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        QVERIFY(snap.value().backends.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCaddyParsers)
#include "tst_caddyparsers.moc"
