#pragma once

#include <QList>
#include <QString>
#include <utility>

class QWidget;

namespace Fleetdeck {

class JournalModel;

// What colleagues (other windows on the team journal) changed on these objects in the last `minutes`, one line
// each, newest last ("ops-2 (bob on ws-7) changed haproxy-1 api/s3 4 min ago: ready → drain, verified"); empty
// when nothing. Objects are (gateway, "backend/server" or "backend"); an empty object stands for the gateway.
QString colleagueChangesText(
    const JournalModel* journal, const QList<std::pair<QString, QString>>& objects, qint64 nowMs, int minutes = 10);

// Asks before a change sent without a review (drain, weight, remove) when a colleague changed the same object in the
// last minutes; true when there was nothing to say or the operator goes on.
bool confirmAfterColleagues(QWidget* parent, const JournalModel* journal,
    const QList<std::pair<QString, QString>>& objects, const QString& verb);

} // namespace Fleetdeck
