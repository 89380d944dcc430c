#include "eventlog.h"
#include "statecolours.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace Fleetdeck {

EventLog::EventLog(int capacity, QObject* parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(10, capacity))
{
    qRegisterMetaType<FleetEvent>();
}

void EventLog::add(const FleetEvent& event)
{
    if (m_events.size() >= m_capacity) {
        const int drop = m_capacity / 10; // drop a tenth at once, so trimming is rare
        beginRemoveRows({}, 0, drop - 1);
        m_events.remove(0, drop);
        endRemoveRows();
    }
    // Events arrive nearly in order; keep the list sorted by time anyway.
    qsizetype at = m_events.size();
    while (at > 0 && m_events.at(at - 1).timeMs > event.timeMs)
        --at;
    beginInsertRows({}, int(at), int(at));
    m_events.insert(at, event);
    endInsertRows();
    Q_EMIT eventAdded(event);
}

QVector<FleetEvent> EventLog::eventsFor(const QString& subject, qint64 fromMs, qint64 toMs) const
{
    QVector<FleetEvent> out;
    for (const FleetEvent& e : m_events) {
        if (e.timeMs < fromMs || e.timeMs > toMs)
            continue;
        if (subject.isEmpty()) {
            out.append(e);
            continue;
        }
        const QString full = e.object.isEmpty() ? e.gateway : e.gateway + QLatin1Char('/') + e.object;
        // The event is about the subject, something inside it, or the subject's gateway as a whole.
        if (full == subject || full.startsWith(subject + QLatin1Char('/'))
            || (e.object.isEmpty() && subject.startsWith(e.gateway + QLatin1Char('/'))))
            out.append(e);
    }
    return out;
}

int EventLog::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLog::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLog::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case GatewayColumn:
        return tr("Gateway");
    case ObjectColumn:
        return tr("Object");
    case TextColumn:
        return tr("What happened");
    default:
        return {};
    }
}

QVariant EventLog::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FleetEvent& e = m_events.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: {
            // Today's events by the clock alone; older ones with their date.
            const QDateTime t = QDateTime::fromMSecsSinceEpoch(e.timeMs);
            return t.date() == QDate::currentDate() ? t.toString(QStringLiteral("HH:mm:ss"))
                                                    : t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        }
        case GatewayColumn:
            return e.gateway;
        case ObjectColumn:
            return e.object;
        case TextColumn:
            return e.text;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return QString(QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"))
            + QLatin1Char(' ') + e.gateway + QLatin1Char(' ') + e.object + QLatin1String(": ") + e.text);
    case Qt::ForegroundRole:
        if (e.failed)
            return QBrush(StateColours::of(StateColours::Role::Bad));
        if (e.kind == FleetEvent::Kind::Change)
            return QBrush(StateColours::of(StateColours::Role::Info));
        return {};
    case TimeRole:
        return e.timeMs;
    case GatewayRole:
        return e.gateway;
    case ObjectRole:
        return e.object;
    case KindRole:
        return int(e.kind);
    default:
        return {};
    }
}

EventFilterProxy::EventFilterProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{ }

void EventFilterProxy::setSearchText(const QString& text)
{
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words == m_words)
        return;
    m_words = words;
    invalidateRowsFilter();
}

bool EventFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QAbstractItemModel* m = sourceModel();
    for (const QString& word : m_words) {
        bool found = false;
        for (int c = 0; c < m->columnCount(sourceParent) && !found; ++c)
            found = m->index(sourceRow, c, sourceParent).data().toString().contains(word, Qt::CaseInsensitive);
        if (!found)
            return false;
    }
    return true;
}

} // namespace Fleetdeck
