// nginx over SSH, against the lab's real nginx load balancers through the lab's private sshd: pools and routes read,
// changes that edit the file, pass `nginx -t`, reload and are followed by real traffic, and every way a change can
// go wrong (someone else's edit, `nginx -t` refusing, a reload nginx does not take, a read-only file, a host key or a
// key the server does not know, a command that hangs) leaving the file as it was and saying why.
// nginx-1 is only read; nginx-2 is changed (and put back by each test).
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QScopeGuard>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "registry.h"
#include "reports.h"
#include "serverspec.h"

#include "driver.h"

using namespace Fleetdeck;

namespace {

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("(unreadable)");
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Which lab upstreams (each answers with its name, u1..u6) answered n requests through the nginx front.
QMap<QString, int> answeredBy(int port, int n, const QString& path = QStringLiteral("/"))
{
    QMap<QString, int> names;
    static const QRegularExpression name(QStringLiteral("\\r?\\n\\r?\\n(u\\d+)\\n"));
    for (int i = 0; i < n; ++i) {
        const auto m = name.match(QString::fromUtf8(Test::httpGet(port, path)));
        if (m.hasMatch())
            names[m.captured(1)] += 1;
    }
    return names;
}

// A port on 127.0.0.1 nothing listens on (taken, then let go).
int closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

Result<GatewaySnapshot> snapshotOf(const GatewayConfig& config)
{
    std::unique_ptr<Drivers::Driver> driver(Drivers::ProductRegistry::builtIn().createDriver(config, nullptr));
    std::optional<Result<GatewaySnapshot>> snap;
    driver->fetchSnapshot([&snap](Result<GatewaySnapshot> r) { snap = r; });
    if (!QTest::qWaitFor([&] { return snap.has_value(); }, 20000))
        return Result<GatewaySnapshot>::failure(QStringLiteral("no answer in 20 s"));
    return *snap;
}

} // namespace

class TestNginxDriver : public QObject
{
    Q_OBJECT

private:
    QString m_lastAnswers;
    // Which upstream addresses nginx sent requests to while 30 more went through its front, as nginx's own access
    // log says (the lab's traffic shares the rotation, so who answers one client alone proves little).
    QMap<QString, int> served(const Test::LabNginx& n, int requests = 30)
    {
        // Requests nginx sent before a reload finish on the old workers and are logged when they end: let those
        // (15 ms each in the lab) be written first.
        QTest::qWait(300);
        const qint64 from = QFileInfo(n.accessLog).size();
        answeredBy(n.frontPort, requests);
        QTest::qWait(300);
        QFile log(n.accessLog);
        QMap<QString, int> by;
        if (!log.open(QIODevice::ReadOnly) || !log.seek(from))
            return by;
        static const QRegularExpression addr(QStringLiteral("\"upstream_addr\":\"([^\"]*)\""));
        for (const QByteArray& line : log.readAll().split('\n')) {
            const auto m = addr.match(QString::fromUtf8(line));
            if (m.hasMatch() && !m.captured(1).isEmpty())
                for (const QString& a : m.captured(1).split(QStringLiteral(", ")))
                    by[a] += 1;
        }
        m_lastAnswers.clear();
        for (auto it = by.cbegin(); it != by.cend(); ++it)
            m_lastAnswers += QStringLiteral("%1×%2 ").arg(it.key()).arg(it.value());
        return by;
    }
    // Whether each of "api"'s three servers (u1..u3) got requests.
    bool allThreeServe(const Test::LabNginx& n)
    {
        const QMap<QString, int> by = served(n);
        return by.value(upstream(0)) > 0 && by.value(upstream(1)) > 0 && by.value(upstream(2)) > 0;
    }
    Test::Lab m_lab;
    Test::LabNginx m_read; // nginx-1
    Test::LabNginx m_changed; // nginx-2
    QByteArray m_original; // nginx-2's upstreams file as the lab wrote it
    QByteArray m_originalMain;

    GatewayConfig changed(int pollMs) const
    {
        GatewayConfig c = m_changed.gateway;
        c.pollIntervalMs = pollMs;
        return c;
    }
    // The lab's upstream ports: "api" is u1..u3, "static" u4..u6.
    QString upstream(int index) const { return QStringLiteral("127.0.0.1:%1").arg(m_lab.upstreamPorts.at(index)); }

