// The incident view's signals, read from the lab's real signals HAProxy (lab --signals): latency and queues from a
// pool made slow on purpose, connection reuse under keep-alive traffic, a server disabled in the configuration, a
// TCP proxy's connections, frontends and a stats-only listen section, and servers that change behind Fleetdeck's
// back. Each function is its own CTest test (label "signals").
#include <algorithm>
#include <cmath>
#include <limits>

#include <QDateTime>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"
#include "reports.h"
#include "serieskeys.h"

using namespace Fleetdeck;

namespace {

// hey with a bounded number of requests; returns when it has finished (or was stopped after timeoutMs).
struct Traffic
{
    QProcess process;
    void start(int port, const QString& path, int requests, int concurrency)
    {
        process.start(QStringLiteral("hey"),
            { QStringLiteral("-n"), QString::number(requests), QStringLiteral("-c"), QString::number(concurrency),
                QStringLiteral("-t"), QStringLiteral("20"),
                QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path) });
    }
    // Waits with the event loop running, so Fleetdeck keeps polling meanwhile.
    bool finish(int timeoutMs)
    {
        if (QTest::qWaitFor([this] { return process.state() == QProcess::NotRunning; }, timeoutMs))
            return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
        process.kill();
        process.waitForFinished(2000);
        return false;
    }
};

} // namespace

