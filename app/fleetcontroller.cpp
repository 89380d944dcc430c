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

struct FleetController::PendingAction
{
    ActionReport report;
    QHash<QString, QList<int>> byGateway; // gateway -> indices into report.outcomes
    QHash<int, bool> accepted; // outcome index -> the gateway accepted the command
    QSet<int> skipped; // outcome indexes not sent (a conflict, or no such server)
    int gatewaysLeft = 0;
};

FleetController::FleetController(FleetStore* store, MetricStore* metrics, QObject* parent)
    : FleetActions(parent)
    , m_store(store)
    , m_metrics(metrics)
{
    qRegisterMetaType<ActionReport>();
    qRegisterMetaType<RateLimits>();
    qRegisterMetaType<ServerRef>();
}

FleetController::~FleetController() = default;

void FleetController::addGateway(const GatewayConfig& config)
{
    if (m_gateways.contains(config.name))
        return;
    Gateway g;
    g.driver = Drivers::createDriver(config, this);
    g.timer = new QTimer(this);
    g.timer->setSingleShot(true);
    const QString name = config.name;
    connect(g.timer, &QTimer::timeout, this, [this, name] { poll(name); });
    m_gateways.insert(name, g);
    m_store->addGateway(config, g.driver->capabilities());
    poll(name);
}

void FleetController::removeGateway(const QString& name)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    delete it->timer;
    delete it->driver.data(); // pending requests die with it; their callbacks never run
    m_gateways.erase(it);
    m_store->removeGateway(name);
}

void FleetController::refreshNow()
{
    for (auto it = m_gateways.cbegin(); it != m_gateways.cend(); ++it) {
        if (!it->pollInFlight)
            poll(it.key());
    }
}

void FleetController::poll(const QString& name)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end() || it->pollInFlight)
        return;
    it->timer->stop();
    it->pollInFlight = true;
    fetch(name, [this, name](const Result<GatewaySnapshot>&) {
        auto g = m_gateways.find(name);
        if (g == m_gateways.end())
            return;
        g->pollInFlight = false;
        scheduleNext(name);
    });
}

void FleetController::fetch(const QString& name, std::function<void(const Result<GatewaySnapshot>&)> then)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end() || !it->driver) {
        then(Result<GatewaySnapshot>::failure(tr("%1 is no longer in the fleet").arg(name)));
        return;
    }
    const quint64 generation = it->nextGeneration++;
    it->driver->fetchSnapshot([this, name, generation, then = std::move(then)](Result<GatewaySnapshot> result) {
        onSnapshot(name, generation, result);
        then(result);
    });
}

void FleetController::onSnapshot(const QString& name, quint64 generation, const Result<GatewaySnapshot>& result)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    if (generation < it->appliedGeneration)
        return; // an older request finished after a newer one: its news is stale
    it->appliedGeneration = generation;
    const int index = m_store->indexOf(name);
    if (index < 0)
        return;
    GatewayStatus status = m_store->entry(index).status;
    const Connection before = status.connection;
    if (result) {
        ingest(name, result.value());
        status.connection = Connection::Up;
        status.lastSeenMs = result.value().takenAtMs;
        status.lastError.clear();
        status.consecutiveFailures = 0;
        m_store->setStatus(name, status);
        if (m_events && before == Connection::Unreachable)
            m_events->add(FleetEvent { result.value().takenAtMs, FleetEvent::Kind::Connection, name, {},
                                       tr("reachable again"), false });
    } else {
        const GatewayConfig& config = m_store->entry(index).config;
        status.connection = Connection::Unreachable;
        status.lastError = QStringLiteral("%1 (%2): %3").arg(name, config.admin.toString(), result.error());
        status.consecutiveFailures += 1;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        markGaps(name, now);
        m_store->setStatus(name, status);
        if (m_events && before != Connection::Unreachable)
            m_events->add(FleetEvent { now, FleetEvent::Kind::Connection, name, {},
                                       tr("unreachable: %1").arg(result.error()), true });
    }
}

void FleetController::scheduleNext(const QString& name)
{
    auto it = m_gateways.find(name);
    const int index = m_store->indexOf(name);
    if (it == m_gateways.end() || index < 0)
        return;
    const FleetStore::Entry& e = m_store->entry(index);
    int delay = e.config.pollIntervalMs;
    if (e.status.consecutiveFailures > 0) {
        // Back off exponentially from the poll interval, so a dead gateway costs little and a revived one is found.
        const int shift = qMin(e.status.consecutiveFailures - 1, 10);
        delay = int(qMin<qint64>(qint64(e.config.pollIntervalMs) << shift, m_maxBackoffMs));
        delay = qMax(delay, qMin(e.config.pollIntervalMs, m_maxBackoffMs));
    }
    it->timer->start(delay);
}

