// The change pipeline, on in-memory fake gateways (no lab): what is refused before anything is sent, conflicts,
// the journal's attempt before the send and result after it, verification that waits for a change to show and
// fails when it does not, undo, requests reviewed together, safe removal step by step, versioned writes, and
// remedies. The fake stands in for no product: the same pipeline runs against the real gateways in integration/.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "fakegateway.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "reports.h"

using namespace Fleetdeck;
using Test::FakeGateway;

class TestChangePipeline : public QObject
{
    Q_OBJECT

    std::unique_ptr<Assembly> app;
    std::unique_ptr<QSignalSpy> finished;
    QTemporaryDir dir;

    FleetController& fleet() { return app->controller(); }
    FleetStore& store() { return app->store(); }

    // A fake gateway with two pools of three members, in the fleet and polled once.
    void addFake(const QString& name, const QString& product = QStringLiteral("fake"))
    {
        FakeGateway& g = FakeGateway::named(name);
        g.pool = FakeGateway::pools({ QStringLiteral("api"), QStringLiteral("static") }, 3);
        fleet().addGateway(Test::fakeGateway(name, product));
        QTRY_VERIFY_WITH_TIMEOUT(store().indexOf(name) >= 0 && store().entry(store().indexOf(name)).snapshot, 5000);
    }
    // The report of request id (spied on from the start, so a report that came while waiting for another is kept).
    // The report of request id. One that never comes fails the test here, and what is returned then is a failed
    // report with one outcome saying so: the checks after it read a real object, never an empty one.
    ActionReport run(quint64 id)
    {
        if (const auto report = Test::waitReport(*finished, id, 10000))
            return *report;
        const QString missing = QStringLiteral("no report for request %1 came in 10 s").arg(id);
        QTest::qFail(qPrintable(missing), __FILE__, __LINE__);
        ActionReport failed;
        failed.id = id;
        ActionOutcome none;
        none.message = missing;
        failed.outcomes.append(none);
        return failed;
    }
    const ServerSnapshot* member(const QString& gateway, const QString& backend, const QString& server)
    {
        for (const BackendSnapshot& b : FakeGateway::named(gateway).pool.backends) {
            for (const ServerSnapshot& s : b.servers) {
                if (b.name == backend && s.name == server)
                    return &s;
            }
        }
        return nullptr;
    }
    QList<JournalEntry> journal() { return app->journal()->readAll(); }

private Q_SLOTS:
    void init()
    {
        FakeGateway::resetAll();
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        options.journal = true;
        options.journalPath
            = dir.filePath(QStringLiteral("journal-%1.sqlite").arg(QString::fromLatin1(QTest::currentTestFunction())));
        app = std::make_unique<Assembly>(options);
        QVERIFY2(app->journal(), qPrintable(app->journalError()));
        finished = std::make_unique<QSignalSpy>(&app->controller(), &FleetActions::actionFinished);
    }
    void cleanup()
    {
        finished.reset();
        app.reset();
    }

    void whatTheProductCannotDoIsRefusedBeforeAnythingIsSent()
    {
        addFake(QStringLiteral("lim"), QStringLiteral("fake-limited"));
        const ServerRef s1 { QStringLiteral("lim"), QStringLiteral("api"), QStringLiteral("s1") };
        const auto report = run(fleet().setServerState({ s1 }, AdminState::Drain));
        QCOMPARE(report.outcomes.size(), 1);
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(
                     QLatin1String("has no drain at runtime: remove the member instead")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(!report.outcomes.first().sent);
        QVERIFY(FakeGateway::named(QStringLiteral("lim")).sent.isEmpty());
        // Journaled as a result with no attempt: it was asked for, and refused.
        const auto rows = journal();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().kind, QStringLiteral("result"));
        QCOMPARE(rows.first().result, QStringLiteral("failed"));
        // Positive control: what it can do goes out.
        ServerSpec spec { QStringLiteral("lim"), QStringLiteral("api"), QStringLiteral("10.0.0.9:80"),
            QStringLiteral("10.0.0.9"), 80, 1 };
        QVERIFY(run(fleet().addServer(spec)).ok());
        QCOMPARE(FakeGateway::named(QStringLiteral("lim")).sent.size(), 1);
    }

