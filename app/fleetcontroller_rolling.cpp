// FleetController, part four: rolling changes in batches behind a health gate.
#include "fleetcontroller.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTimer>

#include "driver.h"
#include "eventlog.h"
#include "historycache.h"
#include "journal.h"
#include "serverspec.h"
#include "wire/prometheusapi.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "serieskeys.h"

namespace Fleetdeck {

struct FleetController::Rolling
{
    ActionReport report;
    QList<ServerRef> targets;
    AdminState state = AdminState::Drain;
    int batchSize = 1;
    double max5xxShare = 0.05;
    int pauseMs = 0;
    int next = 0; // index of the first target not yet sent
    quint64 batchRequest = 0;
    QMetaObject::Connection batchConnection;
};

quint64 FleetController::rollingState(
    const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs)
{
    auto rolling = std::make_shared<Rolling>();
    rolling->report.id = m_nextActionId++;
    rolling->targets = targets;
    rolling->state = state;
    rolling->batchSize = qMax(1, batchSize);
    rolling->max5xxShare = max5xxShare;
    rolling->pauseMs = qMax(0, pauseMs);
    rolling->report.description
        = tr("rolling %1 of %2 servers, %3 at a time").arg(label(state)).arg(targets.size()).arg(rolling->batchSize);
    for (const ServerRef& t : targets) {
        ActionOutcome o = ActionOutcome::of(ServerAction::stateChange(t, state));
        recordBefore(o);
        o.message = tr("not reached");
        rolling->report.outcomes.append(o);
    }
    Q_EMIT actionStarted(rolling->report.id, rolling->report.description);
    QTimer::singleShot(0, this, [this, rolling] { rollingStep(rolling); });
    return rolling->report.id;
}

void FleetController::pauseRolling(quint64 id)
{
    m_paused.insert(id);
}

void FleetController::resumeRolling(quint64 id)
{
    m_paused.remove(id);
}

QString FleetController::healthGate(const QSet<QString>& gateways, double max5xxShare) const
{
    for (const QString& name : gateways) {
        const int index = m_store->indexOf(name);
        if (index < 0 || !m_store->entry(index).snapshot)
            return tr("%1 has not been read").arg(name);
        if (m_store->entry(index).status.connection != Connection::Up)
            return tr("%1 is %2").arg(name, label(m_store->entry(index).status.connection));
        for (const BackendSnapshot& b : m_store->entry(index).snapshot->backends) {
            for (const ServerSnapshot& s : b.servers) {
                if (s.admin == AdminState::Ready && (s.health == Health::Down || s.health == Health::Stopping))
                    return tr("%1 %2/%3 is %4 (%5)").arg(name, b.name, s.name, label(s.health), s.checkStatus);
            }
        }
        const QString gw = SeriesKeys::subject(name);
        const double req = m_metrics->latest(SeriesKeys::requestRate(gw));
        const double err = m_metrics->latest(SeriesKeys::errorRate(gw));
        if (!std::isnan(req) && !std::isnan(err) && req > 0 && err / req > max5xxShare)
            return tr("%1 answers %2 % 5xx (the gate is %3 %)")
                .arg(name)
                .arg(100.0 * err / req, 0, 'f', 1)
                .arg(100.0 * max5xxShare, 0, 'f', 1);
    }
    return {};
}

void FleetController::rollingStep(const std::shared_ptr<Rolling>& rolling)
{
    const quint64 id = rolling->report.id;
    const int total = int(rolling->targets.size());
    if (m_cancelled.remove(id)) {
        for (int i = rolling->next; i < total; ++i)
            rolling->report.outcomes[i].message = tr("not sent: the rolling change was aborted");
        Q_EMIT rollingProgress(id, rolling->next, total, tr("aborted after %1 of %2").arg(rolling->next).arg(total));
        Q_EMIT actionFinished(rolling->report);
        return;
    }
    if (m_paused.contains(id)) {
        Q_EMIT rollingProgress(id, rolling->next, total, tr("paused after %1 of %2").arg(rolling->next).arg(total));
        QTimer::singleShot(200, this, [this, rolling] { rollingStep(rolling); });
        return;
    }
    if (rolling->next >= total) {
        Q_EMIT rollingProgress(id, total, total, tr("done"));
        Q_EMIT actionFinished(rolling->report);
        return;
    }
    const QList<ServerRef> batch = rolling->targets.mid(rolling->next, rolling->batchSize);
    const int first = rolling->next;
    rolling->next += int(batch.size());
    Q_EMIT rollingProgress(id, first, total, tr("sending %1 to %2").arg(label(rolling->state)).arg(batch.size()));
    const quint64 batchId = setServerState(batch, rolling->state);
    rolling->batchConnection = connect(
        this, &FleetActions::actionFinished, this, [this, rolling, batchId, first, batch](const ActionReport& r) {
            if (r.id != batchId)
                return;
            disconnect(rolling->batchConnection);
            for (int i = 0; i < r.outcomes.size(); ++i)
                rolling->report.outcomes[first + i] = r.outcomes.at(i);
            const int total = int(rolling->targets.size());
            if (!r.ok()) {
                for (int i = rolling->next; i < total; ++i)
                    rolling->report.outcomes[i].message = tr("not sent: the batch before it failed");
                Q_EMIT rollingProgress(rolling->report.id, rolling->next, total, tr("stopped: a batch failed"));
                Q_EMIT actionFinished(rolling->report);
                return;
            }
            if (rolling->next >= total) {
                rollingStep(rolling);
                return;
            }
            // Pause, then the health gate, before the next batch.
            QTimer::singleShot(rolling->pauseMs, this, [this, rolling, batch] {
                QSet<QString> gateways;
                for (const ServerRef& s : batch)
                    gateways.insert(s.gateway);
                refreshNow();
                // Let the refresh land before judging the gate.
                QTimer::singleShot(qMin(1500, 2 * rolling->pauseMs + 300), this, [this, rolling, gateways] {
                    const QString problem = healthGate(gateways, rolling->max5xxShare);
                    const int total = int(rolling->targets.size());
                    if (!problem.isEmpty()) {
                        for (int i = rolling->next; i < total; ++i)
                            rolling->report.outcomes[i].message
                                = tr("not sent: stopped at the health gate: %1").arg(problem);
                        Q_EMIT rollingProgress(rolling->report.id, rolling->next, total,
                            tr("stopped at the health gate: %1").arg(problem));
                        Q_EMIT actionFinished(rolling->report);
                        return;
                    }
                    rollingStep(rolling);
                });
            });
        });
}

} // namespace Fleetdeck
