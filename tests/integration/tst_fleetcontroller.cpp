// The fleet controller on the lab's real HAProxy fleet: polls, verified actions across gateways, refusals,
// and a gateway killed and restarted under it.
#include <cmath>
#include <limits>

#include <QFile>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "journal.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"
#include "serieskeys.h"

using namespace Fleetdeck;

class TestFleetController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QCOMPARE(lab.gateways.size(), lab.haproxy.size());
        controller.setMaxBackoffMs(1000);
        controller.setEventLog(&events);
        QVERIFY(journal.open(journalDir.filePath(QStringLiteral("journal.sqlite"))).ok());
        controller.setJournal(&journal);
        for (GatewayConfig c : lab.gateways) {
            c.pollIntervalMs = 500;
            controller.addGateway(c);
        }
        for (int i = 0; i < store.gatewayCount(); ++i)
            QTRY_VERIFY_WITH_TIMEOUT(store.entry(i).snapshot.has_value(), 10000);
    }

    void pollsFillStoresAndRates()
    {
        QCOMPARE(store.entry(0).status.connection, Connection::Up);
        QVERIFY(store.entry(0).status.lastSeenMs > 0);
        QCOMPARE(store.entry(0).capabilities.rules.weightMax, 256);
        // The lab's traffic runs all the time: rates show up after two polls.
        const QString key
            = SeriesKeys::requestRate(SeriesKeys::subject(QStringLiteral("haproxy-1"), QStringLiteral("api")));
        QTRY_VERIFY_WITH_TIMEOUT(!std::isnan(metrics.latest(key)) && metrics.latest(key) > 0, 10000);
    }

    void drainAcrossGatewaysIsVerified()
    {
        const QList<ServerRef> targets {
            { QStringLiteral("haproxy-1"), QStringLiteral("static"), QStringLiteral("s3") },
            { QStringLiteral("haproxy-2"), QStringLiteral("static"), QStringLiteral("s3") },
        };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const quint64 id = controller.setServerState(targets, AdminState::Drain);
        QVERIFY(finished.wait(10000));
        auto report = finished.takeFirst().at(0).value<ActionReport>();
        QCOMPARE(report.id, id);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QCOMPARE(report.outcomes.size(), 2);
        // HAProxy may append the health transition ("DRAIN 1/3"); the state is the first word.
        for (const auto& h : lab.haproxy)
            QVERIFY(Test::haproxyServerField(
                h.adminPort, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"))
                        .startsWith(QLatin1String("DRAIN")));
        // Both the change and the transition HAProxy reported are on the timeline, for each gateway.
        for (const auto& h : lab.haproxy) {
            const auto seen
                = events.eventsFor(SeriesKeys::subject(h.name, QStringLiteral("static"), QStringLiteral("s3")), 0,
                    std::numeric_limits<qint64>::max());
            bool change = false, transition = false;
            for (const FleetEvent& e : seen) {
                change = change
                    || (e.kind == FleetEvent::Kind::Change && e.text.contains(QLatin1String("done and verified")));
                transition = transition
                    || (e.kind == FleetEvent::Kind::Transition && e.text.contains(QStringLiteral("ready → drain")));
            }
            QVERIFY2(change && transition, qPrintable(h.name));
        }
        // The store already shows it: the verification re-read was applied.
        QCOMPARE(
            store.entry(0).snapshot->server(QStringLiteral("static"), QStringLiteral("s3"))->admin, AdminState::Drain);

        controller.setServerState(targets, AdminState::Ready);
        QVERIFY(finished.wait(10000));
        report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(report.ok());
        for (const auto& h : lab.haproxy)
            QVERIFY(Test::haproxyServerField(
                h.adminPort, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"))
                        .startsWith(QLatin1String("UP")));
    }

    void everyAttemptIsJournaled()
    {
        // The drain and ready of the previous test: an attempt and a result each, per server, all verified.
        const auto all = journal.readAll();
        int attempts = 0, verified = 0;
        for (const JournalEntry& e : all) {
            if (e.object != QLatin1String("static/s3"))
                continue;
            attempts += e.kind == QLatin1String("attempt") ? 1 : 0;
            verified += e.result == QLatin1String("verified") ? 1 : 0;
        }
        QCOMPARE(attempts, 4); // 2 servers x (drain, ready)
        QCOMPARE(verified, 4);
        // Every attempt is written before its result, and each has exactly one result after it.
        QHash<QString, qint64> attemptRow; // "action object" -> the attempt's row
        QHash<QString, int> results;
        for (const JournalEntry& e : all) {
            const QString key = QStringLiteral("%1 %2 %3").arg(e.actionId).arg(e.gateway, e.object);
            if (e.kind == QLatin1String("attempt")) {
                QVERIFY2(!attemptRow.contains(key), qPrintable(QStringLiteral("two attempts for ") + key));
                attemptRow.insert(key, e.rowId);
            } else {
                QVERIFY2(!attemptRow.contains(key) || attemptRow.value(key) < e.rowId,
                    qPrintable(QStringLiteral("a result before its attempt: ") + key));
                results[key] += 1;
            }
        }
        QVERIFY(!attemptRow.isEmpty());
        for (auto it = attemptRow.cbegin(); it != attemptRow.cend(); ++it)
            QVERIFY2(results.value(it.key()) == 1, qPrintable(QStringLiteral("not one result for ") + it.key()));
    }

    void readOnlySendsNothing()
    {
        const ServerRef s2 { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s2") };
        const qsizetype journalBefore = journal.readAll().size();
        controller.setReadOnly(QStringLiteral("test"));
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.setServerState({ s2 }, AdminState::Maint);
        QVERIFY(finished.wait(5000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        controller.setReadOnly({});
        QVERIFY(!report.ok());
        QCOMPARE(report.outcomes.first().message, QStringLiteral("not sent: Fleetdeck is read-only (test)"));
        QVERIFY(Test::haproxyServerField(lab.haproxy.at(0).adminPort, s2.backend, s2.server, QStringLiteral("status"))
                    .startsWith(QLatin1String("UP")));
        QCOMPARE(journal.readAll().size(), journalBefore); // nothing attempted, nothing journaled
    }

    void readOnlyGatewayGetsNothing()
    {
        // With a journal: a gateway read-only in the fleet gets no attempt written, let alone sent.
        Assembly::Options options;
        options.journal = true;
        options.journalPath = journalDir.filePath(QStringLiteral("read-only.sqlite"));
        Assembly roAssembly(options);
        QVERIFY2(roAssembly.journal(), qPrintable(roAssembly.journalError()));
        FleetStore& roStore = roAssembly.store();
        FleetController& ro = roAssembly.controller();
        GatewayConfig c = store.entry(0).config;
        c.readOnly = true;
        ro.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(roStore.entry(0).snapshot.has_value(), 10000);
        QSignalSpy finished(&ro, &FleetActions::actionFinished);
        ro.setServerState({ { c.name, QStringLiteral("api"), QStringLiteral("s2") } }, AdminState::Maint);
        QVERIFY(finished.wait(5000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        QCOMPARE(report.outcomes.first().message, QStringLiteral("not sent: %1 is read-only in the fleet").arg(c.name));
        ro.changeRateLimits({ { c.name, RateScope::Key, QStringLiteral("key-ro"), 5 } });
        QVERIFY(finished.wait(5000));
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().outcomes.first().message.contains(
            QLatin1String("read-only")));
        QVERIFY(Test::haproxyServerField(
            lab.haproxy.at(0).adminPort, QStringLiteral("api"), QStringLiteral("s2"), QStringLiteral("status"))
                    .startsWith(QLatin1String("UP")));
        // Journaled as refused (what was asked, and why not), with no attempt.
        const auto rows = roAssembly.journal()->readAll();
        QCOMPARE(rows.size(), 2);
        for (const JournalEntry& e : rows) {
            QCOMPARE(e.kind, QStringLiteral("result"));
            QCOMPARE(e.result, QStringLiteral("failed"));
            QVERIFY2(e.answer.contains(QLatin1String("read-only")), qPrintable(e.answer));
        }
    }

    void weightIsVerified()
    {
        const ServerRef s1 { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s1") };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.setServerWeight({ s1 }, 7);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(report.ok());
        QVERIFY(report.outcomes.first().message.contains(QLatin1String("weight 7")));
        QCOMPARE(
            Test::haproxyServerField(lab.haproxy.at(0).adminPort, s1.backend, s1.server, QStringLiteral("uweight")),
            QStringLiteral("7"));
        controller.setServerWeight({ s1 }, 1);
        QVERIFY(finished.wait(10000));
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
    }

    void refusalNamesGatewayAndObject()
    {
        const QList<ServerRef> targets {
            { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("s3") },
            { QStringLiteral("haproxy-1"), QStringLiteral("api"), QStringLiteral("nope") },
        };
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.setServerState(targets, AdminState::Maint);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        QCOMPARE(report.failures(), 1);
        QVERIFY(report.outcomes.at(0).ok); // the good one took, and says so
        const QString message = report.outcomes.at(1).message;
        // Checked against a fresh read before sending, so HAProxy is never asked (its own refusal, "No such
        // server.", is covered by tst_haproxydriver).
        QVERIFY2(message.contains(QLatin1String("haproxy-1")) && message.contains(QLatin1String("api/nope"))
                && message.contains(QLatin1String("does not exist; nothing sent")),
            qPrintable(message));
        controller.setServerState({ targets.first() }, AdminState::Ready);
        QVERIFY(finished.wait(10000));
    }

    void conflictBehindOurBackIsNotOverwritten()
    {
        // A second controller that polls rarely, so what it last saw goes stale.
        Assembly slowAssembly;
        FleetStore& slowStore = slowAssembly.store();
        FleetController& slow = slowAssembly.controller();
        GatewayConfig c = store.entry(0).config;
        c.pollIntervalMs = 600000;
        slow.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(slowStore.entry(0).snapshot.has_value(), 10000);
        const ServerRef s3 { c.name, QStringLiteral("api"), QStringLiteral("s3") };
        QCOMPARE(slowStore.entry(0).snapshot->server(s3.backend, s3.server)->admin, AdminState::Ready);

        // Someone else puts it in maintenance over the runtime API.
        const int port = lab.haproxy.at(0).adminPort;
        QVERIFY(Test::haproxyCommand(port, "set server api/s3 state maint").trimmed().isEmpty());

        QSignalSpy finished(&slow, &FleetActions::actionFinished);
        slow.setServerState({ s3 }, AdminState::Drain);
        QVERIFY(finished.wait(10000));
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.first().conflict);
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("is now maint, not ready")),
            qPrintable(report.outcomes.first().message));
        // Nothing was overwritten: HAProxy still says what the other operator set.
        QVERIFY(Test::haproxyServerField(port, s3.backend, s3.server, QStringLiteral("status"))
                    .startsWith(QLatin1String("MAINT")));
        QVERIFY(Test::haproxyCommand(port, "set server api/s3 state ready").trimmed().isEmpty());
    }

    void killedGatewayIsUnreachableThenRecovers()
    {
        const int index = 1;
        const QString name = lab.haproxy.at(index).name;
        const QString key = SeriesKeys::requestRate(SeriesKeys::subject(name));
        const qint64 oldPid = store.entry(index).snapshot->pid;
        QVERIFY(lab.control(QStringLiteral("kill-haproxy"), index));

        QTRY_COMPARE_WITH_TIMEOUT(store.entry(index).status.connection, Connection::Unreachable, 5000);
        // This gateway's own events, not whatever came last from the other.
        auto connectionEvents = [this, &name](const QString& prefix) {
            QList<FleetEvent> out;
            for (const FleetEvent& e : events.eventsFor(name, 0, std::numeric_limits<qint64>::max())) {
                if (e.kind == FleetEvent::Kind::Connection && e.gateway == name && e.text.startsWith(prefix))
                    out.append(e);
            }
            return out;
        };
        QTRY_COMPARE_WITH_TIMEOUT(connectionEvents(QStringLiteral("unreachable")).size(), 1, 2000);
        const qint64 lostAt = connectionEvents(QStringLiteral("unreachable")).first().timeMs;
        QVERIFY(connectionEvents(QStringLiteral("reachable again")).isEmpty());
        const GatewayStatus down = store.entry(index).status;
        QVERIFY(down.lastSeenMs > 0);
        QVERIFY2(
            down.lastError.startsWith(name) && down.lastError.contains(QLatin1String("refused"), Qt::CaseInsensitive),
            qPrintable(down.lastError));
        QVERIFY(std::isnan(metrics.latest(key))); // a gap, not a zero
        QVERIFY(store.entry(index).snapshot.has_value()); // the last answer is kept, marked stale
        QCOMPARE(store.entry(0).status.connection, Connection::Up); // the other gateway is unaffected

        QVERIFY(lab.control(QStringLiteral("start-haproxy"), index));
        QTRY_COMPARE_WITH_TIMEOUT(store.entry(index).status.connection, Connection::Up, 10000);
        QVERIFY(store.entry(index).snapshot->pid != oldPid);
        QTRY_COMPARE_WITH_TIMEOUT(connectionEvents(QStringLiteral("reachable again")).size(), 1, 5000);
        QVERIFY(connectionEvents(QStringLiteral("reachable again")).first().timeMs >= lostAt);
        QVERIFY(store.entry(index).status.lastError.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!std::isnan(metrics.latest(key)), 10000);
        QVERIFY(metrics.latest(key) >= 0); // counters restarted from zero: no negative rate
    }

private:
    Test::Lab lab;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    EventLog& events = assembly.events();
    QTemporaryDir journalDir;
    Journal journal;
    FleetController& controller = assembly.controller();
};

QTEST_GUILESS_MAIN(TestFleetController)
#include "tst_fleetcontroller.moc"
