#include "teamjournal.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QUrlQuery>
#include <QUuid>

namespace Fleetdeck {

namespace {
const QString kChannel = QStringLiteral("fleetdeck_journal");
const QString kColumns = QStringLiteral(
    "entry_uuid, session_id, action_id, time_ms, os_user, workstation, gateway, object, kind, before, after, result, "
    "answer");
const QString kSelect = QStringLiteral(
    "SELECT id, entry_uuid::text, session_id::text, action_id, time_ms, os_user, workstation, account, gateway, "
    "object, kind, before, after, result, answer FROM fleetdeck_changes ");

// libpq's connection keywords a fleet file may give in the URL's query; anything else is refused.
const QStringList kKeywords { QStringLiteral("sslmode"), QStringLiteral("sslrootcert"), QStringLiteral("sslcert"),
    QStringLiteral("sslkey"), QStringLiteral("sslcrl"), QStringLiteral("connect_timeout"), QStringLiteral("host"),
    QStringLiteral("application_name") };

void bindEntry(QSqlQuery& q, const JournalEntry& e)
{
    q.addBindValue(e.entryUuid);
    q.addBindValue(e.sessionId);
    q.addBindValue(qint64(e.actionId));
    q.addBindValue(e.timeMs);
    q.addBindValue(e.osUser);
    q.addBindValue(e.workstation);
    q.addBindValue(e.gateway);
    q.addBindValue(e.object);
    q.addBindValue(e.kind);
    q.addBindValue(e.before);
    q.addBindValue(e.after);
    q.addBindValue(e.result);
    q.addBindValue(e.answer);
}

JournalEntry entryFrom(const QSqlQuery& q)
{
    JournalEntry e;
    e.rowId = q.value(0).toLongLong();
    e.entryUuid = q.value(1).toString();
    e.sessionId = q.value(2).toString();
    e.actionId = q.value(3).toULongLong();
    e.timeMs = q.value(4).toLongLong();
    e.osUser = q.value(5).toString();
    e.workstation = q.value(6).toString();
    e.account = q.value(7).toString();
    e.gateway = q.value(8).toString();
    e.object = q.value(9).toString();
    e.kind = q.value(10).toString();
    e.before = q.value(11).toString();
    e.after = q.value(12).toString();
    e.result = q.value(13).toString();
    e.answer = q.value(14).toString();
    return e;
}

void closeConnection(QString& name)
{
    if (name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    name.clear();
}
} // namespace

TeamJournal::TeamJournal(TeamJournalSettings settings, QObject* parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_session(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_timer.setInterval(m_settings.checkIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &TeamJournal::check);
}

TeamJournal::~TeamJournal()
{
    dropConnection();
    closeConnection(m_spool);
}

QString TeamJournal::describe() const
{
    QUrl shown = m_settings.url;
    shown.setPassword({});
    shown.setQuery(QString());
    return shown.toString();
}

Result<bool> TeamJournal::open()
{
    const QUrlQuery query(m_settings.url);
    for (const auto& [key, value] : query.queryItems())
        if (!kKeywords.contains(key))
            return Result<bool>::failure(tr("team journal %1: unknown connection setting \"%2\" (known: %3)")
                                             .arg(describe(), key, kKeywords.join(QStringLiteral(", "))));
    if (m_settings.url.scheme() != QLatin1String("postgresql") && m_settings.url.scheme() != QLatin1String("postgres"))
        return Result<bool>::failure(tr("team journal %1: not a postgresql:// address").arg(describe()));

    QString spoolPath = m_settings.spoolPath;
    if (spoolPath.isEmpty()) {
        const QByteArray hash = QCryptographicHash::hash(describe().toUtf8(), QCryptographicHash::Sha1).toHex();
        spoolPath = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
            + QStringLiteral("/team-journal-waiting-%1.sqlite").arg(QString::fromLatin1(hash.left(12)));
    }
    QDir().mkpath(QFileInfo(spoolPath).absolutePath());
    m_spool = QStringLiteral("fleetdeck-spool-") + m_session;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_spool);
        db.setDatabaseName(spoolPath);
        QSqlQuery q(db);
        if (!db.open() || !q.exec(QStringLiteral("PRAGMA synchronous=FULL"))
            || !q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                                      "entry_uuid TEXT NOT NULL UNIQUE, session_id TEXT NOT NULL, action_id INTEGER, "
                                      "time_ms INTEGER, os_user TEXT, workstation TEXT, gateway TEXT, object TEXT, "
                                      "kind TEXT, before TEXT, after TEXT, result TEXT, answer TEXT)"))) {
            const QString error = db.isOpen() ? q.lastError().text() : db.lastError().text();
            q = QSqlQuery();
            db = QSqlDatabase();
            closeConnection(m_spool);
            return Result<bool>::failure(
                tr("team journal %1: cannot open the local file %2 that keeps entries while it is away: %3")
                    .arg(describe(), spoolPath, error));
        }
    }

    QString error;
    if (!connectDatabase(&error)) {
        m_awayReason = error;
        // A database that refuses this role's rights, or lacks the table, is not waited for.
        if (error.contains(QLatin1String("fleetdeck_changes")) || error.contains(QLatin1String("may ")))
            return Result<bool>::failure(error);
        m_lastError = error;
    }
    m_timer.start();
    return Result<bool>::success(true);
}

