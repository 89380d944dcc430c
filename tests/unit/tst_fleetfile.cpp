#include <QTest>

#include "fleetfile.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
const ProductCatalog& products()
{
    static const ProductCatalog catalog = Drivers::ProductRegistry::builtIn().catalog();
    return catalog;
}

// Test documents are written with single quotes, for readability; moc does not read raw strings.
QByteArray json(QByteArray text)
{
    return text.replace('\'', '"');
}
} // namespace

class TestFleetFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip()
    {
        FleetFile f;
        f.name = QStringLiteral("prod");
        GatewayConfig a;
        a.name = QStringLiteral("edge-1");
        a.product = QStringLiteral("haproxy");
        a.admin = QUrl(QStringLiteral("tcp://127.0.0.1:9999"));
        a.metrics = QUrl(QStringLiteral("http://127.0.0.1:8404/metrics"));
        a.pollIntervalMs = 2000;
        GatewayConfig b;
        b.name = QStringLiteral("edge-2");
        b.product = QStringLiteral("haproxy");
        b.admin = QUrl(QStringLiteral("unix:///run/haproxy/admin.sock"));
        b.readOnly = true;
        f.gateways = { a, b };
        const auto parsed = parseFleetFile(serializeFleetFile(f), products());
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed.value().name, f.name);
        QCOMPARE(parsed.value().gateways, f.gateways);
    }

    void userText_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("url");
        QTest::newRow("host:port") << "127.0.0.1:9999"
                                   << "tcp://127.0.0.1:9999";
        QTest::newRow("tcp url") << "tcp://lb.example:9999"
                                 << "tcp://lb.example:9999";
        QTest::newRow("socket path") << "/run/haproxy/admin.sock"
                                     << "unix:///run/haproxy/admin.sock";
        QTest::newRow("ipv6") << "[::1]:9999"
                              << "tcp://[::1]:9999";
        QTest::newRow("spaces") << "  10.0.0.1:1  "
                                << "tcp://10.0.0.1:1";
    }
    void userText()
    {
        QFETCH(QString, text);
        QFETCH(QString, url);
        QCOMPARE(adminUrlFromUserText(text).toString(), url);
    }

    void plaintextChannels_data()
    {
        QTest::addColumn<QString>("admin");
        QTest::addColumn<bool>("plaintextOverNetwork");
        QTest::newRow("loopback v4") << "tcp://127.0.0.1:9999" << false;
        QTest::newRow("loopback 127/8") << "tcp://127.3.2.1:9999" << false;
        QTest::newRow("localhost") << "tcp://localhost:9999" << false;
        QTest::newRow("loopback v6") << "tcp://[::1]:9999" << false;
        QTest::newRow("unix socket") << "unix:///run/haproxy/admin.sock" << false;
        QTest::newRow("lan address") << "tcp://10.0.0.11:9999" << true;
        QTest::newRow("host name") << "tcp://lb-1.prod.example:9999" << true;
        QTest::newRow("not loopback") << "tcp://128.0.0.1:9999" << true;
    }
    void plaintextChannels()
    {
        QFETCH(QString, admin);
        QFETCH(bool, plaintextOverNetwork);
        GatewayConfig c;
        c.admin = QUrl(admin);
        QCOMPARE(c.plaintextOverNetwork(), plaintextOverNetwork);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("errorContains");
        QTest::newRow("not json") << QByteArray("{gateways:") << "not JSON";
        QTest::newRow("not object") << QByteArray("[1,2]") << "top level";
        QTest::newRow("no list") << QByteArray("{\"gateways\": 3}") << "must be a list";
        QTest::newRow("no name") << json("{'gateways':[{'admin':'127.0.0.1:1'}]}") << "gateway 1 (\"\"): name";
        QTest::newRow("no port") << json("{'gateways':[{'name':'a','admin':'tcp://127.0.0.1'}]}") << "needs a port";
        QTest::newRow("bad scheme") << json("{'gateways':[{'name':'a','admin':'http://127.0.0.1:1'}]}")
                                    << "scheme \"http\"";
        QTest::newRow("product") << json("{'gateways':[{'name':'a','product':'apisix','admin':'127.0.0.1:1'}]}")
                                 << "product \"apisix\"";
        QTest::newRow("duplicate") << json(
            "{'gateways':[{'name':'a','admin':'127.0.0.1:1'},{'name':'a','admin':'127.0.0.1:2'}]}")
                                   << "used twice";
        QTest::newRow("poll too fast") << json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','pollIntervalMs':5}]}")
                                       << "pollIntervalMs";
        QTest::newRow("slash in name") << json("{'gateways':[{'name':'a/b','admin':'127.0.0.1:1'}]}")
                                       << "must not contain '/'";
        QTest::newRow("bad pin") << json("{'gateways':[{'name':'a','product':'caddy','admin':'https://h:1',"
                                         "'tls':{'pinSha256':'abc'}}]}")
                                 << "not a SHA-256";
        QTest::newRow("cert without key") << json("{'gateways':[{'name':'a','product':'caddy','admin':'https://h:1',"
                                                  "'tls':{'clientCert':'/c.pem'}}]}")
                                          << "needs its key";
        QTest::newRow("auth kind") << json("{'gateways':[{'name':'a','product':'caddy','admin':'http://h:1',"
                                           "'auth':'digest','credential':'a/x'}]}")
                                   << "not basic or bearer";
        QTest::newRow("auth without credential")
            << json("{'gateways':[{'name':'a','product':'caddy','admin':'http://h:1','auth':'basic'}]}")
            << "needs a credential";
        QTest::newRow("varnish over http")
            << json("{'gateways':[{'name':'a','product':'varnish','admin':'http://h:1'}]}") << "Varnish's CLI";
        QTest::newRow("auth on a channel without it")
            << json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','auth':'basic','credential':'a/x'}]}")
            << "does not take HTTP basic";
        // Numbers are checked as numbers, and addresses quote what was written.
        QTest::newRow("port 99999") << json("{'gateways':[{'name':'a','admin':'tcp://127.0.0.1:99999'}]}")
                                    << "admin: \"tcp://127.0.0.1:99999\" is not an address: Invalid port";
        QTest::newRow("port 0") << json("{'gateways':[{'name':'a','product':'caddy','admin':'http://127.0.0.1:0'}]}")
                                << "port 0 is not a port to connect to";
        QTest::newRow("poll -1e308") << json(
            "{'gateways':[{'name':'a','admin':'127.0.0.1:1','pollIntervalMs':-1e308}]}")
                                     << "pollIntervalMs: -1e+308 is not a whole number between 100 and 3600000";
        QTest::newRow("poll as text") << json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','pollIntervalMs':'5'}]}")
                                      << "pollIntervalMs: \"5\" is not a whole number";
        QTest::newRow("poll fraction") << json(
            "{'gateways':[{'name':'a','admin':'127.0.0.1:1','pollIntervalMs':500.5}]}")
                                       << "pollIntervalMs: 500.5 is not a whole number";
        QTest::newRow("maxServers 0") << json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','maxServers':0}]}")
                                      << "maxServers: 0 is not a whole number between 1 and 1000000";
        QTest::newRow("deadline 1e9") << json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','deadlineMs':1e9}]}")
                                      << "deadlineMs: 1e+09 is not a whole number between 500 and 300000";
        QTest::newRow("name of 100,000 characters")
            << json("{'gateways':[{'name':'" + QByteArray(100000, 'n') + "','admin':'127.0.0.1:1'}]}")
            << "has 100000 characters; a gateway name may have at most 200";
        QTest::newRow("escape in name") << json("{'gateways':[{'name':'red\\u001b[31m','admin':'127.0.0.1:1'}]}")
                                        << "name: \"red\\x1b[31m\" has control or invisible characters";
    }

    void limitsRoundTrip()
    {
        const auto parsed
            = parseFleetFile(json("{'gateways':[{'name':'a','admin':'127.0.0.1:1','maxServers':500,'deadlineMs':2500},"
                                  "{'name':'b','admin':'127.0.0.1:2'}]}"),
                products());
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        QCOMPARE(parsed.value().gateways.at(0).maxServers, 500);
        QCOMPARE(parsed.value().gateways.at(0).deadlineMs, 2500);
        QCOMPARE(parsed.value().gateways.at(1).maxServers, 20000); // the defaults
        QCOMPARE(parsed.value().gateways.at(1).deadlineMs, 10000);
        QCOMPARE(parsed.value().gateways.at(0).maxAnswerBytes(), (1 << 20) + 500 * 2048);
        const auto again = parseFleetFile(serializeFleetFile(parsed.value()), products());
        QVERIFY(again.ok());
        QCOMPARE(again.value().gateways, parsed.value().gateways);
    }

    void securityFieldsRoundTrip()
    {
        // TLS, authentication, the credential's name and the SSH forward survive export and import; no secret
        // has a field to be written in.
        QByteArray text
            = QByteArray("{'name':'f','gateways':[{'name':'c','product':'caddy','admin':'https://10.0.0.5:2019',"
                         "'auth':'bearer','credential':'c/token','tls':{'caFile':'/etc/ca.pem','pinSha256':'AB:CD");
        text += QByteArray(":00").repeated(30);
        text += "','clientCert':'/c.pem','clientKey':'/c.key'}},{'name':'h','admin':'tcp://10.0.0.6:9999',"
                "'sshForward':'ssh -N -L 9999:127.0.0.1:9999 lb1'}]}";
        const auto parsed = parseFleetFile(text.replace('\'', '"'), products());
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        const GatewayConfig& c = parsed.value().gateways.first();
        QCOMPARE(c.tls.pinSha256, QStringLiteral("abcd") + QString(QStringLiteral("00")).repeated(30));
        QCOMPARE(c.httpAuth, QStringLiteral("bearer"));
        QCOMPARE(parsed.value().gateways.at(1).sshForward, QStringLiteral("ssh -N -L 9999:127.0.0.1:9999 lb1"));
        const auto again = parseFleetFile(serializeFleetFile(parsed.value()), products());
        QVERIFY(again.ok());
        QCOMPARE(again.value().gateways, parsed.value().gateways);
    }
    void errors()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, errorContains);
        const auto parsed = parseFleetFile(json, products());
        QVERIFY(!parsed.ok());
        QVERIFY2(parsed.error().contains(errorContains), qPrintable(parsed.error()));
    }
};

QTEST_GUILESS_MAIN(TestFleetFile)
#include "tst_fleetfile.moc"
