// The HAProxy driver against the lab's real HAProxy processes, over TCP and over the UNIX socket.
// Every change is read back from HAProxy itself through socat, not through Fleetdeck's own client.
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>
#include <QTest>

#include "haproxy/haproxydriver.h"
#include "lab.h"

using namespace Fleetdeck;
using namespace Fleetdeck::Drivers::HAProxy;

namespace {

// The driver's answer, or none when it never called back: a hang is a failure of its own, never mistaken for the
// error a check expects.
template <typename T>
std::optional<Result<T>> waitFor(
    const std::function<void(std::function<void(Result<T>)>)>& start, int timeoutMs = 10000)
{
    std::optional<Result<T>> out;
    start([&out](Result<T> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, timeoutMs))
        return std::nullopt;
    return out;
}

} // namespace

class TestHAProxyDriver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
    }

    void snapshot_data()
    {
        QTest::addColumn<QString>("admin");
        const auto& h = lab.haproxy.at(0);
        QTest::newRow("tcp") << QStringLiteral("tcp://127.0.0.1:%1").arg(h.adminPort);
        QTest::newRow("unix") << QStringLiteral("unix://") + h.socketPath;
    }
    void snapshot()
    {
        QFETCH(QString, admin);
        HAProxyDriver driver(
            GatewayConfig { QStringLiteral("haproxy-1"), QStringLiteral("haproxy"), QUrl(admin), {}, 1000 });
        const auto snap = waitFor<GatewaySnapshot>([&](auto cb) { driver.fetchSnapshot(cb); });
        QVERIFY2(snap->ok(), qPrintable(snap->error()));
        QCOMPARE(snap->value().pid, lab.haproxy.at(0).pid);
        QVERIFY(snap->value().takenAtMs > 0);
        for (const QString& backend : lab.haproxy.at(0).backends) {
            const BackendSnapshot* b = snap->value().backend(backend);
            QVERIFY2(b, qPrintable(backend));
            QCOMPARE(b->servers.size(), 3);
        }
    }

    void cachePolicyIsReadOnly()
    {
        // The lab's static pool caches /static/assets/: three requests are one miss and two hits.
        const auto& h = lab.haproxy.at(0);
        const QString path = QStringLiteral("/static/assets/%1.js").arg(QDateTime::currentMSecsSinceEpoch());
        int ok = 0;
        for (int i = 0; i < 10 && ok < 3; ++i)
            ok += Test::httpGet(h.frontendPort, path, { QStringLiteral("-H"), QStringLiteral("X-API-Key: key-load") })
                      .startsWith("HTTP/1.1 200");
        HAProxyDriver driver(GatewayConfig { QStringLiteral("haproxy-1"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(h.adminPort)), {}, 1000 });
        const auto policy = waitFor<CachePolicy>([&](auto cb) { driver.readCachePolicy(cb); });
        QVERIFY2(policy->ok(), qPrintable(policy->error()));
        QVERIFY(policy->value().readOnlyReason.contains(QLatin1String("cannot change")));
        QCOMPARE(policy->value().stores.size(), 1);
        const CacheStore& assets = policy->value().stores.first();
        QCOMPARE(assets.name, QStringLiteral("assets"));
        QVERIFY(assets.entries >= 1);
        QVERIFY2(assets.hits >= 2 && assets.lookups >= 3,
            qPrintable(QStringLiteral("lookups %1, hits %2").arg(assets.lookups).arg(assets.hits)));
        QCOMPARE(assets.backends, QStringList { QStringLiteral("static") });
        // And a change is refused before anything is sent: the same driver pointed at a listening socket that
        // notes every connection is refused on the spot, and nothing connects.
        QTcpServer canary;
        QVERIFY(canary.listen(QHostAddress::LocalHost));
        int contacts = 0;
        connect(&canary, &QTcpServer::newConnection, this, [&] {
            contacts += 1;
            delete canary.nextPendingConnection();
        });
        HAProxyDriver refusing(GatewayConfig { QStringLiteral("haproxy-1"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(canary.serverPort())), {}, 1000 });
        GatewayState now;
        now.cache = policy->value();
        std::optional<Result<QString>> refused;
        refusing.apply(CacheTtlChange { QStringLiteral("haproxy-1"), CacheTtl::Ttl, 5 }, now,
            [&refused](Result<QString> r) { refused = r; });
        QVERIFY2(refused.has_value(), "not refused on the spot");
        QVERIFY(!refused->ok());
        QVERIFY2(refused->error().contains(QLatin1String("does not take")), qPrintable(refused->error()));
        QTest::qWait(200);
        QCOMPARE(contacts, 0);
        // Positive control: a change it does take reaches the same socket.
        refusing.apply(WeightChange { { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s1") }, 1 },
            now, [](Result<QString>) {});
        QTRY_COMPARE_WITH_TIMEOUT(contacts, 1, 3000);
    }

    void stateChanges_data()
    {
        QTest::addColumn<QString>("admin");
        const auto& h = lab.haproxy.at(0);
        QTest::newRow("tcp") << QStringLiteral("tcp://127.0.0.1:%1").arg(h.adminPort);
        QTest::newRow("unix") << QStringLiteral("unix://") + h.socketPath;
    }
    void stateChanges()
    {
        QFETCH(QString, admin);
        const int port = lab.haproxy.at(0).adminPort;
        HAProxyDriver driver(
            GatewayConfig { QStringLiteral("haproxy-1"), QStringLiteral("haproxy"), QUrl(admin), {}, 1000 });
        const ServerRef s2 { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s2") };

        // Empty when the change was accepted; the driver's words (or that it never answered) when not.
        auto apply = [&](const Change& c) -> QString {
            const auto r = waitFor<QString>([&](auto cb) { driver.apply(c, {}, cb); });
            return !r ? QStringLiteral("no answer") : r->ok() ? QString() : r->error();
        };
        auto status = [&] { return Test::haproxyServerField(port, s2.backend, s2.server, QStringLiteral("status")); };

        QCOMPARE(apply(ServerStateChange { s2, AdminState::Drain }), QString());
        QVERIFY2(status().startsWith(QLatin1String("DRAIN")), qPrintable(status())); // "DRAIN 1/3" while rising
        QCOMPARE(apply(ServerStateChange { s2, AdminState::Maint }), QString());
        QVERIFY2(status().startsWith(QLatin1String("MAINT")), qPrintable(status()));
        QCOMPARE(apply(ServerStateChange { s2, AdminState::Ready }), QString());
        // Out of maintenance the server is health-checked again before it is UP; ready is what we asked for.
        QTRY_VERIFY_WITH_TIMEOUT(status().startsWith(QLatin1String("UP")), 10000);

        QCOMPARE(apply(WeightChange { s2, 42 }), QString());
        QCOMPARE(
            Test::haproxyServerField(port, s2.backend, s2.server, QStringLiteral("uweight")), QStringLiteral("42"));
        // The driver's own snapshot agrees with HAProxy.
        const auto snap = waitFor<GatewaySnapshot>([&](auto cb) { driver.fetchSnapshot(cb); });
        QVERIFY(snap->ok());
        QCOMPARE(snap->value().server(s2.backend, s2.server)->weight, 42);
        QCOMPARE(apply(WeightChange { s2, 1 }), QString());
        QCOMPARE(Test::haproxyServerField(port, s2.backend, s2.server, QStringLiteral("uweight")), QStringLiteral("1"));
    }

    void refusalsAreReportedVerbatim()
    {
        const int port = lab.haproxy.at(0).adminPort;
        HAProxyDriver driver(GatewayConfig { QStringLiteral("haproxy-1"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(port)), {}, 1000 });
        const ServerRef ghost { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s99") };
        const auto r = waitFor<QString>([&](auto cb) {
            driver.apply(ServerStateChange { ghost, AdminState::Drain }, {}, cb);
        });
        QVERIFY2(r.has_value(), "the driver never called back");
        QVERIFY(!r->ok());
        QCOMPARE(r->error(), QStringLiteral("No such server."));
    }

    void unreachableGivesClearErrors()
    {
        // A port nobody listens on: connection refused, quickly.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 closed = probe.serverPort();
        probe.close();
        HAProxyDriver refused(GatewayConfig { QStringLiteral("gone"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(closed)), {}, 1000 });
        const auto r1 = waitFor<GatewaySnapshot>([&](auto cb) { refused.fetchSnapshot(cb); });
        QVERIFY(!r1->ok());
        QVERIFY2(r1->error().contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(r1->error()));

        HAProxyDriver noSocket(GatewayConfig { QStringLiteral("gone"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("unix:///nonexistent/admin.sock")), {}, 1000 });
        const auto r2 = waitFor<GatewaySnapshot>([&](auto cb) { noSocket.fetchSnapshot(cb); });
        QVERIFY(!r2->ok());
        QVERIFY2(r2->error().contains(QLatin1String("/nonexistent/admin.sock")), qPrintable(r2->error()));
    }

    void slowAndGarbageGateways()
    {
        // A peer that accepts and never answers hits the read timeout; one that answers garbage gets a parse error.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        QList<QTcpSocket*> held;
        connect(&silent, &QTcpServer::newConnection, this, [&] { held.append(silent.nextPendingConnection()); });
        HAProxyDriver slow(GatewayConfig { QStringLiteral("slow"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(silent.serverPort())), {}, 1000 });
        slow.setOptions({ 1000, 500, 10000, 1024 * 1024 });
        const auto r1 = waitFor<GatewaySnapshot>([&](auto cb) { slow.fetchSnapshot(cb); });
        QVERIFY(!r1->ok());
        QCOMPARE(r1->error(), QStringLiteral("timed out: nothing came for 0.5 s (0 bytes received)"));

        // A peer that sends 64 KiB every 200 ms (HAProxy's steps, and Fleetdeck's low-water mark) never trips the
        // silence timeout; the deadline cuts it off.
        QTcpServer dribbler;
        QVERIFY(dribbler.listen(QHostAddress::LocalHost));
        QTimer drip;
        QList<QTcpSocket*> dripping;
        connect(
            &dribbler, &QTcpServer::newConnection, this, [&] { dripping.append(dribbler.nextPendingConnection()); });
        connect(&drip, &QTimer::timeout, this, [&] {
            for (QTcpSocket* s : dripping)
                s->write(QByteArray(64 * 1024, 'N'));
        });
        drip.start(200);
        HAProxyDriver dribbling(GatewayConfig { QStringLiteral("dribbling"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(dribbler.serverPort())), {}, 1000 });
        dribbling.setOptions({ 1000, 500, 1500, 4 * 1024 * 1024 });
        QElapsedTimer clock;
        clock.start();
        const auto r4 = waitFor<GatewaySnapshot>([&](auto cb) { dribbling.fetchSnapshot(cb); });
        QVERIFY(!r4->ok());
        QVERIFY2(r4->error().startsWith(QLatin1String("timed out after 1.5 s with the answer incomplete (")),
            qPrintable(r4->error()));
        QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
        drip.stop();
        qDeleteAll(dripping);

        QTcpServer liar;
        QVERIFY(liar.listen(QHostAddress::LocalHost));
        connect(&liar, &QTcpServer::newConnection, this, [&] {
            QTcpSocket* s = liar.nextPendingConnection();
            s->write("HTTP/1.1 400 Bad Request\r\n\r\n");
            s->disconnectFromHost();
        });
        HAProxyDriver wrong(GatewayConfig { QStringLiteral("wrong"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(liar.serverPort())), {}, 1000 });
        const auto r2 = waitFor<GatewaySnapshot>([&](auto cb) { wrong.fetchSnapshot(cb); });
        QVERIFY(!r2->ok());
        QVERIFY2(r2->error().contains(QLatin1String("HTTP/1.1 400")), qPrintable(r2->error()));

        // A reply bigger than the limit is cut off with a clear error, not read forever.
        QTcpServer flood;
        QVERIFY(flood.listen(QHostAddress::LocalHost));
        connect(&flood, &QTcpServer::newConnection, this, [&] {
            QTcpSocket* s = flood.nextPendingConnection();
            s->write(QByteArray(4 * 1024 * 1024, 'x'));
        });
        HAProxyDriver huge(GatewayConfig { QStringLiteral("huge"), QStringLiteral("haproxy"),
            QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(flood.serverPort())), {}, 1000 });
        huge.setOptions({ 1000, 2000, 10000, 1024 * 1024 });
        const auto r3 = waitFor<GatewaySnapshot>([&](auto cb) { huge.fetchSnapshot(cb); });
        QVERIFY(!r3->ok());
        QVERIFY2(r3->error().startsWith(QLatin1String("the answer is larger than 1.0 MiB; stopped reading")),
            qPrintable(r3->error()));
        QCOMPARE(r3->failureKind(), Failure::TooLarge);
        qDeleteAll(held);
    }

private:
    Test::Lab lab;
};

QTEST_GUILESS_MAIN(TestHAProxyDriver)
#include "tst_haproxydriver.moc"