bool TeamJournal::connectDatabase(QString* error)
{
    const QString name = QStringLiteral("fleetdeck-team-") + m_session;
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    if (!db.isValid()) {
        *error
            = tr("team journal %1: Qt's PostgreSQL driver is not installed (Debian: libqt6sql6-psql)").arg(describe());
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return false;
    }
    const QUrlQuery query(m_settings.url);
    db.setHostName(query.hasQueryItem(QStringLiteral("host")) ? query.queryItemValue(QStringLiteral("host"))
                                                              : m_settings.url.host());
    db.setPort(m_settings.url.port(5432));
    db.setDatabaseName(m_settings.url.path().mid(1));
    db.setUserName(m_settings.url.userName());
    db.setPassword(m_settings.password);
    QStringList options { QStringLiteral("application_name=fleetdeck") };
    if (!query.hasQueryItem(QStringLiteral("sslmode")))
        options << QStringLiteral("sslmode=verify-full");
    if (!query.hasQueryItem(QStringLiteral("connect_timeout")))
        options << QStringLiteral("connect_timeout=3");
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded))
        if (key != QLatin1String("host") && key != QLatin1String("application_name"))
            options << key + QLatin1Char('=') + value;
    db.setConnectOptions(options.join(QLatin1Char(';')));
    auto fail = [&](const QString& why) {
        *error = why;
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return false;
    };
    if (!db.open())
        return fail(tr("team journal %1 is unreachable: %2").arg(describe(), db.lastError().text().trimmed()));
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT to_regclass('fleetdeck_changes') IS NOT NULL")) || !q.next()
        || !q.value(0).toBool())
        return fail(tr("team journal %1 has no table fleetdeck_changes: its owner makes it with "
                       "packaging/team-journal.sql")
                        .arg(describe()));
    q.exec(QStringLiteral("SELECT has_table_privilege('fleetdeck_changes', 'INSERT'), "
                          "has_table_privilege('fleetdeck_changes', 'SELECT'), "
                          "has_table_privilege('fleetdeck_changes', 'UPDATE'), "
                          "has_table_privilege('fleetdeck_changes', 'DELETE'), current_user"));
    if (!q.next())
        return fail(tr("team journal %1: cannot read the role's rights: %2").arg(describe(), q.lastError().text()));
    const QString role = q.value(4).toString();
    if (!q.value(0).toBool() || !q.value(1).toBool())
        return fail(tr("team journal %1: the role %2 may not INSERT and SELECT fleetdeck_changes (grant it "
                       "fleetdeck_operator)")
                        .arg(describe(), role));
    if (q.value(2).toBool() || q.value(3).toBool())
        return fail(tr("team journal %1: the role %2 may UPDATE or DELETE journal rows; Fleetdeck logs in only as "
                       "a role that may INSERT and SELECT")
                        .arg(describe(), role));
    q = QSqlQuery();
    m_connection = name;
    db.driver()->subscribeToNotification(kChannel);
    connect(db.driver(), &QSqlDriver::notification, this, &TeamJournal::notified);
    const bool wasReachable = m_reachable;
    m_reachable = true;
    m_awayReason.clear();
    // Ours first, in the order they were made, then whatever colleagues stored meanwhile.
    QString replayError;
    if (!replayWaiting(&replayError)) {
        becameUnreachable(replayError);
        *error = replayError;
        return false;
    }
    if (m_everConnected) {
        catchUp();
    } else {
        // What was stored before this window first connected is history (readRecent), not news.
        QSqlQuery last(QSqlDatabase::database(m_connection, false));
        if (last.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM fleetdeck_changes")) && last.next())
            m_floor = last.value(0).toLongLong();
        m_everConnected = true;
    }
    if (!wasReachable)
        Q_EMIT reachabilityChanged(true, {});
    return true;
}

