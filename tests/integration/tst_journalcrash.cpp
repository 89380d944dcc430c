// The journal holds every attempt after the Fleetdeck process is killed (SIGKILL) in the middle of a change set.
#include <csignal>

#include <QElapsedTimer>
#include <QSet>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "lab.h"

using namespace Fleetdeck;

class TestJournalCrash : public QObject
{
    Q_OBJECT

    int count(const QString& path, const QString& kind)
    {
        int n = -1;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("reader"));
            db.setDatabaseName(path);
            if (db.open()) {
                QSqlQuery q(db);
                if (q.exec(QStringLiteral("SELECT COUNT(*) FROM changes WHERE kind = '%1'").arg(kind)) && q.next())
                    n = q.value(0).toInt();
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("reader"));
        return n;
    }

    // Starts the crasher, waits until it has committed `attempts` attempts and `results` results, kills it there
    // (it stalls right after that row), and returns the journal's path.
    QString killAt(QTemporaryDir& dir, const char* mode, int attempts, int results)
    {
        const QString journal = dir.filePath(QStringLiteral("journal-%1.sqlite").arg(QLatin1String(mode)));
        QProcess crasher;
        crasher.start(QStringLiteral(JOURNAL_CRASHER), { lab.fleetFile, journal, QLatin1String(mode) });
        if (!crasher.waitForStarted())
            return {};
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 20000
            && (count(journal, QStringLiteral("attempt")) < attempts
                || count(journal, QStringLiteral("result")) < results))
            QTest::qWait(20);
        ::kill(pid_t(crasher.processId()), SIGKILL);
        crasher.waitForFinished(5000);
        return crasher.exitStatus() == QProcess::CrashExit ? journal : QString();
    }
    void readyTheLab()
    {
        for (const auto& h : lab.haproxy)
            for (const char* server : { "s1", "s2", "s3" })
                Test::haproxyCommand(h.adminPort, QByteArray("set server static/") + server + " state ready");
    }

private Q_SLOTS:
    void initTestCase()
    {
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(lab.haproxy.size() >= 2);
    }
    void cleanup() { readyTheLab(); }

    void killedAfterTheAttemptsBeforeAnyResult()
    {
        QTemporaryDir dir;
        const QString journal = killAt(dir, "attempts", 6, 0);
        QVERIFY2(!journal.isEmpty(), "the crasher did not start, or was not killed");
        QCOMPARE(count(journal, QStringLiteral("attempt")), 6); // every attempt survived the kill
        QCOMPARE(count(journal, QStringLiteral("result")), 0); // killed before any result
    }

    void killedWithSomeResultsWritten()
    {
        // The first gateway's three results are committed, the second's not: the kill keeps the attempts and the
        // results written before it, and nothing half-written.
        QTemporaryDir dir;
        const QString journal = killAt(dir, "results", 6, 3);
        QVERIFY2(!journal.isEmpty(), "the crasher did not start, or was not killed");
        QCOMPARE(count(journal, QStringLiteral("attempt")), 6);
        QCOMPARE(count(journal, QStringLiteral("result")), 3);
        // Each result follows its own attempt, and all three are for one gateway.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("order"));
        db.setDatabaseName(journal);
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("SELECT r.gateway, r.object, (SELECT MIN(a.rowid) FROM changes a WHERE "
                                          "a.kind = 'attempt' AND a.gateway = r.gateway AND a.object = r.object) < "
                                          "r.rowid FROM changes r WHERE r.kind = 'result'")));
            QSet<QString> gateways;
            int rows = 0;
            while (q.next()) {
                ++rows;
                gateways.insert(q.value(0).toString());
                QVERIFY2(
                    q.value(2).toBool(), qPrintable(q.value(1).toString() + QStringLiteral(": result before attempt")));
            }
            QCOMPARE(rows, 3);
            QCOMPARE(gateways.size(), 1);
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("order"));
    }

private:
    Test::Lab lab;
};

QTEST_GUILESS_MAIN(TestJournalCrash)
#include "tst_journalcrash.moc"
