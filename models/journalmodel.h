#pragma once

#include <QAbstractTableModel>
#include <QVector>

#include "change.h"

namespace Fleetdeck {

// One line of the change journal: an attempt as it was sent, or its result as it was verified.
struct JournalEntry
{
    qint64 rowId = 0; // the journal's own sequence number (0 until stored)
    quint64 actionId = 0;
    qint64 timeMs = 0;
    QString osUser;
    QString gateway;
    QString object; // backend/server
    QString kind; // "attempt" or "result"
    QString before;
    QString after;
    QString result; // "sending", "verified", "failed"
    QString answer; // the gateway's words or what verification found
    QString workstation; // the machine the entry was made on
    QString account; // team journal: the database role that stored it (the server's word); empty in SQLite
    QString entryUuid; // unique per entry: a team journal stores it once however often it is replayed
    QString sessionId; // team journal: the Fleetdeck window that made it
    bool colleague = false; // team journal: made in another window (not stored; set when read)

    static JournalEntry makeAttempt(quint64 actionId, const ActionOutcome& outcome);
    static JournalEntry makeResult(quint64 actionId, const ActionOutcome& outcome);
    static QString currentOsUser();
    static QString currentWorkstation();
    // Who made it, as the timeline and the review say it: "ops-2 (alice on ws-7)", or the OS user alone.
    QString who() const;
    friend bool operator==(const JournalEntry&, const JournalEntry&) = default;
};

// The journal as a table for its dock, newest last.
class JournalModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JournalModel)

public:
    enum Column {
        TimeColumn,
        GatewayColumn,
        ObjectColumn,
        ChangeColumn,
        ResultColumn,
        AnswerColumn,
        UserColumn,
        ColumnCount
    };
    enum Role { TimeRole = Qt::UserRole + 200 };

    explicit JournalModel(QObject* parent = nullptr);

    void setEntries(const QVector<JournalEntry>& entries);
    void append(const JournalEntry& entry);
    const QVector<JournalEntry>& entries() const { return m_entries; }
    // Results of colleagues' changes (team journal) to this object since sinceMs, oldest first: "gw" and object
    // "backend/server" also matches changes to "backend" as a whole and the other way round; an empty object
    // matches any object of the gateway.
    QVector<JournalEntry> colleagueChanges(const QString& gateway, const QString& object, qint64 sinceMs) const;
    // The entries as CSV (RFC 4180 quoting), for export.
    QByteArray toCsv() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVector<JournalEntry> m_entries;
};

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::JournalEntry)
