// A fleet found through the lab's real Prometheus (the fleet file's "discover": every HAProxy the selector finds,
// scraped each second): the gateways discovered, grouped by their labels, and the figures of the large-fleet view
// against what the gateways themselves report over their runtime API at the same time, and against the same figures
// recorded by Prometheus with the rules Fleetdeck writes for it.
#include <algorithm>

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "bigfleetmodel.h"
#include "bigfleetservice.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "historycache.h"
#include "metricstore.h"
#include "lab.h"
#include "registry.h"
#include "serieskeys.h"
#include "wire/fleetquery.h"

using namespace Fleetdeck;

namespace {
// What a gateway says of itself in its latest snapshot.
struct OwnFigures
{
    qint64 takenAtMs = 0;
    qint64 requests = 0; // every frontend's request counter
    qint64 sessions = 0;
    int servers = 0;
    int up = 0; // neither in maintenance nor failing its checks
};

OwnFigures ownFigures(const FleetStore& store, const QString& name)
{
    OwnFigures f;
    const int i = store.indexOf(name);
    if (i < 0 || !store.entry(i).snapshot)
        return f;
    const GatewaySnapshot& s = *store.entry(i).snapshot;
    f.takenAtMs = s.takenAtMs;
    for (const FrontendSnapshot& fe : s.frontends) {
        f.requests += fe.requestsTotal;
        f.sessions += fe.sessions;
    }
    for (const BackendSnapshot& be : s.backends)
        for (const ServerSnapshot& sv : be.servers) {
            ++f.servers;
            f.up += sv.admin != AdminState::Maint && sv.health != Health::Down;
        }
    return f;
}
// Refreshes the large fleet now (or waits for the refresh under way); true when it read Prometheus' answer.
bool refreshOnce(BigFleetService& service)
{
    QSignalSpy refreshed(&service, &BigFleetService::refreshed);
    if (!service.busy())
        service.refreshNow();
    if (!refreshed.wait(10000))
        return false;
    if (!refreshed.first().at(0).toBool())
        qWarning("%s", qPrintable(refreshed.first().at(2).toString()));
    return refreshed.first().at(0).toBool();
}
} // namespace

