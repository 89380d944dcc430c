// History read back from the lab's real Prometheus, which scrapes the lab's HAProxy instances every second.
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "registry.h"
#include "fleetstore.h"
#include "historycache.h"
#include "lab.h"
#include "metricstore.h"
#include "serieskeys.h"

using namespace Fleetdeck;

class TestPrometheusHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QFile f(lab.fleetFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto parsed = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        fleet = parsed.value();
        QVERIFY2(!fleet.prometheus.isEmpty(), "the lab's fleet file names no Prometheus");
        for (const GatewayConfig& c : fleet.gateways)
            controller.addGateway(c);
        controller.setPrometheus(fleet.prometheus, &history);
    }

    void promqlMapping()
    {
        const QString gw = fleet.gateways.first().name;
        const QString instance = QStringLiteral("%1:%2")
                                     .arg(fleet.gateways.first().metrics.host())
                                     .arg(fleet.gateways.first().metrics.port());
        QCOMPARE(controller.promqlFor(SeriesKeys::requestRate(gw), 1000),
            QStringLiteral("sum(rate(haproxy_frontend_http_requests_total{instance=\"%1\"}[10s]))").arg(instance));
        QCOMPARE(controller.promqlFor(SeriesKeys::errorRate(SeriesKeys::subject(gw, QStringLiteral("api"))), 60000),
            QStringLiteral(
                "sum(rate(haproxy_backend_http_responses_total{instance=\"%1\",proxy=\"api\",code=\"5xx\"}[120s]))")
                .arg(instance));
        QCOMPARE(controller.promqlFor(
                     SeriesKeys::sessions(SeriesKeys::subject(gw, QStringLiteral("api"), QStringLiteral("s1"))), 1000),
            QStringLiteral("sum(haproxy_server_current_sessions{instance=\"%1\",proxy=\"api\",server=\"s1\"})")
                .arg(instance));
        QVERIFY(
            controller
                .promqlFor(
                    SeriesKeys::requestRate(SeriesKeys::subject(gw, QStringLiteral("api"), QStringLiteral("s1"))), 1000)
                .isEmpty());
        QVERIFY(controller.promqlFor(QStringLiteral("nosuchgateway#req"), 1000).isEmpty());
    }

    void historyComesBack()
    {
        // The lab's traffic has run since the fixture started; Prometheus scrapes every second. Ask for the last
        // 30 s of the first gateway's request rate until it has a few points (at most 20 s).
        const QString key = SeriesKeys::requestRate(fleet.gateways.first().name);
        QVector<MetricStore::Bucket> got;
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 20000) {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            QSignalSpy arrived(&history, &HistoryCache::historyArrived);
            controller.requestHistory(key, now - 30000, now, 30);
            QVERIFY2(arrived.wait(5000), qPrintable(history.lastError()));
            got = history.range(key, now - 30000, now);
            if (got.size() >= 3)
                break;
            QTest::qWait(1000);
        }
        QVERIFY2(got.size() >= 3, qPrintable(QStringLiteral("%1 points").arg(got.size())));
        // The lab sends about 30 req/s through each HAProxy (3 paths at 10 req/s, part of them refused with 429).
        double top = 0;
        for (const auto& b : got) {
            QVERIFY(!b.isGap());
            top = qMax(top, double(b.mean));
        }
        QVERIFY2(top > 5 && top < 200, qPrintable(QString::number(top)));
        for (qsizetype i = 1; i < got.size(); ++i)
            QVERIFY(got.at(i).timeMs > got.at(i - 1).timeMs);
    }

    void unreachablePrometheusSaysSo()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 closed = probe.serverPort();
        probe.close();
        HistoryCache other;
        controller.setPrometheus(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed)), &other);
        QSignalSpy failed(&other, &HistoryCache::historyFailed);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        controller.requestHistory(SeriesKeys::requestRate(fleet.gateways.first().name), now - 60000, now, 60);
        QVERIFY(failed.wait(10000));
        const QString error = failed.first().at(0).toString();
        QVERIFY2(error.contains(QStringLiteral("127.0.0.1:%1").arg(closed))
                && error.contains(QLatin1String("refused"), Qt::CaseInsensitive),
            qPrintable(error));
        controller.setPrometheus(fleet.prometheus, &history);
    }

private:
    Test::Lab lab;
    FleetFile fleet;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    HistoryCache history;
    FleetController& controller = assembly.controller();
};

QTEST_GUILESS_MAIN(TestPrometheusHistory)
#include "tst_prometheushistory.moc"