void FleetController::ingest(const QString& name, const GatewaySnapshot& snap)
{
    const qint64 t = snap.takenAtMs;
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    Gateway& g = *it;
    using namespace SeriesKeys;
    if (!g.handlesShape || !g.handlesShape->sameShape(snap)) {
        g.handles.clear();
        auto add = [&](const QString& subj) {
            g.handles.append({ m_metrics->handle(requestRate(subj)), m_metrics->handle(errorRate(subj)),
                               m_metrics->handle(sessions(subj)) });
        };
        add(subject(name));
        for (const auto& b : snap.backends) {
            add(subject(name, b.name));
            for (const auto& s : b.servers)
                add(subject(name, b.name, s.name));
        }
        g.handlesShape = snap;
    }
    auto handle = [&](qsizetype row, int which) { return static_cast<MetricStore::Handle>(g.handles.at(row)[size_t(which)]); };
    qsizetype row = 0;
    m_metrics->appendCounter(handle(row, 0), t, double(snap.requestsTotal()));
    m_metrics->appendCounter(handle(row, 1), t, double(snap.responses5xxTotal()));
    m_metrics->appendGauge(handle(row, 2), t, double(snap.sessions()));
    for (const auto& b : snap.backends) {
        ++row;
        m_metrics->appendCounter(handle(row, 0), t, double(b.requestsTotal));
        m_metrics->appendCounter(handle(row, 1), t, double(b.responses5xxTotal));
        m_metrics->appendGauge(handle(row, 2), t, double(b.sessions));
        for (const auto& s : b.servers) {
            ++row;
            m_metrics->appendCounter(handle(row, 0), t, double(s.requestsTotal));
            m_metrics->appendCounter(handle(row, 1), t, double(s.responses5xxTotal));
            m_metrics->appendGauge(handle(row, 2), t, double(s.sessions));
        }
    }
    if (const int index = m_store->indexOf(name); index >= 0 && m_store->entry(index).snapshot)
        recordTransitions(name, *m_store->entry(index).snapshot, snap);
    // Rates first, then the snapshot: views repainting on the snapshot read the new rates.
    m_store->applySnapshot(name, snap);
    m_metrics->notifyAppended();
}

void FleetController::markGaps(const QString& name, qint64 nowMs)
{
    const int index = m_store->indexOf(name);
    if (index < 0)
        return;
    using namespace SeriesKeys;
    auto gap = [this, nowMs](const QString& subj) {
        m_metrics->appendGap(requestRate(subj), nowMs);
        m_metrics->appendGap(errorRate(subj), nowMs);
        m_metrics->appendGap(sessions(subj), nowMs);
    }; // rare (a failed poll): the keyed path is fine here
    gap(subject(name));
    if (const auto& snap = m_store->entry(index).snapshot) {
        for (const auto& b : snap->backends) {
            gap(subject(name, b.name));
            for (const auto& s : b.servers)
                gap(subject(name, b.name, s.name));
        }
    }
    m_metrics->notifyAppended();
}

quint64 FleetController::setServerState(const QList<ServerRef>& servers, AdminState state)
{
    QList<ServerAction> actions;
    for (const auto& s : servers)
        actions.append(ServerAction::stateChange(s, state));
    const QString description = servers.size() == 1
        ? actions.first().describe()
        : tr("set %1 servers to %2").arg(servers.size()).arg(label(state));
    return runActions(actions, description);
}

quint64 FleetController::setServerWeight(const QList<ServerRef>& servers, int weight)
{
    QList<ServerAction> actions;
    for (const auto& s : servers)
        actions.append(ServerAction::weightChange(s, weight));
    const QString description = servers.size() == 1 ? actions.first().describe()
                                                    : tr("set weight of %1 servers to %2").arg(servers.size()).arg(weight);
    return runActions(actions, description);
}

quint64 FleetController::applyActions(const QList<ServerAction>& actions, const QString& description)
{
    return runActions(actions, description);
}

void FleetController::recordBefore(ActionOutcome& o) const
{
    const int index = m_store->indexOf(o.action.target.gateway);
    if (index < 0 || !m_store->entry(index).snapshot)
        return;
    if (const ServerSnapshot* s = m_store->entry(index).snapshot->server(o.action.target.backend, o.action.target.server)) {
        o.knewBefore = true;
        o.stateBefore = s->admin;
        o.weightBefore = s->weight;
        o.addressBefore = s->address;
        o.checkedBefore = !s->checkStatus.isEmpty();
    }
}

quint64 FleetController::runActions(const QList<ServerAction>& actions, const QString& description)
{
    auto pending = std::make_shared<PendingAction>();
    pending->report.id = m_nextActionId++;
    pending->report.description = description;
    for (int i = 0; i < actions.size(); ++i) {
        ActionOutcome o = ActionOutcome::of(actions.at(i));
        recordBefore(o);
        pending->report.outcomes.append(o);
        pending->byGateway[actions.at(i).target.gateway].append(i);
    }
    const quint64 id = pending->report.id;
    Q_EMIT actionStarted(id, description);
    if (!m_readOnlyReason.isEmpty()) {
        // Refused before anything is sent, and said so.
        for (ActionOutcome& o : pending->report.outcomes)
            o.message = tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason);
        QTimer::singleShot(0, this, [this, pending] { Q_EMIT actionFinished(pending->report); });
        return id;
    }
    if (m_journal) {
        for (const ActionOutcome& o : std::as_const(pending->report.outcomes))
            m_journal->append(JournalEntry::makeAttempt(id, o));
    }
    if (actions.isEmpty()) {
        QTimer::singleShot(0, this, [this, pending] { Q_EMIT actionFinished(pending->report); });
        return id;
    }
    // A gateway marked read-only in the fleet gets nothing, whatever else the request holds.
    for (auto it = pending->byGateway.begin(); it != pending->byGateway.end();) {
        const int index = m_store->indexOf(it.key());
        if (index >= 0 && m_store->entry(index).config.readOnly) {
            for (int i : it.value())
                pending->report.outcomes[i].message = tr("not sent: %1 is read-only in the fleet").arg(it.key());
            it = pending->byGateway.erase(it);
        } else {
            ++it;
        }
    }
    if (pending->byGateway.isEmpty()) {
        QTimer::singleShot(0, this, [this, pending] { finishSingle(pending->report); });
        return id;
    }
    pending->gatewaysLeft = int(pending->byGateway.size());
    for (auto it = pending->byGateway.cbegin(); it != pending->byGateway.cend(); ++it) {
        const QString gateway = it.key();
        const int index = m_store->indexOf(gateway);
        if (!m_gateways.contains(gateway) || index < 0) {
            for (int i : it.value())
                pending->report.outcomes[i].message = tr("%1 is not in the fleet").arg(gateway);
            QTimer::singleShot(0, this, [this, pending] { finishGateway(pending); });
            continue;
        }
        checkThenApply(pending, gateway);
    }
    return id;
}