class TestBigFleet : public QObject
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
        QVERIFY2(!fleet.discovery.isEmpty(), "the lab's fleet file discovers nothing");
        for (const GatewayConfig& g : fleet.gateways)
            if (g.product == QLatin1String("haproxy"))
                haproxies.append(g.name);
        QVERIFY(haproxies.size() >= 2);
    }

    void discoversEveryHAProxyGroupedByItsLabels()
    {
        Assembly::Options options;
        options.discovery = fleet.discovery;
        Assembly assembly(options);
        BigFleetModel* model = assembly.context().bigFleet;
        QVERIFY(model);
        // Prometheus finds each instance after its first scrape (every second).
        QElapsedTimer waited;
        waited.start();
        QStringList missing;
        do {
            QVERIFY2(refreshOnce(*assembly.bigFleet()), "the refresh did not come or failed");
            missing.clear();
            for (const QString& name : haproxies + QStringList { QStringLiteral("haproxy-signals") })
                if (!model->gateway(name))
                    missing.append(name);
        } while (!missing.isEmpty() && waited.elapsed() < 20000);
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not discovered: ") + missing.join(QLatin1Char(' '))));
        QCOMPARE(model->gatewayCount(), int(haproxies.size()) + 1);
        // The lab labels its HAProxies site lab-a / lab-b and role edge, the signals instance lab-a / signals.
        QCOMPARE(model->groupCount(), 3);
        QStringList titles;
        for (int r = 0; r < model->rowCount(); ++r)
            titles.append(model->index(r, BigFleetModel::NameColumn).data(BigFleetModel::SortRole).toString());
        QCOMPARE(titles,
            QStringList({ QStringLiteral("site=lab-a role=edge"), QStringLiteral("site=lab-a role=signals"),
                QStringLiteral("site=lab-b role=edge") }));
        const DiscoveredGateway* first = model->gateway(haproxies.first());
        QCOMPARE(first->labels.value(QStringLiteral("site")), QStringLiteral("lab-a"));
        QVERIFY(first->labels.contains(QStringLiteral("fleetdeck_admin")));
    }

    void figuresMatchWhatTheGatewaysReport()
    {
        // The gateways polled directly, every 500 ms, next to the large-fleet view (rates over 10 s, refreshed on
        // demand).
        Assembly::Options options;
        options.discovery = fleet.discovery;
        options.discovery.window = QStringLiteral("10s");
        Assembly assembly(options);
        BigFleetModel* model = assembly.context().bigFleet;
        for (GatewayConfig g : fleet.gateways)
            if (haproxies.contains(g.name)) {
                g.pollIntervalMs = 500;
                assembly.controller().addGateway(g);
            }
        // Compared at most 30 s: the servers and sessions once both have seen the same second, the request rate
        // against the gateway's own counters over the last 10 s.
        QHash<QString, OwnFigures> before;
        QTest::qWait(1500);
        for (const QString& name : haproxies)
            before.insert(name, ownFigures(assembly.store(), name));
        QTest::qWait(10000);
        QString mismatch;
        QString compared;
        QElapsedTimer waited;
        waited.start();
        do {
            QVERIFY2(refreshOnce(*assembly.bigFleet()), "the refresh did not come or failed");
            mismatch.clear();
            compared.clear();
            for (const QString& name : std::as_const(haproxies)) {
                const OwnFigures own = ownFigures(assembly.store(), name);
                const DiscoveredGateway* g = model->gateway(name);
                if (!g || own.takenAtMs == 0) {
                    mismatch += QStringLiteral("%1: not seen yet; ").arg(name);
                    continue;
                }
                const OwnFigures& then = before.value(name);
                const double ownRate = double(own.requests - then.requests) * 1000.0
                    / double(qMax<qint64>(1, own.takenAtMs - then.takenAtMs));
                const bool rateOk = std::abs(g->requestsPerSecond - ownRate) <= qMax(2.0, ownRate * 0.3);
                const QString seen = QStringLiteral("%1: Prometheus %2/%3 up, %4 req/s, %5 sessions; the gateway "
                                                    "%6/%7 up, %8 req/s, %9 sessions; ")
                                         .arg(name)
                                         .arg(g->serversUp)
                                         .arg(g->servers)
                                         .arg(g->requestsPerSecond, 0, 'f', 1)
                                         .arg(g->sessions)
                                         .arg(own.up)
                                         .arg(own.servers)
                                         .arg(ownRate, 0, 'f', 1)
                                         .arg(own.sessions);
                compared += seen;
                if (g->servers != own.servers || g->serversUp != own.up || !rateOk
                    || std::abs(g->sessions - double(own.sessions)) > 6)
                    mismatch += seen;
                before.insert(name, own);
            }
            if (!mismatch.isEmpty())
                QTest::qWait(1000);
        } while (!mismatch.isEmpty() && waited.elapsed() < 30000);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        qInfo("%s", qPrintable(compared));
    }

    void recordedFiguresAreWhatTheQueryGives()
    {
        // The same fleet read two ways: figures evaluated by each refresh's own query, and figures Prometheus keeps
        // recorded with the rules `fleetdeck --recording-rules` writes (evaluated every second here).
        FleetDiscovery raw = fleet.discovery;
        raw.window = QStringLiteral("10s");
        FleetDiscovery recorded = raw;
        // Named for this run, so that a second run on the same lab starts with nothing recorded too.
        recorded.record = QStringLiteral("fleetdeck_lab_%1").arg(QCoreApplication::applicationPid());
        const QMap<QString, QString> figures
            = Drivers::ProductRegistry::builtIn().catalog().find(QStringLiteral("haproxy"))->fleetFigures;
        BigFleetModel rawModel, recordedModel;
        BigFleetService rawService(raw, figures, &rawModel);
        BigFleetService recordedService(recorded, figures, &recordedModel);
        // Nothing is recorded yet, and a recorded refresh reads recorded series only: no gateway.
        QVERIFY2(refreshOnce(recordedService), "the refresh did not come or failed");
        QCOMPARE(recordedModel.gatewayCount(), 0);
        QVERIFY2(recordedModel.refreshStatus().contains(QLatin1String("fleetdeck --recording-rules")),
            qPrintable(recordedModel.refreshStatus()));

        QTemporaryDir dir;
        QFile rules(dir.filePath(recorded.record + QStringLiteral(".yml")));
        QVERIFY(rules.open(QIODevice::WriteOnly));
        rules.write(Wire::fleetRecordingRules(BigFleetService::specFor(recorded, figures), 1).toUtf8());
        rules.close();
        QVERIFY2(lab.loadRecordingRules(rules.fileName()), "the lab's Prometheus did not take the rules");

        QString mismatch;
        QString compared;
        QElapsedTimer waited;
        waited.start();
        do {
            QVERIFY2(refreshOnce(rawService) && refreshOnce(recordedService), "a refresh did not come or failed");
            mismatch.clear();
            compared.clear();
            if (rawModel.gatewayCount() < 3 || recordedModel.gatewayCount() != rawModel.gatewayCount())
                mismatch = QStringLiteral("%1 gateways recorded, %2 found by the query; ")
                               .arg(recordedModel.gatewayCount())
                               .arg(rawModel.gatewayCount());
            for (int r = 0; mismatch.isEmpty() && r < rawModel.rowCount(); ++r) {
                const QModelIndex group = rawModel.index(r, 0);
                for (int m = 0; m < rawModel.rowCount(group); ++m) {
                    const QString name = rawModel.index(m, 0, group).data().toString();
                    const DiscoveredGateway* q = rawModel.gateway(name);
                    const DiscoveredGateway* rec = recordedModel.gateway(name);
                    if (!q || !rec) {
                        mismatch += QStringLiteral("%1: not recorded; ").arg(name);
                        continue;
                    }
                    const QString seen = QStringLiteral("%1 (%2): recorded %3/%4 up, %5 req/s, %6 sessions; queried "
                                                        "%7/%8 up, %9 req/s, %10 sessions; ")
                                             .arg(name, rec->labels.value(QStringLiteral("site")))
                                             .arg(rec->serversUp)
                                             .arg(rec->servers)
                                             .arg(rec->requestsPerSecond, 0, 'f', 1)
                                             .arg(rec->sessions)
                                             .arg(q->serversUp)
                                             .arg(q->servers)
                                             .arg(q->requestsPerSecond, 0, 'f', 1)
                                             .arg(q->sessions);
                    compared += seen;
                    // Rates over 10 s, read up to a second apart: close, not equal.
                    const bool rateOk = std::abs(rec->requestsPerSecond - q->requestsPerSecond)
                        <= qMax(2.0, q->requestsPerSecond * 0.2);
                    if (rec->labels != q->labels || rec->servers != q->servers || rec->serversUp != q->serversUp
                        || !rateOk || std::abs(rec->sessions - q->sessions) > 6)
                        mismatch += seen;
                }
            }
            if (!mismatch.isEmpty())
                QTest::qWait(1000);
        } while (!mismatch.isEmpty() && waited.elapsed() < 30000);
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
        qInfo("%s", qPrintable(compared));
    }

    void aDiscoveredGatewayIsPolledAtTheAddressItsLabelsGive()
    {
        // The signals instance is not in the fleet file's list: only Prometheus knows it, with its admin address
        // as a label. Opened as the window opens it, it answers over its runtime API.
        Assembly::Options options;
        options.discovery = fleet.discovery;
        Assembly assembly(options);
        BigFleetModel* model = assembly.context().bigFleet;
        QSignalSpy refreshed(assembly.bigFleet(), &BigFleetService::refreshed);
        QVERIFY(refreshed.wait(10000));
        const DiscoveredGateway* signalsGateway = model->gateway(QStringLiteral("haproxy-signals"));
        QVERIFY(signalsGateway);
        const auto config = assembly.context().discovery.gatewayFor(*signalsGateway);
        QVERIFY2(config.ok(), qPrintable(config.error()));
        assembly.controller().addGateway(config.value());
        QTRY_VERIFY_WITH_TIMEOUT(assembly.store().entry(0).snapshot.has_value(), 10000);
        QVERIFY(!assembly.store().entry(0).snapshot->backends.isEmpty());
        QCOMPARE(double(ownFigures(assembly.store(), signalsGateway->name).servers), signalsGateway->servers);

        // Its charts' history comes from the Prometheus it was discovered through, by its metrics endpoint.
        QVERIFY2(!config.value().metrics.isEmpty(), "no metrics endpoint for the discovered gateway");
        const QString key = SeriesKeys::requestRate(signalsGateway->name);
        QVector<MetricStore::Bucket> got;
        QElapsedTimer waited;
        waited.start();
        while (got.size() < 3 && waited.elapsed() < 20000) {
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            QSignalSpy arrived(&assembly.history(), &HistoryCache::historyArrived);
            assembly.controller().requestHistory(key, now - 30000, now, 30);
            QVERIFY2(arrived.wait(5000), qPrintable(assembly.history().lastError()));
            got = assembly.history().range(key, now - 30000, now);
            if (got.size() < 3)
                QTest::qWait(1000);
        }
        QVERIFY2(got.size() >= 3, qPrintable(QStringLiteral("%1 points of %2's history").arg(got.size()).arg(key)));
    }

    void aPrometheusThatFailsIsSaid()
    {
        const QMap<QString, QString> figures
            = Drivers::ProductRegistry::builtIn().catalog().find(QStringLiteral("haproxy"))->fleetFigures;
        // The lab's Prometheus refusing the selector: its own words, naming where they come from.
        FleetDiscovery broken = fleet.discovery;
        broken.selector = QStringLiteral("haproxy_process_start_time_seconds{job=}");
        BigFleetModel model;
        BigFleetService service(broken, figures, &model);
        QSignalSpy refreshed(&service, &BigFleetService::refreshed);
        QVERIFY(service.refreshNow());
        QVERIFY(refreshed.wait(10000));
        QVERIFY(!refreshed.first().at(0).toBool());
        const QString error = refreshed.first().at(2).toString();
        QVERIFY2(error.contains(broken.prometheus.toString()) && error.contains(QLatin1String("bad_data")),
            qPrintable(error));
        QVERIFY(model.refreshFailed());
        QVERIFY2(model.refreshStatus().contains(QLatin1String("refresh failed")), qPrintable(model.refreshStatus()));
        QCOMPARE(model.gatewayCount(), 0);
        QVERIFY(!service.busy()); // and the next refresh may go

        // Nothing listening: said, with the address.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 closed = probe.serverPort();
        probe.close();
        FleetDiscovery away = fleet.discovery;
        away.prometheus = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed));
        BigFleetService unreachable(away, figures, &model);
        QSignalSpy failed(&unreachable, &BigFleetService::refreshed);
        QVERIFY(unreachable.refreshNow());
        QVERIFY(failed.wait(10000));
        QVERIFY(!failed.first().at(0).toBool());
        QVERIFY2(failed.first().at(2).toString().contains(QStringLiteral("127.0.0.1:%1").arg(closed)),
            qPrintable(failed.first().at(2).toString()));
    }

    void aGatewayThatAppearsIsAskedAboutAtOnce()
    {
        // The members are asked only now and then; a gateway that appears in between shows with the next figures.
        // haproxy-2 is stopped until the members leave it out (its series go stale at the next failed scrape) and its
        // figures are gone, then started again, and only the figures are refreshed (this service's timers do not run).
        FleetDiscovery discovery = fleet.discovery;
        discovery.window = QStringLiteral("10s");
        BigFleetModel model;
        BigFleetService service(discovery,
            Drivers::ProductRegistry::builtIn().catalog().find(QStringLiteral("haproxy"))->fleetFigures, &model);
        const QString name = haproxies.at(1);
        auto isMember = [&service, &name] {
            return std::any_of(service.members().cbegin(), service.members().cend(),
                [&name](const DiscoveredGateway& g) { return g.name == name; });
        };
        QVERIFY(lab.control(QStringLiteral("kill-haproxy"), 1));
        QElapsedTimer waited;
        waited.start();
        do {
            QSignalSpy asked(&service, &BigFleetService::membersRefreshed);
            QVERIFY(service.refreshMembers(false));
            QVERIFY(asked.wait(10000));
            if (isMember())
                QTest::qWait(500);
        } while (isMember() && waited.elapsed() < 15000);
        const bool leftOut = !isMember();
        // Its rates over 10 s still show its last samples for 10 s: gone from every figure after that, it is a new
        // gateway when it comes back.
        QTest::qWait(leftOut ? 11000 : 0);
        QVERIFY(lab.control(QStringLiteral("start-haproxy"), 1));
        QVERIFY2(leftOut, qPrintable(name + QStringLiteral(" stopped, and still a member after 15 s")));

        QSignalSpy membersAsked(&service, &BigFleetService::membersRefreshed);
        waited.restart();
        while (!model.gateway(name) && waited.elapsed() < 20000) {
            QVERIFY2(refreshOnce(service), "the refresh did not come or failed");
            if (!model.gateway(name))
                QTest::qWait(500);
        }
        QVERIFY2(model.gateway(name), qPrintable(name + QStringLiteral(" started again, not shown after 20 s")));
        QVERIFY(!membersAsked.isEmpty()); // asked because a figure named it, not by a timer
        QVERIFY(isMember());
    }

private:
    Test::Lab lab;
    FleetFile fleet;
    QStringList haproxies;
};

QTEST_GUILESS_MAIN(TestBigFleet)
#include "tst_bigfleet.moc"