    void anInvalidChangeIsRefusedFieldByField()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        const auto report = run(fleet().setServerWeight({ s1 }, 500));
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("weight: 500 is outside 0..100")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1"))->weight, 1);
    }

    void aConflictIsNotSent()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s2 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s2") };
        // Someone puts s2 in maintenance behind Fleetdeck's back, after the operator saw it ready.
        FakeGateway::named(QStringLiteral("gw")).pool.backends[0].servers[1].admin = AdminState::Maint;
        const auto report = run(fleet().setServerState({ s2 }, AdminState::Drain));
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.first().conflict);
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("is now maint, not ready")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
        // Once the operator has seen it as it is, the same request goes out and is verified.
        QTRY_COMPARE_WITH_TIMEOUT(
            store().entry(store().indexOf(QStringLiteral("gw"))).snapshot->server(s2.backend, s2.server)->admin,
            AdminState::Maint, 5000);
        const auto again = run(fleet().setServerState({ s2 }, AdminState::Drain));
        QVERIFY2(again.ok(), qPrintable(again.outcomes.first().message));
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s2"))->admin, AdminState::Drain);
    }

    void theJournalHoldsTheAttemptBeforeTheSendAndTheResultAfter()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        // The attempt is on disk when the gateway is reached.
        bool attemptFirst = false;
        connect(app->journal(), &Journal::appended, this, [&attemptFirst](const JournalEntry& e) {
            attemptFirst = attemptFirst
                || (e.kind == QLatin1String("attempt") && FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
        });
        const auto report = run(fleet().setServerState({ s1 }, AdminState::Drain));
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QVERIFY(attemptFirst);
        const auto rows = journal();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows.at(0).kind, QStringLiteral("attempt"));
        QCOMPARE(rows.at(0).before, QStringLiteral("ready"));
        QCOMPARE(rows.at(0).after, QStringLiteral("drain"));
        QCOMPARE(rows.at(1).kind, QStringLiteral("result"));
        QCOMPARE(rows.at(1).result, QStringLiteral("verified"));
        QCOMPARE(rows.at(1).object, QStringLiteral("api/s1"));
    }

    void verificationWaitsForAChangeToShowAndFailsWhenItDoesNot()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        g.showAfterReads = 2; // shows at the second re-read: within the product's three
        const auto slow = run(fleet().setServerState({ s1 }, AdminState::Maint));
        QVERIFY2(slow.ok(), qPrintable(slow.outcomes.first().message));
        g.showAfterReads = 50; // never, as far as verification can tell
        const auto never = run(fleet().setServerState({ s1 }, AdminState::Ready));
        QVERIFY(!never.ok());
        QVERIFY2(never.outcomes.first().message.contains(QLatin1String("asked for ready, the gateway reports maint")),
            qPrintable(never.outcomes.first().message));
        QCOMPARE(journal().last().result, QStringLiteral("failed"));
    }

    void undoPutsBackWhatWasThere()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s3 { QStringLiteral("gw"), QStringLiteral("static"), QStringLiteral("s3") };
        const auto report = run(fleet().setServerWeight({ s3 }, 7));
        QVERIFY(report.ok());
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("static"), QStringLiteral("s3"))->weight, 7);
        const QList<Change> back = report.undoChanges();
        QCOMPARE(back.size(), 1);
        QVERIFY(run(fleet().apply(back, QStringLiteral("undo"))).ok());
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("static"), QStringLiteral("s3"))->weight, 1);
        // A purge cannot be undone, and says so by having no undo.
        FakeGateway::named(QStringLiteral("gw")).cache.purges = true;
        const auto purge
            = run(fleet().changePolicy({ PurgeChange { QStringLiteral("gw"), QStringLiteral("^/a/"), {} } }));
        QVERIFY2(purge.ok(), qPrintable(purge.outcomes.first().message));
        QVERIFY(purge.undoChanges().isEmpty());
    }

    void changesReviewedTogetherStopAtTheFirstFailure()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        g.refuseNext = QStringLiteral("map is full");
        const auto report
            = run(fleet().changeRateLimits({ { QStringLiteral("gw"), RateScope::Key, QStringLiteral("k1"), 5 },
                { QStringLiteral("gw"), RateScope::Key, QStringLiteral("k2"), 6 } }));
        QVERIFY(!report.ok());
        QVERIFY(report.outcomes.at(0).message.contains(QLatin1String("map is full")));
        QVERIFY2(report.outcomes.at(1).message.contains(QLatin1String("not sent: an earlier change")),
            qPrintable(report.outcomes.at(1).message));
        QVERIFY(g.sent.isEmpty());
        QVERIFY(g.limits.entries.isEmpty());
        // Changes not reviewed together (a multi-server drain) go on past a failure.
        const auto drains
            = run(fleet().setServerState({ { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("ghost") },
                                             { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") } },
                AdminState::Drain));
        QVERIFY(!drains.outcomes.at(0).ok);
        QVERIFY(drains.outcomes.at(1).ok);
    }

    void removalDrainsWaitsAndDeletesStepByStep()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        QSignalSpy progress(&fleet(), &FleetActions::removalProgress);
        const auto report
            = run(fleet().removeServer({ QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s3") }, 2000));
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QCOMPARE(g.sent,
            (QStringList { QStringLiteral("set gw:api/s3 to drain"), QStringLiteral("set gw:api/s3 to maint"),
                QStringLiteral("remove gw:api/s3") }));
        QVERIFY(!member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s3")));
        QStringList stages;
        for (const auto& p : std::as_const(progress))
            stages.append(p.at(1).toString());
        QVERIFY2(stages.contains(QStringLiteral("draining")) && stages.contains(QStringLiteral("deleting")),
            qPrintable(stages.join(QLatin1Char(','))));
        // Undo adds it back where it was, with its address.
        QVERIFY(run(fleet().apply(report.undoChanges(), QStringLiteral("undo"))).ok());
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s3"))->address,
            QStringLiteral("10.0.0.3:80"));
    }

    void aCancelledRemovalStopsBeforeItsNextStep()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        g.pool.backends[0].servers[0].sessions = 5; // sessions that never end: it waits
        const quint64 id
            = fleet().removeServer({ QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") }, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(g.sent.size() == 1, 5000); // drained, now waiting
        fleet().cancel(id);
        const auto report = run(id);
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("left drain and was not deleted")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1")));
    }

    void versionedWritesCarryTheVersionTheOperatorSaw()
    {
        addFake(QStringLiteral("lim"), QStringLiteral("fake-limited"));
        ServerSpec a { QStringLiteral("lim"), QStringLiteral("api"), QStringLiteral("10.0.0.7:80"),
            QStringLiteral("10.0.0.7"), 80, 1 };
        ServerSpec b = a;
        b.name = QStringLiteral("10.0.0.8:80");
        b.host = QStringLiteral("10.0.0.8");
        // Two changes in one request: the second is written against the version the first produced.
        const auto both = run(fleet().apply({ AddMemberChange { a }, AddMemberChange { b } }, QStringLiteral("two")));
        QVERIFY2(both.ok(), qPrintable(both.outcomes.last().message));
        // A change made against an older config is refused by the gateway: a conflict, not overwritten.
        ServerSpec c = a;
        c.name = QStringLiteral("10.0.0.9:80");
        c.host = QStringLiteral("10.0.0.9");
        const auto stale
            = run(fleet().apply({ Change(AddMemberChange { c }, QStringLiteral("v1")) }, QStringLiteral("stale")));
        QVERIFY(!stale.ok());
        QVERIFY(stale.outcomes.first().conflict);
        QCOMPARE(FakeGateway::named(QStringLiteral("lim")).sent.size(), 2);
    }

    void versionedWritesStartFromAReadingOfTheLastMoments()
    {
        // An hour between polls: past the second one (soon after the first), every read is the pipeline's.
        for (const QString& product : { QStringLiteral("fake-limited"), QStringLiteral("fake") }) {
            const QString name = product == QLatin1String("fake") ? QStringLiteral("plain") : QStringLiteral("lim");
            FakeGateway::named(name).pool = FakeGateway::pools({ QStringLiteral("api") }, 2);
            GatewayConfig c = Test::fakeGateway(name, product);
            c.pollIntervalMs = 3600 * 1000;
            fleet().addGateway(c);
            QTRY_VERIFY_WITH_TIMEOUT(store().indexOf(name) >= 0 && store().entry(store().indexOf(name)).snapshot, 5000);
        }
        auto add = [this](const QString& gateway, const QString& host) {
            // The limited fake names members by address, like Caddy; the other takes names.
            const QString name = gateway == QLatin1String("lim")
                ? host + QStringLiteral(":80")
                : QStringLiteral("n") + host.section(QLatin1Char('.'), 3);
            ServerSpec spec { gateway, QStringLiteral("api"), name, host, 80, 1 };
            return run(fleet().apply({ AddMemberChange { spec } }, QStringLiteral("add")));
        };
        FakeGateway& lim = FakeGateway::named(QStringLiteral("lim"));
        FakeGateway& plain = FakeGateway::named(QStringLiteral("plain"));
        // The first answer, then the second poll that comes soon after it (for rates); none after that.
        QTRY_COMPARE_WITH_TIMEOUT(lim.reads, 2, 3000);
        QTRY_COMPARE_WITH_TIMEOUT(plain.reads, 2, 3000);
        // The gateway checks the version itself: the poll of a moment ago stands for the read before sending, and
        // the verification reads.
        QVERIFY(add(QStringLiteral("lim"), QStringLiteral("10.0.0.7")).ok());
        QCOMPARE(lim.reads, 3);
        // Where nothing checks the version on the wire, the pipeline reads first.
        const auto plainAdded = add(QStringLiteral("plain"), QStringLiteral("10.0.0.7"));
        QVERIFY2(plainAdded.ok(), qPrintable(plainAdded.outcomes.value(0).message));
        QCOMPARE(plain.reads, 4);
        // A reading older than that is read again.
        QTest::qWait(2100);
        QVERIFY(add(QStringLiteral("lim"), QStringLiteral("10.0.0.8")).ok());
        QCOMPARE(lim.reads, 5);
        // Someone else's change since the reading: the gateway refuses the stale version, a conflict, not sent.
        const int sent = lim.sent.size();
        lim.configVersion = QStringLiteral("v99");
        const auto stale = add(QStringLiteral("lim"), QStringLiteral("10.0.0.9"));
        QVERIFY(!stale.ok());
        QVERIFY(stale.outcomes.first().conflict);
        QCOMPARE(lim.sent.size(), sent);
    }

    void readOnlyRefusesEverything()
    {
        addFake(QStringLiteral("gw"));
        fleet().setReadOnly(QStringLiteral("test"));
        const auto report = run(fleet().setServerState(
            { { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") } }, AdminState::Drain));
        QCOMPARE(report.outcomes.first().message, QStringLiteral("not sent: Fleetdeck is read-only (test)"));
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
    }

    void anUnreadableGatewayGetsNothing()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway::named(QStringLiteral("gw")).readError = QStringLiteral("connection reset");
        const auto report = run(fleet().setServerState(
            { { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") } }, AdminState::Drain));
        QVERIFY(!report.ok());
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("could not be read first: connection reset")),
            qPrintable(report.outcomes.first().message));
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
    }

    // Undo is a change like any other: a later change by someone else, already polled (so the operator's view shows
    // it too), is not overwritten by the undo.
    void anUndoAfterSomeoneElsesChangeIsAConflict()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s3 { QStringLiteral("gw"), QStringLiteral("static"), QStringLiteral("s3") };
        const auto report = run(fleet().setServerWeight({ s3 }, 7));
        QVERIFY(report.ok());
        const QList<Change> back = report.undoChanges();
        QCOMPARE(back.size(), 1);
        QCOMPARE(back.first().expectedState, QStringLiteral("weight 7"));
        FakeGateway::named(QStringLiteral("gw")).pool.backends[1].servers[2].weight = 9; // behind Fleetdeck's back
        QTRY_COMPARE_WITH_TIMEOUT(
            store().entry(store().indexOf(QStringLiteral("gw"))).snapshot->server(s3.backend, s3.server)->weight, 9,
            5000);
        FakeGateway::named(QStringLiteral("gw")).sent.clear();
        const auto undone = run(fleet().apply(back, QStringLiteral("undo")));
        QVERIFY(!undone.ok());
        QVERIFY(undone.outcomes.first().conflict);
        QVERIFY2(undone.outcomes.first().message.contains(QLatin1String("\"weight 9\", not \"weight 7\"")),
            qPrintable(undone.outcomes.first().message));
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("static"), QStringLiteral("s3"))->weight, 9);
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
    }

    void aWeightChangedMeanwhileIsAConflict()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        FakeGateway::named(QStringLiteral("gw")).pool.backends[0].servers[0].weight = 40; // behind Fleetdeck's back
        const auto report = run(fleet().setServerWeight({ s1 }, 5));
        QVERIFY(report.outcomes.first().conflict);
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("now has weight 40, not 1")),
            qPrintable(report.outcomes.first().message));
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1"))->weight, 40);
        QVERIFY(FakeGateway::named(QStringLiteral("gw")).sent.isEmpty());
    }

    void aDrainThatNeverEndsMovesOnAtTheCap()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        g.pool.backends[0].servers[2].sessions = 7; // they never end
        QSignalSpy progress(&fleet(), &FleetActions::removalProgress);
        QElapsedTimer clock;
        clock.start();
        const auto report
            = run(fleet().removeServer({ QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s3") }, 800));
        const qint64 took = clock.elapsed();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QVERIFY2(took >= 800 && took < 5000, qPrintable(QString::number(took)));
        bool sawSessions = false;
        for (const auto& p : std::as_const(progress))
            sawSessions = sawSessions || p.at(2).toInt() == 7;
        QVERIFY(sawSessions); // the operator was shown them while it waited
        QCOMPARE(g.sent.last(), QStringLiteral("remove gw:api/s3"));
    }

    void readOnlyHoldsOnEveryPath()
    {
        addFake(QStringLiteral("gw"));
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        g.cache.hasTtl = true;
        fleet().setReadOnly(QStringLiteral("started with --read-only"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        const QList<quint64> requests {
            fleet().setServerState({ s1 }, AdminState::Drain),
            fleet().setServerWeight({ s1 }, 5),
            fleet().addServer({ QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s9"),
                QStringLiteral("10.0.0.9"), 80, 1 }),
            fleet().removeServer(s1, 1000),
            fleet().changeRateLimits({ { QStringLiteral("gw"), RateScope::Key, QStringLiteral("k"), 5 } }),
            fleet().changePolicy({ CacheTtlChange { QStringLiteral("gw"), CacheTtl::Ttl, 30 } }),
            fleet().rollingState({ s1, { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s2") } },
                AdminState::Drain, 1, 0.5, 0),
        };
        for (const quint64 id : requests) {
            const auto report = run(id);
            QVERIFY(!report.outcomes.isEmpty());
            QVERIFY(!report.ok());
            QVERIFY2(report.outcomes.first().message.contains(QLatin1String("read-only")),
                qPrintable(report.outcomes.first().message));
        }
        QVERIFY(g.sent.isEmpty());
        // Positive control: turned off, the same drain goes out.
        fleet().setReadOnly({});
        QVERIFY(run(fleet().setServerState({ s1 }, AdminState::Drain)).ok());
        QCOMPARE(g.sent.size(), 1);
    }

    void aJournalThatCannotOpenMakesFleetdeckReadOnly()
    {
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        options.journal = true;
        options.journalPath = QStringLiteral("/proc/fleetdeck-no-such-dir/journal.sqlite");
        Assembly broken(options);
        QVERIFY(!broken.journalError().isEmpty());
        QVERIFY(broken.controller().isReadOnly());
        QCOMPARE(broken.controller().readOnlyReason(), broken.journalError());
        FakeGateway::named(QStringLiteral("ro")).pool = FakeGateway::pools({ QStringLiteral("api") }, 1);
        broken.controller().addGateway(Test::fakeGateway(QStringLiteral("ro")));
        QSignalSpy finished(&broken.controller(), &FleetActions::actionFinished);
        broken.controller().setServerState(
            { { QStringLiteral("ro"), QStringLiteral("api"), QStringLiteral("s1") } }, AdminState::Drain);
        QVERIFY(finished.wait(5000));
        const auto report = finished.first().at(0).value<ActionReport>();
        QVERIFY2(report.outcomes.first().message.contains(broken.journalError()),
            qPrintable(report.outcomes.first().message));
        QVERIFY(FakeGateway::named(QStringLiteral("ro")).sent.isEmpty());
    }

    void aJournalWriteFailureStopsTheChangeAndWhatFollows()
    {
        addFake(QStringLiteral("gw"));
        const ServerRef s1 { QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1") };
        QVERIFY(run(fleet().setServerState({ s1 }, AdminState::Drain)).ok()); // control: it journals and sends
        // The journal's disk refuses every new row from now on (a trigger, from another connection).
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("saboteur"));
            db.setDatabaseName(app->journal()->path());
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral(
                "CREATE TRIGGER full BEFORE INSERT ON changes BEGIN SELECT RAISE(ABORT, 'disk full'); END")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("saboteur"));
        const auto report = run(fleet().setServerState({ s1 }, AdminState::Ready));
        QVERIFY(!report.ok());
        QVERIFY(!report.outcomes.first().sent);
        QVERIFY2(report.outcomes.first().message.contains(QLatin1String("disk full")),
            qPrintable(report.outcomes.first().message));
        QCOMPARE(FakeGateway::named(QStringLiteral("gw")).sent.size(), 1); // the second was not sent
        QCOMPARE(member(QStringLiteral("gw"), QStringLiteral("api"), QStringLiteral("s1"))->admin, AdminState::Drain);
        // And Fleetdeck is read-only now, saying why.
        QVERIFY(fleet().isReadOnly());
        QVERIFY(fleet().readOnlyReason().contains(QLatin1String("disk full")));
    }

    void anUnreachableGatewayIsRetriedLessOftenUpToTheCap()
    {
        FakeGateway& g = FakeGateway::named(QStringLiteral("down"));
        g.readError = QStringLiteral("connection refused");
        fleet().setMaxBackoffMs(800);
        GatewayConfig c = Test::fakeGateway(QStringLiteral("down"));
        c.pollIntervalMs = 100;
        fleet().addGateway(c);
        QTest::qWait(4500);
        QVERIFY(g.readTimes.size() >= 5);
        QList<qint64> gaps;
        for (qsizetype i = 1; i < g.readTimes.size(); ++i)
            gaps.append(g.readTimes.at(i) - g.readTimes.at(i - 1));
        // 100, 200, 400, then capped at 800 (with the event loop's slack).
        QVERIFY2(gaps.first() < 300 && gaps.at(2) >= 350, qPrintable(QStringLiteral("%1").arg(gaps.size())));
        for (const qint64 gap : gaps)
            QVERIFY2(gap <= 800 + 150, qPrintable(QString::number(gap)));
        QVERIFY(gaps.last() >= 700); // it got to the cap and stayed there
        QCOMPARE(store().entry(store().indexOf(QStringLiteral("down"))).status.connection, Connection::Unreachable);
    }

    void aGatewayPastItsLimitsIsTooLargeAndKeepsItsLastState()
    {
        // Six servers in two pools, with a limit of eight: up. Then ten per pool: too large, with the figures, and
        // the six-server state stays (nothing of the large answer is taken). Back to three per pool: up again.
        FakeGateway& g = FakeGateway::named(QStringLiteral("big"));
        g.pool = FakeGateway::pools({ QStringLiteral("api"), QStringLiteral("static") }, 3);
        GatewayConfig c = Test::fakeGateway(QStringLiteral("big"));
        c.pollIntervalMs = 100;
        c.maxServers = 8;
        fleet().setMaxBackoffMs(200);
        fleet().addGateway(c);
        auto entry
            = [this]() -> const FleetStore::Entry& { return store().entry(store().indexOf(QStringLiteral("big"))); };
        QTRY_COMPARE_WITH_TIMEOUT(entry().status.connection, Connection::Up, 5000);
        QCOMPARE(entry().snapshot->backends.at(0).servers.size(), 3);

        g.pool = FakeGateway::pools({ QStringLiteral("api"), QStringLiteral("static") }, 10);
        QTRY_COMPARE_WITH_TIMEOUT(entry().status.connection, Connection::TooLarge, 5000);
        QVERIFY2(entry().status.lastError.endsWith(QLatin1String(
                     "20 servers in 2 pools; the limit is 8 of each (\"maxServers\" in the fleet file). The last "
                     "state within the limit stays on screen.")),
            qPrintable(entry().status.lastError));
        QCOMPARE(entry().snapshot->backends.at(0).servers.size(), 3); // the last good state, not the large one
        QCOMPARE(label(entry().status.connection), QStringLiteral("too large"));
        QVERIFY(entry().status.stale());

        g.pool = FakeGateway::pools({ QStringLiteral("api"), QStringLiteral("static") }, 3);
        QTRY_COMPARE_WITH_TIMEOUT(entry().status.connection, Connection::Up, 5000);
        QVERIFY(entry().status.lastError.isEmpty());
    }

    void aNoticesRemedyFixesWhatItSays()
    {
        FakeGateway& g = FakeGateway::named(QStringLiteral("gw"));
        g.cache.settings.append({ QStringLiteral("mode"), {}, QStringLiteral("mode"), QStringLiteral("slow"),
            { QStringLiteral("slow"), QStringLiteral("fast") }, {} });
        addFake(QStringLiteral("gw"));
        g.pool.notices.append({ QStringLiteral("running slow"),
            SettingChange { {}, QStringLiteral("mode"), {}, QStringLiteral("fast"), QStringLiteral("mode") } });
        QTRY_VERIFY_WITH_TIMEOUT(!store().entry(0).snapshot->notices.isEmpty(), 5000);
        SettingChange fix = *store().entry(0).snapshot->notices.first().remedy;
        fix.gateway = QStringLiteral("gw");
        const auto report = run(fleet().changePolicy({ fix }));
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QCOMPARE(g.cache.settings.first().value, QStringLiteral("fast"));
        QVERIFY(report.outcomes.first().undo.has_value()); // back to slow
    }
};

QTEST_GUILESS_MAIN(TestChangePipeline)
#include "tst_changepipeline.moc"