void FleetController::checkThenApply(const std::shared_ptr<PendingAction>& pending, const QString& gateway)
{
    // Re-read first: a server that is no longer as the operator saw it was changed by someone else meanwhile.
    // Its change is not sent (a conflict), so nothing is overwritten blind.
    fetch(gateway, [this, pending, gateway](const Result<GatewaySnapshot>& now) {
        if (!now) {
            for (int i : pending->byGateway.value(gateway))
                pending->report.outcomes[i].message = tr("%1: not sent, the gateway could not be read first: %2").arg(gateway, now.error());
            finishGateway(pending);
            return;
        }
        for (int i : pending->byGateway.value(gateway)) {
            ActionOutcome& o = pending->report.outcomes[i];
            const ServerRef& t = o.action.target;
            const ServerSnapshot* s = now.value().server(t.backend, t.server);
            if (!s) {
                o.message = tr("%1: %2/%3 does not exist; nothing sent").arg(gateway, t.backend, t.server);
                pending->skipped.insert(i);
                continue;
            }
            if (!o.knewBefore)
                continue;
            const bool stateMoved = s->admin != o.stateBefore;
            const bool weightMoved = s->weight != o.weightBefore;
            if ((o.action.kind == ServerAction::Kind::SetState && stateMoved)
                || (o.action.kind == ServerAction::Kind::SetWeight && weightMoved)) {
                o.conflict = true;
                o.message = o.action.kind == ServerAction::Kind::SetWeight
                    ? tr("conflict: %1 %2/%3 now has weight %4, not %5 as when the change was asked for; nothing sent")
                          .arg(gateway, t.backend, t.server)
                          .arg(s->weight)
                          .arg(o.weightBefore)
                    : tr("conflict: %1 %2/%3 is now %4, not %5 as when the change was asked for; nothing sent")
                          .arg(gateway, t.backend, t.server, label(s->admin), label(o.stateBefore));
                pending->skipped.insert(i);
            }
        }
        applyNext(pending, gateway, 0);
    });
}

void FleetController::applyNext(const std::shared_ptr<PendingAction>& pending, const QString& gateway, int position)
{
    const QList<int>& indices = pending->byGateway.value(gateway);
    if (position >= indices.size()) {
        verify(pending, gateway, 0);
        return;
    }
    auto it = m_gateways.find(gateway);
    if (it == m_gateways.end() || !it->driver) {
        for (int i : indices) {
            if (pending->report.outcomes.at(i).message.isEmpty())
                pending->report.outcomes[i].message = tr("%1 was removed from the fleet meanwhile").arg(gateway);
        }
        finishGateway(pending);
        return;
    }
    const int i = indices.at(position);
    if (pending->skipped.contains(i)) {
        applyNext(pending, gateway, position + 1);
        return;
    }
    const ServerAction action = pending->report.outcomes.at(i).action;
    it->driver->apply(action, [this, pending, gateway, position, i, action](Result<QString> answer) {
        if (answer) {
            pending->accepted[i] = true;
        } else {
            const int index = m_store->indexOf(gateway);
            const QString where = index >= 0 ? m_store->entry(index).config.admin.toString() : QString();
            pending->report.outcomes[i].message
                = tr("%1 (%2): %3 refused: %4").arg(gateway, where, action.describe(), answer.error());
        }
        applyNext(pending, gateway, position + 1);
    });
}

