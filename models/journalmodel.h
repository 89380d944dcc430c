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

    static JournalEntry makeAttempt(quint64 actionId, const ActionOutcome& outcome);
    static JournalEntry makeResult(quint64 actionId, const ActionOutcome& outcome);
    static QString currentOsUser();
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
