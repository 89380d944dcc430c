// The incident view, offscreen, on the lab's signals HAProxy and its Alertmanager: a queue built on the slow pool
// fires the lab's LabRequestsQueueing alert, which shows as a badge in the fleet tree and on the overview tile, in
// the alerts dock, and as a band on the latency, queue and load charts; the pool's lines are ranked past 8 servers.
// FLEETDECK_INCIDENT_SCREENSHOT=<file> saves the window once everything is shown.
#include <QAbstractItemModelTester>
#include <QProcess>
#include <QStandardPaths>
#include <QSettings>
#include <QTableView>
#include <QTest>
#include <QTreeView>

#include "alerts.h"
#include "assembly.h"
#include "charts/timeserieschart.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "fleettreemodel.h"
#include "frontendtablemodel.h"
#include "lab.h"
#include "mainwindow.h"
#include "metricstore.h"
#include "pages/overviewpage.h"
#include "pages/poolpage.h"
#include "serieskeys.h"

using namespace Fleetdeck;

class TestIncidentView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY2(lab.signalsHAProxy.present() && !lab.alertmanagerUrl.isEmpty(),
            "the lab runs without --signals or --alertmanager");
        window = std::make_unique<MainWindow>(assembly.context());
        GatewayConfig c = lab.signalsHAProxy.gateway;
        c.pollIntervalMs = 500;
        assembly.controller().addGateway(c);
        assembly.controller().setAlertmanager(QUrl(lab.alertmanagerUrl), AlertLabels {}, 500);
        window->resize(1400, 900);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(assembly.store().entry(0).snapshot.has_value(), 10000);
    }

    void aQueueFiresAnAlertThatShowsEverywhere()
    {
        const QString gateway = lab.signalsHAProxy.gateway.name;
        window->showPool(gateway, QStringLiteral("slow"));
        PoolPage* page = window->poolPage();
        // About 15 s of queue: 100 requests, 8 at a time, on a server that takes 2 at a time for 300 ms each.
        QProcess hey;
        hey.start(QStringLiteral("hey"),
            { QStringLiteral("-n"), QStringLiteral("100"), QStringLiteral("-c"), QStringLiteral("8"),
                QStringLiteral("http://127.0.0.1:%1/lag/").arg(lab.signalsHAProxy.frontendPort) });
        const AlertBoard* alerts = assembly.controller().alerts();
        QTRY_VERIFY_WITH_TIMEOUT(alerts->firingCount(gateway, QStringLiteral("slow")) == 1, 30000);
        const Alert alert = alerts->alertsFor(gateway, QStringLiteral("slow")).first();
        QCOMPARE(alert.name, QStringLiteral("LabRequestsQueueing"));

        // The badge in the tree, on the gateway and on the pool.
        auto* tree = window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        QVERIFY(tree);
        const QModelIndex gw = tree->model()->index(0, FleetTreeModel::AlertsColumn);
        QTRY_COMPARE_WITH_TIMEOUT(gw.data().toString(), QStringLiteral("1"), 3000);
        QVERIFY(gw.data(Qt::ToolTipRole).toString().startsWith(QLatin1String("LabRequestsQueueing: ")));

        // The pool's charts: latency, queue and load drawn, each with the alert's band.
        for (const QString& name :
            { QStringLiteral("latencyChart"), QStringLiteral("queueChart"), QStringLiteral("loadChart") }) {
            auto* chart = page->findChild<TimeSeriesChart*>(name);
            QVERIFY2(chart, qPrintable(name));
            QCOMPARE(chart->lines().size(), 1); // the pool's one server
            QTRY_VERIFY_WITH_TIMEOUT(chart->bandsShown() == 1, 3000);
            QTRY_VERIFY_WITH_TIMEOUT(chart->pointCounts().value(0) > 0, 3000);
        }
        auto* latency = page->findChild<TimeSeriesChart*>(QStringLiteral("latencyChart"));
        QTRY_VERIFY_WITH_TIMEOUT(latency->maxValueShown() >= 250, 5000); // 300 ms answers, plus the queue
        auto* load = page->findChild<TimeSeriesChart*>(QStringLiteral("loadChart"));
        QTRY_VERIFY_WITH_TIMEOUT(load->maxValueShown() >= 100, 5000); // the server at its maxconn
        // The queue is the pool's (its server is full): seen on the gateway's charts, one line per pool.
        window->showGateway(gateway);
        auto* queue = page->findChild<TimeSeriesChart*>(QStringLiteral("queueChart"));
        QTRY_COMPARE_WITH_TIMEOUT(queue->lines().size(), 4, 3000);
        QTRY_VERIFY_WITH_TIMEOUT(queue->maxValueShown() >= 1, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(queue->bandsShown() == 1, 3000);

        // The overview tile says so too.
        OverviewPage* overview = window->overviewPage();
        QVERIFY(overview->tileCount() == 1);
        QTRY_VERIFY_WITH_TIMEOUT(overview->tile(0)->summary().contains(QLatin1String("1 alert firing")), 3000);
        QVERIFY(overview->tile(0)->summary().contains(QLatin1String("avg ")));

        if (const QString shot = qEnvironmentVariable("FLEETDECK_INCIDENT_SCREENSHOT"); !shot.isEmpty()) {
            page->refreshCharts();
            QVERIFY(window->grab().save(shot, "PNG"));
        }
        hey.kill();
        hey.waitForFinished(3000);
    }

    void chartsRankTheWorstPastEightLines()
    {
        // 12 servers in the pooled backend (10 added for the test), each its own line: 7 drawn, the worst first by
        // the charted value, the rest as one "others" line.
        const QString gateway = lab.signalsHAProxy.gateway.name;
        for (int i = 1; i <= 10; ++i) {
            const QByteArray added = Test::haproxyCommand(lab.signalsHAProxy.adminPort,
                "add server pooled/extra" + QByteArray::number(i)
                    + " 127.0.0.1:" + QByteArray::number(lab.upstreamPorts.first()));
            QVERIFY2(added.contains("New server registered"), added.constData());
        }
        auto cleanup = qScopeGuard([this] {
            for (int i = 1; i <= 10; ++i) {
                const QByteArray name = "pooled/extra" + QByteArray::number(i);
                Test::haproxyCommand(lab.signalsHAProxy.adminPort, "set server " + name + " state maint");
                Test::haproxyCommand(lab.signalsHAProxy.adminPort, "del server " + name);
            }
        });
        // Once the gateway's answer lists them (a shape change rebuilds the tree and its selection).
        QTRY_COMPARE_WITH_TIMEOUT(
            assembly.store().entry(0).snapshot->backend(QStringLiteral("pooled"))->servers.size(), 12, 5000);
        QTest::qWait(200);
        window->showPool(gateway, QStringLiteral("pooled"));
        auto* requests = window->poolPage()->findChild<TimeSeriesChart*>(QStringLiteral("requestChart"));
        QTRY_COMPARE_WITH_TIMEOUT(requests->lines().size(), PoolPage::kMaxLines, 5000);
        const TimeSeriesChart::Line others = requests->lines().last();
        QCOMPARE(others.label, QStringLiteral("others (+5 more)"));
        QCOMPARE(others.combined.size(), 5);
        QVERIFY(!others.combineMax);
        QSet<QString> drawn;
        for (const TimeSeriesChart::Line& l : requests->lines().mid(0, PoolPage::kMaxLines - 1))
            drawn.insert(l.label);
        QCOMPARE(drawn.size(), PoolPage::kMaxLines - 1);
        // Latency's "others" is their highest, not a sum.
        auto* latency = window->poolPage()->findChild<TimeSeriesChart*>(QStringLiteral("latencyChart"));
        QVERIFY(latency->lines().last().combineMax);
    }

    void frontendsAreListed()
    {
        auto* view = window->findChild<QTableView*>(QStringLiteral("frontendTable"));
        QVERIFY(view);
        QAbstractItemModel* model = view->model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, 5000); // web, tcp_in, stats_only
        auto cell = [model](const QString& frontend, int column) {
            for (int r = 0; r < model->rowCount(); ++r) {
                if (model->index(r, FrontendTableModel::FrontendColumn).data().toString() == frontend)
                    return model->index(r, column).data().toString();
            }
            return QStringLiteral("(no such frontend)");
        };
        QCOMPARE(cell(QStringLiteral("web"), FrontendTableModel::ModeColumn), QStringLiteral("http"));
        QCOMPARE(cell(QStringLiteral("web"), FrontendTableModel::BindsColumn),
            QStringLiteral("127.0.0.1:%1").arg(lab.signalsHAProxy.frontendPort));
        QCOMPARE(cell(QStringLiteral("tcp_in"), FrontendTableModel::ModeColumn), QStringLiteral("tcp"));
        QCOMPARE(cell(QStringLiteral("tcp_in"), FrontendTableModel::ErrorRateColumn), QStringLiteral("n/a"));
        QCOMPARE(cell(QStringLiteral("web"), FrontendTableModel::RateLimitedColumn), QStringLiteral("n/a"));
        // A rate once two answers are in; traffic through the TCP proxy shows as connections per second.
        QProcess hey;
        hey.start(QStringLiteral("hey"),
            { QStringLiteral("-z"), QStringLiteral("3s"), QStringLiteral("-c"), QStringLiteral("1"),
                QStringLiteral("-q"), QStringLiteral("10"), QStringLiteral("-disable-keepalive"),
                QStringLiteral("http://127.0.0.1:%1/").arg(lab.signalsHAProxy.tcpPort) });
        QTRY_VERIFY_WITH_TIMEOUT(cell(QStringLiteral("tcp_in"), FrontendTableModel::RateColumn).toDouble() >= 3, 5000);
        QVERIFY(hey.waitForFinished(10000));
    }

private:
    Test::Lab lab;
    Assembly assembly;
    std::unique_ptr<MainWindow> window;
};

QTEST_MAIN(TestIncidentView)
#include "tst_incidentview.moc"