void FleetController::verify(const std::shared_ptr<PendingAction>& pending, const QString& gateway, int attempt)
{
    const QList<int> indices = pending->byGateway.value(gateway);
    bool anyAccepted = false;
    for (int i : indices)
        anyAccepted = anyAccepted || pending->accepted.value(i);
    if (!anyAccepted) {
        finishGateway(pending);
        return;
    }
    fetch(gateway, [this, pending, gateway, attempt, indices](const Result<GatewaySnapshot>& result) {
        if (!result) {
            for (int i : indices) {
                if (pending->accepted.value(i))
                    pending->report.outcomes[i].message
                        = tr("%1: sent, but could not re-read to verify: %2").arg(gateway, result.error());
            }
            finishGateway(pending);
            return;
        }
        bool allGood = true;
        for (int i : indices) {
            if (!pending->accepted.value(i))
                continue;
            ActionOutcome& o = pending->report.outcomes[i];
            const ServerRef& t = o.action.target;
            const ServerSnapshot* s = result.value().server(t.backend, t.server);
            if (!s) {
                o.ok = false;
                o.message = tr("%1: %2/%3 is gone after the change").arg(gateway, t.backend, t.server);
            } else if (o.action.kind == ServerAction::Kind::SetWeight) {
                o.ok = s->weight == o.action.weight;
                o.message = o.ok ? tr("verified: weight %1").arg(s->weight)
                                 : tr("%1: %2/%3 asked for weight %4, the gateway reports %5")
                                       .arg(gateway, t.backend, t.server)
                                       .arg(o.action.weight)
                                       .arg(s->weight);
            } else {
                o.ok = s->admin == o.action.state;
                o.message = o.ok ? tr("verified: %1 (%2)").arg(label(s->admin), s->status)
                                 : tr("%1: %2/%3 asked for %4, the gateway reports %5 (%6)")
                                       .arg(gateway, t.backend, t.server, label(o.action.state),
                                            label(s->admin), s->status);
            }
            allGood = allGood && o.ok;
        }
        if (!allGood && attempt < 2) {
            // A change can take a moment to show; look twice more before calling it failed.
            QTimer::singleShot(250, this, [this, pending, gateway, attempt] { verify(pending, gateway, attempt + 1); });
            return;
        }
        finishGateway(pending);
    });
}

void FleetController::finishGateway(const std::shared_ptr<PendingAction>& pending)
{
    if (--pending->gatewaysLeft == 0) {
        // The journal holds the result before anyone is told of it.
        if (m_journal) {
            for (const ActionOutcome& o : std::as_const(pending->report.outcomes))
                m_journal->append(JournalEntry::makeResult(pending->report.id, o));
        }
        recordReport(pending->report);
        Q_EMIT actionFinished(pending->report);
    }
}

void FleetController::recordTransitions(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after)
{
    if (!m_events)
        return;
    // Same shape (the usual case): compare position by position instead of looking each server up by name.
    const bool sameShape = before.sameShape(after);
    for (qsizetype bi = 0; bi < after.backends.size(); ++bi) {
        const BackendSnapshot& b = after.backends.at(bi);
        for (qsizetype si = 0; si < b.servers.size(); ++si) {
            const ServerSnapshot& s = b.servers.at(si);
            const ServerSnapshot* old = sameShape ? &before.backends.at(bi).servers.at(si) : before.server(b.name, s.name);
            if (!old)
                continue;
            const QString object = b.name + QLatin1Char('/') + s.name;
            QStringList what;
            if (old->admin != s.admin)
                what.append(QStringLiteral("%1 → %2").arg(label(old->admin), label(s.admin)));
            if (old->health != s.health)
                what.append(QStringLiteral("%1 → %2%3")
                                .arg(label(old->health), label(s.health),
                                     s.checkStatus.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(s.checkStatus)));
            if (old->weight != s.weight)
                what.append(QStringLiteral("weight %1 → %2").arg(old->weight).arg(s.weight));
            if (!what.isEmpty())
                m_events->add(FleetEvent { after.takenAtMs, FleetEvent::Kind::Transition, name, object,
                                           what.join(QStringLiteral(", ")), s.health == Health::Down });
        }
    }
}

void FleetController::recordReport(const ActionReport& report)
{
    if (!m_events)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ActionOutcome& o : report.outcomes) {
        const QString what = o.action.kind == ServerAction::Kind::SetWeight
            ? tr("weight %1 asked from Fleetdeck").arg(o.action.weight)
            : tr("%1 asked from Fleetdeck").arg(label(o.action.state));
        m_events->add(FleetEvent { now, FleetEvent::Kind::Change, o.action.target.gateway,
                                   o.action.target.backend + QLatin1Char('/') + o.action.target.server,
                                   what + QStringLiteral(": ") + (o.ok ? tr("done and verified") : o.message), !o.ok });
    }
}

} // namespace Fleetdeck

namespace Fleetdeck {

void FleetController::setPrometheus(const QUrl& url, HistoryCache* cache)
{
    delete m_prometheus;
    m_prometheus = url.isEmpty() ? nullptr : new Wire::PrometheusClient(url, this);
    m_history = cache;
}

QString FleetController::promqlFor(const QString& seriesKey, qint64 stepMs) const
{
    const qsizetype hash = seriesKey.lastIndexOf(QLatin1Char('#'));
    if (hash < 0)
        return {};
    const QStringList parts = seriesKey.left(hash).split(QLatin1Char('/'));
    const QString metric = seriesKey.mid(hash + 1);
    const int index = m_store->indexOf(parts.first());
    if (index < 0 || parts.size() > 3)
        return {};
    // The gateway's series in Prometheus carry its /metrics endpoint as their instance label.
    const QUrl metrics = m_store->entry(index).config.metrics;
    if (metrics.isEmpty())
        return {};
    const QString instance = QStringLiteral("%1:%2").arg(metrics.host()).arg(metrics.port(80));
    auto quoted = [](QString v) { return v.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\"")); };
    QString selector = QStringLiteral("instance=\"%1\"").arg(quoted(instance));
    QString level = QStringLiteral("frontend");
    if (parts.size() >= 2) {
        level = parts.size() == 2 ? QStringLiteral("backend") : QStringLiteral("server");
        selector += QStringLiteral(",proxy=\"%1\"").arg(quoted(parts.at(1)));
    }
    if (parts.size() == 3)
        selector += QStringLiteral(",server=\"%1\"").arg(quoted(parts.at(2)));
    // The rate window spans at least two scrapes.
    const QString window = QStringLiteral("%1s").arg(qMax<qint64>(10, 2 * stepMs / 1000));
    if (metric == QLatin1String("req")) {
        if (level == QLatin1String("server"))
            return {}; // HAProxy 2.6 exports no per-server request counter; local history only
        return QStringLiteral("sum(rate(haproxy_%1_http_requests_total{%2}[%3]))").arg(level, selector, window);
    }
    if (metric == QLatin1String("5xx"))
        return QStringLiteral("sum(rate(haproxy_%1_http_responses_total{%2,code=\"5xx\"}[%3]))").arg(level, selector, window);
    if (metric == QLatin1String("scur"))
        return QStringLiteral("sum(haproxy_%1_current_sessions{%2})").arg(level, selector);
    return {};
}

