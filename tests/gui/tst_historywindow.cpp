// The charts fall back to the fleet's Prometheus for what the local store does not hold: a window opened on a
// gateway just added draws points from before it was added, read from the lab's real Prometheus; without a
// Prometheus, the same window starts where the local store does.
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTreeView>

#include "assembly.h"
#include "charts/timeserieschart.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "historycache.h"
#include "lab.h"
#include "mainwindow.h"
#include "modelroles.h"
#include "pages/poolpage.h"
#include "registry.h"

using namespace Fleetdeck;

class TestHistoryWindow : public QObject
{
    Q_OBJECT

    // A window on the lab's first HAProxy, its tree selection on the gateway and a 15-minute window; when it was
    // added, and its request chart.
    struct Opened
    {
        std::unique_ptr<Assembly> app;
        std::unique_ptr<MainWindow> window;
        TimeSeriesChart* chart = nullptr;
        qint64 addedAtMs = 0;
    };
    void open(Opened& o, const QUrl& prometheus)
    {
        Assembly::Options options;
        options.prometheus = prometheus;
        o.app = std::make_unique<Assembly>(options);
        o.window = std::make_unique<MainWindow>(o.app->context());
        o.window->setLayoutSaved(false);
        o.window->show();
        o.addedAtMs = QDateTime::currentMSecsSinceEpoch();
        o.app->controller().addGateway(fleet.gateways.first());
        QTRY_VERIFY_WITH_TIMEOUT(o.app->store().gatewayCount() == 1 && o.app->store().entry(0).snapshot, 10000);
        auto* tree = o.window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        tree->selectionModel()->setCurrentIndex(
            tree->model()->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        o.window->poolPage()->setWindowSeconds(900);
        o.chart = o.window->findChild<TimeSeriesChart*>(QStringLiteral("requestChart"));
        QVERIFY(o.chart);
    }

    // How many of the last 30 s of the gateway's api request counter Prometheus holds (-1: could not ask).
    int samplesInPrometheus(const QString& instance) const
    {
        QProcess curl;
        const QString query
            = QStringLiteral("count_over_time(haproxy_backend_http_requests_total{instance=\"%1\",proxy=\"api\"}[30s])")
                  .arg(instance);
        curl.start(QStringLiteral("curl"),
            { QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("5"), QStringLiteral("-G"),
                QStringLiteral("--data-urlencode"), QStringLiteral("query=") + query,
                fleet.prometheus.toString() + QStringLiteral("/api/v1/query") });
        if (!curl.waitForFinished(10000))
            return -1;
        const QJsonArray result = QJsonDocument::fromJson(curl.readAllStandardOutput())
                                      .object()
                                      .value(QLatin1String("data"))
                                      .toObject()
                                      .value(QLatin1String("result"))
                                      .toArray();
        return result.isEmpty()
            ? 0
            : result.first().toObject().value(QLatin1String("value")).toArray().at(1).toString().toInt();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QFile f(lab.fleetFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto parsed = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
        QVERIFY2(parsed.ok(), qPrintable(parsed.error()));
        fleet = parsed.value();
        QVERIFY2(!fleet.prometheus.isEmpty(), "the lab's fleet file names no Prometheus");
    }

    void olderThanTheStoreComesFromPrometheus()
    {
        // Prometheus must hold a stretch of this gateway's requests before it is added (asked with curl, not
        // Fleetdeck).
        const QString instance = QStringLiteral("%1:%2")
                                     .arg(fleet.gateways.first().metrics.host())
                                     .arg(fleet.gateways.first().metrics.port());
        QTRY_VERIFY_WITH_TIMEOUT(samplesInPrometheus(instance) >= 8, 30000);
        QTest::qWait(2000);
        Opened o;
        open(o, fleet.prometheus);
        if (QTest::currentTestFailed())
            return;
        QSignalSpy arrived(&o.app->history(), &HistoryCache::historyArrived);
        QTRY_VERIFY_WITH_TIMEOUT(!arrived.isEmpty(), 10000);
        // Points older than the gateway's first poll can only be Prometheus's.
        QTRY_VERIFY2_WITH_TIMEOUT(
            o.chart->firstPointTimes().value(0, -1) > 0 && o.chart->firstPointTimes().value(0) < o.addedAtMs - 1500,
            qPrintable(QStringLiteral("first point %1, added at %2")
                           .arg(o.chart->firstPointTimes().value(0, -1))
                           .arg(o.addedAtMs)),
            10000);
    }

    void withoutPrometheusTheWindowStartsWithTheStore()
    {
        Opened o;
        open(o, {});
        if (QTest::currentTestFailed())
            return;
        QTRY_VERIFY_WITH_TIMEOUT(o.chart->firstPointTimes().value(0, -1) > 0, 10000);
        QTest::qWait(1500);
        QVERIFY2(o.chart->firstPointTimes().value(0) >= o.addedAtMs - 1000,
            qPrintable(QStringLiteral("first point %1, added at %2")
                           .arg(o.chart->firstPointTimes().value(0))
                           .arg(o.addedAtMs)));
    }

private:
    Test::Lab lab;
    FleetFile fleet;
};

QTEST_MAIN(TestHistoryWindow)
#include "tst_historywindow.moc"
