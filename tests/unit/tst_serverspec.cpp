// Validation of the pool form's fields: each bad input gets its own message, naming the field and the value.
#include <QTest>

#include "serverspec.h"

using namespace Fleetdeck;

namespace {
Capabilities haproxy()
{
    Capabilities c;
    c.set(Feature::Weight, true, QStringLiteral("0..256"));
    c.rules.weightMin = 0;
    c.rules.weightMax = 256;
    c.rules.staticBalancing = { QStringLiteral("static-rr"), QStringLiteral("source") };
    c.rules.staticBalancingReason = QStringLiteral("dynamic algorithms only");
    return c;
}
ServerSpec good()
{
    return ServerSpec { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s4"), QStringLiteral("127.0.0.1"),
        8080, 1, 0, true };
}
} // namespace

class TestServerSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fields_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("problemField"); // empty: valid
        QTest::addColumn<QString>("messageContains");
        QTest::newRow("ipv4") << "host"
                              << "10.0.0.7"
                              << ""
                              << "";
        QTest::newRow("ipv6") << "host"
                              << "2001:db8::1"
                              << ""
                              << "";
        QTest::newRow("ipv6 brackets") << "host"
                                       << "[::1]"
                                       << ""
                                       << "";
        QTest::newRow("host name") << "host"
                                   << "api-7.eu-west.internal"
                                   << ""
                                   << "";
        QTest::newRow("bad ipv4") << "host"
                                  << "10.0.0.300"
                                  << "host"
                                  << "\"10.0.0.300\" is not";
        QTest::newRow("bad ipv6") << "host"
                                  << "2001:db8:::1::"
                                  << "host"
                                  << "is not an IPv4 or IPv6";
        QTest::newRow("space in host") << "host"
                                       << "my host"
                                       << "host"
                                       << "\"my host\"";
        QTest::newRow("empty host") << "host"
                                    << ""
                                    << "host"
                                    << "An address is needed";
        QTest::newRow("label too long") << "host" << QString(64, QLatin1Char('a')) + QStringLiteral(".example")
                                        << "host"
                                        << "is not";
        QTest::newRow("port 0") << "port"
                                << "0"
                                << "port"
                                << "0 is not a port";
        QTest::newRow("port 65536") << "port"
                                    << "65536"
                                    << "port"
                                    << "65536 is not a port";
        QTest::newRow("port 443") << "port"
                                  << "443"
                                  << ""
                                  << "";
        QTest::newRow("weight 257") << "weight"
                                    << "257"
                                    << "weight"
                                    << "257 is outside 0..256";
        QTest::newRow("weight -1") << "weight"
                                   << "-1"
                                   << "weight"
                                   << "-1 is outside";
        QTest::newRow("weight 0") << "weight"
                                  << "0"
                                  << ""
                                  << "";
        QTest::newRow("maxconn -5") << "maxconn"
                                    << "-5"
                                    << "maxconn"
                                    << "cannot be negative";
        QTest::newRow("empty name") << "name"
                                    << ""
                                    << "name"
                                    << "needs a name";
        QTest::newRow("name with space") << "name"
                                         << "web 1"
                                         << "name"
                                         << "\"web 1\": letters, digits";
        QTest::newRow("name with semicolon") << "name"
                                             << "s1;shutdown"
                                             << "name"
                                             << "letters, digits";
        QTest::newRow("duplicate name") << "name"
                                        << "s1"
                                        << "name"
                                        << "already has a server named \"s1\"";
    }
    void fields()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, problemField);
        QFETCH(QString, messageContains);
        ServerSpec spec = good();
        if (field == QLatin1String("host"))
            spec.host = value;
        else if (field == QLatin1String("port"))
            spec.port = value.toInt();
        else if (field == QLatin1String("weight"))
            spec.weight = value.toInt();
        else if (field == QLatin1String("maxconn"))
            spec.maxconn = value.toInt();
        else if (field == QLatin1String("name"))
            spec.name = value;
        BackendSnapshot api;
        api.name = QStringLiteral("api");
        api.algorithm = QStringLiteral("roundrobin");
        api.servers.append(ServerSnapshot { QStringLiteral("s1"), {}, {}, {}, {}, {}, {}, 1, false, 0, 0, 0, 0, 0 });
        const auto problems = validateServerSpec(spec, &api, haproxy());
        if (problemField.isEmpty()) {
            QVERIFY2(problems.isEmpty(), qPrintable(problems.values().join(QLatin1Char(' '))));
        } else {
            QCOMPARE(problems.size(), 1); // only the field at fault
            QVERIFY(problems.contains(problemField));
            QVERIFY2(problems.value(problemField).contains(messageContains), qPrintable(problems.value(problemField)));
        }
    }

    void staticBalancingIsRefusedInAdvance()
    {
        BackendSnapshot b;
        b.name = QStringLiteral("legacy");
        b.algorithm = QStringLiteral("static-rr");
        ServerSpec spec = good();
        spec.backend = b.name;
        const auto problems = validateServerSpec(spec, &b, haproxy());
        QVERIFY(problems.value(QStringLiteral("backend")).contains(QLatin1String("static-rr")));
        b.algorithm = QStringLiteral("source");
        QVERIFY(validateServerSpec(spec, &b, haproxy()).contains(QStringLiteral("backend")));
        b.algorithm = QStringLiteral("leastconn");
        QVERIFY(validateServerSpec(spec, &b, haproxy()).isEmpty());
    }

    void addressFormatting()
    {
        ServerSpec spec = good();
        QCOMPARE(spec.address(), QStringLiteral("127.0.0.1:8080"));
        spec.host = QStringLiteral("::1");
        QCOMPARE(spec.address(), QStringLiteral("[::1]:8080"));
        spec.host = QStringLiteral("[::1]");
        QCOMPARE(spec.address(), QStringLiteral("[::1]:8080"));
    }
};

QTEST_GUILESS_MAIN(TestServerSpec)
#include "tst_serverspec.moc"
