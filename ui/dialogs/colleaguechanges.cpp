#include "colleaguechanges.h"

#include <QDateTime>
#include <QMessageBox>
#include <QSet>

#include "journalmodel.h"

namespace Fleetdeck {

QString colleagueChangesText(
    const JournalModel* journal, const QList<std::pair<QString, QString>>& objects, qint64 nowMs, int minutes)
{
    if (!journal)
        return {};
    const qint64 since = nowMs - qint64(minutes) * 60 * 1000;
    QStringList lines;
    QSet<QString> said; // an entry matching several objects is said once
    for (const auto& [gateway, object] : objects) {
        for (const JournalEntry& e : journal->colleagueChanges(gateway, object, since)) {
            if (said.contains(e.entryUuid))
                continue;
            said.insert(e.entryUuid);
            const qint64 ago = std::max<qint64>(0, (nowMs - e.timeMs) / 60000);
            lines.append(
                QObject::tr("%1 changed %2 %3 %4: %5 → %6, %7")
                    .arg(e.who(), e.gateway, e.object,
                        ago == 0 ? QObject::tr("less than a minute ago") : QObject::tr("%n min ago", nullptr, int(ago)),
                        e.before, e.after, e.result));
        }
    }
    constexpr int kShown = 6;
    if (lines.size() > kShown) {
        const int more = int(lines.size()) - kShown;
        lines = lines.mid(lines.size() - kShown);
        lines.prepend(QObject::tr("(and %n earlier)", nullptr, more));
    }
    return lines.join(QLatin1Char('\n'));
}

bool confirmAfterColleagues(QWidget* parent, const JournalModel* journal,
    const QList<std::pair<QString, QString>>& objects, const QString& verb)
{
    const QString text = colleagueChangesText(journal, objects, QDateTime::currentMSecsSinceEpoch());
    if (text.isEmpty())
        return true;
    QMessageBox box(QMessageBox::Warning, QObject::tr("A colleague changed this"),
        QObject::tr("A colleague changed what you are about to change, in the last minutes:\n\n%1\n\n%2 anyway?")
            .arg(text, verb),
        QMessageBox::Ok | QMessageBox::Cancel, parent);
    box.setObjectName(QStringLiteral("colleagueWarning"));
    box.setDefaultButton(QMessageBox::Cancel);
    return box.exec() == QMessageBox::Ok;
}

} // namespace Fleetdeck
