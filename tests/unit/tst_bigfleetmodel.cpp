// The model of a fleet too large to poll: gateways grouped by labels, trouble from the figures, worst first, search,
// and figures refreshed in place (no reset) while the set of gateways stays the same.
#include <QSignalSpy>
#include <QTest>

#include "bigfleetmodel.h"
#include "printable.h"

using namespace Fleetdeck;

namespace {
DiscoveredGateway gw(const QString& name, const QString& site, double up, double servers, double rps, double err)
{
    DiscoveredGateway g;
    g.name = name;
    g.product = QStringLiteral("haproxy");
    g.labels.insert(QStringLiteral("site"), site);
    g.serversUp = up;
    g.servers = servers;
    g.requestsPerSecond = rps;
    g.errorsPerSecond = err;
    return g;
}
} // namespace

class TestBigFleetModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void troubleFromTheFigures()
    {
        QCOMPARE(gw(QStringLiteral("a"), {}, 4, 4, 100, 0).trouble(), DiscoveredGateway::Trouble::None);
        QCOMPARE(gw(QStringLiteral("a"), {}, 3, 4, 100, 0).trouble(), DiscoveredGateway::Trouble::Warning);
        QCOMPARE(gw(QStringLiteral("a"), {}, 4, 4, 100, 2).trouble(), DiscoveredGateway::Trouble::Warning);
        QCOMPARE(gw(QStringLiteral("a"), {}, 0, 4, 100, 0).trouble(), DiscoveredGateway::Trouble::Critical);
        QCOMPARE(gw(QStringLiteral("a"), {}, 4, 4, 100, 6).trouble(), DiscoveredGateway::Trouble::Critical);
        DiscoveredGateway unknown;
        QCOMPARE(unknown.trouble(), DiscoveredGateway::Trouble::Warning); // no figures is not "well"
        QVERIFY(gw(QStringLiteral("a"), {}, 0, 4, 1, 0).troubleScore()
            > gw(QStringLiteral("b"), {}, 3, 4, 1, 0).troubleScore());
    }

    void groupedByLabelsWorstFirstAndSearched()
    {
        BigFleetModel model;
        model.setGroupBy({ QStringLiteral("site") });
        model.setGateways({ gw(QStringLiteral("par-1"), QStringLiteral("par"), 4, 4, 10, 0),
            gw(QStringLiteral("par-2"), QStringLiteral("par"), 0, 4, 10, 0),
            gw(QStringLiteral("fra-1"), QStringLiteral("fra"), 3, 4, 10, 0) });
        QCOMPARE(model.groupCount(), 2);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("site=fra (1 gateway(s))"));
        QCOMPARE(model.rowCount(model.index(1, 0)), 2);
        // A group's figures are its members' summed.
        QCOMPARE(model.index(1, BigFleetModel::RequestsColumn).data().toString(), QStringLiteral("20.0"));
        QCOMPARE(model.index(1, BigFleetModel::ServersColumn).data().toString(), QStringLiteral("4 / 8"));
        QCOMPARE(model.index(1, BigFleetModel::ErrorsColumn).data().toString(), QStringLiteral("0.0 %"));

        BigFleetFilter filter;
        filter.setSourceModel(&model);
        filter.sort(BigFleetModel::TroubleColumn, Qt::DescendingOrder);
        // The group with a critical gateway first, and in it the critical one first.
        const QModelIndex first = filter.index(0, 0);
        QVERIFY(first.data().toString().startsWith(QLatin1String("site=par")));
        QCOMPARE(filter.index(0, 0, first).data().toString(), QStringLiteral("par-2"));
        QCOMPARE(filter.index(0, BigFleetModel::TroubleColumn, first).data().toString(), QStringLiteral("4 down"));

        filter.setSearchText(QStringLiteral("fra"));
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.rowCount(filter.index(0, 0)), 1);
        filter.setSearchText(QString());
        QCOMPARE(filter.rowCount(), 2);
    }

    // Names and labels come from Prometheus' answer, and so from whoever set the labels: shown escaped and cut (an
    // escape sequence or a right-to-left override never reaches the view), found by the search as they are.
    void peerTextIsShownEscapedAndSearchedAsIs()
    {
        BigFleetModel model;
        model.setGroupBy({ QStringLiteral("site") });
        const QString name = QStringLiteral("edge-\x1b[31m-") + QString(500, QLatin1Char('n'));
        DiscoveredGateway g = gw(name, QStringLiteral("par\u202Eevil"), 4, 4, 10, 0);
        model.setGateways({ g });
        const QModelIndex group = model.index(0, 0);
        QVERIFY2(!group.data().toString().contains(QChar(0x202E)), qPrintable(group.data().toString()));
        const QModelIndex row = model.index(0, BigFleetModel::NameColumn, group);
        const QString shown = row.data().toString();
        QVERIFY2(shown.startsWith(QLatin1String("edge-\\x1b[31m-")), qPrintable(shown));
        QVERIFY2(shown.size() <= kShownName + 1, qPrintable(QString::number(shown.size())));
        QVERIFY(!row.data(Qt::ToolTipRole).toString().contains(QChar(0x1b)));
        QCOMPARE(row.data(BigFleetModel::NameRole).toString(), name); // opened by its real name
        const QString labels = model.index(0, BigFleetModel::LabelsColumn, group).data().toString();
        QVERIFY2(labels.contains(QLatin1String("par\\u202eevil")), qPrintable(labels));

        BigFleetFilter filter;
        filter.setSourceModel(&model);
        filter.setSearchText(QString(150, QLatin1Char('n')));
        QCOMPARE(filter.rowCount(), 1); // past the shown cut
        filter.setSearchText(QStringLiteral("par\u202Eevil"));
        QCOMPARE(filter.rowCount(), 1);
    }

    void refreshedFiguresUpdateInPlace()
    {
        BigFleetModel model;
        model.setGroupBy({ QStringLiteral("site") });
        model.setGateways({ gw(QStringLiteral("a"), QStringLiteral("x"), 4, 4, 10, 0),
            gw(QStringLiteral("b"), QStringLiteral("y"), 4, 4, 10, 0) });
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setGateways({ gw(QStringLiteral("b"), QStringLiteral("y"), 2, 4, 10, 0),
            gw(QStringLiteral("a"), QStringLiteral("x"), 4, 4, 12, 0) });
        QCOMPARE(reset.size(), 0);
        QVERIFY(changed.size() >= 2);
        QCOMPARE(model.gateway(QStringLiteral("b"))->serversUp, 2.0);
        // A new gateway changes the shape: a reset.
        model.setGateways({ gw(QStringLiteral("a"), QStringLiteral("x"), 4, 4, 10, 0),
            gw(QStringLiteral("c"), QStringLiteral("x"), 4, 4, 10, 0) });
        QCOMPARE(reset.size(), 1);
        QVERIFY(!model.gateway(QStringLiteral("b")));
    }
};

QTEST_GUILESS_MAIN(TestBigFleetModel)
#include "tst_bigfleetmodel.moc"