void TeamJournal::dropConnection()
{
    if (m_connection.isEmpty())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (db.driver())
        disconnect(db.driver(), nullptr, this, nullptr);
    db = QSqlDatabase();
    closeConnection(m_connection);
}

void TeamJournal::becameUnreachable(const QString& why)
{
    dropConnection();
    m_awayReason = why;
    m_lastError = why;
    if (m_reachable) {
        m_reachable = false;
        Q_EMIT reachabilityChanged(false, why);
    }
}

bool TeamJournal::probe()
{
    // The driver closes a connection it found broken: nothing to ask then.
    if (m_connection.isEmpty() || !QSqlDatabase::database(m_connection, false).isOpen())
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    return q.exec(QStringLiteral("SELECT 1")) && q.next();
}

void TeamJournal::check()
{
    if (m_reachable) {
        if (!probe())
            becameUnreachable(tr("team journal %1 is unreachable: the connection was lost").arg(describe()));
        return;
    }
    QString error;
    if (!connectDatabase(&error))
        m_awayReason = error;
}

QString TeamJournal::refusal() const
{
    if (m_reachable || m_settings.keepWhileAway)
        return {};
    return tr("%1; changes are refused until it returns (or choose to keep them locally meanwhile)")
        .arg(m_awayReason.isEmpty() ? tr("team journal %1 is unreachable").arg(describe()) : m_awayReason);
}

int TeamJournal::waitingCount() const
{
    QSqlQuery q(QSqlDatabase::database(m_spool, false));
    return q.exec(QStringLiteral("SELECT count(*) FROM waiting")) && q.next() ? q.value(0).toInt() : 0;
}

bool TeamJournal::append(JournalEntry& entry)
{
    entry.sessionId = m_session;
    if (entry.entryUuid.isEmpty())
        entry.entryUuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString error;
    if (m_reachable && !QSqlDatabase::database(m_connection, false).isOpen())
        becameUnreachable(tr("team journal %1 is unreachable: the connection was lost").arg(describe()));
    if (m_reachable) {
        // Entries kept meanwhile go first, so the database holds them in the order they were made.
        if (replayWaiting(&error) && insert(entry, &error))
            return true;
        if (probe()) { // the database answered: it refused this entry, which is not kept
            m_lastError = error;
            return false;
        }
        becameUnreachable(error);
    }
    // Away. A result is always kept (its change was sent); an attempt only when the operator chose so.
    if (!m_settings.keepWhileAway && entry.kind != QLatin1String("result")) {
        m_lastError = refusal();
        return false;
    }
    if (!keep(entry, &error)) {
        m_lastError = error;
        return false;
    }
    entry.rowId = 0;
    return true;
}

bool TeamJournal::insert(JournalEntry& entry, QString* error)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("INSERT INTO fleetdeck_changes (%1) VALUES (?::uuid, ?::uuid, ?, ?, ?, ?, ?, ?, ?, ?, "
                             "?, ?, ?) ON CONFLICT (entry_uuid) DO NOTHING RETURNING id, account")
                  .arg(kColumns));
    bindEntry(q, entry);
    if (!q.exec()) {
        *error = tr("team journal %1: cannot append: %2").arg(describe(), q.lastError().text().trimmed());
        return false;
    }
    if (q.next()) {
        entry.rowId = q.value(0).toLongLong();
        entry.account = q.value(1).toString();
    } else { // stored before (a replay whose acknowledgement was lost): found, not stored again
        QSqlQuery found(QSqlDatabase::database(m_connection, false));
        found.prepare(QStringLiteral("SELECT id, account FROM fleetdeck_changes WHERE entry_uuid = ?::uuid"));
        found.addBindValue(entry.entryUuid);
        if (found.exec() && found.next()) {
            entry.rowId = found.value(0).toLongLong();
            entry.account = found.value(1).toString();
        }
    }
    m_seen.insert(entry.rowId);
    m_maxSeen = std::max(m_maxSeen, entry.rowId);
    return true;
}

