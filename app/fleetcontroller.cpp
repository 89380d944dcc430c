#include "fleetcontroller.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTimer>

#include "credentialstore.h"
#include "driver.h"
#include "eventlog.h"
#include "historycache.h"
#include "journal.h"
#include "registry.h"
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

FleetController::FleetController(
    FleetStore* store, MetricStore* metrics, QObject* parent, const Drivers::ProductRegistry* products)
    : FleetActions(parent)
    , m_products(products ? *products : Drivers::ProductRegistry::builtIn())
    , m_store(store)
    , m_metrics(metrics)
    , m_sessionCredentials(new SessionCredentialStore(this))
{
    qRegisterMetaType<ActionReport>();
    qRegisterMetaType<CachePolicy>();
    qRegisterMetaType<RateLimits>();
    qRegisterMetaType<ServerRef>();
}

FleetController::~FleetController() = default;

void FleetController::addGateway(const GatewayConfig& config)
{
    const Drivers::ProductDescriptor* product = m_products.find(config.product);
    if (m_gateways.contains(config.name) || !product)
        return;
    Gateway g;
    g.driver = m_products.createDriver(config, this);
    g.timer = new QTimer(this);
    g.timer->setSingleShot(true);
    const QString name = config.name;
    connect(g.timer, &QTimer::timeout, this, [this, name] { poll(name); });
    m_gateways.insert(name, g);
    m_store->addGateway(config, product->info.capabilities, product->info.displayName);
    // Secrets come from the credential store (this session's first, then the keychain), go to the driver's
    // memory and nowhere else: the TLS key's pass phrase first, then the admin credential, then the first poll.
    const QPointer<Drivers::Driver> driver = g.driver;
    auto withCredential = [this, name, driver, reference = config.credential] {
        if (reference.isEmpty()) {
            poll(name);
            return;
        }
        readSecret(reference, [this, name, driver, reference](Result<QString> secret) {
            if (!driver)
                return; // the gateway was removed meanwhile
            auto it = m_gateways.find(name);
            if (it == m_gateways.end())
                return;
            if (secret) {
                driver->setSecret(secret.value().toUtf8());
            } else {
                it->credentialProblem
                    = tr("its credential \"%1\" could not be read: %2").arg(reference, secret.error());
                // Ask the operator for it (an imported fleet file names credentials this machine may not have).
                if (const int index = m_store->indexOf(name); index >= 0) {
                    GatewayStatus status = m_store->entry(index).status;
                    status.credentialMissing = reference;
                    m_store->setStatus(name, status);
                }
            }
            poll(name);
        });
    };
    if (config.tls.clientKeyCredential.isEmpty()) {
        withCredential();
        return;
    }
    readSecret(config.tls.clientKeyCredential, [driver, withCredential](Result<QString> passphrase) {
        if (!driver)
            return;
        if (passphrase)
            driver->setKeyPassphrase(passphrase.value().toUtf8());
        withCredential(); // without it, the driver says the key is encrypted and names the credential
    });
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
        status.certificateToTrust.clear();
        status.consecutiveFailures = 0;
        m_store->setStatus(name, status);
        if (m_events && before == Connection::Unreachable)
            m_events->add(FleetEvent {
                result.value().takenAtMs, FleetEvent::Kind::Connection, name, {}, tr("reachable again"), false });
    } else {
        const GatewayConfig& config = m_store->entry(index).config;
        status.connection = Connection::Unreachable;
        status.lastError = QStringLiteral("%1 (%2): %3").arg(name, config.admin.toString(), result.error());
        // Trust on first use: an unpinned gateway's untrusted certificate is offered to the operator to check.
        status.certificateToTrust = result.failureKind() == Failure::Certificate && config.tls.pinSha256.isEmpty()
            ? result.detail()
            : QString();
        if (result.failureKind() == Failure::Authentication && !it->credentialProblem.isEmpty())
            status.lastError += QStringLiteral(" (%1)").arg(it->credentialProblem);
        status.consecutiveFailures += 1;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        markGaps(name, now);
        m_store->setStatus(name, status);
        if (m_events && before != Connection::Unreachable)
            m_events->add(FleetEvent {
                now, FleetEvent::Kind::Connection, name, {}, tr("unreachable: %1").arg(result.error()), true });
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
    auto handle
        = [&](qsizetype row, int which) { return static_cast<MetricStore::Handle>(g.handles.at(row)[size_t(which)]); };
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
            // A negative counter is one the product does not keep (Caddy per upstream): no points, so the table
            // shows nothing rather than a made-up 0.
            if (s.requestsTotal >= 0)
                m_metrics->appendCounter(handle(row, 0), t, double(s.requestsTotal));
            if (s.responses5xxTotal >= 0)
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
    const QString description = servers.size() == 1 ? actions.first().describe()
                                                    : tr("set %1 servers to %2").arg(servers.size()).arg(label(state));
    return runActions(actions, description);
}

