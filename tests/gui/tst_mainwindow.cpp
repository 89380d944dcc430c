// The main window, offscreen, on the lab's real HAProxy fleet: find servers, select one, drain it with the
// keyboard shortcut and confirm in HAProxy's own "show stat" that it is draining.
#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QTabWidget>
#include <QToolButton>
#include <QUndoStack>
#include <QApplication>
#include <QFile>
#include <QLineEdit>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QMouseEvent>
#include <QCheckBox>
#include <QDir>
#include <QMessageBox>
#include <QSet>
#include <QTcpServer>
#include <QTimer>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTreeView>

#include "charts/timeserieschart.h"
#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "lab.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "metricstore.h"
#include "modelroles.h"
#include "forms/cachepolicydialog.h"
#include "forms/ratelimitdialog.h"
#include "forms/serverformdialog.h"
#include "pages/overviewpage.h"
#include "pages/poolpage.h"
#include "upstreamtablemodel.h"

using namespace Fleetdeck;

namespace {
int rowOf(QAbstractItemModel* model, const QString& gateway, const QString& backend, const QString& server)
{
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex i = model->index(r, 0);
        if (i.data(GatewayRole) == gateway && i.data(BackendRole) == backend && i.data(ServerRole) == server)
            return r;
    }
    return -1;
}
} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear(); // test-mode settings: start from the defaults every run
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        window = std::make_unique<MainWindow>(app.context());
        for (const GatewayConfig& c : lab.gateways)
            controller.addGateway(c);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        table = window->findChild<QTableView*>(QStringLiteral("upstreamTable"));
        QVERIFY(table);
        // 2 gateways x 2 backends x 3 servers
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 12, 10000);
    }

    void searchNarrowsTheTable()
    {
        auto* search = window->findChild<QLineEdit*>(QStringLiteral("searchBox"));
        QVERIFY(search);
        QTest::keyClicks(search, QStringLiteral("haproxy-2 static"));
        QCOMPARE(table->model()->rowCount(), 3);
        search->clear();
        QCOMPARE(table->model()->rowCount(), 12);
    }

    void treeSelectionScopesTableAndCharts()
    {
        auto* tree = window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        QVERIFY(tree);
        const QModelIndex gw2 = tree->model()->index(1, 0);
        QCOMPARE(gw2.data().toString(), QStringLiteral("haproxy-2"));
        tree->setCurrentIndex(gw2);
        QCOMPARE(table->model()->rowCount(), 6);
        auto* chart = window->findChild<TimeSeriesChart*>(QStringLiteral("requestChart"));
        QVERIFY(chart);
        QCOMPARE(chart->lines().size(), 2); // one line per backend with servers
        // Live traffic: the chart fills with points, and they are not all zero.
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCounts().value(0) >= 2 && chart->maxValueShown() > 0, 10000);
        tree->setCurrentIndex(QModelIndex());
        tree->clearSelection();
        tree->selectionModel()->clearCurrentIndex();
        QTRY_COMPARE(table->model()->rowCount(), 12);
    }

    void drainFromTheKeyboard()
    {
        const int row = rowOf(table->model(), QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s2"));
        QVERIFY(row >= 0);
        QAction* drain = window->action(QStringLiteral("server.drain"));
        QVERIFY(drain);
        table->clearSelection();
        QVERIFY(!drain->isEnabled()); // nothing selected: nothing to drain
        table->selectRow(row);
        QVERIFY(drain->isEnabled());

        QApplication::setActiveWindow(window.get());
        QVERIFY(QTest::qWaitForWindowActive(window.get()));
        table->setFocus();
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        // Through the window, as the platform delivers keys, so the shortcut map sees it.
        QSignalSpy triggered(drain, &QAction::triggered);
        QTest::keyClick(window->windowHandle(), Qt::Key_D, Qt::ControlModifier);
        QCOMPARE(triggered.count(), 1);
        // The key event's delivery may already run the event loop; the report can arrive before we wait.
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));

        // HAProxy itself says so.
        const QString status = Test::haproxyServerField(
            lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s2"), QStringLiteral("status"));
        QVERIFY2(status.startsWith(QLatin1String("DRAIN")), qPrintable(status));
        // And so does the table, right away.
        const int after
            = rowOf(table->model(), QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s2"));
        QCOMPARE(
            table->model()->index(after, UpstreamTableModel::AdminColumn).data().toString(), QStringLiteral("drain"));

        // Undo puts it back (the inverse change, verified), redo drains it again.
        QUndoStack* undo = window->undoStack();
        QCOMPARE(undo->count(), 1);
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY(Test::haproxyServerField(
            lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s2"), QStringLiteral("status"))
                    .startsWith(QLatin1String("UP")));
        window->action(QStringLiteral("edit.redo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY(Test::haproxyServerField(
            lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s2"), QStringLiteral("status"))
                    .startsWith(QLatin1String("DRAIN")));
        QCOMPARE(undo->count(), 1); // undo and redo do not stack themselves

        // Back to ready through the toolbar action.
        // selectRow() would toggle under a still-pressed Ctrl; select explicitly.
        table->selectionModel()->select(
            table->model()->index(after, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(window->poolPage()->selectedServers().size(), 1);
        window->action(QStringLiteral("server.ready"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY(Test::haproxyServerField(
            lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s2"), QStringLiteral("status"))
                    .startsWith(QLatin1String("UP")));
    }

    void selectAnUpstreamEverywhere()
    {
        // The lab's gateways share their nginx upstreams: api/s1 has the same address on both.
        const int row = rowOf(table->model(), QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s1"));
        table->selectionModel()->select(
            table->model()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        window->action(QStringLiteral("server.everywhere"))->trigger();
        const QList<ServerRef> selected = window->poolPage()->selectedServers();
        QCOMPARE(selected.size(), 2);
        QSet<QString> gateways;
        for (const ServerRef& s : selected)
            gateways.insert(s.gateway);
        QCOMPARE(gateways, (QSet<QString> { QStringLiteral("haproxy-1"), QStringLiteral("haproxy-2") }));
        table->clearSelection();
    }

    void timeControlsAndEventMarkers()
    {
        auto* chart = window->findChild<TimeSeriesChart*>(QStringLiteral("requestChart"));
        auto* combo = window->findChild<QComboBox*>(QStringLiteral("windowCombo"));
        auto* pause = window->findChild<QToolButton*>(QStringLiteral("pauseButton"));
        auto* live = window->findChild<QToolButton*>(QStringLiteral("liveButton"));
        auto* timeline = window->findChild<QTableView*>(QStringLiteral("timelineTable"));
        QVERIFY(chart && combo && pause && live && timeline);

        // Drain haproxy-1 api/s1; its chart gets event markers and the timeline lists the change.
        const int row = rowOf(table->model(), QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s1"));
        QVERIFY(row >= 0);
        table->selectionModel()->select(
            table->model()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(chart->lines().size(), 1);
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        window->action(QStringLiteral("server.drain"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QTRY_VERIFY_WITH_TIMEOUT(chart->eventMarkerCount() >= 1, 5000);
        QVERIFY(timeline->model()->rowCount() >= 1);
        bool listed = false;
        for (int r = 0; r < timeline->model()->rowCount(); ++r) {
            const QString text = timeline->model()->index(r, EventLog::TextColumn).data().toString();
            listed = listed
                || (timeline->model()->index(r, EventLog::ObjectColumn).data().toString() == QLatin1String("api/s1")
                    && text.contains(QLatin1String("drain")));
        }
        QVERIFY(listed);

        // A 15-minute window, then Pause: the chart shows exactly 15 minutes and stops moving.
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Home);
        QCOMPARE(combo->currentData().toInt(), 300);
        QTest::keyClick(combo, Qt::Key_Down);
        QCOMPARE(combo->currentData().toInt(), 900);
        QCOMPARE(window->poolPage()->windowSeconds(), 900);
        QTest::mouseClick(pause, Qt::LeftButton);
        QVERIFY(window->poolPage()->isPaused());
        const auto frozen = chart->shownRange();
        QCOMPARE(frozen.second - frozen.first, qint64(900 * 1000));
        QTest::qWait(1500);
        QCOMPARE(chart->shownRange(), frozen);
        QVERIFY(chart->eventMarkerCount() >= 1); // the drain is inside the frozen window

        // Clicking the event in the timeline centres the charts on it: first move them an hour away from it, so
        // only the click can bring it back into view.
        const QModelIndex first = timeline->model()->index(0, 0);
        const qint64 eventTime = first.data(EventLog::TimeRole).toLongLong();
        window->poolPage()->showTime(eventTime - 3600 * 1000);
        const auto away = chart->shownRange();
        QVERIFY2(!(away.first <= eventTime && eventTime <= away.second), "the charts did not move away");
        QTest::mouseClick(timeline->viewport(), Qt::LeftButton, {}, timeline->visualRect(first).center());
        const auto centred = chart->shownRange();
        QVERIFY2(centred.first <= eventTime && eventTime <= centred.second,
            qPrintable(QStringLiteral("event at %1, charts show %2..%3")
                           .arg(eventTime)
                           .arg(centred.first)
                           .arg(centred.second)));
        QVERIFY(window->poolPage()->isPaused());

        // Live follows the clock again.
        QTest::mouseClick(live, Qt::LeftButton);
        QVERIFY(!window->poolPage()->isPaused());
        QTRY_VERIFY_WITH_TIMEOUT(qAbs(chart->shownRange().second - QDateTime::currentMSecsSinceEpoch()) < 3000, 5000);
        QCOMPARE(chart->shownRange().second - chart->shownRange().first <= qint64(900 * 1000), true);

        window->action(QStringLiteral("server.ready"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
    }

    void overviewTilesAndStackedPool()
    {
        OverviewPage* overview = window->overviewPage();
        QVERIFY(overview);
        QCOMPARE(overview->tileCount(), 2);
        window->action(QStringLiteral("view.overview"))->trigger();
        auto* tabs = window->findChild<QTabWidget*>(QStringLiteral("pageTabs"));
        QCOMPARE(tabs->currentWidget(), overview);
        GatewayTile* tile = overview->tile(1);
        QCOMPARE(tile->gatewayName(), QStringLiteral("haproxy-2"));
        QTRY_VERIFY_WITH_TIMEOUT(tile->summary().contains(QLatin1String("6/6 servers serving")), 5000);
        QVERIFY(tile->summary().contains(QLatin1String(" up ")));
        QVERIFY2(tile->trouble() != GatewayTile::Trouble::Critical, qPrintable(tile->summary()));
        QVERIFY(!tile->grab().isNull());

        // A click on the tile shows that gateway's servers.
        QTest::mouseClick(tile, Qt::LeftButton);
        QCOMPARE(tabs->currentWidget(), window->poolPage());
        QTRY_COMPARE(table->model()->rowCount(), 6);

        // Its backend's request chart stacks the backend's servers.
        auto* tree = window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        const QModelIndex gw2 = tree->model()->index(1, 0);
        QModelIndex api;
        for (int r = 0; r < tree->model()->rowCount(gw2); ++r) {
            if (tree->model()->index(r, 0, gw2).data().toString() == QLatin1String("api"))
                api = tree->model()->index(r, 0, gw2);
        }
        QVERIFY(api.isValid());
        tree->selectionModel()->setCurrentIndex(api, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        auto* chart = window->findChild<TimeSeriesChart*>(QStringLiteral("requestChart"));
        QVERIFY(chart->isStacked());
        QCOMPARE(chart->lines().size(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(chart->maxValueShown() > 0, 5000);

        // Export: the chart as PNG and its series as CSV, one row per bucket and server.
        QTemporaryDir dir;
        QVERIFY(chart->exportPng(dir.filePath(QStringLiteral("chart.png"))));
        QVERIFY(!QImage(dir.filePath(QStringLiteral("chart.png"))).isNull());
        QVERIFY(chart->exportCsv(dir.filePath(QStringLiteral("chart.csv")), metrics));
        QFile csv(dir.filePath(QStringLiteral("chart.csv")));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = csv.readAll().split('\n');
        QCOMPARE(rows.first(), QByteArray("time,series,min,max,mean"));
        QVERIFY(rows.size() > 4);
        QVERIFY(rows.at(1).contains(",\"s1\","));

        // Dragging across the plot zooms into that range and freezes the charts.
        QSignalSpy zoomed(chart, &TimeSeriesChart::rangeSelected);
        const QPoint a(chart->width() / 3, chart->height() / 2);
        const QPoint b(chart->width() * 2 / 3, chart->height() / 2);
        QTest::mousePress(chart, Qt::LeftButton, {}, a);
        QMouseEvent move(QEvent::MouseMove, QPointF(b), chart->mapToGlobal(QPointF(b)), Qt::NoButton, Qt::LeftButton,
            Qt::NoModifier);
        QApplication::sendEvent(chart, &move);
        QTest::mouseRelease(chart, Qt::LeftButton, {}, b);
        QCOMPARE(zoomed.count(), 1);
        QVERIFY(window->poolPage()->isPaused());
        const auto range = chart->shownRange();
        QCOMPARE(range.second - range.first, zoomed.first().at(1).toLongLong() - zoomed.first().at(0).toLongLong());
        window->findChild<QToolButton*>(QStringLiteral("liveButton"))->click();
        tree->clearSelection();
    }

    void poolFormValidatesReviewsAndPushes()
    {
        window->action(QStringLiteral("server.add"))->trigger();
        auto* form = window->findChild<ServerFormDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        auto* gatewayCombo = form->findChild<QComboBox*>(QStringLiteral("gatewayCombo"));
        auto* backendCombo = form->findChild<QComboBox*>(QStringLiteral("backendCombo"));
        gatewayCombo->setCurrentIndex(gatewayCombo->findText(QStringLiteral("haproxy-1")));
        backendCombo->setCurrentIndex(backendCombo->findText(QStringLiteral("api")));
        QTest::keyClicks(form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit")), QStringLiteral("s7"));
        QTest::keyClicks(form->findChild<QLineEdit*>(QStringLiteral("hostEdit")), QStringLiteral("127.0.0.1"));
        auto* portEdit = form->findChild<QLineEdit*>(QStringLiteral("portEdit"));
        QTest::keyClicks(portEdit, QStringLiteral("70000"));
        // The message sits next to the port, and nothing can be reviewed or sent.
        auto* portError = form->findChild<QLabel*>(QStringLiteral("portError"));
        QVERIFY(portError->isVisible());
        QVERIFY2(portError->text().contains(QLatin1String("70000 is not a port")), qPrintable(portError->text()));
        auto* review = form->findChild<QPushButton*>(QStringLiteral("reviewButton"));
        QVERIFY(!review->isEnabled());
        // Fixed, the message goes and review opens.
        portEdit->clear();
        QTest::keyClicks(portEdit, QString::number(lab.upstreamPorts.at(1)));
        QVERIFY(!portError->isVisible());
        QVERIFY(review->isEnabled());
        QTest::mouseClick(review, Qt::LeftButton);
        auto* reviewDialog = form->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(reviewDialog);
        QTRY_VERIFY(reviewDialog->isVisible());
        auto* table = reviewDialog->findChild<QTableWidget*>(QStringLiteral("reviewTable"));
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("api/s7"));
        QVERIFY(table->item(0, 3)->text().contains(QStringLiteral("127.0.0.1:%1").arg(lab.upstreamPorts.at(1))));
        QVERIFY(reviewDialog->findChild<QLabel*>(QStringLiteral("reviewNote"))
                    ->text()
                    .contains(QLatin1String("in memory")));
        if (const QString shot = qEnvironmentVariable("FLEETDECK_REVIEW_SCREENSHOT"); !shot.isEmpty())
            reviewDialog->grab().save(shot);

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QTest::mouseClick(reviewDialog->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        // HAProxy's own show stat has it.
        auto s7 = [this] {
            return Test::haproxyServer(
                lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s7"), QStringLiteral("status"));
        };
        QTRY_VERIFY2_WITH_TIMEOUT(s7().present(), qPrintable(s7().describe()), 5000);

        // Undo removes it safely; redo adds it back; undo again leaves the lab as it was.
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY2(s7().absent(), qPrintable(s7().describe()));
        window->action(QStringLiteral("edit.redo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY2(s7().present(), qPrintable(s7().describe()));
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY2(s7().absent(), qPrintable(s7().describe()));
    }

    void rateLimitEditor()
    {
        window->action(QStringLiteral("fleet.ratelimits"))->trigger();
        auto* dialog = window->findChild<RateLimitDialog*>(QStringLiteral("rateLimitDialog"));
        QVERIFY(dialog);
        auto* combo = dialog->findChild<QComboBox*>(QStringLiteral("rateGatewayCombo"));
        combo->setCurrentIndex(combo->findText(QStringLiteral("haproxy-1")));
        auto* rates = dialog->findChild<QTableWidget*>(QStringLiteral("rateTable"));
        QTRY_VERIFY_WITH_TIMEOUT(rates->rowCount() >= 3, 5000);
        auto* key = dialog->findChild<QLineEdit*>(QStringLiteral("rateKeyEdit"));
        QTest::keyClicks(key, QStringLiteral("bad key"));
        QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("rateKeyError"))->isVisible());
        auto* stage = dialog->findChild<QPushButton*>(QStringLiteral("stageKeyButton"));
        QVERIFY(!stage->isEnabled());
        key->clear();
        QTest::keyClicks(key, QStringLiteral("key-gui"));
        dialog->findChild<QSpinBox*>(QStringLiteral("rateLimitSpin"))->setValue(3);
        QVERIFY(stage->isEnabled());
        QTest::mouseClick(stage, Qt::LeftButton);
        QCOMPARE(dialog->staged().size(), 1);
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("rateReviewButton")), Qt::LeftButton);
        auto* review = dialog->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        QCOMPARE(
            review->findChild<QTableWidget*>(QStringLiteral("reviewTable"))->item(0, 3)->text(), QStringLiteral("3"));
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->limits().entry(QStringLiteral("key-gui")), 5000);
        QVERIFY(Test::haproxyCommand(lab.haproxy.at(0).adminPort, "show map " + dialog->limits().keyStore.toUtf8())
                    .contains("key-gui 3"));
        // Undo takes the new key away again.
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QVERIFY(!Test::haproxyCommand(lab.haproxy.at(0).adminPort, "show map " + dialog->limits().keyStore.toUtf8())
                     .contains("key-gui"));
        dialog->close();
    }

    void undoWeightAndRemoval()
    {
        const int port = lab.haproxy.at(0).adminPort;
        QUndoStack* undo = window->undoStack();
        QSignalSpy finished(&controller, &FleetActions::actionFinished);

        // Weight: 1 -> 9, undone back to 1.
        controller.setServerWeight(
            { { QStringLiteral("haproxy-1"), QStringLiteral("static"), QStringLiteral("s2") } }, 9);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QCOMPARE(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s2"), QStringLiteral("uweight")),
            QStringLiteral("9"));
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QCOMPARE(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s2"), QStringLiteral("uweight")),
            QStringLiteral("1"));

        // Removal: undo adds the server back at its address and weight, health-checked.
        const Test::Seen before
            = Test::haproxyServer(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("addr"));
        QVERIFY2(before.present() && !before.value.isEmpty(), qPrintable(before.describe()));
        const QString address = before.value;
        controller.removeServer({ QStringLiteral("haproxy-1"), QStringLiteral("static"), QStringLiteral("s3") }, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        const Test::Seen gone
            = Test::haproxyServer(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"));
        QVERIFY2(gone.absent(), qPrintable(gone.describe()));
        QCOMPARE(undo->undoText(), QStringLiteral("remove haproxy-1:static/s3"));
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QCOMPARE(Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("addr")),
            address);
        QTRY_VERIFY_WITH_TIMEOUT(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"))
                .startsWith(QLatin1String("UP")),
            10000);
    }

    void lastHealthyMemberNeedsTwoChoices()
    {
        // haproxy-2's api pool: put s1 and s2 in maintenance behind the window's back, then ask to drain s3.
        const int port = lab.haproxy.at(1).adminPort;
        QVERIFY(Test::haproxyCommand(port, "set server api/s1 state maint").trimmed().isEmpty());
        QVERIFY(Test::haproxyCommand(port, "set server api/s2 state maint").trimmed().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(1).snapshot->backend(QStringLiteral("api"))->serving() == 1, 5000);
        const int row = rowOf(table->model(), QStringLiteral("haproxy-2"), QStringLiteral("api"), QStringLiteral("s3"));
        table->selectionModel()->select(
            table->model()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

        // First try: the warning appears, naming the pool; Cancel sends nothing.
        {
            Test::ModalDriver warning(QStringLiteral("lastHealthyWarning"), [](QWidget* w, Test::ModalDriver& d) {
                auto* box = qobject_cast<QMessageBox*>(w);
                if (!d.expect(box, QStringLiteral("a message box")))
                    return;
                d.expect(box->text().contains(QLatin1String("api on haproxy-2")), box->text());
                box->button(QMessageBox::Cancel)->click();
            });
            window->action(QStringLiteral("server.drain"))->trigger();
            QVERIFY2(warning.ok(), warning.failure().constData());
        }
        QTest::qWait(300);
        QCOMPARE(Test::haproxyServerField(port, QStringLiteral("api"), QStringLiteral("s3"), QStringLiteral("status"))
                     .left(2),
            QStringLiteral("UP"));

        // Maintenance and removal ask the same way (cancelled here at the first box).
        for (const char* id : { "server.maint", "server.remove" }) {
            Test::ModalDriver warning(QStringLiteral("lastHealthyWarning"), [](QWidget* w, Test::ModalDriver& d) {
                if (auto* box = qobject_cast<QMessageBox*>(w); d.expect(box, QStringLiteral("a message box")))
                    box->button(QMessageBox::Cancel)->click();
            });
            window->action(QLatin1String(id))->trigger();
            QVERIFY2(warning.ok(),
                qPrintable(QLatin1String(id) + QStringLiteral(": ") + QString::fromUtf8(warning.failure())));
        }

        // Second try: Continue, then the second dialog's button only works once the box is ticked.
        Test::ModalDriver warning(QStringLiteral("lastHealthyWarning"), [](QWidget* w, Test::ModalDriver& d) {
            auto* onward = w->findChild<QPushButton*>(QStringLiteral("lastHealthyContinue"));
            if (d.expect(onward, QStringLiteral("a Continue button")))
                onward->click();
        });
        bool proceedWasOff = false;
        Test::ModalDriver confirm(
            QStringLiteral("lastHealthyConfirm"), [&proceedWasOff](QWidget* dialog, Test::ModalDriver& d) {
                auto* proceed = dialog->findChild<QPushButton*>(QStringLiteral("lastHealthyProceed"));
                auto* check = dialog->findChild<QCheckBox*>(QStringLiteral("lastHealthyCheck"));
                if (!d.expect(proceed && check, QStringLiteral("the box to tick and the button")))
                    return;
                proceedWasOff = !proceed->isEnabled();
                check->setChecked(true);
                d.expect(proceed->isEnabled(), QStringLiteral("ticking the box enables the button"));
                proceed->click();
            });
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        window->action(QStringLiteral("server.drain"))->trigger();
        QVERIFY2(warning.ok(), warning.failure().constData());
        QVERIFY2(confirm.ok(), confirm.failure().constData());
        QVERIFY(proceedWasOff);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(Test::haproxyServerField(port, QStringLiteral("api"), QStringLiteral("s3"), QStringLiteral("status"))
                    .startsWith(QLatin1String("DRAIN")));
        for (const char* s : { "s1", "s2", "s3" })
            Test::haproxyCommand(port, QByteArray("set server api/") + s + " state ready");
    }

    // The socket inodes of this process that are listening for TCP connections.
    static QSet<QByteArray> listeningSockets()
    {
        QSet<QByteArray> ours;
        QDir fds(QStringLiteral("/proc/self/fd"));
        for (const QString& fd : fds.entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System)) {
            const QString target = QFile::symLinkTarget(fds.filePath(fd));
            if (target.contains(QLatin1String("socket:[")))
                ours.insert(target.section(QLatin1Char('['), 1).chopped(1).toUtf8());
        }
        QSet<QByteArray> listening;
        for (const char* table : { "/proc/self/net/tcp", "/proc/self/net/tcp6" }) {
            QFile f { QString::fromLatin1(table) };
            if (!f.open(QIODevice::ReadOnly))
                continue;
            for (const QByteArray& line : f.readAll().split('\n')) {
                const QList<QByteArray> cols = line.simplified().split(' ');
                if (cols.size() > 9 && cols.at(3) == "0A" && ours.contains(cols.at(9))) // 0A: LISTEN
                    listening.insert(cols.at(9));
            }
        }
        return listening;
    }

    void opensNoListeningSocket()
    {
        // The check sees a listener when there is one...
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            QCOMPARE(listeningSockets().size(), 1);
        }
        // ...and Fleetdeck, after a whole session of polls, actions, forms and dialogs, has none: it only connects out.
        QVERIFY2(listeningSockets().isEmpty(), "Fleetdeck has a listening socket");
    }

    void cachePolicyFormForCaddy()
    {
        // A Caddy joins the fleet; the cache-policy form reads its rules, refuses a bad path field by field,
        // pushes a Cache-Control rule through the review, and real responses carry it; Undo takes it away.
        QVERIFY(!lab.caddy.isEmpty());
        const Test::LabCaddy caddy = lab.caddy.first();
        GatewayConfig c;
        c.name = caddy.name;
        c.product = QStringLiteral("caddy");
        c.admin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(caddy.adminPort));
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(store.indexOf(c.name)).snapshot.has_value(), 10000);
        window->action(QStringLiteral("fleet.cache"))->trigger();
        auto* dialog = window->findChild<CachePolicyDialog*>(QStringLiteral("cachePolicyDialog"));
        QVERIFY(dialog);
        auto* gatewayCombo = dialog->findChild<QComboBox*>(QStringLiteral("cacheGatewayCombo"));
        gatewayCombo->setCurrentIndex(gatewayCombo->findData(c.name));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->loaded() && dialog->policy().hasRules, 5000);
        QCOMPARE(
            dialog->findChild<QComboBox*>(QStringLiteral("cacheServerCombo"))->currentText(), QStringLiteral("srv0"));

        auto* path = dialog->findChild<QLineEdit*>(QStringLiteral("cachePathEdit"));
        auto* error = dialog->findChild<QLabel*>(QStringLiteral("cacheRuleError"));
        auto* push = dialog->findChild<QPushButton*>(QStringLiteral("cachePushButton"));
        QTest::keyClicks(path, QStringLiteral("assets/*"));
        dialog->findChild<QSpinBox*>(QStringLiteral("cacheMaxAgeSpin"))->setValue(300);
        QVERIFY(error->isVisible());
        QCOMPARE(
            error->text(), QStringLiteral("path: \"assets/*\" is not a path (it starts with / and may end in *)."));
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        QTest::mouseClick(push, Qt::LeftButton);
        QVERIFY(!dialog->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"))); // nothing to review, nothing sent
        QCOMPARE(finished.count(), 0);

        path->clear();
        QTest::keyClicks(path, QStringLiteral("/assets/*"));
        auto* visibility = dialog->findChild<QComboBox*>(QStringLiteral("cacheVisibilityCombo"));
        visibility->setCurrentIndex(visibility->findText(QStringLiteral("public")));
        QVERIFY(!error->isVisible());
        QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("cachePreview"))->text(),
            QStringLiteral("Cache-Control: public, max-age=300"));
        QTest::mouseClick(push, Qt::LeftButton);
        auto* review = dialog->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        auto* reviewTable = review->findChild<QTableWidget*>(QStringLiteral("reviewTable"));
        QCOMPARE(reviewTable->item(0, 2)->text(), QStringLiteral("no rule"));
        QCOMPARE(reviewTable->item(0, 3)->text(), QStringLiteral("Cache-Control \"public, max-age=300\""));
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog->findChild<QLabel*>(QStringLiteral("cacheStatus"))->text().contains(QLatin1String("verified")),
            5000);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->policy().rule(QStringLiteral("srv0"), QStringLiteral("/assets/*")), 5000);
        QVERIFY(dialog->findChild<QTableWidget*>(QStringLiteral("cacheRuleTable"))->rowCount() >= 1);
        const Test::Seen pushed
            = Test::responseHeader(caddy.listenPort, QStringLiteral("/assets/app.css"), "Cache-Control");
        QVERIFY2(
            pushed.present() && pushed.value == QLatin1String("public, max-age=300"), qPrintable(pushed.describe()));

        // Undo removes the rule from the real Caddy.
        QCOMPARE(window->undoStack()->undoText(), report.description);
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        // Gone from a real 200 answer (an empty reply or one of the lab's 500s proves nothing).
        const Test::Seen undone
            = Test::responseHeader(caddy.listenPort, QStringLiteral("/assets/app.css"), "Cache-Control");
        QVERIFY2(undone.absent(), qPrintable(undone.describe()));
        dialog->close();
        controller.removeGateway(c.name);
    }

    void cleanupTestCase() { window.reset(); }

private:
    Test::Lab lab;
    Assembly app;
    FleetStore& store = app.store();
    MetricStore& metrics = app.metrics();
    EventLog& events = app.events();
    FleetController& controller = app.controller();
    std::unique_ptr<MainWindow> window;
    QTableView* table = nullptr;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
