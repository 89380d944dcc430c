// The large-fleet page on the lab: the gateways the lab's Prometheus finds, grouped by site and role, searched, and
// one opened: its admin channel (from its labels) polled while the operator looks at it, closed again when another
// is opened or the operator stops it. Nothing is listed in the fleet beforehand.
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>

#include "assembly.h"
#include "bigfleetmodel.h"
#include "bigfleetservice.h"
#include "change.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "lab.h"
#include "mainwindow.h"
#include "pages/bigfleetpage.h"
#include "pages/poolpage.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
QModelIndex find(QAbstractItemModel* model, const QString& name)
{
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex group = model->index(r, 0);
        for (int g = 0; g < model->rowCount(group); ++g)
            if (model->index(g, 0, group).data(BigFleetModel::NameRole).toString() == name)
                return model->index(g, 0, group);
    }
    return {};
}
int leaves(QAbstractItemModel* model)
{
    int n = 0;
    for (int r = 0; r < model->rowCount(); ++r)
        n += model->rowCount(model->index(r, 0));
    return n;
}
} // namespace

class TestBigFleetPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void openingAGatewayPollsItWhileLookedAt()
    {
        const Test::Lab lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QFile f(lab.fleetFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto fleet = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
        QVERIFY2(fleet.ok(), qPrintable(fleet.error()));
        Assembly::Options options;
        options.discovery = fleet.value().discovery;
        Assembly app(options);
        MainWindow window(app.context());
        window.setLayoutSaved(false);
        window.show();
        BigFleetPage* page = window.bigFleetPage();
        QVERIFY(page);
        // With no gateway listed, the pages show (not the first-start page), and Ctrl+3 brings this one up.
        window.action(QStringLiteral("view.largefleet"))->trigger();
        QCOMPARE(window.findChild<QTabWidget*>(QStringLiteral("pageTabs"))->currentWidget(), page);
        QAbstractItemModel* view = page->view()->model();
        QTRY_VERIFY_WITH_TIMEOUT(find(view, QStringLiteral("haproxy-signals")).isValid(), 20000);
        QCOMPARE(view->rowCount(), 3); // lab-a edge, lab-a signals, lab-b edge
        QVERIFY(page->view()->isExpanded(view->index(0, 0)));

        // A group the operator collapsed stays collapsed through refreshes (every 2 s in the lab's fleet file).
        const QString firstGroup = view->index(0, 0).data(BigFleetModel::SortRole).toString();
        page->view()->collapse(view->index(0, 0));
        QSignalSpy refreshed(app.bigFleet(), &BigFleetService::refreshed);
        QVERIFY(refreshed.wait(10000));
        for (int r = 0; r < view->rowCount(); ++r)
            QCOMPARE(page->view()->isExpanded(view->index(r, 0)),
                view->index(r, 0).data(BigFleetModel::SortRole).toString() != firstGroup);
        page->view()->expand(view->index(0, 0));

        // Search: words in the name or the labels.
        page->findChild<QLineEdit*>(QStringLiteral("bigFleetSearch"))->setText(QStringLiteral("signals lab-a"));
        QCOMPARE(view->rowCount(), 1);
        QCOMPARE(leaves(view), 1);
        page->findChild<QLineEdit*>(QStringLiteral("bigFleetSearch"))->clear();
        QVERIFY(leaves(view) >= 3);

        // Opened: polled at the admin address its labels give, shown in the fleet tree.
        QVERIFY(app.store().indexOf(QStringLiteral("haproxy-signals")) < 0);
        page->view()->setCurrentIndex(find(view, QStringLiteral("haproxy-signals")));
        QTest::keyClick(page->view(), Qt::Key_Return);
        QCOMPARE(page->opened(), QStringLiteral("haproxy-signals"));
        const int signalsAt = app.store().indexOf(QStringLiteral("haproxy-signals"));
        QVERIFY(signalsAt >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(signalsAt).snapshot.has_value(), 10000);
        QVERIFY(!app.store().entry(signalsAt).snapshot->backends.isEmpty());
        QCOMPARE(window.findChild<QTabWidget*>(QStringLiteral("pageTabs"))->currentWidget(), window.poolPage());

        // Another one opened: the first is no longer polled.
        window.action(QStringLiteral("view.largefleet"))->trigger();
        const QString other
            = find(view, QStringLiteral("haproxy-1")).isValid() ? QStringLiteral("haproxy-1") : QString();
        QVERIFY(!other.isEmpty());
        page->open(other);
        QVERIFY(app.store().indexOf(QStringLiteral("haproxy-signals")) < 0);
        QVERIFY(app.store().indexOf(other) >= 0);
        QCOMPARE(app.store().gatewayCount(), 1);

        // Stopped by the operator.
        QPushButton* stopPolling = nullptr;
        for (QPushButton* b : page->findChildren<QPushButton*>())
            if (b->text().contains(QStringLiteral("Stop polling")))
                stopPolling = b;
        QVERIFY(stopPolling && !stopPolling->isHidden());
        stopPolling->click();
        QCOMPARE(app.store().gatewayCount(), 0);
        QVERIFY(page->opened().isEmpty());

        // A change under way on the opened one: opening another leaves its channel open until the change is done
        // (closed at once, the change would never hear the gateway's answer), and then closes it.
        page->open(QStringLiteral("haproxy-signals"));
        const int at = app.store().indexOf(QStringLiteral("haproxy-signals"));
        QVERIFY(at >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(at).snapshot.has_value(), 10000);
        const GatewaySnapshot& seen = *app.store().entry(at).snapshot;
        QVERIFY(!seen.backends.isEmpty() && !seen.backends.first().servers.isEmpty());
        const BackendSnapshot& backend = seen.backends.first();
        const ServerRef target { QStringLiteral("haproxy-signals"), backend.name, backend.servers.first().name };
        QSignalSpy finished(&app.controller(), &FleetActions::actionFinished);
        app.controller().apply({ WeightChange { target, backend.servers.first().weight + 1 } },
            QStringLiteral("weight while the page moves on"));
        page->open(other);
        QVERIFY(app.store().indexOf(QStringLiteral("haproxy-signals")) >= 0);
        QCOMPARE(page->closingWhenDone(), QStringList { QStringLiteral("haproxy-signals") });
        QCOMPARE(page->opened(), other);
        QVERIFY(finished.wait(15000));
        const ActionReport report = finished.first().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QTRY_VERIFY(app.store().indexOf(QStringLiteral("haproxy-signals")) < 0);
        QVERIFY(page->closingWhenDone().isEmpty());
        QVERIFY(app.store().indexOf(other) >= 0);
        // Put back, on a channel opened again for it.
        page->open(QStringLiteral("haproxy-signals"));
        QTRY_VERIFY_WITH_TIMEOUT(
            app.store().entry(app.store().indexOf(QStringLiteral("haproxy-signals"))).snapshot.has_value(), 10000);
        finished.clear();
        app.controller().apply(report.undoChanges(), QStringLiteral("undo"));
        QVERIFY(finished.wait(15000));
        QVERIFY(finished.first().at(0).value<ActionReport>().ok());
    }

    void manyGroupsStartCollapsedWorstFirst()
    {
        // 40 groups of 5: past a dozen groups, the groups themselves are the overview, the worst on top.
        BigFleetModel model;
        QVector<DiscoveredGateway> gateways;
        for (int i = 0; i < 200; ++i) {
            DiscoveredGateway g;
            g.name = QStringLiteral("gw-%1").arg(i, 3, 10, QLatin1Char('0'));
            g.labels.insert(QStringLiteral("site"), QStringLiteral("site-%1").arg(i % 40, 2, 10, QLatin1Char('0')));
            g.requestsPerSecond = 100;
            g.errorsPerSecond = i == 77 ? 30 : 0; // site-37 has one gateway answering 30 % 5xx
            g.servers = 2;
            g.serversUp = 2;
            g.sessions = 1;
            gateways.append(g);
        }
        model.setGroupBy({ QStringLiteral("site") });
        model.setGateways(gateways);
        FleetStore store;
        BigFleetPage page(&model, FleetDiscovery {}, &store, nullptr);
        page.show();
        QAbstractItemModel* view = page.view()->model();
        QCOMPARE(view->rowCount(), 40);
        QCOMPARE(view->index(0, 0).data(BigFleetModel::SortRole).toString(), QStringLiteral("site=site-37"));
        for (int r = 0; r < view->rowCount(); ++r)
            QVERIFY(!page.view()->isExpanded(view->index(r, 0)));
        // Opened by the operator, it stays open when the groups are made again.
        page.view()->expand(view->index(0, 0));
        model.setGroupBy({});
        model.setGroupBy({ QStringLiteral("site") });
        QVERIFY(page.view()->isExpanded(view->index(0, 0)));
        QVERIFY(!page.view()->isExpanded(view->index(1, 0)));
    }
};

QTEST_MAIN(TestBigFleetPage)
#include "tst_bigfleetpage.moc"
