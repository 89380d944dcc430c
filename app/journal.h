#pragma once

#include <QObject>
#include <QString>
#include <QVector>

#include "journalmodel.h"
#include "result.h"

namespace Fleetdeck {

// The append-only change journal in SQLite (Qt Sql): every attempt before it is sent and every result before it is
// reported, each committed to disk on its own, so a crash loses nothing already said. Rows cannot be changed or
// deleted: triggers refuse it.
class Journal final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Journal)

public:
    explicit Journal(QObject* parent = nullptr);
    ~Journal() override;

    // Opens (or creates) the journal file; the error names the file and what SQLite said.
    Result<bool> open(const QString& path);
    bool isOpen() const { return !m_connection.isEmpty(); }
    QString path() const { return m_path; }
    // Appends and commits one entry; false (and journalFailed, lastError) if it could not be written.
    bool append(const JournalEntry& entry);
    QString lastError() const { return m_lastError; }
    QVector<JournalEntry> readAll() const;
    // The default place: the application's data directory.
    static QString defaultPath();

Q_SIGNALS:
    void appended(const Fleetdeck::JournalEntry& entry);
    void journalFailed(const QString& error);

private:
    QString m_connection;
    QString m_path;
    QString m_lastError;
};

} // namespace Fleetdeck
