// The team journal against the lab's real PostgreSQL 15 (lab --postgres, TLS verified with the lab's CA): rows
// written and read back, refused UPDATE/DELETE/TRUNCATE, two Fleetdeck windows seeing each other's changes through
// NOTIFY, and an outage of the database in the middle of a session.
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "credentialstore.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "lab.h"
#include "reports.h"

using namespace Fleetdeck;

namespace {
ActionOutcome outcome(const QString& server, AdminState state, bool ok)
{
    ActionOutcome o;
    o.change = ServerStateChange { { QStringLiteral("edge-1"), QStringLiteral("api"), server }, state };
    o.beforeText = label(AdminState::Ready);
    o.afterText = o.change.wantedText();
    o.ok = ok;
    o.message = ok ? QStringLiteral("verified") : QStringLiteral("refused");
    return o;
}

// A connection to the lab database, as an operator (TLS) or as its owner (over the UNIX socket).
class Sql
{
public:
    Sql(const Test::LabPostgres& pg, int operatorIndex)
        : m_name(QStringLiteral("tst-%1").arg(operatorIndex))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
        db.setDatabaseName(QStringLiteral("fleetdeck"));
        if (operatorIndex < 0) {
            db.setHostName(pg.socketDir);
            db.setUserName(QStringLiteral("postgres"));
        } else {
            db.setHostName(QStringLiteral("127.0.0.1"));
            db.setUserName(pg.operators.value(operatorIndex));
            db.setPassword(pg.passwords.value(operatorIndex));
            db.setConnectOptions(QStringLiteral("sslmode=verify-full;sslrootcert=%1").arg(pg.caFile));
        }
        db.setPort(pg.port);
        m_open = db.open();
        m_error = db.lastError().text();
    }
    ~Sql() { QSqlDatabase::removeDatabase(m_name); }
    bool open() const { return m_open; }
    QString error() const { return m_error; }
    // Runs sql; the server's error text, or empty when it ran.
    QString run(const QString& sql, QVariantList* firstRow = nullptr)
    {
        QSqlQuery q(QSqlDatabase::database(m_name));
        if (!q.exec(sql))
            return q.lastError().text().isEmpty() ? QStringLiteral("failed") : q.lastError().text();
        if (firstRow && q.next())
            for (int i = 0; i < q.record().count(); ++i)
                firstRow->append(q.value(i));
        return {};
    }
    QStringList column(const QString& sql)
    {
        QStringList out;
        QSqlQuery q(QSqlDatabase::database(m_name));
        if (q.exec(sql))
            while (q.next())
                out.append(q.value(0).toString());
        return out;
    }

private:
    QString m_name;
    bool m_open = false;
    QString m_error;
};
} // namespace

class TestTeamJournal : public QObject
{
    Q_OBJECT

