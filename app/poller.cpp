#include "poller.h"

#include <utility>

#include <sys/resource.h>
#include <unistd.h>

#include <QDateTime>
#include <QLocale>
#include <QLocalSocket>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include "driver.h"
#include "eventlog.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "printable.h"
#include "registry.h"
#include "threadeddriver.h"
#include "serieskeys.h"

namespace Fleetdeck {

Poller::Poller(FleetStore* store, MetricStore* metrics, const Drivers::ProductRegistry& products, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_metrics(metrics)
    , m_products(products)
    , m_probeRound(new QTimer(this))
{
    m_probeRound->setInterval(kProbeIntervalMs);
    connect(m_probeRound, &QTimer::timeout, this, &Poller::probeRound);
    m_probeRound->start();
}

Poller::~Poller()
{
    // The drivers first (each deletes its product's driver on the I/O thread), then the thread, once it has.
    for (const Gateway& g : std::as_const(m_gateways))
        delete g.driver.data();
    m_gateways.clear();
    if (m_ioThread) {
        m_ioThread->quit();
        m_ioThread->wait();
    }
}

Drivers::Driver* Poller::add(const GatewayConfig& config)
{
    const Drivers::ProductDescriptor* product = m_products.find(config.product);
    if (m_gateways.contains(config.name) || !product)
        return nullptr;
    Gateway g;
    if (product->onUiThread) {
        g.driver = m_products.createDriver(config, this);
    } else if (Drivers::Driver* inner = m_products.createDriver(config, nullptr)) {
        // Reading and parsing on the I/O thread; the answers come back here.
        if (!m_ioThread) {
            m_ioThread = std::make_unique<QThread>();
            m_ioThread->setObjectName(QStringLiteral("fleetdeck-io"));
            // Below the UI thread: when both want the CPU (a loaded workstation, a large fleet), the window answers
            // first and the parsing waits. Qt's thread priorities do nothing under Linux's default scheduler; a
            // thread's nice value does.
            connect(m_ioThread.get(), &QThread::started, [] { setpriority(PRIO_PROCESS, id_t(gettid()), 5); });
            m_ioThread->start();
        }
        g.driver = new ThreadedDriver(inner, m_ioThread.get(), this);
    }
    if (!g.driver)
        return nullptr;
    g.timer = new QTimer(this);
    g.timer->setSingleShot(true);
    const QString name = config.name;
    connect(g.timer, &QTimer::timeout, this, [this, name] { poll(name); });
    m_gateways.insert(name, g);
    m_store->addGateway(config, product->info.capabilities, product->info.displayName);
    return g.driver;
}

void Poller::remove(const QString& name)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    delete it->timer;
    m_probing.removeOne(name);
    delete it->driver.data(); // pending requests die with it; their callbacks never run
    m_gateways.erase(it);
    m_store->removeGateway(name);
}

Drivers::Driver* Poller::driver(const QString& name) const
{
    const auto it = m_gateways.constFind(name);
    return it == m_gateways.cend() ? nullptr : it->driver.data();
}

void Poller::setCredentialProblem(const QString& name, const QString& problem)
{
    if (auto it = m_gateways.find(name); it != m_gateways.end())
        it->credentialProblem = problem;
}

void Poller::pollAll()
{
    for (auto it = m_gateways.cbegin(); it != m_gateways.cend(); ++it) {
        if (!it->pollInFlight)
            poll(it.key());
    }
}

void Poller::poll(const QString& name)
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

void Poller::fetch(const QString& name, std::function<void(const Result<GatewaySnapshot>&)> then)
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

void Poller::onSnapshot(const QString& name, quint64 generation, const Result<GatewaySnapshot>& result)
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
    // Past the gateway's limits nothing of the answer is taken (the store and the charts would grow with it): the
    // last good state stays, marked too large, with the figures.
    QString tooLarge;
    if (result)
        tooLarge = overLimits(m_store->entry(index).config, result.value());
    else if (result.failureKind() == Failure::TooLarge)
        tooLarge = result.error();
    if (!tooLarge.isEmpty()) {
        const GatewayConfig& config = m_store->entry(index).config;
        status.connection = Connection::TooLarge;
        status.lastError = QStringLiteral("%1 (%2): %3").arg(name, config.admin.toString(), tooLarge);
        status.consecutiveFailures += 1;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        markGaps(name, now);
        m_store->setStatus(name, status);
        if (m_events && before != Connection::TooLarge)
            m_events->add(
                FleetEvent { now, FleetEvent::Kind::Connection, name, {}, tr("too large: %1").arg(tooLarge), true });
        return;
    }
    if (result) {
        ingest(name, result.value());
        if (m_events)
            for (const LoggedEvent& e : result.value().logged)
                m_events->add(FleetEvent { e.timeMs, FleetEvent::Kind::Transition, name, e.object, e.text, e.failed });
        status.connection = Connection::Up;
        status.lastSeenMs = result.value().takenAtMs;
        status.lastError.clear();
        status.certificateToTrust.clear();
        status.consecutiveFailures = 0;
        m_store->setStatus(name, status);
        if (m_events && (before == Connection::Unreachable || before == Connection::TooLarge))
            m_events->add(FleetEvent {
                result.value().takenAtMs, FleetEvent::Kind::Connection, name, {}, tr("reachable again"), false });
    } else {
        const GatewayConfig& config = m_store->entry(index).config;
        status.connection = Connection::Unreachable;
        // The peer's bytes may be anywhere in the error: escaped and capped before anything shows them.
        status.lastError = printable(
            QStringLiteral("%1 (%2): %3").arg(name, config.admin.toString(), result.error()), kMaxMessageLength);
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
            m_events->add(FleetEvent { now, FleetEvent::Kind::Connection, name, {},
                tr("unreachable: %1").arg(printable(result.error(), kMaxMessageLength)), true });
    }
}

