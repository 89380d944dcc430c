#include "journalmodel.h"
#include "statecolours.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QSysInfo>
#include <QUuid>

namespace Fleetdeck {

namespace {
QByteArray csvField(const QString& text)
{
    QByteArray bytes = text.toUtf8();
    if (bytes.contains(',') || bytes.contains('"') || bytes.contains('\n')) {
        bytes.replace('"', "\"\"");
        bytes = '"' + bytes + '"';
    }
    return bytes;
}
} // namespace

QString JournalEntry::currentOsUser()
{
    const QString user = qEnvironmentVariable("USER");
    return user.isEmpty() ? qEnvironmentVariable("LOGNAME", QStringLiteral("unknown")) : user;
}

QString JournalEntry::currentWorkstation()
{
    const QString host = QSysInfo::machineHostName();
    return host.isEmpty() ? QStringLiteral("unknown") : host;
}

QString JournalEntry::who() const
{
    if (account.isEmpty())
        return osUser;
    return QStringLiteral("%1 (%2 on %3)").arg(account, osUser, workstation);
}

JournalEntry JournalEntry::makeAttempt(quint64 actionId, const ActionOutcome& o)
{
    JournalEntry e;
    e.actionId = actionId;
    e.timeMs = QDateTime::currentMSecsSinceEpoch();
    e.osUser = currentOsUser();
    e.workstation = currentWorkstation();
    e.entryUuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    e.gateway = o.change.gateway();
    e.object = o.change.object();
    e.kind = QStringLiteral("attempt");
    e.before = o.beforeText;
    e.after = o.afterText;
    e.result = QStringLiteral("sending");
    return e;
}

JournalEntry JournalEntry::makeResult(quint64 actionId, const ActionOutcome& o)
{
    JournalEntry e = makeAttempt(actionId, o); // with an id of its own
    e.kind = QStringLiteral("result");
    e.result = o.ok ? QStringLiteral("verified") : QStringLiteral("failed");
    e.answer = o.message;
    return e;
}

JournalModel::JournalModel(QObject* parent)
    : QAbstractTableModel(parent)
{
    qRegisterMetaType<JournalEntry>();
}

void JournalModel::setEntries(const QVector<JournalEntry>& entries)
{
    beginResetModel();
    m_entries = entries;
    endResetModel();
}

void JournalModel::append(const JournalEntry& entry)
{
    beginInsertRows({}, int(m_entries.size()), int(m_entries.size()));
    m_entries.append(entry);
    endInsertRows();
}

QVector<JournalEntry> JournalModel::colleagueChanges(
    const QString& gateway, const QString& object, qint64 sinceMs) const
{
    QVector<JournalEntry> out;
    for (const JournalEntry& e : m_entries) {
        if (!e.colleague || e.kind != QLatin1String("result") || e.timeMs < sinceMs || e.gateway != gateway)
            continue;
        const bool same = object.isEmpty() || e.object == object || e.object.startsWith(object + QLatin1Char('/'))
            || object.startsWith(e.object + QLatin1Char('/'));
        if (same)
            out.append(e);
    }
    return out;
}

QByteArray JournalModel::toCsv() const
{
    QByteArray out = "time,user,account,workstation,gateway,object,kind,before,after,result,answer\n";
    for (const JournalEntry& e : m_entries) {
        const QStringList fields { QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(Qt::ISODateWithMs), e.osUser,
            e.account, e.workstation, e.gateway, e.object, e.kind, e.before, e.after, e.result, e.answer };
        QList<QByteArray> bytes;
        for (const QString& f : fields)
            bytes.append(csvField(f));
        out += bytes.join(',') + '\n';
    }
    return out;
}

int JournalModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int JournalModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JournalModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char* names[] = { "Time", "Gateway", "Object", "Change", "Result", "Answer", "User" };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QVariant JournalModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const JournalEntry& e = m_entries.at(index.row());
    if (role == TimeRole)
        return e.timeMs;
    if (role == Qt::ForegroundRole && e.result == QLatin1String("failed"))
        return QBrush(StateColours::of(StateColours::Role::Bad));
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case GatewayColumn:
        return e.gateway;
    case ObjectColumn:
        return e.object;
    case ChangeColumn:
        return QStringLiteral("%1 → %2").arg(e.before, e.after);
    case ResultColumn:
        return e.result;
    case AnswerColumn:
        return e.answer;
    case UserColumn:
        return e.who();
    default:
        return {};
    }
}

} // namespace Fleetdeck
