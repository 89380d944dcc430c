// The review dialog and the question before an unreviewed change say when a colleague (team journal) changed the
// same object in the last minutes, and only then.
#include <QDateTime>
#include <QLabel>
#include <QTest>

#include "dialogs/colleaguechanges.h"
#include "forms/serverformdialog.h"
#include "journalmodel.h"

using namespace Fleetdeck;

namespace {
JournalEntry colleagueDrain(qint64 ageMs, const QString& object, bool colleague = true)
{
    JournalEntry e;
    e.timeMs = QDateTime::currentMSecsSinceEpoch() - ageMs;
    e.gateway = QStringLiteral("edge-1");
    e.object = object;
    e.kind = QStringLiteral("result");
    e.before = QStringLiteral("ready");
    e.after = QStringLiteral("drain");
    e.result = QStringLiteral("verified");
    e.account = QStringLiteral("ops-2");
    e.osUser = QStringLiteral("bob");
    e.workstation = QStringLiteral("ws-7");
    e.entryUuid = QString::number(ageMs) + object;
    e.colleague = colleague;
    return e;
}
} // namespace

class TestColleagueReview : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void theReviewNamesTheColleagueAndTheChange()
    {
        JournalModel journal;
        journal.append(colleagueDrain(3 * 60 * 1000, QStringLiteral("api/s3")));
        ReviewDialog::setJournal(&journal);
        ReviewDialog review({ { QStringLiteral("edge-1"), QStringLiteral("api/s3"), QStringLiteral("weight 10"),
                                QStringLiteral("weight 0") } },
            QStringLiteral("runtime only"));
        auto* label = review.findChild<QLabel*>(QStringLiteral("reviewColleagues"));
        QVERIFY(label);
        QVERIFY(!label->isHidden());
        QVERIFY2(label->text().contains(
                     QStringLiteral("ops-2 (bob on ws-7) changed edge-1 api/s3 3 min ago: ready → drain, verified")),
            qPrintable(label->text()));
        ReviewDialog::setJournal(nullptr);
    }

    void nothingToSayWhenItIsOldOursOrElsewhere()
    {
        JournalModel journal;
        journal.append(colleagueDrain(20 * 60 * 1000, QStringLiteral("api/s3"))); // older than 10 minutes
        journal.append(colleagueDrain(60 * 1000, QStringLiteral("api/s3"), false)); // this window's own
        journal.append(colleagueDrain(60 * 1000, QStringLiteral("api/s4"))); // another server
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(
            colleagueChangesText(&journal, { { QStringLiteral("edge-1"), QStringLiteral("api/s3") } }, now), QString());
        ReviewDialog::setJournal(&journal);
        ReviewDialog review({ { QStringLiteral("edge-1"), QStringLiteral("api/s3"), QStringLiteral("ready"),
                                QStringLiteral("drain") } },
            QString());
        QVERIFY(review.findChild<QLabel*>(QStringLiteral("reviewColleagues"))->isHidden());
        // A change to the pool as a whole concerns its servers, and the other way round.
        QVERIFY(colleagueChangesText(&journal, { { QStringLiteral("edge-1"), QStringLiteral("api") } }, now)
                    .contains(QLatin1String("api/s4")));
        ReviewDialog::setJournal(nullptr);
    }
};

QTEST_MAIN(TestColleagueReview)
#include "tst_colleaguereview.moc"