quint64 FleetController::setServerWeight(const QList<ServerRef>& servers, int weight)
{
    QList<ServerAction> actions;
    for (const auto& s : servers)
        actions.append(ServerAction::weightChange(s, weight));
    const QString description = servers.size() == 1
        ? actions.first().describe()
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
    if (const ServerSnapshot* s
        = m_store->entry(index).snapshot->server(o.action.target.backend, o.action.target.server)) {
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
                pending->report.outcomes[i].message
                    = tr("%1: not sent, the gateway could not be read first: %2").arg(gateway, now.error());
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
                o.message = o.ok
                    ? tr("verified: %1 (%2)").arg(label(s->admin), s->status)
                    : tr("%1: %2/%3 asked for %4, the gateway reports %5 (%6)")
                          .arg(gateway, t.backend, t.server, label(o.action.state), label(s->admin), s->status);
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

void FleetController::recordTransitions(
    const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after)
{
    if (!m_events)
        return;
    // Same shape (the usual case): compare position by position instead of looking each server up by name.
    const bool sameShape = before.sameShape(after);
    for (qsizetype bi = 0; bi < after.backends.size(); ++bi) {
        const BackendSnapshot& b = after.backends.at(bi);
        for (qsizetype si = 0; si < b.servers.size(); ++si) {
            const ServerSnapshot& s = b.servers.at(si);
            const ServerSnapshot* old
                = sameShape ? &before.backends.at(bi).servers.at(si) : before.server(b.name, s.name);
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
    const Drivers::ProductDescriptor* product = m_products.find(m_store->entry(index).config.product);
    // The gateway's series in Prometheus carry its /metrics endpoint as their instance label.
    const QUrl metrics = m_store->entry(index).config.metrics;
    if (!product || metrics.isEmpty())
        return {};
    static const QString levels[] = { QStringLiteral("gateway"), QStringLiteral("backend"), QStringLiteral("server") };
    const QString query = product->info.history.value(levels[parts.size() - 1] + QLatin1Char('#') + metric);
    if (query.isEmpty())
        return {}; // the product exports no such series: local history only
    auto quoted = [](QString v) {
        return v.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
    };
    QString selector = QStringLiteral("instance=\"%1:%2\"").arg(quoted(metrics.host())).arg(metrics.port(80));
    if (parts.size() >= 2)
        selector += QStringLiteral(",%1=\"%2\"").arg(product->info.poolLabel, quoted(parts.at(1)));
    if (parts.size() == 3)
        selector += QStringLiteral(",%1=\"%2\"").arg(product->info.memberLabel, quoted(parts.at(2)));
    // The rate window spans at least two scrapes.
    const QString window = QStringLiteral("%1s").arg(qMax<qint64>(10, 2 * stepMs / 1000));
    return QString(query).replace(QLatin1String("$selector"), selector).replace(QLatin1String("$window"), window);
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
    client->queryRange(
        promql, fromMs, toMs, step, [cache, seriesKey, fromMs, toMs](Result<QList<Wire::RangeSeries>> result) {
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