    // A controller on nginx-2, with its first snapshot in.
    struct Session
    {
        Assembly assembly;
        EventLog events;
        Session(const GatewayConfig& config)
        {
            assembly.controller().setEventLog(&events);
            assembly.controller().addGateway(config);
        }
        FleetStore& store() { return assembly.store(); }
        FleetController& controller() { return assembly.controller(); }
    };

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.nginx.size() >= 2, "the lab runs two nginx load balancers (--nginx 2)");
        m_read = m_lab.nginx.at(0);
        m_changed = m_lab.nginx.at(1);
        QVERIFY(m_changed.gateway.admin.scheme() == QLatin1String("ssh"));
        m_original = readFile(m_changed.upstreams);
        m_originalMain = readFile(m_changed.config);
        QVERIFY(m_original.contains("upstream api"));
        qRegisterMetaType<ActionReport>();
    }

    void cleanup()
    {
        // Each test puts nginx-2 back; if one failed half-way, the next starts from the lab's files again.
        if (readFile(m_changed.upstreams) != m_original || readFile(m_changed.config) != m_originalMain) {
            QFile::setPermissions(
                m_changed.upstreams, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
            writeFile(m_changed.upstreams, m_original);
            writeFile(m_changed.config, m_originalMain);
            QProcess::execute(
                QStringLiteral("sh"), { QStringLiteral("-c"), m_changed.nginxCommand + QStringLiteral(" -s reload") });
            QTest::qWait(500);
        }
    }

    void poolsRoutesAndFiguresAreRead()
    {
        const Result<GatewaySnapshot> snap = snapshotOf(m_read.gateway);
        QVERIFY2(snap.ok(), qPrintable(snap.error()));
        const GatewaySnapshot& s = snap.value();
        QCOMPARE(s.version, QStringLiteral("1.22.1"));
        QVERIFY(!s.configVersion.isEmpty());
        QCOMPARE(s.backends.size(), 3);
        const BackendSnapshot* api = s.backend(QStringLiteral("api"));
        QVERIFY(api);
        QCOMPARE(api->servers.size(), 3);
        QCOMPARE(api->servers.at(0).name, upstream(0));
        QCOMPARE(api->servers.at(0).health, Health::NoCheck);
        QCOMPARE(api->servers.at(0).admin, AdminState::Ready);
        QVERIFY2(api->status.contains(QStringLiteral("127.0.0.1:%1 location /").arg(m_read.frontPort)),
            qPrintable(api->status));
        QCOMPARE(s.backend(QStringLiteral("static"))->algorithm, QStringLiteral("least_conn"));
        const BackendSnapshot* tcp = s.backend(QStringLiteral("tcp_api"));
        QVERIFY(tcp && tcp->tcp);
        // stub_status: the gateway's requests, on the http frontend with where it listens; the stream listener.
        QCOMPARE(s.frontends.size(), 2);
        QCOMPARE(s.frontends.first().name, QStringLiteral("http"));
        QVERIFY(s.frontends.first().requestsTotal > 0);
        QCOMPARE(s.frontends.first().binds, QStringLiteral("127.0.0.1:%1").arg(m_read.frontPort));
        QVERIFY(s.frontends.last().tcp);
        QCOMPARE(s.frontends.last().binds, QStringLiteral("127.0.0.1:%1").arg(m_read.tcpPort));
        // The access log is read from where it stood: requests sent now are counted per server.
        std::unique_ptr<Drivers::Driver> driver(
            Drivers::ProductRegistry::builtIn().createDriver(m_read.gateway, nullptr));
        std::optional<Result<GatewaySnapshot>> first;
        driver->fetchSnapshot([&first](Result<GatewaySnapshot> r) { first = r; });
        QTRY_VERIFY_WITH_TIMEOUT(first.has_value(), 20000);
        QVERIFY(first->ok());
        const qint64 before = first->value().backend(QStringLiteral("api"))->requestsTotal;
        QVERIFY2(allThreeServe(m_read), qPrintable(m_lastAnswers));
        std::optional<Result<GatewaySnapshot>> second;
        driver->fetchSnapshot([&second](Result<GatewaySnapshot> r) { second = r; });
        QTRY_VERIFY_WITH_TIMEOUT(second.has_value(), 20000);
        QVERIFY(second->ok());
        const BackendSnapshot* later = second->value().backend(QStringLiteral("api"));
        // The master's PID file is the configuration's "pid": known from the second reading on.
        QVERIFY(second->value().pid > 0);
        QVERIFY(second->value().uptimeSeconds > 0);
        QVERIFY2(later->requestsTotal >= before + 30,
            qPrintable(QStringLiteral("%1 then %2").arg(before).arg(later->requestsTotal)));
        QVERIFY(later->servers.at(0).requestsTotal > 0);
        QVERIFY(later->servers.at(0).load.responseMs >= 0);
        // The stream pool has no access log of its own: its counters are unknown, not zero.
        QCOMPARE(second->value().backend(QStringLiteral("tcp_api"))->requestsTotal, -1);
    }

    void drainAndWeightEditTheFileReloadAndTrafficFollows()
    {
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        QVERIFY2(allThreeServe(m_changed), qPrintable(m_lastAnswers));

        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        const ServerRef u1 { m_changed.gateway.name, QStringLiteral("api"), upstream(0) };
        session.controller().apply({ ServerStateChange { u1, AdminState::Drain } }, QStringLiteral("drain u1"));
        FLEETDECK_REPORT(drained, finished);
        QVERIFY2(drained.ok(), qPrintable(drained.outcomes.value(0).message));
        QVERIFY2(drained.outcomes.first().message.contains(QLatin1String("verified")),
            qPrintable(drained.outcomes.first().message));
        const QByteArray file = readFile(m_changed.upstreams);
        QVERIFY2(file.contains(
                     QStringLiteral("server %1 weight=1 max_fails=3 fail_timeout=10s down;").arg(upstream(0)).toUtf8()),
            file.constData());
        // Only those five bytes changed; the backup beside it is the original.
        QCOMPARE(file.size(), m_original.size() + 5);
        const QString backup
            = QFileInfo(m_changed.upstreams).dir().filePath(QStringLiteral(".upstreams.conf.fleetdeck-backup"));
        QCOMPARE(readFile(backup), m_original);
        // The drained server gets no more requests through nginx (the access log since then: ours and the lab's).
        const QMap<QString, int> after = served(m_changed);
        QVERIFY2(!after.contains(upstream(0)) && after.value(upstream(1)) > 0 && after.value(upstream(2)) > 0,
            qPrintable(m_lastAnswers));

        const ServerRef u2 { m_changed.gateway.name, QStringLiteral("api"), upstream(1) };
        session.controller().apply({ WeightChange { u2, 5 } }, QStringLiteral("weight u2"));
        FLEETDECK_REPORT(weighted, finished);
        QVERIFY2(weighted.ok(), qPrintable(weighted.outcomes.value(0).message));
        QVERIFY(readFile(m_changed.upstreams).contains(QStringLiteral("server %1 weight=5").arg(upstream(1)).toUtf8()));
        // Round robin by weight over u2 (5) and u3 (1): five in six requests go to u2.
        const QMap<QString, int> weightedCounts = served(m_changed, 60);
        QVERIFY2(weightedCounts.value(upstream(1)) >= 3 * weightedCounts.value(upstream(2)), qPrintable(m_lastAnswers));

        // Undo, the last change first, through the same path: the file is byte for byte the lab's again.
        QList<Change> undo = weighted.undoChanges() + drained.undoChanges();
        QCOMPARE(undo.size(), 2);
        session.controller().apply(undo, QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(),
            qPrintable(undone.outcomes.value(0).message + QLatin1Char(' ') + undone.outcomes.value(1).message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
        QVERIFY2(allThreeServe(m_changed), qPrintable(m_lastAnswers));
    }

    void memberOptionsEditTheServerLineAndUndo()
    {
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        const ServerSnapshot* u3 = session.store().entry(0).snapshot->server(QStringLiteral("api"), upstream(2));
        QVERIFY(u3);
        QCOMPARE(u3->options.value(QStringLiteral("backup")), QStringLiteral("off"));
        QCOMPARE(u3->options.value(QStringLiteral("max_fails")), QStringLiteral("3"));
        const ServerRef third { m_changed.gateway.name, QStringLiteral("api"), upstream(2) };
        const ServerRef first { m_changed.gateway.name, QStringLiteral("api"), upstream(0) };
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().apply({ MemberOptionChange { third, QStringLiteral("backup"), QStringLiteral("on") },
                                       MemberOptionChange { first, QStringLiteral("max_fails"), QStringLiteral("5") } },
            QStringLiteral("options"), true);
        FLEETDECK_REPORT(set, finished);
        QVERIFY2(
            set.ok(), qPrintable(set.outcomes.value(0).message + QLatin1Char(' ') + set.outcomes.value(1).message));
        const QByteArray file = readFile(m_changed.upstreams);
        QVERIFY2(
            file.contains(
                QStringLiteral("server %1 weight=1 max_fails=3 fail_timeout=10s backup;").arg(upstream(2)).toUtf8())
                && file.contains(
                    QStringLiteral("server %1 weight=1 max_fails=5 fail_timeout=10s;").arg(upstream(0)).toUtf8()),
            file.constData());
        // A backup gets nothing while the others serve.
        const QMap<QString, int> by = served(m_changed);
        QVERIFY2(!by.contains(upstream(2)) && by.value(upstream(0)) > 0 && by.value(upstream(1)) > 0,
            qPrintable(m_lastAnswers));
        // A bad value is refused before anything is read or sent.
        session.controller().apply(
            { MemberOptionChange { first, QStringLiteral("fail_timeout"), QStringLiteral("soon") } },
            QStringLiteral("bad"));
        FLEETDECK_REPORT(bad, finished);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.outcomes.first().message.contains(QLatin1String("a time such as")),
            qPrintable(bad.outcomes.first().message));
        session.controller().apply(set.undoChanges(), QStringLiteral("undo"), true);
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
    }

    void anEditBehindFleetdecksBackIsAConflict()
    {
        Session session(changed(3600 * 1000)); // one poll: what the operator saw stays as it was
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        const QByteArray theirs = m_original + "# someone else was here\n";
        QVERIFY(writeFile(m_changed.upstreams, theirs));

        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().apply(
            { ServerStateChange { { m_changed.gateway.name, QStringLiteral("api"), upstream(0) }, AdminState::Drain } },
            QStringLiteral("drain u1"));
        FLEETDECK_REPORT(report, finished);
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.first().conflict);
        QVERIFY2(
            report.outcomes.first().message.contains(m_changed.upstreams), qPrintable(report.outcomes.first().message));
        QCOMPARE(readFile(m_changed.upstreams), theirs); // nothing overwritten
    }

    void aChangeNginxTestRefusesLeavesTheFileAndSaysWhy()
    {
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        // A host name nginx cannot resolve (the lab is offline, and .invalid never resolves): `nginx -t` refuses.
        ServerSpec spec;
        spec.gateway = m_changed.gateway.name;
        spec.backend = QStringLiteral("api");
        spec.host = QStringLiteral("nowhere.invalid");
        spec.port = 8080;
        spec.name = spec.address();
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().addServer(spec);
        FLEETDECK_REPORT(report, finished);
        QVERIFY(!report.ok());
        const QString message = report.outcomes.first().message;
        QVERIFY2(message.contains(QLatin1String("nginx -t refused"))
                && message.contains(QLatin1String("nowhere.invalid"))
                && message.contains(QLatin1String("upstreams.conf:")),
            qPrintable(message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
        QVERIFY2(allThreeServe(m_changed), qPrintable(m_lastAnswers));
    }

    void aReloadNginxDoesNotTakeIsRolledBackAndSaid()
    {
        // Someone put a listen on a port already in use into the main file: `nginx -t` passes, the reload does not
        // apply (the error is only in the error log, and `nginx -s reload` exits 0).
        const int busy = m_read.frontPort;
        QByteArray main = m_originalMain;
        const QByteArray listen = QStringLiteral("listen 127.0.0.1:%1;").arg(m_changed.frontPort).toUtf8();
        QVERIFY(main.contains(listen));
        main.replace(listen, QByteArray(listen + QStringLiteral("\n        listen 127.0.0.1:%1;").arg(busy).toUtf8()));
        QVERIFY(writeFile(m_changed.config, main));

        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().apply(
            { ServerStateChange { { m_changed.gateway.name, QStringLiteral("api"), upstream(0) }, AdminState::Drain } },
            QStringLiteral("drain u1"));
        // nginx retries a bind for about 2.5 s before it gives up a reload, twice here (ours, then the rollback's).
        FLEETDECK_REPORT(report, finished, 0, 40000);
        QVERIFY(!report.ok());
        const QString message = report.outcomes.first().message;
        QVERIFY2(message.contains(QLatin1String("did not take"))
                && message.contains(QLatin1String("Address already in use"))
                && message.contains(QLatin1String("restored")),
            qPrintable(message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
        // The old configuration keeps serving, u1 included.
        QVERIFY2(allThreeServe(m_changed), qPrintable(m_lastAnswers));
    }

    void aReadOnlyFileIsRefusedUntouched()
    {
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        QVERIFY(QFile::setPermissions(m_changed.upstreams, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().apply(
            { WeightChange { { m_changed.gateway.name, QStringLiteral("api"), upstream(0) }, 9 } },
            QStringLiteral("w"));
        FLEETDECK_REPORT(report, finished);
        QFile::setPermissions(
            m_changed.upstreams, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("read-only")),
            qPrintable(report.outcomes.first().message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
    }

    void passiveFailuresFromTheErrorLogAreEvents()
    {
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        // A server nobody listens on, added to "api": nginx's own tries fail and it takes it out for a while.
        const int closed = closedPort();
        ServerSpec spec;
        spec.gateway = m_changed.gateway.name;
        spec.backend = QStringLiteral("api");
        spec.host = QStringLiteral("127.0.0.1");
        spec.port = closed;
        spec.name = spec.address();
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().addServer(spec);
        FLEETDECK_REPORT(added, finished);
        QVERIFY2(added.ok(), qPrintable(added.outcomes.value(0).message));
        served(m_changed); // nginx retries on the next server: clients see no error
        const QString object = QStringLiteral("api/") + spec.name;
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(session.events.events().cbegin(), session.events.events().cend(),
                                     [&](const FleetEvent& e) {
                                         return e.object == object
                                             && e.text.contains(QLatin1String("connect() failed"));
                                     }),
            10000);
        QTRY_COMPARE_WITH_TIMEOUT(
            session.store().entry(0).snapshot->server(QStringLiteral("api"), spec.name)->health, Health::Down, 10000);
        session.controller().apply(added.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
    }

    void aDrainEverywhereSpansHAProxyAndNginx()
    {
        // The same upstream behind haproxy-1's api/s1 and nginx-2's api: one request drains it on both.
        Assembly assembly;
        GatewayConfig haproxy;
        for (const GatewayConfig& g : m_lab.gateways)
            if (g.product == QLatin1String("haproxy") && haproxy.name.isEmpty())
                haproxy = g;
        QVERIFY(!haproxy.name.isEmpty());
        const int adminPort = m_lab.haproxy.first().adminPort;
        assembly.controller().addGateway(haproxy);
        assembly.controller().addGateway(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(assembly.store().gatewayCount() == 2 && assembly.store().entry(0).snapshot
                && assembly.store().entry(1).snapshot,
            20000);
        QList<ServerRef> everywhere;
        for (int i = 0; i < assembly.store().gatewayCount(); ++i)
            for (const BackendSnapshot& b : assembly.store().entry(i).snapshot->backends)
                for (const ServerSnapshot& s : b.servers)
                    if (s.address == upstream(0) && !b.tcp)
                        everywhere.append({ assembly.store().entry(i).config.name, b.name, s.name });
        QCOMPARE(everywhere.size(), 2);
        QSignalSpy finished(&assembly.controller(), &FleetActions::actionFinished);
        FLEETDECK_REPORT(drained, finished, assembly.controller().setServerState(everywhere, AdminState::Drain));
        QVERIFY2(drained.ok(),
            qPrintable(drained.outcomes.value(0).message + QLatin1Char(' ') + drained.outcomes.value(1).message));
        QCOMPARE(
            Test::haproxyServerField(adminPort, QStringLiteral("api"), QStringLiteral("s1"), QStringLiteral("status")),
            QStringLiteral("DRAIN"));
        QVERIFY(
            readFile(m_changed.upstreams)
                .contains(QStringLiteral("%1 weight=1 max_fails=3 fail_timeout=10s down;").arg(upstream(0)).toUtf8()));
        FLEETDECK_REPORT(ready, finished, assembly.controller().setServerState(everywhere, AdminState::Ready));
        QVERIFY(ready.ok());
        QCOMPARE(readFile(m_changed.upstreams), m_original);
        QVERIFY(
            Test::haproxyServerField(adminPort, QStringLiteral("api"), QStringLiteral("s1"), QStringLiteral("status"))
                .startsWith(QLatin1String("UP")));
    }

    void aRollingDrainOverNginxGatewaysGoesOneGatewayAtATime()
    {
        Assembly assembly;
        GatewayConfig first = m_read.gateway;
        first.pollIntervalMs = 500;
        const QByteArray firstOriginal = readFile(m_read.upstreams);
        assembly.controller().addGateway(first);
        assembly.controller().addGateway(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(assembly.store().gatewayCount() == 2 && assembly.store().entry(0).snapshot
                && assembly.store().entry(1).snapshot,
            20000);
        const QList<ServerRef> targets = { { m_read.gateway.name, QStringLiteral("api"), upstream(0) },
            { m_changed.gateway.name, QStringLiteral("api"), upstream(0) } };
        QSignalSpy finished(&assembly.controller(), &FleetActions::actionFinished);
        QSignalSpy progress(&assembly.controller(), &FleetActions::rollingProgress);
        FLEETDECK_REPORT(
            rolled, finished, assembly.controller().rollingState(targets, AdminState::Drain, 1, 0.5, 200), 30000);
        QVERIFY2(rolled.ok(),
            qPrintable(rolled.outcomes.value(0).message + QLatin1Char(' ') + rolled.outcomes.value(1).message));
        // One batch per gateway, each verified and health-gated before the next.
        QList<int> done;
        for (const QList<QVariant>& p : std::as_const(progress))
            if (!done.contains(p.at(1).toInt()))
                done.append(p.at(1).toInt());
        QVERIFY2(done.contains(1) && done.contains(2), qPrintable(QString::number(done.size())));
        QVERIFY(readFile(m_read.upstreams).contains(" down;"));
        QVERIFY(readFile(m_changed.upstreams).contains(" down;"));
        FLEETDECK_REPORT(back, finished, assembly.controller().setServerState(targets, AdminState::Ready));
        QVERIFY(back.ok());
        QCOMPARE(readFile(m_read.upstreams), firstOriginal);
        QCOMPARE(readFile(m_changed.upstreams), m_original);
    }

    void aFullDiskIsARefusalAndTheFileIsUntouched()
    {
        // nginx-2's conf.d on a 64 KiB tmpfs filled to the last byte: the backup or the new file cannot be written.
        const QString confd = QFileInfo(m_changed.upstreams).absolutePath();
        if (QProcess::execute(QStringLiteral("mount"),
                { QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"), QStringLiteral("size=64k"),
                    QStringLiteral("tmpfs"), confd })
            != 0)
            QSKIP("mounting a small tmpfs needs root (CI runs as root): a full disk is not tried here");
        auto unmount = qScopeGuard([confd] { QProcess::execute(QStringLiteral("umount"), { confd }); });
        QVERIFY(writeFile(m_changed.upstreams, m_original));
        QProcess::execute(QStringLiteral("sh"),
            { QStringLiteral("-c"), QStringLiteral("cat /dev/zero > '%1/.filler' 2>/dev/null; true").arg(confd) });
        Session session(changed(500));
        QTRY_VERIFY_WITH_TIMEOUT(session.store().entry(0).snapshot.has_value(), 20000);
        QSignalSpy finished(&session.controller(), &FleetActions::actionFinished);
        session.controller().apply(
            { ServerStateChange { { m_changed.gateway.name, QStringLiteral("api"), upstream(0) }, AdminState::Drain } },
            QStringLiteral("drain u1"));
        FLEETDECK_REPORT(report, finished);
        QVERIFY(!report.ok());
        const QString message = report.outcomes.first().message;
        QVERIFY2(
            message.contains(QLatin1String("No space left on device")) && message.contains(QLatin1String("untouched")),
            qPrintable(message));
        QCOMPARE(readFile(m_changed.upstreams), m_original);
    }

    void sshProblemsNameTheGatewayAndTheCause()
    {
        QTemporaryDir dir;
        // No host key known for the lab's sshd: refused, and said so.
        QByteArray config = readFile(m_lab.sshConfig);
        const QString known = m_lab.sshDir + QStringLiteral("/known_hosts");
        QVERIFY(config.contains(known.toUtf8()));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("empty_known_hosts")), {}));
        QByteArray unknownHost = config;
        unknownHost.replace(known.toUtf8(), dir.filePath(QStringLiteral("empty_known_hosts")).toUtf8());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("unknown-host")), unknownHost));
        GatewayConfig c = m_read.gateway;
        c.name = QStringLiteral("nginx-unknown-host");
        c.options.insert(QStringLiteral("sshConfig"), dir.filePath(QStringLiteral("unknown-host")));
        const Result<GatewaySnapshot> hostKey = snapshotOf(c);
        QVERIFY(!hostKey.ok());
        QCOMPARE(hostKey.failureKind(), Failure::Certificate);
        QVERIFY2(hostKey.error().startsWith(QLatin1String("nginx-unknown-host"))
                && hostKey.error().contains(QLatin1String("host key")),
            qPrintable(hostKey.error()));

        // A key the server does not accept.
        QByteArray otherKey = config;
        const QString key = m_lab.sshDir + QStringLiteral("/user_key");
        QVERIFY(QProcess::execute(QStringLiteral("ssh-keygen"),
                    { QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"), QStringLiteral("-N"),
                        QString(), QStringLiteral("-f"), dir.filePath(QStringLiteral("stranger")) })
            == 0);
        otherKey.replace(key.toUtf8(), dir.filePath(QStringLiteral("stranger")).toUtf8());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("other-key")), otherKey));
        c.name = QStringLiteral("nginx-other-key");
        c.options.insert(QStringLiteral("sshConfig"), dir.filePath(QStringLiteral("other-key")));
        const Result<GatewaySnapshot> auth = snapshotOf(c);
        QVERIFY(!auth.ok());
        QCOMPARE(auth.failureKind(), Failure::Authentication);
        QVERIFY2(auth.error().contains(QLatin1String("authentication failed")), qPrintable(auth.error()));
    }

    void aCommandThatHangsTimesOut_data()
    {
        QTest::addColumn<bool>("local");
        QTest::newRow("ssh") << false;
        QTest::newRow("local") << true;
    }
    // The gateway's nginx command hangs (a stalled disk, a lock): the read gives up at the deadline, says what it was
    // doing, and leaves nothing running (the hung command is killed with the shell that started it).
    void aCommandThatHangsTimesOut()
    {
        QFETCH(bool, local);
        GatewayConfig c = m_read.gateway;
        c.name = QStringLiteral("nginx-stalled");
        c.deadlineMs = 1500;
        if (local) {
            c.admin = QUrl(QStringLiteral("local:"));
            c.options.remove(QStringLiteral("sshConfig"));
        }
        // A sleep no other process on this machine has: what is left of it afterwards is ours.
        const QString marker = QStringLiteral("3%1.25").arg(QDateTime::currentMSecsSinceEpoch() % 1000);
        c.options.insert(QStringLiteral("nginx"), QStringLiteral("sh -c 'sleep %1'").arg(marker));
        QElapsedTimer clock;
        clock.start();
        const Result<GatewaySnapshot> snap = snapshotOf(c);
        QVERIFY2(!snap.ok(), qPrintable(snap.ok() ? snap.value().noticeText() : QString()));
        QVERIFY2(snap.error().contains(QLatin1String("\"the poll (nginx -T and the logs)\" did not finish within 1500 ms")),
            qPrintable(snap.error()));
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        // On this machine at once; over ssh, the remote timeout ends it within a few seconds of the deadline.
        auto left = [&marker] {
            QProcess pgrep;
            pgrep.start(QStringLiteral("pgrep"), { QStringLiteral("-f"), QStringLiteral("sleep %1").arg(marker) });
            pgrep.waitForFinished(5000);
            return QString::fromUtf8(pgrep.readAllStandardOutput()).trimmed();
        };
        QVERIFY2(QTest::qWaitFor([&] { return left().isEmpty(); }, local ? 1000 : 6000), qPrintable(left()));
    }
};

QTEST_GUILESS_MAIN(TestNginxDriver)
#include "tst_nginxdriver.moc"