class TestSignals : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY2(lab.signalsHAProxy.present(), "the lab runs without --signals");
        controller.setMaxBackoffMs(1000);
        controller.setEventLog(&events);
        GatewayConfig c = lab.signalsHAProxy.gateway;
        c.pollIntervalMs = 250;
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value(), 10000);
        name = c.name;
    }

    void latencyAndQueueFromTheSlowPool()
    {
        // 40 requests, 8 at a time, to a server that takes 2 at a time and answers in 300 ms: six wait in HAProxy's
        // queue, each for about a second.
        Traffic traffic;
        traffic.start(lab.signalsHAProxy.frontendPort, QStringLiteral("/lag/"), 40, 8);
        QTRY_VERIFY_WITH_TIMEOUT(slow().load.queued > 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(slowServer().load.loadPercent(slowServer().sessions), 100.0, 3000);
        QCOMPARE(slowServer().load.limit, 2);
        QVERIFY(traffic.finish(30000));
        QTRY_COMPARE_WITH_TIMEOUT(slow().load.queued, 0, 3000);

        // The right order of magnitude: 300 ms of response, and a queue wait well above zero.
        const LoadFigures server = slowServer().load;
        QVERIFY2(server.responseMs >= 250 && server.responseMs < 1000, qPrintable(latencyDetails(server)));
        QVERIFY2(slow().load.queueMs >= 100 && slow().load.queueMs < 5000, qPrintable(latencyDetails(slow().load)));
        QVERIFY(slow().load.queuedMax >= 4);
        QVERIFY(latencyDetails(server).contains(QLatin1String("over the last 1024 requests")));

        // Charted: the pool's latency (queue + connect + response) and its queue, and the gateway's slowest pool.
        const QString pool = SeriesKeys::subject(name, QStringLiteral("slow"));
        const double latency = metrics.latest(SeriesKeys::latency(pool));
        QVERIFY2(latency >= 350 && latency < 6000, qPrintable(QString::number(latency)));
        QCOMPARE(metrics.latest(SeriesKeys::latency(SeriesKeys::subject(name))), latency);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        float mostQueued = 0;
        for (const MetricStore::Bucket& b : metrics.range(SeriesKeys::queue(pool), now - 60000, now))
            mostQueued = b.isGap() ? mostQueued : qMax(mostQueued, b.max);
        QVERIFY2(mostQueued >= 1, qPrintable(QString::number(mostQueued)));
        QTRY_COMPARE_WITH_TIMEOUT(
            metrics.latest(SeriesKeys::load(SeriesKeys::subject(name, QStringLiteral("slow"), QStringLiteral("s1")))),
            0.0, 3000);
    }

    void connectionReuseUnderKeepAlive()
    {
        const qint64 reusedBefore = pooledSum(&LoadFigures::connectionsReused);
        Traffic traffic;
        traffic.start(lab.signalsHAProxy.frontendPort, QStringLiteral("/"), 400, 4);
        QVERIFY(traffic.finish(30000));
        // hey keeps its 4 client connections; HAProxy reuses its connections to the servers across requests.
        QTRY_VERIFY_WITH_TIMEOUT(pooledSum(&LoadFigures::connectionsReused) - reusedBefore >= 200, 3000);
        QVERIFY(pooledSum(&LoadFigures::connectionsOpened) > 0);
        QVERIFY(pooledSum(&LoadFigures::connectionsOpened) < pooledSum(&LoadFigures::connectionsReused));
        QVERIFY(pooledSum(&LoadFigures::connectionsNeeded) > 0);
        const ServerSnapshot* p1 = snapshot().server(QStringLiteral("pooled"), QStringLiteral("p1"));
        QVERIFY(p1);
        QCOMPARE(p1->load.limit, 50);
        QVERIFY(saturationDetails(p1->load, p1->sessions).contains(QLatin1String("reused since start")));
    }

    void aServerDisabledInTheConfigIsNotDownAndReadyTakes()
    {
        const ServerSnapshot* off = snapshot().server(QStringLiteral("configured_off"), QStringLiteral("off1"));
        const ServerSnapshot* on = snapshot().server(QStringLiteral("configured_off"), QStringLiteral("on1"));
        QVERIFY(off && on);
        QVERIFY(off->disabledByConfig);
        QCOMPARE(off->admin, AdminState::Maint);
        QVERIFY(!on->disabledByConfig);
        QCOMPARE(snapshot().serversDisabledByConfig(), 1);

        // Made ready from Fleetdeck, it is in service although HAProxy keeps the configuration's 0x04 bit: the
        // change is verified as done, not "did not take".
        const ServerRef ref { name, QStringLiteral("configured_off"), QStringLiteral("off1") };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const quint64 id = controller.setServerState({ ref }, AdminState::Ready);
        FLEETDECK_REPORT(report, finished, id);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message));
        QCOMPARE(adminBits(ref.backend, ref.server), 0x04); // read by socat, not by Fleetdeck
        const ServerSnapshot* ready = snapshot().server(ref.backend, ref.server);
        QVERIFY(ready);
        QCOMPARE(ready->admin, AdminState::Ready);
        QVERIFY(!ready->disabledByConfig);

        // And back as the configuration has it.
        const quint64 back = controller.setServerState({ ref }, AdminState::Maint);
        FLEETDECK_REPORT(restored, finished, back);
        QVERIFY2(restored.ok(), qPrintable(restored.outcomes.value(0).message));
        QCOMPARE(adminBits(ref.backend, ref.server), 0x05);
        QTRY_VERIFY_WITH_TIMEOUT(snapshot().server(ref.backend, ref.server)->disabledByConfig, 3000);
    }

    void aTcpProxyCountsConnections()
    {
        const FrontendSnapshot* before = frontend(QStringLiteral("tcp_in"));
        QVERIFY(before);
        QVERIFY(before->tcp);
        QCOMPARE(before->responses5xxTotal, -1);
        const qint64 connectionsBefore = before->requestsTotal;
        const BackendSnapshot* pool = snapshot().backend(QStringLiteral("tcp_pool"));
        QVERIFY(pool && pool->tcp);
        QCOMPARE(pool->responses5xxTotal, -1);

        // 80 TCP connections at 20 per second, each a whole exchange (the upstream behind the TCP proxy speaks
        // HTTP; keep-alive off, so one request is one connection).
        constexpr int kConnections = 80;
        Traffic traffic;
        traffic.process.start(QStringLiteral("hey"),
            { QStringLiteral("-n"), QString::number(kConnections), QStringLiteral("-c"), QStringLiteral("1"),
                QStringLiteral("-q"), QStringLiteral("20"), QStringLiteral("-disable-keepalive"),
                QStringLiteral("http://127.0.0.1:%1/").arg(lab.signalsHAProxy.tcpPort) });
        QVERIFY(traffic.finish(30000));
        QTRY_COMPARE_WITH_TIMEOUT(
            frontend(QStringLiteral("tcp_in"))->requestsTotal - connectionsBefore, qint64(kConnections), 3000);
        // The pool's rate is connections per second, near the 20/s sent; it has no 5xx series at all (n/a, not 0).
        const QString subject = SeriesKeys::subject(name, QStringLiteral("tcp_pool"));
        QCOMPARE(metrics.newestTimeMs(SeriesKeys::errorRate(subject)), 0);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<float> busy; // the seconds with traffic
        for (const MetricStore::Bucket& b : metrics.range(SeriesKeys::requestRate(subject), now - 30000, now)) {
            if (!b.isGap() && b.mean >= 5)
                busy.append(b.mean);
        }
        QVERIFY2(busy.size() >= 2, qPrintable(QString::number(busy.size())));
        std::sort(busy.begin(), busy.end());
        const float median = busy.at(busy.size() / 2);
        QVERIFY2(median >= 14 && median <= 26, qPrintable(QString::number(median)));
        // The gateway also serves HTTP: it is not TCP-only.
        QVERIFY(!snapshot().tcpOnly());
    }

    void frontendsAreListedAndAStatsOnlyListenIsNoPool()
    {
        const FrontendSnapshot* web = frontend(QStringLiteral("web"));
        QVERIFY(web);
        QVERIFY(!web->tcp);
        QCOMPARE(web->binds, QStringLiteral("127.0.0.1:%1").arg(lab.signalsHAProxy.frontendPort));
        QVERIFY(frontend(QStringLiteral("stats_only")));
        QVERIFY(!snapshot().backend(QStringLiteral("stats_only")));
        QStringList pools;
        for (const BackendSnapshot& b : snapshot().backends)
            pools.append(b.name);
        QCOMPARE(pools,
            QStringList({ QStringLiteral("slow"), QStringLiteral("pooled"), QStringLiteral("configured_off"),
                QStringLiteral("tcp_pool") }));
    }

    void serversAddedAndDeletedBehindOurBackAreEvents()
    {
        // Someone else adds a server over the runtime API, then deletes it: both show on the timeline, named.
        const int port = lab.signalsHAProxy.adminPort;
        const QString object = QStringLiteral("pooled/sneaky");
        auto eventsFor = [this, &object](const QString& prefix) {
            int n = 0;
            for (const FleetEvent& e :
                events.eventsFor(SeriesKeys::subject(name, QStringLiteral("pooled"), QStringLiteral("sneaky")), 0,
                    std::numeric_limits<qint64>::max()))
                n += e.kind == FleetEvent::Kind::Transition && e.object == object && e.text.startsWith(prefix) ? 1 : 0;
            return n;
        };
        QCOMPARE(eventsFor(QStringLiteral("server appeared")), 0);
        const QByteArray added = Test::haproxyCommand(
            port, "add server pooled/sneaky 127.0.0.1:" + QByteArray::number(lab.upstreamPorts.first()));
        QVERIFY2(added.contains("New server registered"), added.constData());
        QTRY_COMPARE_WITH_TIMEOUT(eventsFor(QStringLiteral("server appeared (127.0.0.1:")), 1, 5000);
        QVERIFY(Test::haproxyCommand(port, "set server pooled/sneaky state maint").trimmed().isEmpty());
        const QByteArray deleted = Test::haproxyCommand(port, "del server pooled/sneaky");
        QVERIFY2(deleted.contains("Server deleted"), deleted.constData());
        QTRY_COMPARE_WITH_TIMEOUT(eventsFor(QStringLiteral("server vanished (it was maint)")), 1, 5000);
        QCOMPARE(eventsFor(QStringLiteral("server appeared")), 1); // once, not on every poll
    }

    void caddyQuantilesFromItsHistogram()
    {
        // The lab's Caddy carries steady traffic to upstreams that answer in about 15 ms: its request-duration
        // histogram, read twice, gives the last minute's p50/p95/p99 (within Caddy's 10-25 ms bucket).
        QVERIFY(!lab.caddy.isEmpty());
        GatewayConfig caddy;
        for (const GatewayConfig& c : lab.gateways)
            caddy = c.product == QLatin1String("caddy") ? c : caddy;
        if (caddy.name.isEmpty()) { // the test lab's fleet file lists HAProxy only: Caddy as the demo lists it
            caddy.name = lab.caddy.first().name;
            caddy.product = QStringLiteral("caddy");
            caddy.admin = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(lab.caddy.first().adminPort));
        }
        caddy.pollIntervalMs = 500;
        controller.addGateway(caddy);
        const int index = store.indexOf(caddy.name);
        QVERIFY(index >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(index).snapshot && store.entry(index).snapshot->load.p95Ms >= 0, 10000);
        const LoadFigures load = store.entry(index).snapshot->load;
        QVERIFY2(load.p95Ms >= 10 && load.p95Ms <= 250, qPrintable(latencyDetails(load)));
        QVERIFY(load.p50Ms > 0 && load.p50Ms <= load.p95Ms && load.p95Ms <= load.p99Ms);
        QVERIFY2(
            load.quantileResolution.startsWith(QLatin1String("p95 between the ")), qPrintable(load.quantileResolution));
        QVERIFY(load.latencyBasis().startsWith(QLatin1String("95th percentile, from histogram buckets")));
        QVERIFY(load.inFlight >= 0);
        // Charted as the gateway's latency.
        QTRY_VERIFY_WITH_TIMEOUT(metrics.latest(SeriesKeys::latency(SeriesKeys::subject(caddy.name))) >= 10, 5000);
        controller.removeGateway(caddy.name);
    }

