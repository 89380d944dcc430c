#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QVector>

namespace Fleetdeck {

// Something that happened in the fleet at a moment: a state transition seen in a poll, a gateway lost or found,
// or a change made from Fleetdeck.
struct FleetEvent
{
    // Alert: an Alertmanager alert that started or ended on this subject ("firing: …", "resolved: …").
    enum class Kind { Transition, Connection, Change, Alert };
    qint64 timeMs = 0;
    Kind kind = Kind::Transition;
    QString gateway;
    QString object; // "backend/server", "backend", or empty for the gateway itself
    QString text;
    bool failed = false; // a change that did not take, or a gateway lost

    friend bool operator==(const FleetEvent&, const FleetEvent&) = default;
};

// The fleet's events in time order, as a table (newest last) for the incident timeline and the chart markers.
// Holds a bounded number: the oldest go first.
class EventLog final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventLog)

public:
    enum Column { TimeColumn, GatewayColumn, ObjectColumn, TextColumn, ColumnCount };
    enum Role { TimeRole = Qt::UserRole + 100, GatewayRole, ObjectRole, KindRole };

    explicit EventLog(int capacity = 20000, QObject* parent = nullptr);

    void add(const FleetEvent& event);
    const QVector<FleetEvent>& events() const { return m_events; }
    // Events in [fromMs, toMs] concerning the subject: "" (the whole fleet), "gw", "gw/backend" or
    // "gw/backend/server". An event about a gateway concerns everything in it.
    QVector<FleetEvent> eventsFor(const QString& subject, qint64 fromMs, qint64 toMs) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void eventAdded(const Fleetdeck::FleetEvent& event);

private:
    int m_capacity;
    QVector<FleetEvent> m_events;
};

// Filters a table (the timeline, the journal) by words: each must appear in some column of the row.
class EventFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventFilterProxy)

public:
    explicit EventFilterProxy(QObject* parent = nullptr);
    void setSearchText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QStringList m_words;
};

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::FleetEvent)