QString Poller::overLimits(const GatewayConfig& config, const GatewaySnapshot& snap)
{
    qint64 servers = 0;
    for (const BackendSnapshot& b : snap.backends)
        servers += b.servers.size();
    const qint64 pools = snap.backends.size() + snap.frontends.size();
    if (servers <= config.maxServers && pools <= config.maxServers)
        return {};
    return tr("%1 servers in %2 pools; the limit is %3 of each (\"maxServers\" in the fleet file). The last state "
              "within the limit stays on screen.")
        .arg(QLocale::c().toString(servers), QLocale::c().toString(pools), QLocale::c().toString(config.maxServers));
}

void Poller::scheduleNext(const QString& name)
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
    // The first answer gives totals only: the second comes soon, so request rates are on the charts within a
    // moment of the start instead of a whole interval later.
    if (e.status.consecutiveFailures == 0 && e.snapshot && !std::exchange(it->answered, true))
        delay = qMin(delay, kSecondPollMs);
    it->timer->start(delay);
    if (e.status.consecutiveFailures == 0)
        it->probeConnected = true;
    else if (delay > kProbeIntervalMs && !std::exchange(it->probing, true))
        m_probing.append(name); // tried in turn until it answers a poll again
}

void Poller::probeRound()
{
    // The next few failing gateways, in turn; those that answer again (or are gone) leave the turn.
    const qsizetype turn = qMin<qsizetype>(m_probing.size(), kProbesPerSecond);
    for (qsizetype k = 0; k < turn && !m_probing.isEmpty(); ++k) {
        if (m_probeNext >= m_probing.size())
            m_probeNext = 0;
        const QString name = m_probing.at(m_probeNext);
        auto it = m_gateways.find(name);
        const int index = m_store->indexOf(name);
        if (it == m_gateways.end() || index < 0 || m_store->entry(index).status.consecutiveFailures == 0) {
            if (it != m_gateways.end())
                it->probing = false;
            m_probing.removeAt(m_probeNext);
            continue;
        }
        ++m_probeNext;
        probe(name);
    }
}

