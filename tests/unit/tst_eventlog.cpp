#include <QAbstractItemModelTester>
#include <QTest>

#include "eventlog.h"

using namespace Fleetdeck;

class TestEventLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void orderScopeAndFilter()
    {
        EventLog log(100);
        QAbstractItemModelTester tester(&log, QAbstractItemModelTester::FailureReportingMode::QtTest);
        EventFilterProxy proxy;
        proxy.setSourceModel(&log);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        log.add({ 3000, FleetEvent::Kind::Transition, QStringLiteral("gw1"), QStringLiteral("api/s1"),
            QStringLiteral("up → down (L4CON)"), true });
        log.add({ 1000, FleetEvent::Kind::Change, QStringLiteral("gw1"), QStringLiteral("api/s2"),
            QStringLiteral("drain asked from Fleetdeck"), false });
        log.add({ 2000, FleetEvent::Kind::Connection, QStringLiteral("gw2"), {}, QStringLiteral("unreachable: refused"),
            true });
        QCOMPARE(log.rowCount(), 3);
        QCOMPARE(log.events().at(0).timeMs, qint64(1000)); // kept in time order even when added late
        QCOMPARE(log.events().at(2).timeMs, qint64(3000));

        QCOMPARE(log.eventsFor({}, 0, 10000).size(), 3);
        QCOMPARE(log.eventsFor(QStringLiteral("gw1"), 0, 10000).size(), 2);
        QCOMPARE(log.eventsFor(QStringLiteral("gw1/api"), 0, 10000).size(), 2);
        QCOMPARE(log.eventsFor(QStringLiteral("gw1/api/s1"), 0, 10000).size(), 1);
        QCOMPARE(log.eventsFor(QStringLiteral("gw1/api/s1"), 0, 2999).size(), 0);
        // An event about a whole gateway concerns each of its servers.
        QCOMPARE(log.eventsFor(QStringLiteral("gw2/api/s1"), 0, 10000).size(), 1);
        QCOMPARE(log.eventsFor(QStringLiteral("gw10"), 0, 10000).size(), 0); // not a prefix match on names

        proxy.setSearchText(QStringLiteral("gw1 drain"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setSearchText(QStringLiteral("UNREACHABLE"));
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setSearchText({});
        QCOMPARE(proxy.rowCount(), 3);
    }

    void boundedSize()
    {
        EventLog log(10);
        for (int i = 0; i < 25; ++i)
            log.add({ i * 1000, FleetEvent::Kind::Transition, QStringLiteral("gw"), QStringLiteral("b/s"),
                QString::number(i), false });
        QVERIFY(log.rowCount() <= 10);
        QCOMPARE(log.events().last().text, QStringLiteral("24")); // the newest are kept
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "tst_eventlog.moc"
