#pragma once

#include <memory>

#include <QObject>
#include <QSet>

#include "change.h"

namespace Fleetdeck {

class ChangePipeline;
class FleetStore;
class MetricStore;
class Poller;

// Rolling changes: a state change to many members in batches, each batch sent through the change pipeline and
// verified; between batches a pause, a fresh poll and a health gate (no member in service down, each gateway's 5xx
// share under the limit). Paused, resumed and aborted between batches.
class RollingChanges final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RollingChanges)

public:
    RollingChanges(ChangePipeline* pipeline, Poller* poller, const FleetStore* store, const MetricStore* metrics,
        QObject* parent = nullptr);
    ~RollingChanges() override;

    quint64 start(const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs);
    void pause(quint64 id) { m_paused.insert(id); }
    void resume(quint64 id) { m_paused.remove(id); }
    // True when id is a rolling change (it then stops before its next batch).
    bool cancel(quint64 id);

Q_SIGNALS:
    void started(quint64 id, const QString& description);
    void progress(quint64 id, int done, int total, const QString& status);
    void finished(const Fleetdeck::ActionReport& report);

private:
    struct Rolling;
    void step(const std::shared_ptr<Rolling>& rolling);
    void stop(const std::shared_ptr<Rolling>& rolling, const QString& why, const QString& status);
    // Why the next batch may not go (empty: it may).
    QString healthGate(const QSet<QString>& gateways, double max5xxShare) const;

    ChangePipeline* m_pipeline;
    Poller* m_poller;
    const FleetStore* m_store;
    const MetricStore* m_metrics;
    QSet<quint64> m_paused;
    QSet<quint64> m_running;
    QSet<quint64> m_cancelled;
};

} // namespace Fleetdeck
