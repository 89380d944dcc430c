#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QVector>

#include "fleettypes.h"
#include "result.h"

class QThread;
class QTimer;

namespace Fleetdeck {

class EventLog;
class FleetStore;
class MetricStore;
namespace Drivers {
class Driver;
class ProductRegistry;
}

// Owns one driver per gateway and polls each on its own schedule, backing off while it fails; turns each snapshot
// into rates (MetricStore), the fleet's state (FleetStore) and transition events. Every read of a gateway's pools
// goes through fetch(), so the window shows what the change pipeline re-reads too.
class Poller final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Poller)

public:
    Poller(
        FleetStore* store, MetricStore* metrics, const Drivers::ProductRegistry& products, QObject* parent = nullptr);
    ~Poller() override;

    void setEventLog(EventLog* events) { m_events = events; }
    // The longest wait between retries of an unreachable gateway (default 30 s).
    void setMaxBackoffMs(int ms) { m_maxBackoffMs = ms; }
    // How often a failing gateway's address is tried with a bare connect while its polls back off: every second,
    // or, when many fail at once (a VPN down), in turns of at most kProbesPerSecond a second (2,000 unreachable
    // gateways probed every second, each by its own timer, kept the UI thread 15 % busy; each is now tried every
    // 20 s, by one timer for all).
    static constexpr int kProbeIntervalMs = 1000;
    static constexpr int kProbesPerSecond = 100;
    // After a gateway's first answer, the second poll comes this soon (or at the poll interval, if shorter).
    static constexpr int kSecondPollMs = 250;

    // Makes the gateway's driver and its entry in the store, without polling it yet. Null when the name is taken or
    // the product is not registered.
    Drivers::Driver* add(const GatewayConfig& config);
    void remove(const QString& name);
    Drivers::Driver* driver(const QString& name) const;
    QStringList names() const { return m_gateways.keys(); }
    // Polls now, unless a poll of that gateway is in flight (polls never overlap).
    void poll(const QString& name);
    void pollAll();
    // Reads the gateway's pools under a new generation; replies older than the newest applied one are dropped.
    void fetch(const QString& name, std::function<void(const Result<GatewaySnapshot>&)> then);
    // Why the gateway's secret could not be read, added to an authentication failure's message.
    void setCredentialProblem(const QString& name, const QString& problem);

private:
    struct Gateway
    {
        QPointer<Drivers::Driver> driver;
        QTimer* timer = nullptr;
        // While the full poll backs off, a connect probe each second finds a gateway that listens again (restarted)
        // and polls it at once; a gateway that listens but does not answer (stalled) is left to the back-off.
        bool probing = false; // in m_probing
        bool probeConnected = true; // what the last probe found
        bool probeInFlight = false;
        quint64 nextGeneration = 1;
        quint64 appliedGeneration = 0;
        bool pollInFlight = false;
        bool answered = false; // has answered once: the next poll comes at the usual interval
        QString credentialProblem;
        // Series handles in snapshot order (gateway, each backend, each server; req, 5xx, sessions, latency, queue,
        // load), rebuilt when the gateway's shape changes, so a poll appends without building or hashing 30,000 keys.
        std::optional<GatewaySnapshot> handlesShape;
        QVector<std::array<void*, 6>> handles;
    };

    void onSnapshot(const QString& name, quint64 generation, const Result<GatewaySnapshot>& result);
    void ingest(const QString& name, const GatewaySnapshot& snapshot);
    void markGaps(const QString& name, qint64 nowMs);
    // Why a snapshot is past the gateway's limits (servers, pools), in words; empty when it is within them.
    static QString overLimits(const GatewayConfig& config, const GatewaySnapshot& snapshot);
    void recordTransitions(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after);
    void recordShapeChanges(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after);
    void scheduleNext(const QString& name);
    void probeRound();
    void probe(const QString& name);
    void onProbe(const QString& name, bool connected);

    FleetStore* m_store;
    MetricStore* m_metrics;
    const Drivers::ProductRegistry& m_products;
    EventLog* m_events = nullptr;
    QHash<QString, Gateway> m_gateways;
    std::unique_ptr<QThread> m_ioThread; // where the product drivers read and parse (started with the first)
    int m_maxBackoffMs = 30000;
    QTimer* m_probeRound; // every kProbeIntervalMs: the next kProbesPerSecond failing gateways are probed
    QStringList m_probing; // failing gateways, in turn
    qsizetype m_probeNext = 0;
};

} // namespace Fleetdeck