bool TeamJournal::keep(const JournalEntry& entry, QString* error)
{
    QSqlQuery q(QSqlDatabase::database(m_spool, false));
    q.prepare(QStringLiteral("INSERT INTO waiting (%1) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").arg(kColumns));
    bindEntry(q, entry);
    if (!q.exec()) {
        *error = tr("team journal %1 is away and the entry could not be kept locally: %2")
                     .arg(describe(), q.lastError().text());
        return false;
    }
    return true;
}

bool TeamJournal::replayWaiting(QString* error)
{
    QSqlDatabase spool = QSqlDatabase::database(m_spool, false);
    QSqlQuery q(spool);
    q.setForwardOnly(true);
    // The same columns, in the same places, as a row of the team's table (the spool has no account).
    if (!q.exec(QStringLiteral("SELECT seq, entry_uuid, session_id, action_id, time_ms, os_user, workstation, '', "
                               "gateway, object, kind, before, after, result, answer FROM waiting ORDER BY seq")))
        return true;
    QVector<std::pair<qint64, JournalEntry>> waiting;
    while (q.next()) {
        JournalEntry e = entryFrom(q);
        e.rowId = 0;
        waiting.append({ q.value(0).toLongLong(), e });
    }
    q = QSqlQuery();
    for (auto& [seq, e] : waiting) {
        if (!insert(e, error))
            return false;
        // Stored: no longer waiting. Should this delete not happen (a crash), the next replay finds the entry stored
        // and does not store it again.
        QSqlQuery done(spool);
        done.prepare(QStringLiteral("DELETE FROM waiting WHERE seq = ?"));
        done.addBindValue(seq);
        done.exec();
        Q_EMIT replayed(e);
    }
    return true;
}

void TeamJournal::catchUp()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    // A row committed late may have a lower id than one already seen: look back a little, skip what was seen.
    q.prepare(kSelect + QStringLiteral("WHERE id > ? ORDER BY id"));
    q.addBindValue(std::max<qint64>(m_floor, m_maxSeen - 1000));
    if (!q.exec())
        return;
    while (q.next()) {
        JournalEntry e = entryFrom(q);
        if (m_seen.contains(e.rowId))
            continue;
        m_seen.insert(e.rowId);
        m_maxSeen = std::max(m_maxSeen, e.rowId);
        e.colleague = e.sessionId != m_session;
        if (e.colleague)
            Q_EMIT arrived(e);
    }
}

void TeamJournal::notified(const QString& name, QSqlDriver::NotificationSource, const QVariant& payload)
{
    if (name != kChannel || m_connection.isEmpty())
        return;
    bool ok = false;
    const qint64 id = payload.toString().toLongLong(&ok);
    if (!ok || m_seen.contains(id))
        return;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(kSelect + QStringLiteral("WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return;
    JournalEntry e = entryFrom(q);
    m_seen.insert(id);
    m_maxSeen = std::max(m_maxSeen, id);
    e.colleague = e.sessionId != m_session;
    if (e.colleague)
        Q_EMIT arrived(e);
}

QVector<JournalEntry> TeamJournal::readRecent(int limit)
{
    QVector<JournalEntry> out;
    if (m_reachable) {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        q.setForwardOnly(true);
        q.prepare(QStringLiteral("SELECT * FROM (%1 ORDER BY id DESC LIMIT ?) recent ORDER BY id").arg(kSelect));
        q.addBindValue(limit);
        if (q.exec()) {
            while (q.next()) {
                JournalEntry e = entryFrom(q);
                e.colleague = e.sessionId != m_session;
                m_seen.insert(e.rowId);
                m_maxSeen = std::max(m_maxSeen, e.rowId);
                out.append(e);
            }
        }
    }
    return out;
}

} // namespace Fleetdeck
