// Rate limits on the lab's real HAProxy: read the per-key map, the per-IP variable and the stick table; a change
// that turns real requests' answers into 429s and back; refusals before sending.
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"
#include "reports.h"

using namespace Fleetdeck;

class TestRateLimits : public QObject
{
    Q_OBJECT

    QStringList codes(const QString& key, int count)
    {
        QStringList out;
        for (int i = 0; i < count; ++i) {
            QProcess curl;
            curl.start(QStringLiteral("curl"),
                { QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
                    QStringLiteral("%{http_code}"), QStringLiteral("--max-time"), QStringLiteral("5"),
                    QStringLiteral("-H"), QStringLiteral("X-API-Key: ") + key,
                    QStringLiteral("http://127.0.0.1:%1/").arg(lab.haproxy.at(0).frontendPort) });
            curl.waitForFinished(10000);
            // The lab answers 3 % of requests with a 500 on purpose: what matters here is limited (429) or not.
            const QByteArray code = curl.readAllStandardOutput();
            out.append(code == "429" ? QStringLiteral("429")
                    : code.isEmpty() ? QStringLiteral("none")
                                     : QStringLiteral("passed"));
        }
        return out;
    }

    // The map as HAProxy itself lists it (socat), checked to be the map and not an error or nothing.
    QByteArray mapNow()
    {
        const QByteArray map = Test::haproxyCommand(lab.haproxy.at(0).adminPort, "show map " + mapFile.toUtf8());
        return map.contains("key-gold 1000") ? map : QByteArray("(could not read the map: ") + map.left(80) + ')';
    }

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        controller.addGateway(lab.gateways.first());
        gateway = lab.gateways.first().name;
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
    }

    void readsTheLimits()
    {
        // The lab's traffic (API key key-load) reaches the stick table within a few seconds of the lab's start.
        RateLimits limits;
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 15000) {
            QSignalSpy received(&controller, &FleetActions::rateLimitsReceived);
            controller.requestRateLimits(gateway);
            QVERIFY(received.wait(5000));
            limits = received.first().at(1).value<RateLimits>();
            if (limits.entry(QStringLiteral("key-load")) && limits.entry(QStringLiteral("key-load"))->requestCount > 0)
                break;
            QTest::qWait(500);
        }
        QVERIFY(limits.keyStore.endsWith(QLatin1String("/ratelimits.map")));
        mapFile = limits.keyStore;
        QVERIFY(limits.entry(QStringLiteral("key-gold")));
        QCOMPARE(limits.entry(QStringLiteral("key-gold"))->limit, qint64(1000));
        QCOMPARE(limits.entry(QStringLiteral("key-free"))->limit, qint64(5));
        QCOMPARE(limits.ipLimit, qint64(200));
        // The lab's traffic uses key-load: the stick table counts it.
        QVERIFY2(limits.entry(QStringLiteral("key-load"))->requestCount > 0,
            qPrintable(QStringLiteral("count %1 rate %2")
                           .arg(limits.entry(QStringLiteral("key-load"))->requestCount)
                           .arg(limits.entry(QStringLiteral("key-load"))->requestRate)));
        QVERIFY(limits.exportContent.contains(QLatin1String("key-free 5\n")));
    }

    void aLimitTurns200sInto429sAndBack()
    {
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        FLEETDECK_REPORT(
            r1, finished, controller.changeRateLimits({ { gateway, RateScope::Key, QStringLiteral("key-test"), 2 } }));
        const ActionReport* report = &r1;
        QVERIFY2(report->ok(), qPrintable(report->outcomes.value(0).message));
        QVERIFY(report->outcomes.first().message.contains(QLatin1String("in memory")));
        const QStringList limited = codes(QStringLiteral("key-test"), 5);
        QCOMPARE(limited.mid(0, 2), (QStringList { QStringLiteral("passed"), QStringLiteral("passed") }));
        QCOMPARE(limited.mid(2), (QStringList { QStringLiteral("429"), QStringLiteral("429"), QStringLiteral("429") }));
        // The stick table counted the three refusals against the key.
        QSignalSpy received(&controller, &FleetActions::rateLimitsReceived);
        controller.requestRateLimits(gateway);
        QVERIFY(received.wait(5000));
        const RateLimits seen = received.first().at(1).value<RateLimits>();
        QVERIFY(seen.entry(QStringLiteral("key-test")));
        QCOMPARE(seen.entry(QStringLiteral("key-test"))->refused, qint64(3));

        FLEETDECK_REPORT(r2, finished,
            controller.changeRateLimits({ { gateway, RateScope::Key, QStringLiteral("key-test"), 1000 } }));
        report = &r2;
        QVERIFY2(report->ok(), qPrintable(report->outcomes.value(0).message));
        QVERIFY2(mapNow().contains("key-test 1000"), mapNow().constData());
        QCOMPARE(codes(QStringLiteral("key-test"), 3),
            (QStringList { QStringLiteral("passed"), QStringLiteral("passed"), QStringLiteral("passed") }));

        FLEETDECK_REPORT(
            r3, finished, controller.changeRateLimits({ { gateway, RateScope::Key, QStringLiteral("key-test"), -1 } }));
        report = &r3;
        QVERIFY2(report->ok(), qPrintable(report->outcomes.value(0).message));
        // Gone from HAProxy's own map (read with socat; the map is known to be readable: key-gold is in it).
        QVERIFY2(mapNow().contains("key-gold") && !mapNow().contains("key-test"), mapNow().constData());
    }

    void perIpLimit()
    {
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        FLEETDECK_REPORT(r4, finished, controller.changeRateLimits({ { gateway, RateScope::Ip, QString(), 30 } }));
        const ActionReport* report = &r4;
        QVERIFY2(report->ok(), qPrintable(report->outcomes.value(0).message));
        QCOMPARE(Test::haproxyCommand(lab.haproxy.at(0).adminPort, "get var proc.iplimit").trimmed(),
            QByteArray("proc.iplimit: type=sint value=<30>"));
        FLEETDECK_REPORT(r5, finished, controller.changeRateLimits({ { gateway, RateScope::Ip, QString(), 200 } }));
        report = &r5;
        QVERIFY(report->ok());
    }

    void badChangesSendNothing()
    {
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        FLEETDECK_REPORT(
            r6, finished, controller.changeRateLimits({ { gateway, RateScope::Key, QStringLiteral("bad key"), 10 } }));
        const ActionReport* report = &r6;
        QVERIFY(!report->ok());
        QVERIFY2(report->outcomes.first().message.contains(QLatin1String("\"bad key\": letters")),
            qPrintable(report->outcomes.first().message));
        FLEETDECK_REPORT(
            r7, finished, controller.changeRateLimits({ { gateway, RateScope::Key, QStringLiteral("key-zero"), 0 } }));
        report = &r7;
        QVERIFY(report->outcomes.first().message.contains(QLatin1String("greater than zero")));
        FLEETDECK_REPORT(r8, finished, controller.changeRateLimits({ { gateway, RateScope::Ip, QString(), 0 } }));
        report = &r8;
        QVERIFY(report->outcomes.first().message.contains(QLatin1String("per-IP limit must be greater than zero")));
        // Nothing reached the map (which is readable: key-gold is in it).
        const QByteArray map = mapNow();
        QVERIFY2(map.contains("key-gold") && !map.contains("key-zero") && !map.contains("bad key"), map.constData());
    }

private:
    Test::Lab lab;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
    QString gateway;
    QString mapFile;
};

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_ratelimits.moc"