void FleetController::requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points)
{
    auto* client = qobject_cast<Wire::PrometheusClient*>(m_prometheus);
    if (!client || !m_history || toMs <= fromMs)
        return;
    const qint64 step = qMax<qint64>(1000, (toMs - fromMs) / qMax(1, points));
    const QString promql = promqlFor(seriesKey, step);
    if (promql.isEmpty())
        return;
    m_history->markRequested(seriesKey, fromMs, toMs);
    QPointer<HistoryCache> cache = m_history;
    client->queryRange(promql, fromMs, toMs, step, [cache, seriesKey, fromMs, toMs](Result<QList<Wire::RangeSeries>> result) {
        if (!cache)
            return;
        if (!result) {
            cache->setError(result.error());
            return;
        }
        QVector<MetricStore::Bucket> buckets;
        for (const Wire::RangeSeries& series : result.value()) {
            for (const auto& [t, v] : series.points) {
                const float f = float(v);
                buckets.append(MetricStore::Bucket { t, f, f, f });
            }
        }
        std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.timeMs < b.timeMs; });
        cache->store(seriesKey, fromMs, toMs, buckets);
    });
}

} // namespace Fleetdeck

namespace Fleetdeck {

void FleetController::finishSingle(ActionReport report)
{
    if (m_journal) {
        for (const ActionOutcome& o : std::as_const(report.outcomes))
            m_journal->append(JournalEntry::makeResult(report.id, o));
    }
    recordReport(report);
    Q_EMIT actionFinished(report);
}

quint64 FleetController::addServer(const ServerSpec& spec)
{
    ActionReport report;
    report.id = m_nextActionId++;
    ServerAction action { ServerAction::Kind::AddServer, { spec.gateway, spec.backend, spec.name }, AdminState::Ready, spec.weight,
                          spec.describe(), spec.host, spec.port, spec.maxconn, spec.check };
    report.description = action.describe();
    report.outcomes.append(ActionOutcome::of(action));
    Q_EMIT actionStarted(report.id, report.description);
    const quint64 id = report.id;
    auto fail = [this](ActionReport r, const QString& message) {
        r.outcomes.first().message = message;
        QTimer::singleShot(0, this, [this, r] { finishSingle(r); });
    };
    if (!m_readOnlyReason.isEmpty()) {
        fail(report, tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason));
        return id;
    }
    auto it = m_gateways.find(spec.gateway);
    const int index = m_store->indexOf(spec.gateway);
    if (it == m_gateways.end() || index < 0 || !it->driver) {
        fail(report, tr("%1 is not in the fleet").arg(spec.gateway));
        return id;
    }
    if (m_store->entry(index).config.readOnly) {
        fail(report, tr("not sent: %1 is read-only in the fleet").arg(spec.gateway));
        return id;
    }
    const Capabilities caps = m_store->entry(index).capabilities;
    // Validate against the pool as it is now, not as it was last polled.
    fetch(spec.gateway, [this, report, spec, caps, fail](const Result<GatewaySnapshot>& now) mutable {
        if (!now) {
            fail(report, tr("%1: not sent, the gateway could not be read first: %2").arg(spec.gateway, now.error()));
            return;
        }
        const BackendSnapshot* pool = now.value().backend(spec.backend);
        if (!pool) {
            fail(report, tr("%1: there is no backend \"%2\"; nothing sent").arg(spec.gateway, spec.backend));
            return;
        }
        const auto problems = validateServerSpec(spec, pool, caps);
        if (!problems.isEmpty()) {
            QStringList lines;
            for (auto p = problems.cbegin(); p != problems.cend(); ++p)
                lines.append(p.key() + QStringLiteral(": ") + p.value());
            fail(report, tr("%1: nothing sent: %2").arg(spec.gateway, lines.join(QStringLiteral("; "))));
            return;
        }
        if (m_journal)
            m_journal->append(JournalEntry::makeAttempt(report.id, report.outcomes.first()));
        auto g = m_gateways.find(spec.gateway);
        if (g == m_gateways.end() || !g->driver) {
            fail(report, tr("%1 was removed from the fleet meanwhile").arg(spec.gateway));
            return;
        }
        g->driver->addServer(spec, [this, report, spec](Result<QString> answer) mutable {
            ActionOutcome& o = report.outcomes.first();
            if (!answer) {
                const int i = m_store->indexOf(spec.gateway);
                o.message = tr("%1 (%2): %3 refused: %4")
                                .arg(spec.gateway, i >= 0 ? m_store->entry(i).config.admin.toString() : QString(),
                                     o.action.describe(), answer.error());
                finishSingle(report);
                return;
            }
            fetch(spec.gateway, [this, report, spec](const Result<GatewaySnapshot>& after) mutable {
                ActionOutcome& o = report.outcomes.first();
                const ServerSnapshot* s = after ? after.value().server(spec.backend, spec.name) : nullptr;
                o.ok = s && s->admin == AdminState::Ready;
                o.message = !after ? tr("%1: added, but could not re-read to verify: %2").arg(spec.gateway, after.error())
                    : !s           ? tr("%1: HAProxy said it added %2/%3, but it is not there").arg(spec.gateway, spec.backend, spec.name)
                    : o.ok         ? tr("verified: %1 is in %2, %3 (%4)").arg(spec.name, spec.backend, label(s->admin), s->status)
                                   : tr("%1: %2/%3 was added but is %4").arg(spec.gateway, spec.backend, spec.name, label(s->admin));
                finishSingle(report);
            });
        });
    });
    return id;
}

