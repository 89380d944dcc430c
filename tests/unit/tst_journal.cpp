// The change journal on a real SQLite file: appends survive reopening, rows cannot be changed or deleted, and an
// unusable path gives a clear error.
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "journal.h"

using namespace Fleetdeck;

namespace {
ActionOutcome drain(bool ok)
{
    ActionOutcome o;
    o.change = ServerStateChange { { QStringLiteral("gw1"), QStringLiteral("api"), QStringLiteral("s1") },
        AdminState::Drain };
    o.beforeText = label(AdminState::Ready);
    o.afterText = o.change.wantedText();
    o.ok = ok;
    o.message = ok ? QStringLiteral("verified: drain (DRAIN)") : QStringLiteral("No such server.");
    return o;
}
} // namespace

class TestJournal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendsSurviveReopening()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j/journal.sqlite"));
        {
            Journal j;
            const auto opened = j.open(path);
            QVERIFY2(opened.ok(), qPrintable(opened.error()));
            QVERIFY(j.append(JournalEntry::makeAttempt(7, drain(true))));
            QVERIFY(j.append(JournalEntry::makeResult(7, drain(true))));
            QVERIFY(j.append(JournalEntry::makeResult(8, drain(false))));
        }
        Journal again;
        QVERIFY(again.open(path).ok());
        const auto all = again.readAll();
        QCOMPARE(all.size(), 3);
        QCOMPARE(all.at(0).kind, QStringLiteral("attempt"));
        QCOMPARE(all.at(0).result, QStringLiteral("sending"));
        QCOMPARE(all.at(0).before, QStringLiteral("ready"));
        QCOMPARE(all.at(0).after, QStringLiteral("drain"));
        QCOMPARE(all.at(0).object, QStringLiteral("api/s1"));
        QCOMPARE(all.at(1).result, QStringLiteral("verified"));
        QCOMPARE(all.at(2).result, QStringLiteral("failed"));
        QCOMPARE(all.at(2).answer, QStringLiteral("No such server."));
        QCOMPARE(all.at(2).actionId, quint64(8));
        QVERIFY(!all.at(0).osUser.isEmpty());
        QVERIFY(all.at(0).rowId < all.at(1).rowId);

        JournalModel model;
        model.setEntries(all);
        const QByteArray csv = model.toCsv();
        QVERIFY(csv.startsWith("time,user,account,workstation,gateway,object,kind,before,after,result,answer\n"));
        QCOMPARE(csv.count('\n'), 4);
    }

    void appendOnly()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("journal.sqlite"));
        Journal j;
        QVERIFY(j.open(path).ok());
        QVERIFY(j.append(JournalEntry::makeAttempt(1, drain(true))));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("intruder"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(!q.exec(QStringLiteral("DELETE FROM changes")));
            QVERIFY(q.lastError().text().contains(QLatin1String("append-only")));
            QVERIFY(!q.exec(QStringLiteral("UPDATE changes SET result = 'verified'")));
            q = QSqlQuery();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("intruder"));
        QCOMPARE(j.readAll().size(), 1);
    }

    void unusablePath()
    {
        Journal j;
        const auto opened = j.open(QStringLiteral("/proc/fleetdeck-cannot-be-here/journal.sqlite"));
        QVERIFY(!opened.ok());
        QVERIFY2(opened.error().contains(QLatin1String("/proc/fleetdeck-cannot-be-here/journal.sqlite")),
            qPrintable(opened.error()));
        QVERIFY(!j.append(JournalEntry::makeAttempt(1, drain(true))));
    }
};

QTEST_GUILESS_MAIN(TestJournal)
#include "tst_journal.moc"
