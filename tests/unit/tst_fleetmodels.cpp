// The fleet's item models, fed real snapshots parsed from captured HAProxy answers, each watched by
// QAbstractItemModelTester so every insert, removal and change is checked for consistency.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include "fleetstore.h"
#include "fleettreemodel.h"
#include "haproxy/haproxyparsers.h"
#include "lab.h"
#include "metricstore.h"
#include "modelroles.h"
#include "serieskeys.h"
#include "upstreamfilterproxy.h"
#include "upstreamtablemodel.h"

using namespace Fleetdeck;

namespace {
GatewaySnapshot snapshot(const QString& file)
{
    QFile f(Test::testDataPath(QStringLiteral("haproxy/") + file));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing %s", qPrintable(f.fileName()));
    auto s = Drivers::HAProxy::parsePollReply(f.readAll());
    if (!s)
        qFatal("%s", qPrintable(s.error()));
    return s.value();
}

GatewayConfig gateway(const QString& name)
{
    GatewayConfig c;
    c.name = name;
    c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:1"));
    return c;
}
} // namespace

class TestFleetModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        store = std::make_unique<FleetStore>();
        metrics = std::make_unique<MetricStore>();
        tree = std::make_unique<FleetTreeModel>(store.get(), metrics.get());
        table = std::make_unique<UpstreamTableModel>(store.get(), metrics.get());
        proxy = std::make_unique<UpstreamFilterProxy>();
        proxy->setSourceModel(table.get());
        testers.clear();
        for (QAbstractItemModel* m : { static_cast<QAbstractItemModel*>(tree.get()),
                 static_cast<QAbstractItemModel*>(table.get()), static_cast<QAbstractItemModel*>(proxy.get()) })
            testers.push_back(
                std::make_unique<QAbstractItemModelTester>(m, QAbstractItemModelTester::FailureReportingMode::QtTest));
    }
    void cleanup()
    {
        testers.clear();
        proxy.reset();
        table.reset();
        tree.reset();
        metrics.reset();
        store.reset();
    }

    void treeFollowsSnapshots()
    {
        store->addGateway(gateway(QStringLiteral("gw1")), {});
        store->addGateway(gateway(QStringLiteral("gw2")), {});
        QCOMPARE(tree->rowCount(), 2);
        QCOMPARE(tree->rowCount(tree->gatewayIndex(0)), 0); // no snapshot yet

        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-lab-healthy.txt")));
        const QModelIndex gw1 = tree->gatewayIndex(0);
        QCOMPARE(tree->rowCount(gw1), 3);
        const QModelIndex api = tree->index(1, 0, gw1);
        QCOMPARE(api.data().toString(), QStringLiteral("api"));
        QCOMPARE(tree->rowCount(api), 3);
        QCOMPARE(tree->index(1, FleetTreeModel::StateColumn, gw1).data().toString(), QStringLiteral("3/3 serving"));
        const QModelIndex s2 = tree->index(1, 0, api);
        QCOMPARE(s2.data().toString(), QStringLiteral("s2"));
        QCOMPARE(s2.parent(), api);
        QCOMPARE(s2.data(SubjectRole).toString(), QStringLiteral("gw1/api/s2"));
        QCOMPARE(s2.data(ServerRefRole).value<ServerRef>(),
            (ServerRef { QStringLiteral("gw1"), QStringLiteral("api"), QStringLiteral("s2") }));

        // Same shape: values change in place, rows stay.
        QSignalSpy removed(tree.get(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(tree.get(), &QAbstractItemModel::dataChanged);
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-lab-mixed-states.txt")));
        QCOMPARE(removed.count(), 0);
        QVERIFY(changed.count() > 0);
        QCOMPARE(tree->index(0, FleetTreeModel::StateColumn, api).data().toString(), QStringLiteral("drain"));
        QCOMPARE(tree->index(1, FleetTreeModel::StateColumn, gw1).data().toString(),
            QStringLiteral("1/3 serving")); // drained and in maintenance: not serving

        // New shape: the gateway's children are replaced.
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-odd-names-ipv6.txt")));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(tree->rowCount(gw1), 2);
        QCOMPARE(tree->index(0, 0, gw1).data().toString(), QStringLiteral("be.api_v2-eu"));
        QCOMPARE(tree->rowCount(tree->index(0, 0, gw1)), 4);

        store->applySnapshot(QStringLiteral("gw2"), snapshot(QStringLiteral("poll-lab-healthy.txt")));
        QCOMPARE(tree->rowCount(tree->gatewayIndex(1)), 3);
        store->removeGateway(QStringLiteral("gw1"));
        QCOMPARE(tree->rowCount(), 1);
        QCOMPARE(tree->gatewayIndex(0).data().toString(), QStringLiteral("gw2"));
        QCOMPARE(tree->rowCount(tree->gatewayIndex(0)), 3);
    }

    void tableAndRates()
    {
        store->addGateway(gateway(QStringLiteral("gw1")), {});
        store->addGateway(gateway(QStringLiteral("gw2")), {});
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-lab-healthy.txt")));
        store->applySnapshot(QStringLiteral("gw2"), snapshot(QStringLiteral("poll-odd-names-ipv6.txt")));
        QCOMPARE(table->rowCount(), 6 + 4);

        metrics->appendCounter(SeriesKeys::requestRate(QStringLiteral("gw1/api/s1")), 1000, 10);
        metrics->appendCounter(SeriesKeys::requestRate(QStringLiteral("gw1/api/s1")), 2000, 35);
        QSignalSpy reset(table.get(), &QAbstractItemModel::modelReset);
        QSignalSpy changed(table.get(), &QAbstractItemModel::dataChanged);
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-lab-mixed-states.txt")));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1); // one signal covers the gateway's rows
        const auto [top, bottom]
            = std::pair { changed.first().at(0).value<QModelIndex>(), changed.first().at(1).value<QModelIndex>() };
        QCOMPARE(top.row(), 0);
        QCOMPARE(bottom.row(), 5);

        QCOMPARE(table->index(0, UpstreamTableModel::ServerColumn).data().toString(), QStringLiteral("s1"));
        QCOMPARE(table->index(0, UpstreamTableModel::AdminColumn).data().toString(), QStringLiteral("drain"));
        QCOMPARE(table->index(0, UpstreamTableModel::RequestRateColumn).data().toString(), QStringLiteral("25"));
        QCOMPARE(table->index(2, UpstreamTableModel::WeightColumn).data().toInt(), 50);
        QVERIFY(table->index(0, 0).data(Qt::BackgroundRole).isValid()); // drain is coloured
        QCOMPARE(table->index(7, UpstreamTableModel::AddressColumn).data().toString(), QStringLiteral("[::1]:9"));
        QCOMPARE(table->index(9, UpstreamTableModel::ServerColumn).data().toString(),
            QStringLiteral("backup.node (backup)"));

        GatewayStatus down;
        down.connection = Connection::Unreachable;
        store->setStatus(QStringLiteral("gw2"), down);
        QVERIFY(table->index(6, 0).data(Qt::ToolTipRole).toString().contains(QLatin1String("unreachable")));
    }

    void proxyFiltersAndScopes()
    {
        store->addGateway(gateway(QStringLiteral("gw1")), {});
        store->addGateway(gateway(QStringLiteral("gw2")), {});
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-lab-mixed-states.txt")));
        store->applySnapshot(QStringLiteral("gw2"), snapshot(QStringLiteral("poll-odd-names-ipv6.txt")));
        QCOMPARE(proxy->rowCount(), 10);
        proxy->setSearchText(QStringLiteral("drain"));
        QCOMPARE(proxy->rowCount(), 1);
        QCOMPARE(proxy->index(0, UpstreamTableModel::ServerColumn).data().toString(), QStringLiteral("s1"));
        proxy->setSearchText(QStringLiteral("MAINT"));
        QCOMPARE(proxy->rowCount(), 2); // gw1 api/s2 and gw2 nocheck-1, case-insensitive
        proxy->setSearchText(QStringLiteral("gw2 l4con"));
        QCOMPARE(proxy->rowCount(), 1); // every word must match
        proxy->setSearchText(QString());
        proxy->setScope(QStringLiteral("gw1"), QStringLiteral("static"));
        QCOMPARE(proxy->rowCount(), 3);
        proxy->setScope(QStringLiteral("gw2"));
        QCOMPARE(proxy->rowCount(), 4);
        proxy->setScope({});
        proxy->sort(UpstreamTableModel::WeightColumn, Qt::DescendingOrder);
        QCOMPARE(proxy->index(0, UpstreamTableModel::WeightColumn).data().toInt(), 50);
        // A shape change under the proxy keeps it consistent (the tester checks).
        store->applySnapshot(QStringLiteral("gw1"), snapshot(QStringLiteral("poll-odd-names-ipv6.txt")));
        QCOMPARE(proxy->rowCount(), 8);
    }

private:
    std::unique_ptr<FleetStore> store;
    std::unique_ptr<MetricStore> metrics;
    std::unique_ptr<FleetTreeModel> tree;
    std::unique_ptr<UpstreamTableModel> table;
    std::unique_ptr<UpstreamFilterProxy> proxy;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;
};

QTEST_GUILESS_MAIN(TestFleetModels)
#include "tst_fleetmodels.moc"
