// The journal holds every attempt after the Fleetdeck process is killed (SIGKILL) in the middle of a change set.
#include <csignal>

#include <QElapsedTimer>
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

private Q_SLOTS:
    void killedMidSet()
    {
        const Test::Lab lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QTemporaryDir dir;
        const QString journal = dir.filePath(QStringLiteral("journal.sqlite"));
        QProcess crasher;
        crasher.start(QStringLiteral(JOURNAL_CRASHER), { lab.fleetFile, journal });
        QVERIFY(crasher.waitForStarted());
        // Kill it the moment the set's attempts are on disk: before its results are.
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 15000 && count(journal, QStringLiteral("attempt")) < 6)
            QTest::qWait(2);
        ::kill(pid_t(crasher.processId()), SIGKILL);
        crasher.waitForFinished(5000);
        QCOMPARE(crasher.exitStatus(), QProcess::CrashExit);

        QCOMPARE(count(journal, QStringLiteral("attempt")), 6); // every attempt survived the kill
        QCOMPARE(count(journal, QStringLiteral("result")), 0); // killed before any result
        // Put the lab back: whatever was sent before the kill.
        for (const char* backend : { "api", "static" })
            for (const char* server : { "s1", "s2", "s3" })
                Test::haproxyCommand(
                    lab.haproxy.at(0).adminPort, QByteArray("set server ") + backend + '/' + server + " state ready");
    }
};

QTEST_GUILESS_MAIN(TestJournalCrash)
#include "tst_journalcrash.moc"
