#pragma once

#include <functional>

#include <QObject>
#include <QPointer>
#include <QUrl>

#include "alerts.h"

class QTimer;

namespace Fleetdeck {

class EventLog;
class FleetStore;
class Journal;
namespace Wire {
class AlertmanagerClient;
}

// The fleet's Alertmanager: its alerts read every interval, placed on the gateways, pools and servers their labels
// name (AlertBoard), and their start and end put on the timeline; silences made and expired like any change:
// refused when read-only, journaled before they are sent and after they are verified (read back from
// Alertmanager), and on the timeline.
class AlertService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertService)

public:
    // nextId: action ids shared with the change pipeline, so the journal's ids stay unique.
    AlertService(const FleetStore* store, std::function<quint64()> nextId, QObject* parent = nullptr);
    ~AlertService() override;

    void setAlertmanager(const QUrl& url, const AlertLabels& labels, int intervalMs = 1000);
    QUrl alertmanager() const;
    void setEventLog(EventLog* events) { m_events = events; }
    void setJournal(Journal* journal) { m_journal = journal; }
    // Why changes are refused right now (empty: they are not).
    void setReadOnlyReason(std::function<QString()> reason) { m_readOnlyReason = std::move(reason); }

    AlertBoard* board() { return m_board; }
    const AlertBoard* board() const { return m_board; }
    void readNow();

    // Silences the alert with this fingerprint for `minutes`; reported by silenceFinished(id, …).
    quint64 silence(const QString& fingerprint, int minutes, const QString& comment);
    // Expires a silence: the undo of silence().
    quint64 expire(const QString& silenceId);

Q_SIGNALS:
    void silenceFinished(quint64 id, bool ok, const QString& message, const QString& silenceId);

private:
    void onAlerts(const Result<AlertRead>& alerts);
    void finish(quint64 id, const QString& gateway, const QString& object, const QString& before, const QString& after,
        bool ok, const QString& message, const QString& silenceId);
    bool journalAttempt(quint64 id, const QString& gateway, const QString& object, const QString& before,
        const QString& after, QString* error);

    const FleetStore* m_store;
    std::function<quint64()> m_nextId;
    std::function<QString()> m_readOnlyReason;
    AlertBoard* m_board;
    AlertLabels m_labels;
    QPointer<Wire::AlertmanagerClient> m_client;
    QTimer* m_timer;
    bool m_inFlight = false;
    bool m_unreachable = false;
    EventLog* m_events = nullptr;
    Journal* m_journal = nullptr;
};

} // namespace Fleetdeck
