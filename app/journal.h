#pragma once

#include <QObject>
#include <QString>
#include <QVector>

#include <memory>

#include "journalmodel.h"
#include "result.h"
#include "teamjournal.h"

namespace Fleetdeck {

// The append-only change journal: every attempt before it is sent and every result before it is reported, each
// committed on its own, so a crash loses nothing already said. Rows cannot be changed or deleted: triggers refuse it.
// One operator's journal is a SQLite file (Qt Sql); a team's is a PostgreSQL database (TeamJournal), where each
// colleague's entries arrive as they are stored.
class Journal final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Journal)

public:
    explicit Journal(QObject* parent = nullptr);
    ~Journal() override;

    // Opens (or creates) the journal file; the error names the file and what SQLite said.
    Result<bool> open(const QString& path);
    // Uses the team's journal in PostgreSQL instead (see TeamJournal).
    Result<bool> openTeam(const TeamJournalSettings& settings);
    bool isOpen() const { return !m_connection.isEmpty() || m_team; }
    QString path() const { return m_path; }
    TeamJournal* team() const { return m_team.get(); }
    // Why no change may be made now, since it could not be recorded (empty: it could).
    QString refusal() const;
    // Appends and commits one entry; false (and journalFailed, lastError) if it could not be written.
    bool append(const JournalEntry& entry);
    QString lastError() const { return m_lastError; }
    QVector<JournalEntry> readAll() const;
    // The default place: the application's data directory.
    static QString defaultPath();

Q_SIGNALS:
    // An entry of this window's, or (team journal) a colleague's as it arrives.
    void appended(const Fleetdeck::JournalEntry& entry);
    void journalFailed(const QString& error);

private:
    QString m_connection;
    QString m_path;
    QString m_lastError;
    QString m_refusal; // the SQLite file failed: nothing more may be made
    std::unique_ptr<TeamJournal> m_team;
};

} // namespace Fleetdeck
