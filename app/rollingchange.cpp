#include "rollingchange.h"

#include <cmath>

#include <QDateTime>
#include <QTimer>

#include "changepipeline.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "poller.h"
#include "serieskeys.h"

namespace Fleetdeck {

namespace {
constexpr qint64 kGateWindowMs = 15000;
}

struct RollingChanges::Rolling
{
    ActionReport report;
    QList<ServerRef> targets;
    AdminState state = AdminState::Drain;
    int batchSize = 1;
    double max5xxShare = 0.05;
    int pauseMs = 0;
    int next = 0; // index of the first target not yet sent
    QMetaObject::Connection batchConnection;
};

RollingChanges::RollingChanges(
    ChangePipeline* pipeline, Poller* poller, const FleetStore* store, const MetricStore* metrics, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_poller(poller)
    , m_store(store)
    , m_metrics(metrics)
{ }

RollingChanges::~RollingChanges() = default;

quint64 RollingChanges::start(
    const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs)
{
    auto rolling = std::make_shared<Rolling>();
    rolling->report.id = m_pipeline->takeId();
    rolling->targets = targets;
    rolling->state = state;
    rolling->batchSize = qMax(1, batchSize);
    rolling->max5xxShare = max5xxShare;
    rolling->pauseMs = qMax(0, pauseMs);
    rolling->report.description
        = tr("rolling %1 of %2 servers, %3 at a time").arg(label(state)).arg(targets.size()).arg(rolling->batchSize);
    for (const ServerRef& t : targets) {
        ActionOutcome o = ActionOutcome::of(ServerStateChange { t, state });
        o.message = tr("not reached");
        rolling->report.outcomes.append(o);
    }
    m_running.insert(rolling->report.id);
    Q_EMIT started(rolling->report.id, rolling->report.description);
    QTimer::singleShot(0, this, [this, rolling] { step(rolling); });
    return rolling->report.id;
}

bool RollingChanges::cancel(quint64 id)
{
    if (!m_running.contains(id))
        return false;
    m_cancelled.insert(id);
    return true;
}

void RollingChanges::stop(const std::shared_ptr<Rolling>& rolling, const QString& why, const QString& status)
{
    const int total = int(rolling->targets.size());
    for (int i = rolling->next; i < total; ++i)
        rolling->report.outcomes[i].message = why;
    m_running.remove(rolling->report.id);
    Q_EMIT progress(rolling->report.id, rolling->next, total, status);
    Q_EMIT finished(rolling->report);
}

QString RollingChanges::healthGate(const QSet<QString>& gateways, double max5xxShare) const
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
        // The 5xx share over the last seconds, not one second's rate: a second often holds no 5xx at all.
        const QString gw = SeriesKeys::subject(name);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        auto total = [this, now](const QString& key) {
            double sum = 0;
            for (const MetricStore::Bucket& b : m_metrics->range(key, now - kGateWindowMs, now)) {
                if (!std::isnan(b.mean))
                    sum += double(b.mean);
            }
            return sum;
        };
        const double req = total(SeriesKeys::requestRate(gw));
        const double err = total(SeriesKeys::errorRate(gw));
        if (req > 0 && err / req > max5xxShare)
            return tr("%1 answered %2 % 5xx over the last %3 s (the gate is %4 %)")
                .arg(name)
                .arg(100.0 * err / req, 0, 'f', 1)
                .arg(kGateWindowMs / 1000)
                .arg(100.0 * max5xxShare, 0, 'f', 1);
    }
    return {};
}

void RollingChanges::step(const std::shared_ptr<Rolling>& rolling)
{
    const quint64 id = rolling->report.id;
    const int total = int(rolling->targets.size());
    if (m_cancelled.remove(id)) {
        stop(rolling, tr("not sent: the rolling change was aborted"),
            tr("aborted after %1 of %2").arg(rolling->next).arg(total));
        return;
    }
    if (m_paused.contains(id)) {
        Q_EMIT progress(id, rolling->next, total, tr("paused after %1 of %2").arg(rolling->next).arg(total));
        QTimer::singleShot(200, this, [this, rolling] { step(rolling); });
        return;
    }
    if (rolling->next >= total) {
        m_running.remove(id);
        Q_EMIT progress(id, total, total, tr("done"));
        Q_EMIT finished(rolling->report);
        return;
    }
    const QList<ServerRef> batch = rolling->targets.mid(rolling->next, rolling->batchSize);
    const int first = rolling->next;
    rolling->next += int(batch.size());
    Q_EMIT progress(id, first, total, tr("sending %1 to %2").arg(label(rolling->state)).arg(batch.size()));
    QList<Change> changes;
    for (const ServerRef& s : batch)
        changes.append(ServerStateChange { s, rolling->state });
    const QString description = changes.size() == 1
        ? changes.first().describe()
        : tr("set %1 servers to %2").arg(changes.size()).arg(label(rolling->state));
    const quint64 batchId = m_pipeline->submit(changes, description, false);
    rolling->batchConnection = connect(
        m_pipeline, &ChangePipeline::finished, this, [this, rolling, batchId, first, batch](const ActionReport& r) {
            if (r.id != batchId)
                return;
            disconnect(rolling->batchConnection);
            for (int i = 0; i < r.outcomes.size(); ++i)
                rolling->report.outcomes[first + i] = r.outcomes.at(i);
            if (!r.ok()) {
                stop(rolling, tr("not sent: the batch before it failed"), tr("stopped: a batch failed"));
                return;
            }
            if (rolling->next >= int(rolling->targets.size())) {
                step(rolling);
                return;
            }
            // Pause, then the health gate, before the next batch.
            QTimer::singleShot(rolling->pauseMs, this, [this, rolling, batch] {
                QSet<QString> gateways;
                for (const ServerRef& s : batch)
                    gateways.insert(s.gateway);
                m_poller->pollAll();
                // Let the refresh land before judging the gate.
                QTimer::singleShot(qMin(1500, 2 * rolling->pauseMs + 300), this, [this, rolling, gateways] {
                    const QString problem = healthGate(gateways, rolling->max5xxShare);
                    if (!problem.isEmpty()) {
                        stop(rolling, tr("not sent: stopped at the health gate: %1").arg(problem),
                            tr("stopped at the health gate: %1").arg(problem));
                        return;
                    }
                    step(rolling);
                });
            });
        });
}

} // namespace Fleetdeck