    TeamJournalSettings settings(int operatorIndex, bool keep = false) const
    {
        TeamJournalSettings s;
        s.url = QUrl(lab.postgres.urlFor(operatorIndex));
        s.password = lab.postgres.passwords.value(operatorIndex);
        s.keepWhileAway = keep;
        s.spoolPath = spoolDir.filePath(QStringLiteral("waiting-%1-%2.sqlite").arg(operatorIndex).arg(++spools));
        s.checkIntervalMs = 200;
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        if (!lab.postgres.present())
            QSKIP("the lab runs without --postgres");
        QVERIFY(QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")));
    }

    void rowsAreWrittenAndReadBack()
    {
        QString uuid;
        {
            Journal journal;
            const auto opened = journal.openTeam(settings(0));
            QVERIFY2(opened.ok(), qPrintable(opened.error()));
            QVERIFY(journal.refusal().isEmpty());
            JournalEntry attempt
                = JournalEntry::makeAttempt(41, outcome(QStringLiteral("s1"), AdminState::Drain, true));
            uuid = attempt.entryUuid;
            QVERIFY(journal.append(attempt));
            QVERIFY(
                journal.append(JournalEntry::makeResult(41, outcome(QStringLiteral("s1"), AdminState::Drain, true))));
        }
        // Another window (ops-2) reads them back: who made them, from where, in order.
        Journal other;
        QVERIFY(other.openTeam(settings(1)).ok());
        const QVector<JournalEntry> all = other.readAll();
        auto it = std::find_if(all.begin(), all.end(), [&](const JournalEntry& e) { return e.entryUuid == uuid; });
        QVERIFY(it != all.end());
        QVERIFY(std::next(it) != all.end());
        const JournalEntry& a = *it;
        const JournalEntry& r = *std::next(it);
        QCOMPARE(a.kind, QStringLiteral("attempt"));
        QCOMPARE(a.account, QStringLiteral("ops-1")); // the server's word
        QCOMPARE(a.osUser, JournalEntry::currentOsUser());
        QCOMPARE(a.workstation, JournalEntry::currentWorkstation());
        QCOMPARE(a.object, QStringLiteral("api/s1"));
        QCOMPARE(a.after, QStringLiteral("drain"));
        QCOMPARE(a.actionId, quint64(41));
        QVERIFY(a.colleague); // made in another window
        QCOMPARE(r.kind, QStringLiteral("result"));
        QCOMPARE(r.result, QStringLiteral("verified"));
        QVERIFY(r.rowId > a.rowId);

        // And the owner sees the same row in the table.
        Sql owner(lab.postgres, -1);
        QVERIFY2(owner.open(), qPrintable(owner.error()));
        QCOMPARE(owner.column(QStringLiteral("SELECT account || ' ' || workstation FROM fleetdeck_changes WHERE "
                                             "entry_uuid = '%1'")
                                  .arg(uuid)),
            QStringList { QStringLiteral("ops-1 ") + JournalEntry::currentWorkstation() });

        // Another CA: the server's certificate is not trusted, and nothing is opened.
        TeamJournalSettings wrong = settings(0);
        wrong.url = QUrl(lab.postgres.urlFor(0).replace(lab.postgres.caFile, lab.postgres.wrongCaFile));
        TeamJournal untrusted(wrong);
        QVERIFY(untrusted.open().ok()); // unreachable is waited for...
        QVERIFY(!untrusted.isReachable());
        QVERIFY2(untrusted.refusal().contains(QLatin1String("certificate")), qPrintable(untrusted.refusal()));
    }

    void updateAndDeleteAreRefusedByTheServer()
    {
        Journal journal;
        QVERIFY(journal.openTeam(settings(0)).ok());
        QVERIFY(journal.append(JournalEntry::makeResult(42, outcome(QStringLiteral("s2"), AdminState::Ready, true))));

        // The operator's role may not even try.
        Sql ops(lab.postgres, 0);
        QVERIFY2(ops.open(), qPrintable(ops.error()));
        for (const QString& sql : { QStringLiteral("UPDATE fleetdeck_changes SET result = 'failed'"),
                 QStringLiteral("DELETE FROM fleetdeck_changes"), QStringLiteral("TRUNCATE fleetdeck_changes") }) {
            const QString error = ops.run(sql);
            QVERIFY2(
                error.contains(QLatin1String("permission denied")), qPrintable(sql + QStringLiteral(": ") + error));
        }
        // A forged account is replaced by the server's word.
        QVariantList row;
        QCOMPARE(ops.run(QStringLiteral("INSERT INTO fleetdeck_changes (entry_uuid, session_id, action_id, time_ms, "
                                        "os_user, workstation, account, gateway, object, kind, result) VALUES "
                                        "(gen_random_uuid(), gen_random_uuid(), 1, 1, 'x', 'x', 'ops-2', 'g', 'o', "
                                        "'result', 'verified') RETURNING account"),
                     &row),
            QString());
        QCOMPARE(row.value(0).toString(), QStringLiteral("ops-1"));

        // Even the table's owner: the triggers refuse, and every row is still there.
        Sql owner(lab.postgres, -1);
        QVERIFY2(owner.open(), qPrintable(owner.error()));
        const QStringList before = owner.column(QStringLiteral("SELECT count(*) FROM fleetdeck_changes"));
        for (const QString& sql : { QStringLiteral("UPDATE fleetdeck_changes SET result = 'failed'"),
                 QStringLiteral("DELETE FROM fleetdeck_changes"), QStringLiteral("TRUNCATE fleetdeck_changes") }) {
            const QString error = owner.run(sql);
            QVERIFY2(error.contains(QLatin1String("append-only")), qPrintable(sql + QStringLiteral(": ") + error));
        }
        QCOMPARE(owner.column(QStringLiteral("SELECT count(*) FROM fleetdeck_changes")), before);
        QVERIFY(before.value(0).toInt() >= 2);

        // A role that could UPDATE is not one Fleetdeck logs in as.
        QCOMPARE(owner.run(QStringLiteral("GRANT UPDATE ON fleetdeck_changes TO \"ops-2\"")), QString());
        TeamJournal tooMuch(settings(1));
        const auto opened = tooMuch.open();
        QCOMPARE(owner.run(QStringLiteral("REVOKE UPDATE ON fleetdeck_changes FROM \"ops-2\"")), QString());
        QVERIFY(!opened.ok());
        QVERIFY2(opened.error().contains(QLatin1String("may UPDATE or DELETE")), qPrintable(opened.error()));
    }

    void colleaguesSeeEachOthersChangesWithinOneSecond()
    {
        const GatewayConfig gateway = lab.gateways.first();
        const QString backend = lab.haproxy.first().backends.first();
        SessionCredentialStore noSecrets;
        Assembly::Options one;
        one.credentials = &noSecrets;
        one.teamJournal = settings(0);
        Assembly::Options two = one;
        two.teamJournal = settings(1);
        Assembly first(one);
        Assembly second(two);
        QVERIFY2(first.journalError().isEmpty(), qPrintable(first.journalError()));
        QVERIFY2(second.journalError().isEmpty(), qPrintable(second.journalError()));
        first.addGateways({ gateway });
        QTRY_VERIFY_WITH_TIMEOUT(first.store().indexOf(gateway.name) >= 0
                && first.store().entry(first.store().indexOf(gateway.name)).snapshot.has_value(),
            10000);

        // ops-1 drains a server through the real pipeline; ops-2's window hears of it. Both moments on one clock.
        QElapsedTimer clock;
        clock.start();
        const qint64 startedMs = QDateTime::currentMSecsSinceEpoch();
        qint64 storedNs = -1;
        qint64 heardNs = -1;
        QObject::connect(first.journal(), &Journal::appended, first.journal(), [&](const JournalEntry& e) {
            if (e.kind == QLatin1String("result") && storedNs < 0)
                storedNs = clock.nsecsElapsed();
        });
        QObject::connect(second.journal(), &Journal::appended, second.journal(), [&](const JournalEntry& e) {
            if (e.colleague && e.kind == QLatin1String("result") && e.after == QLatin1String("drain") && heardNs < 0)
                heardNs = clock.nsecsElapsed();
        });
        QSignalSpy finished(&first.controller(), &FleetActions::actionFinished);
        const ServerRef target { gateway.name, backend, QStringLiteral("s3") };
        const QString targetObject = backend + QStringLiteral("/s3");
        const quint64 id = first.controller().setServerState({ target }, AdminState::Drain);
        const auto report = Test::waitReport(finished, id);
        QVERIFY(report.has_value());
        QVERIFY2(report->outcomes.first().ok, qPrintable(report->outcomes.first().message));
        QVERIFY(storedNs >= 0);
        QTRY_VERIFY_WITH_TIMEOUT(heardNs >= 0, 1000);
        const double latencyMs = double(heardNs - storedNs) / 1e6;
        qInfo("ops-2's window saw ops-1's verified drain %.2f ms after ops-1's window stored it", latencyMs);
        QVERIFY(heardNs >= storedNs);
        QVERIFY(latencyMs < 1000);

        const auto colleagues = second.journalModel().colleagueChanges(gateway.name, targetObject, startedMs);
        QVERIFY(!colleagues.isEmpty());
        QCOMPARE(colleagues.last().account, QStringLiteral("ops-1"));
        QCOMPARE(colleagues.last().after, QStringLiteral("drain"));
        // On ops-2's timeline (and so on its charts' markers), naming the operator.
        const QVector<FleetEvent> events = second.events().eventsFor(
            gateway.name + QLatin1Char('/') + targetObject, 0, QDateTime::currentMSecsSinceEpoch() + 1000);
        QVERIFY(std::any_of(events.begin(), events.end(), [](const FleetEvent& e) {
            return e.kind == FleetEvent::Kind::Change && e.text.startsWith(QLatin1String("ops-1 ("))
                && e.text.contains(QLatin1String("drain"));
        }));
        // ops-1's own window does not count its own change as a colleague's (earlier windows' changes, from runs
        // before this one, are a colleague's: another window).
        for (const JournalEntry& e : first.journalModel().colleagueChanges(gateway.name, targetObject, 0))
            QVERIFY(e.sessionId != first.journal()->team()->sessionId());
        QVERIFY(first.journalModel().colleagueChanges(gateway.name, targetObject, startedMs).isEmpty());

        const quint64 back = first.controller().setServerState({ target }, AdminState::Ready);
        const auto undone = Test::waitReport(finished, back);
        QVERIFY(undone.has_value() && undone->outcomes.first().ok);
    }

    void anOutageLosesAndDuplicatesNothing()
    {
        Journal journal;
        QVERIFY(journal.openTeam(settings(0, true)).ok());
        Journal refusing;
        QVERIFY(refusing.openTeam(settings(1, false)).ok());
        Journal colleague;
        QVERIFY(colleague.openTeam(settings(1)).ok());
        QSignalSpy heard(&colleague, &Journal::appended);

        QStringList made;
        auto append = [&](const QString& server) {
            JournalEntry e = JournalEntry::makeResult(50, outcome(server, AdminState::Drain, true));
            made.append(e.entryUuid);
            return journal.append(e);
        };
        QVERIFY(append(QStringLiteral("o1")));
        QVERIFY(append(QStringLiteral("o2")));

        QVERIFY(lab.controlPostgres(QStringLiteral("stop")));
        bool restarted = false;
        auto restart = qScopeGuard([&] {
            if (!restarted)
                lab.controlPostgres(QStringLiteral("start"));
        });
        QTRY_VERIFY_WITH_TIMEOUT(!journal.team()->isReachable(), 5000);
        // Kept locally, as the operator chose: the change may go on.
        QVERIFY(journal.refusal().isEmpty());
        for (const QString& s : { QStringLiteral("o3"), QStringLiteral("o4"), QStringLiteral("o5") })
            QVERIFY(append(s));
        QCOMPARE(journal.team()->waitingCount(), 3);
        // The window that refuses while away refuses an attempt, naming the journal; a result it keeps.
        QTRY_VERIFY_WITH_TIMEOUT(!refusing.refusal().isEmpty(), 5000);
        QVERIFY2(refusing.refusal().contains(refusing.team()->describe()), qPrintable(refusing.refusal()));
        QVERIFY(
            !refusing.append(JournalEntry::makeAttempt(51, outcome(QStringLiteral("o9"), AdminState::Drain, true))));
        JournalEntry kept = JournalEntry::makeResult(51, outcome(QStringLiteral("o9"), AdminState::Drain, false));
        QVERIFY(refusing.append(kept));
        QCOMPARE(refusing.team()->waitingCount(), 1);

        // The third kept entry had in fact been stored before its acknowledgement was lost: stored once all the same.
        QVERIFY(lab.controlPostgres(QStringLiteral("start")));
        restarted = true;
        {
            Sql owner(lab.postgres, -1);
            QVERIFY2(owner.open(), qPrintable(owner.error()));
            QCOMPARE(owner.run(QStringLiteral("INSERT INTO fleetdeck_changes (entry_uuid, session_id, action_id, "
                                              "time_ms, os_user, workstation, gateway, object, kind, result) VALUES "
                                              "('%1', '%2', 50, 1, 'x', 'x', 'edge-1', 'api/o5', 'result', 'verified')")
                                   .arg(made.at(4), journal.team()->sessionId())),
                QString());
        }
        QTRY_VERIFY_WITH_TIMEOUT(journal.team()->isReachable() && journal.team()->waitingCount() == 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(refusing.team()->waitingCount() == 0, 10000);
        QVERIFY(append(QStringLiteral("o6")));

        Sql owner(lab.postgres, -1);
        QVERIFY2(owner.open(), qPrintable(owner.error()));
        QStringList quoted;
        for (const QString& u : std::as_const(made))
            quoted.append(QLatin1Char('\'') + u + QLatin1Char('\''));
        const QStringList stored = owner.column(
            QStringLiteral("SELECT entry_uuid FROM fleetdeck_changes WHERE entry_uuid IN (%1) ORDER BY id")
                .arg(quoted.join(QLatin1Char(','))));
        // Each once; in the order made, except the one stored before its acknowledgement was lost.
        QStringList expected = made;
        expected.move(4, 2);
        QCOMPARE(stored, expected);
        QCOMPARE(
            owner.column(
                QStringLiteral("SELECT count(*) FROM fleetdeck_changes WHERE entry_uuid = '%1'").arg(kept.entryUuid)),
            QStringList { QStringLiteral("1") });
        // The colleague's window heard of all of them, each once, after the database returned.
        QStringList heardUuids;
        auto heardAll = [&] {
            heardUuids.clear();
            for (const auto& args : std::as_const(heard))
                heardUuids.append(args.first().value<JournalEntry>().entryUuid);
            return std::all_of(made.begin(), made.end(), [&](const QString& u) { return heardUuids.contains(u); })
                && heardUuids.contains(kept.entryUuid);
        };
        QTRY_VERIFY_WITH_TIMEOUT(heardAll(), 10000);
        QTest::qWait(300); // and nothing twice after that
        heardAll();
        QCOMPARE(heardUuids.size(), made.size() + 1); // nothing else: not the history from before it connected
        for (int i = 0; i < made.size(); ++i)
            QVERIFY2(heardUuids.count(made.at(i)) == 1,
                qPrintable(QStringLiteral("o%1 heard %2 times (%3 heard in all)")
                               .arg(i + 1)
                               .arg(heardUuids.count(made.at(i)))
                               .arg(heardUuids.size())));
    }

private:
    Test::Lab lab = Test::Lab::load();
    QTemporaryDir spoolDir;
    mutable int spools = 0;
};

QTEST_GUILESS_MAIN(TestTeamJournal)
#include "tst_teamjournal.moc"