struct FleetController::Removal
{
    ActionReport report;
    ServerRef server;
    int timeoutMs = 30000;
    QElapsedTimer clock;
    enum class Stage { Drain, Wait, Maint, Delete, Verify } stage = Stage::Drain;
};

quint64 FleetController::removeServer(const ServerRef& server, int drainTimeoutMs)
{
    auto removal = std::make_shared<Removal>();
    removal->server = server;
    removal->timeoutMs = qMax(0, drainTimeoutMs);
    removal->report.id = m_nextActionId++;
    ServerAction action;
    action.kind = ServerAction::Kind::RemoveServer;
    action.target = server;
    action.state = AdminState::Maint;
    removal->report.description = action.describe();
    ActionOutcome o = ActionOutcome::of(action);
    recordBefore(o);
    removal->report.outcomes.append(o);
    Q_EMIT actionStarted(removal->report.id, removal->report.description);
    const quint64 id = removal->report.id;
    if (!m_readOnlyReason.isEmpty()) {
        removal->report.outcomes.first().message = tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason);
        QTimer::singleShot(0, this, [this, removal] { finishSingle(removal->report); });
        return id;
    }
    if (const int index = m_store->indexOf(server.gateway); index >= 0 && m_store->entry(index).config.readOnly) {
        removal->report.outcomes.first().message = tr("not sent: %1 is read-only in the fleet").arg(server.gateway);
        QTimer::singleShot(0, this, [this, removal] { finishSingle(removal->report); });
        return id;
    }
    if (m_journal)
        m_journal->append(JournalEntry::makeAttempt(id, removal->report.outcomes.first()));
    removal->clock.start();
    QTimer::singleShot(0, this, [this, removal] { removalStep(removal); });
    return id;
}

void FleetController::cancel(quint64 id)
{
    m_cancelled.insert(id);
}

