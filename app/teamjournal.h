#pragma once

#include <QObject>
#include <QSet>
#include <QSqlDriver>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QVector>

#include "journalmodel.h"
#include "result.h"

namespace Fleetdeck {

// Where a team's journal lives and how Fleetdeck behaves while it is away.
struct TeamJournalSettings
{
    // postgresql://role@host:port/database?sslmode=…&sslrootcert=… (libpq's keywords; host=/dir for a UNIX socket).
    // Without sslmode the server's certificate is verified (verify-full).
    QUrl url;
    QString password; // from the credential store
    // While the database is unreachable: false refuses every change; true keeps the entries in spoolPath and
    // stores them when it returns, in order, each once. Results of changes already sent are always kept.
    bool keepWhileAway = false;
    QString spoolPath; // a SQLite file; empty: next to the default journal, named after the database
    int checkIntervalMs = 1000; // how often an idle connection is checked, and an absent one tried again
};

// The change journal in PostgreSQL, shared by a team (packaging/team-journal.sql makes its table): append-only
// (the server's triggers refuse UPDATE, DELETE and TRUNCATE; the role Fleetdeck uses may only INSERT and
// SELECT), each row stamped by the server with the role that stored it, and announced to every other window
// through LISTEN/NOTIFY. An entry is stored at most once: its uuid is unique in the table, so an entry replayed
// after an outage (or whose acknowledgement was lost) is not stored twice.
class TeamJournal final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TeamJournal)

public:
    explicit TeamJournal(TeamJournalSettings settings, QObject* parent = nullptr);
    ~TeamJournal() override;

    // Connects, checks the table and the role's rights (INSERT and SELECT only), opens the spool, and listens.
    // An unreachable database is not an error here when entries may be kept meanwhile: it is tried again.
    Result<bool> open();
    // Stores the entry (its rowId, sessionId and account filled in), or keeps it in the spool while the database is
    // away; false, with lastError(), when it can do neither.
    bool append(JournalEntry& entry);
    // The most recent entries, oldest first (at most `limit`), and those still waiting in the spool.
    QVector<JournalEntry> readRecent(int limit);
    // Why a change may not be made now (empty: its entries can be stored or kept).
    QString refusal() const;
    QString lastError() const { return m_lastError; }
    bool isReachable() const { return m_reachable; }
    int waitingCount() const;
    QString sessionId() const { return m_session; }
    // The database without any secret: "postgresql://ops-1@db:5432/fleetdeck".
    QString describe() const;
    void setKeepWhileAway(bool keep) { m_settings.keepWhileAway = keep; }
    bool keepsWhileAway() const { return m_settings.keepWhileAway; }

Q_SIGNALS:
    // An entry another window stored (through NOTIFY, or read after a reconnection).
    void arrived(const Fleetdeck::JournalEntry& entry);
    // One of ours, kept while the database was away, now stored.
    void replayed(const Fleetdeck::JournalEntry& entry);
    void reachabilityChanged(bool reachable, const QString& why);

private:
    bool connectDatabase(QString* error);
    void dropConnection();
    void check();
    void becameUnreachable(const QString& why);
    bool insert(JournalEntry& entry, QString* error);
    bool keep(const JournalEntry& entry, QString* error);
    bool replayWaiting(QString* error);
    void catchUp();
    void notified(const QString& name, QSqlDriver::NotificationSource source, const QVariant& payload);
    bool probe();

    TeamJournalSettings m_settings;
    QString m_connection; // PostgreSQL (empty while away)
    QString m_spool; // SQLite: entries waiting for the database
    QString m_session;
    QString m_lastError;
    QString m_awayReason;
    QSet<qint64> m_seen;
    qint64 m_maxSeen = 0;
    qint64 m_floor = 0; // the newest row when this window first connected
    bool m_reachable = false;
    bool m_everConnected = false;
    QTimer m_timer;
};

} // namespace Fleetdeck