void Poller::probe(const QString& name)
{
    auto it = m_gateways.find(name);
    const int index = m_store->indexOf(name);
    if (it == m_gateways.end() || index < 0 || it->pollInFlight || it->probeInFlight)
        return;
    const QUrl admin = m_store->entry(index).config.admin;
    const QString scheme = admin.scheme();
    const bool local = scheme == QLatin1String("unix");
    const bool tcp = scheme == QLatin1String("tcp") || scheme.startsWith(QLatin1String("http"));
    if (!local && !tcp) {
        it->probing = false; // a channel with no address to try (a test's fake product)
        m_probing.removeOne(name);
        return;
    }
    it->probeInFlight = true;
    // A bare connect, closed at once: nothing is sent, so it costs the gateway an accept and a close.
    auto done = std::make_shared<bool>(false);
    auto finish = [this, name, done](bool connected) {
        if (*done)
            return;
        *done = true;
        onProbe(name, connected);
    };
    if (local) {
        auto* socket = new QLocalSocket(this);
        connect(socket, &QLocalSocket::connected, socket, [socket, finish] {
            socket->abort();
            socket->deleteLater();
            finish(true);
        });
        connect(socket, &QLocalSocket::errorOccurred, socket, [socket, finish] {
            socket->deleteLater();
            finish(false);
        });
        socket->connectToServer(admin.path());
    } else {
        auto* socket = new QTcpSocket(this);
        connect(socket, &QTcpSocket::connected, socket, [socket, finish] {
            socket->abort();
            socket->deleteLater();
            finish(true);
        });
        connect(socket, &QTcpSocket::errorOccurred, socket, [socket, finish] {
            socket->deleteLater();
            finish(false);
        });
        // A probe that hangs (a filtered port) counts as not listening.
        QTimer::singleShot(kProbeIntervalMs / 2, socket, [socket, finish] {
            socket->abort();
            socket->deleteLater();
            finish(false);
        });
        const int defaultPort = scheme == QLatin1String("https") ? 443 : 80;
        socket->connectToHost(admin.host(), quint16(admin.port(defaultPort)));
    }
}

void Poller::onProbe(const QString& name, bool connected)
{
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    it->probeInFlight = false;
    const bool wasConnected = it->probeConnected;
    it->probeConnected = connected;
    // Something listens where nothing did: the gateway is back (or restarting); poll now, not at the back-off's end.
    if (connected && !wasConnected && !it->pollInFlight)
        poll(name);
}