void FleetController::removalStep(const std::shared_ptr<Removal>& removal)
{
    ActionOutcome& o = removal->report.outcomes.first();
    const ServerRef& t = removal->server;
    const quint64 id = removal->report.id;
    auto g = m_gateways.find(t.gateway);
    if (g == m_gateways.end() || !g->driver) {
        o.message = tr("%1 is not in the fleet").arg(t.gateway);
        finishSingle(removal->report);
        return;
    }
    if (m_cancelled.remove(id)) {
        o.message = removal->stage == Removal::Stage::Drain
            ? tr("cancelled before anything was sent; %1 is unchanged").arg(t.displayName())
            : tr("cancelled; %1 is left %2 and was not deleted")
                  .arg(t.displayName(), removal->stage == Removal::Stage::Delete ? label(AdminState::Maint) : label(AdminState::Drain));
        finishSingle(removal->report);
        return;
    }
    auto failed = [this, removal, t](const QString& step, const QString& error) {
        const int i = m_store->indexOf(t.gateway);
        removal->report.outcomes.first().message = tr("%1 (%2): removing %3 stopped at %4: %5")
                                                       .arg(t.gateway, i >= 0 ? m_store->entry(i).config.admin.toString() : QString(),
                                                            t.displayName(), step, error);
        finishSingle(removal->report);
    };
    switch (removal->stage) {
    case Removal::Stage::Drain:
        Q_EMIT removalProgress(id, tr("draining"), -1, int(removal->clock.elapsed()));
        g->driver->apply(ServerAction::stateChange(t, AdminState::Drain),
                         [this, removal, failed](Result<QString> r) {
                             if (!r) {
                                 failed(tr("drain"), r.error());
                                 return;
                             }
                             removal->stage = Removal::Stage::Wait;
                             removalStep(removal);
                         });
        return;
    case Removal::Stage::Wait:
        // Poll the server's sessions until none are left or the time is up; the operator sees the count.
        fetch(t.gateway, [this, removal, failed, t, id](const Result<GatewaySnapshot>& now) {
            if (!now) {
                failed(tr("waiting for sessions"), now.error());
                return;
            }
            const ServerSnapshot* s = now.value().server(t.backend, t.server);
            if (!s) {
                failed(tr("waiting for sessions"), tr("the server disappeared"));
                return;
            }
            Q_EMIT removalProgress(id, tr("waiting for sessions to end"), int(s->sessions), int(removal->clock.elapsed()));
            if (s->sessions > 0 && removal->clock.elapsed() < removal->timeoutMs) {
                QTimer::singleShot(250, this, [this, removal] { removalStep(removal); });
                return;
            }
            removal->stage = Removal::Stage::Maint;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Maint:
        Q_EMIT removalProgress(id, tr("maintenance"), 0, int(removal->clock.elapsed()));
        g->driver->apply(ServerAction::stateChange(t, AdminState::Maint),
                         [this, removal, failed](Result<QString> r) {
                             if (!r) {
                                 failed(tr("maintenance"), r.error());
                                 return;
                             }
                             removal->stage = Removal::Stage::Delete;
                             removalStep(removal);
                         });
        return;
    case Removal::Stage::Delete:
        Q_EMIT removalProgress(id, tr("deleting"), 0, int(removal->clock.elapsed()));
        g->driver->deleteServer(t, [this, removal, failed](Result<QString> r) {
            if (!r) {
                failed(tr("delete"), r.error());
                return;
            }
            removal->stage = Removal::Stage::Verify;
            removalStep(removal);
        });
        return;
    case Removal::Stage::Verify:
        fetch(t.gateway, [this, removal, t](const Result<GatewaySnapshot>& now) {
            ActionOutcome& out = removal->report.outcomes.first();
            out.ok = now && !now.value().server(t.backend, t.server);
            out.message = !now ? tr("%1: deleted, but could not re-read to verify: %2").arg(t.gateway, now.error())
                : out.ok       ? tr("verified: %1 is gone (drained and deleted in %2 ms)").arg(t.displayName()).arg(removal->clock.elapsed())
                               : tr("%1: HAProxy said it deleted %2, but it is still there").arg(t.gateway, t.displayName());
            finishSingle(removal->report);
        });
        return;
    }
}

} // namespace Fleetdeck

namespace Fleetdeck {

namespace {
QString limitText(const RateLimits& limits, const QString& key)
{
    if (key.isEmpty())
        return limits.ipLimit < 0 ? QStringLiteral("none") : QStringLiteral("%1 per %2 s per IP").arg(limits.ipLimit).arg(limits.windowSeconds);
    const RateLimitEntry* e = limits.entry(key);
    return e ? QStringLiteral("%1 per %2 s").arg(e->limit).arg(limits.windowSeconds) : QStringLiteral("absent");
}
} // namespace

void FleetController::requestRateLimits(const QString& gateway)
{
    auto it = m_gateways.find(gateway);
    if (it == m_gateways.end() || !it->driver) {
        Q_EMIT rateLimitsFailed(gateway, tr("%1 is not in the fleet").arg(gateway));
        return;
    }
    it->driver->readRateLimits([this, gateway](Result<RateLimits> limits) {
        if (limits)
            Q_EMIT rateLimitsReceived(gateway, limits.value());
        else
            Q_EMIT rateLimitsFailed(gateway, tr("%1: %2").arg(gateway, limits.error()));
    });
}

struct FleetController::LimitRun
{
    ActionReport report;
    QList<RateLimitChange> changes;
    QString gateway;
    RateLimits current;
    QSet<int> sent;
};

quint64 FleetController::changeRateLimits(const QList<RateLimitChange>& changes)
{
    auto run = std::make_shared<LimitRun>();
    run->report.id = m_nextActionId++;
    run->changes = changes;
    run->gateway = changes.isEmpty() ? QString() : changes.first().gateway;
    for (const RateLimitChange& c : changes) {
        ServerAction a;
        a.kind = ServerAction::Kind::RateLimit;
        a.target = { c.gateway, QStringLiteral("ratelimit"), c.key.isEmpty() ? QStringLiteral("per-ip") : c.key };
        a.weight = int(qBound<qint64>(qint64(-1), c.limit, qint64(std::numeric_limits<int>::max()))); // the new limit (-1: delete)
        a.detail = c.describe();
        run->report.outcomes.append(ActionOutcome::of(a));
    }
    run->report.description = changes.size() == 1 ? changes.first().describe() : tr("%1 rate-limit changes on %2").arg(changes.size()).arg(run->gateway);
    const quint64 id = run->report.id;
    Q_EMIT actionStarted(id, run->report.description);
    auto failAll = [this, run](const QString& message) {
        for (ActionOutcome& o : run->report.outcomes)
            o.message = message;
        QTimer::singleShot(0, this, [this, run] { finishSingle(run->report); });
    };
    if (!m_readOnlyReason.isEmpty()) {
        failAll(tr("not sent: Fleetdeck is read-only (%1)").arg(m_readOnlyReason));
        return id;
    }
    for (const RateLimitChange& c : changes) {
        if (c.gateway != run->gateway) {
            failAll(tr("one request changes one gateway's limits; nothing sent"));
            return id;
        }
        if (!c.key.isEmpty()) {
            if (const QString problem = validateRateLimitKey(c.key); !problem.isEmpty()) {
                failAll(tr("key: %1 Nothing sent.").arg(problem));
                return id;
            }
        }
        if (c.key.isEmpty() && c.limit <= 0) {
            failAll(tr("the per-IP limit must be greater than zero; nothing sent"));
            return id;
        }
        if (!c.key.isEmpty() && c.limit == 0) {
            failAll(tr("a key's limit must be greater than zero (delete the key to lift it); nothing sent"));
            return id;
        }
    }
    auto it = m_gateways.find(run->gateway);
    if (it == m_gateways.end() || !it->driver) {
        failAll(tr("%1 is not in the fleet").arg(run->gateway));
        return id;
    }
    if (const int index = m_store->indexOf(run->gateway); index >= 0 && m_store->entry(index).config.readOnly) {
        failAll(tr("not sent: %1 is read-only in the fleet").arg(run->gateway));
        return id;
    }
    // Re-read the limits as they are now: what add/set/del to send depends on it, and it is the "before".
    it->driver->readRateLimits([this, run](Result<RateLimits> now) {
        if (!now) {
            for (ActionOutcome& o : run->report.outcomes)
                o.message = tr("%1: not sent, the limits could not be read first: %2").arg(run->gateway, now.error());
            finishSingle(run->report);
            return;
        }
        run->current = now.value();
        for (int i = 0; i < run->changes.size(); ++i) {
            ActionOutcome& o = run->report.outcomes[i];
            o.beforeText = limitText(run->current, run->changes.at(i).key);
            // For undo: the limit before (absent keys are not "known").
            const QString& key = run->changes.at(i).key;
            const RateLimitEntry* before = key.isEmpty() ? nullptr : run->current.entry(key);
            o.knewBefore = key.isEmpty() ? run->current.ipLimit > 0 : before != nullptr;
            o.weightBefore = int(qMin<qint64>(key.isEmpty() ? run->current.ipLimit : (before ? before->limit : 0), std::numeric_limits<int>::max()));
            o.afterText = run->changes.at(i).limit < 0 ? QStringLiteral("absent")
                : run->changes.at(i).key.isEmpty()     ? QStringLiteral("%1 per %2 s per IP").arg(run->changes.at(i).limit).arg(run->current.windowSeconds)
                                                       : QStringLiteral("%1 per %2 s").arg(run->changes.at(i).limit).arg(run->current.windowSeconds);
            if (m_journal)
                m_journal->append(JournalEntry::makeAttempt(run->report.id, o));
        }
        applyLimitStep(run, 0);
    });
    return id;
}

void FleetController::applyLimitStep(const std::shared_ptr<LimitRun>& run, int position)
{
    auto it = m_gateways.find(run->gateway);
    if (it == m_gateways.end() || !it->driver) {
        finishSingle(run->report);
        return;
    }
    if (position < run->changes.size()) {
        it->driver->applyRateLimit(run->changes.at(position), run->current, [this, run, position](Result<QString> answer) {
            if (answer)
                run->sent.insert(position);
            else
                run->report.outcomes[position].message = tr("%1: %2 refused: %3").arg(run->gateway, run->changes.at(position).describe(), answer.error());
            applyLimitStep(run, position + 1);
        });
        return;
    }
    // Read back and compare each change with what it asked for.
    it->driver->readRateLimits([this, run](Result<RateLimits> after) {
        for (int i = 0; i < run->changes.size(); ++i) {
            if (!run->sent.contains(i))
                continue;
            ActionOutcome& o = run->report.outcomes[i];
            const RateLimitChange& c = run->changes.at(i);
            if (!after) {
                o.message = tr("%1: sent, but could not re-read to verify: %2").arg(run->gateway, after.error());
                continue;
            }
            const RateLimitEntry* e = c.key.isEmpty() ? nullptr : after.value().entry(c.key);
            o.ok = c.key.isEmpty() ? after.value().ipLimit == c.limit : (c.limit < 0 ? e == nullptr : (e && e->limit == c.limit));
            o.message = o.ok ? tr("verified: %1 (in memory: save the map file to keep it)").arg(limitText(after.value(), c.key))
                             : tr("%1: asked to %2, the gateway now has %3").arg(run->gateway, c.describe(), limitText(after.value(), c.key));
        }
        finishSingle(run->report);
    });
}

} // namespace Fleetdeck

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

quint64 FleetController::rollingState(const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs)
{
    auto rolling = std::make_shared<Rolling>();
    rolling->report.id = m_nextActionId++;
    rolling->targets = targets;
    rolling->state = state;
    rolling->batchSize = qMax(1, batchSize);
    rolling->max5xxShare = max5xxShare;
    rolling->pauseMs = qMax(0, pauseMs);
    rolling->report.description = tr("rolling %1 of %2 servers, %3 at a time").arg(label(state)).arg(targets.size()).arg(rolling->batchSize);
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
            return tr("%1 answers %2 % 5xx (the gate is %3 %)").arg(name).arg(100.0 * err / req, 0, 'f', 1).arg(100.0 * max5xxShare, 0, 'f', 1);
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
    rolling->batchConnection = connect(this, &FleetActions::actionFinished, this, [this, rolling, batchId, first, batch](const ActionReport& r) {
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
                        rolling->report.outcomes[i].message = tr("not sent: stopped at the health gate: %1").arg(problem);
                    Q_EMIT rollingProgress(rolling->report.id, rolling->next, total, tr("stopped at the health gate: %1").arg(problem));
                    Q_EMIT actionFinished(rolling->report);
                    return;
                }
                rollingStep(rolling);
            });
        });
    });
}

} // namespace Fleetdeck
