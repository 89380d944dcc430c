#include "journal.h"

#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QFileInfo>
#include <QStandardPaths>
#include <QUuid>

namespace Fleetdeck {

Journal::Journal(QObject* parent)
    : QObject(parent)
{ }

Journal::~Journal()
{
    if (!m_connection.isEmpty()) {
        QSqlDatabase::database(m_connection).close();
        const QString name = m_connection;
        m_connection.clear();
        QSqlDatabase::removeDatabase(name);
    }
}

QString Journal::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/journal.sqlite");
}

Result<bool> Journal::open(const QString& path)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    const QString name = QStringLiteral("fleetdeck-journal-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open()) {
            const QString error = db.lastError().text();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return Result<bool>::failure(QStringLiteral("journal %1: cannot open: %2").arg(path, error));
        }
        QSqlQuery q(db);
        const char* setup[] = {
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL", // each commit reaches the disk before append() returns
            "CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY AUTOINCREMENT, action_id INTEGER NOT NULL, "
            "time_ms INTEGER NOT NULL, os_user TEXT NOT NULL, gateway TEXT NOT NULL, object TEXT NOT NULL, "
            "kind TEXT NOT NULL, before TEXT, after TEXT, result TEXT NOT NULL, answer TEXT)",
            "CREATE TRIGGER IF NOT EXISTS changes_no_update BEFORE UPDATE ON changes "
            "BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END",
            "CREATE TRIGGER IF NOT EXISTS changes_no_delete BEFORE DELETE ON changes "
            "BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END",
        };
        for (const char* sql : setup) {
            if (!q.exec(QString::fromLatin1(sql))) {
                const QString error = q.lastError().text();
                q = QSqlQuery();
                db.close();
                db = QSqlDatabase();
                QSqlDatabase::removeDatabase(name);
                return Result<bool>::failure(QStringLiteral("journal %1: %2").arg(path, error));
            }
        }
    }
    {
        // Files from before the workstation was recorded gain the column (their rows have none).
        QSqlDatabase db = QSqlDatabase::database(name);
        QSqlQuery q(db);
        if (q.exec(QStringLiteral("SELECT count(*) FROM pragma_table_info('changes') WHERE name = 'workstation'"))
            && q.next() && q.value(0).toInt() == 0)
            q.exec(QStringLiteral("ALTER TABLE changes ADD COLUMN workstation TEXT"));
    }
    m_connection = name;
    m_path = path;
    return Result<bool>::success(true);
}

Result<bool> Journal::openTeam(const TeamJournalSettings& settings)
{
    auto team = std::make_unique<TeamJournal>(settings);
    if (auto opened = team->open(); !opened)
        return opened;
    m_team = std::move(team);
    m_path = m_team->describe();
    connect(m_team.get(), &TeamJournal::arrived, this, &Journal::appended);
    return Result<bool>::success(true);
}

QString Journal::refusal() const
{
    if (m_team)
        return m_team->refusal();
    if (m_connection.isEmpty())
        return tr("the journal is not open yet");
    return m_refusal;
}

bool Journal::append(const JournalEntry& entry)
{
    if (m_team) {
        JournalEntry stored = entry;
        if (!m_team->append(stored)) {
            m_lastError = m_team->lastError();
            Q_EMIT journalFailed(m_lastError);
            return false;
        }
        Q_EMIT appended(stored);
        return true;
    }
    if (m_connection.isEmpty())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral(
        "INSERT INTO changes (action_id, time_ms, os_user, gateway, object, kind, before, after, result, "
        "answer, workstation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(qint64(entry.actionId));
    q.addBindValue(entry.timeMs);
    q.addBindValue(entry.osUser);
    q.addBindValue(entry.gateway);
    q.addBindValue(entry.object);
    q.addBindValue(entry.kind);
    q.addBindValue(entry.before);
    q.addBindValue(entry.after);
    q.addBindValue(entry.result);
    q.addBindValue(entry.answer);
    q.addBindValue(entry.workstation);
    if (!q.exec()) {
        m_lastError = QStringLiteral("journal %1: cannot append: %2").arg(m_path, q.lastError().text());
        // As when the journal cannot open at start: no change may be made that could not be recorded.
        m_refusal = tr("the journal failed: %1").arg(m_lastError);
        Q_EMIT journalFailed(m_lastError);
        return false;
    }
    JournalEntry stored = entry;
    stored.rowId = q.lastInsertId().toLongLong();
    Q_EMIT appended(stored);
    return true;
}

QVector<JournalEntry> Journal::readAll() const
{
    if (m_team)
        return m_team->readRecent(20000);
    QVector<JournalEntry> out;
    if (m_connection.isEmpty())
        return out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT id, action_id, time_ms, os_user, gateway, object, kind, before, after, result, answer, "
            "workstation "
            "FROM changes ORDER BY id")))
        return out;
    while (q.next()) {
        JournalEntry e;
        e.rowId = q.value(0).toLongLong();
        e.actionId = q.value(1).toULongLong();
        e.timeMs = q.value(2).toLongLong();
        e.osUser = q.value(3).toString();
        e.gateway = q.value(4).toString();
        e.object = q.value(5).toString();
        e.kind = q.value(6).toString();
        e.before = q.value(7).toString();
        e.after = q.value(8).toString();
        e.result = q.value(9).toString();
        e.answer = q.value(10).toString();
        e.workstation = q.value(11).toString();
        out.append(e);
    }
    return out;
}

} // namespace Fleetdeck