void Poller::ingest(const QString& name, const GatewaySnapshot& snap)
{
    const qint64 t = snap.takenAtMs;
    // Counters are taken as of when they were read: a reading that did not read them again (nginx's re-read around
    // a change) adds no rate over an interval they do not cover.
    const qint64 counted = snap.countersTakenAtMs > 0 ? snap.countersTakenAtMs : t;
    auto it = m_gateways.find(name);
    if (it == m_gateways.end())
        return;
    Gateway& g = *it;
    using namespace SeriesKeys;
    if (!g.handlesShape || !g.handlesShape->sameShape(snap)) {
        g.handles.clear();
        auto add = [&](const QString& subj) {
            g.handles.append({ m_metrics->handle(requestRate(subj)), m_metrics->handle(errorRate(subj)),
                m_metrics->handle(sessions(subj)), m_metrics->handle(latency(subj)), m_metrics->handle(queue(subj)),
                m_metrics->handle(load(subj)) });
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
    // A negative figure is one the product does not keep (Caddy's requests per upstream, a TCP pool's 5xx): no
    // points, so the table shows nothing rather than a made-up 0.
    auto append = [&](qsizetype row, qint64 requests, qint64 errors, qint64 sessions, const LoadFigures& load) {
        if (requests >= 0)
            m_metrics->appendCounter(handle(row, 0), counted, double(requests), snap.counterWindowMs);
        if (errors >= 0)
            m_metrics->appendCounter(handle(row, 1), counted, double(errors), snap.counterWindowMs);
        m_metrics->appendGauge(handle(row, 2), t, double(sessions));
        if (const double ms = load.latencyMs(); ms >= 0)
            m_metrics->appendGauge(handle(row, 3), t, ms);
        if (load.queued >= 0)
            m_metrics->appendGauge(handle(row, 4), t, double(load.queued));
        if (const double percent = load.loadPercent(sessions); percent >= 0)
            m_metrics->appendGauge(handle(row, 5), t, percent);
    };
    qsizetype row = 0;
    append(row, snap.requestsTotal(), snap.responses5xxTotal(), snap.sessions(), snap.load);
    for (const auto& b : snap.backends) {
        append(++row, b.requestsTotal, b.responses5xxTotal, b.sessions, b.load);
        for (const auto& s : b.servers)
            append(++row, s.requestsTotal, s.responses5xxTotal, s.sessions, s.load);
    }
    // The product's own figures: a few per gateway, by key.
    for (const Figure& f : snap.figures) {
        const QString key = figure(subject(name), f.id);
        if (f.counter)
            m_metrics->appendCounter(key, counted, f.value);
        else
            m_metrics->appendGauge(key, t, f.value);
    }
    if (const int index = m_store->indexOf(name); index >= 0 && m_store->entry(index).snapshot)
        recordTransitions(name, *m_store->entry(index).snapshot, snap);
    // Rates first, then the snapshot: views repainting on the snapshot read the new rates.
    m_store->applySnapshot(name, snap);
    m_metrics->notifyAppended();
}

void Poller::markGaps(const QString& name, qint64 nowMs)
{
    const int index = m_store->indexOf(name);
    if (index < 0)
        return;
    using namespace SeriesKeys;
    auto gap = [this, nowMs](const QString& subj) {
        m_metrics->appendGap(requestRate(subj), nowMs);
        m_metrics->appendGap(errorRate(subj), nowMs);
        m_metrics->appendGap(sessions(subj), nowMs);
        for (const QString& key : { latency(subj), queue(subj), load(subj) }) {
            if (m_metrics->newestTimeMs(key) > 0) // only where the product reports it
                m_metrics->appendGap(key, nowMs);
        }
    }; // rare (a failed poll): the keyed path is fine here
    gap(subject(name));
    if (const auto& snap = m_store->entry(index).snapshot) {
        for (const Figure& f : snap->figures)
            m_metrics->appendGap(figure(subject(name), f.id), nowMs);
        for (const auto& b : snap->backends) {
            gap(subject(name, b.name));
            for (const auto& s : b.servers)
                gap(subject(name, b.name, s.name));
        }
    }
    m_metrics->notifyAppended();
}

void Poller::recordTransitions(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after)
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
    if (!sameShape)
        recordShapeChanges(name, before, after);
}

void Poller::recordShapeChanges(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after)
{
    // Whoever made them (an add from Fleetdeck is also journaled as a change; this is what the gateway shows):
    // pools and servers that appeared or vanished between two answers.
    auto add = [&](const QString& object, const QString& text, bool bad) {
        m_events->add(FleetEvent { after.takenAtMs, FleetEvent::Kind::Transition, name, object, text, bad });
    };
    for (const BackendSnapshot& b : after.backends) {
        if (!before.backend(b.name)) {
            add(b.name, tr("pool appeared, with %n server(s)", nullptr, int(b.servers.size())), false);
            continue;
        }
        for (const ServerSnapshot& s : b.servers) {
            if (!before.server(b.name, s.name))
                add(b.name + QLatin1Char('/') + s.name,
                    tr("server appeared (%1, %2, %3)")
                        .arg(s.address.isEmpty() ? tr("no address") : s.address, label(s.admin), label(s.health)),
                    false);
        }
    }
    for (const BackendSnapshot& b : before.backends) {
        if (!after.backend(b.name)) {
            add(b.name, tr("pool vanished, with %n server(s)", nullptr, int(b.servers.size())), true);
            continue;
        }
        for (const ServerSnapshot& s : b.servers) {
            if (!after.server(b.name, s.name))
                add(b.name + QLatin1Char('/') + s.name, tr("server vanished (it was %1)").arg(label(s.admin)), true);
        }
    }
}

} // namespace Fleetdeck