private:
    const GatewaySnapshot& snapshot() const { return *store.entry(0).snapshot; }
    const BackendSnapshot& slow() const { return *snapshot().backend(QStringLiteral("slow")); }
    const ServerSnapshot& slowServer() const
    {
        return *snapshot().server(QStringLiteral("slow"), QStringLiteral("s1"));
    }
    const FrontendSnapshot* frontend(const QString& frontendName) const
    {
        for (const FrontendSnapshot& f : snapshot().frontends) {
            if (f.name == frontendName)
                return &f;
        }
        return nullptr;
    }
    // srv_admin_state of "show servers state", read with socat; -1 when it cannot be read.
    int adminBits(const QString& backend, const QString& server) const
    {
        const QByteArray answer
            = Test::haproxyCommand(lab.signalsHAProxy.adminPort, "show servers state " + backend.toUtf8());
        for (const QByteArray& line : answer.split('\n')) {
            const QList<QByteArray> f = line.split(' ');
            if (f.size() > 6 && f.at(1) == backend.toUtf8() && f.at(3) == server.toUtf8())
                return f.at(6).toInt();
        }
        return -1;
    }
    qint64 pooledSum(qint64 LoadFigures::*figure) const
    {
        qint64 sum = 0;
        if (const BackendSnapshot* b = snapshot().backend(QStringLiteral("pooled"))) {
            for (const ServerSnapshot& s : b->servers)
                sum += qMax<qint64>(0, s.load.*figure);
        }
        return sum;
    }

    Test::Lab lab;
    QString name;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    EventLog& events = assembly.events();
    FleetController& controller = assembly.controller();
};

QTEST_GUILESS_MAIN(TestSignals)
#include "tst_signals.moc"
