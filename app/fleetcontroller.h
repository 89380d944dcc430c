#pragma once

#include <array>
#include <optional>

#include <QHash>
#include <QSet>
#include <QVector>
#include <QPointer>

#include "fleetactions.h"
#include "fleettypes.h"
#include "result.h"

class QTimer;

namespace Fleetdeck {

class EventLog;
struct ServerSpec;
class HistoryCache;
class FleetStore;
class MetricStore;
namespace Drivers {
class Driver;
class ProductRegistry;
}

// Owns one driver per gateway, polls each on its own schedule with backoff, feeds the stores, and carries out
// the operator's actions: send, re-read, verify, report.
class FleetController final : public FleetActions
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetController)

public:
    // products: what gateways can be (null: the built-in products).
    FleetController(FleetStore* store, MetricStore* metrics, QObject* parent = nullptr,
        const Drivers::ProductRegistry* products = nullptr);
    ~FleetController() override;

    quint64 setServerState(const QList<ServerRef>& servers, AdminState state) override;
    quint64 setServerWeight(const QList<ServerRef>& servers, int weight) override;
    quint64 applyActions(const QList<ServerAction>& actions, const QString& description) override;
    quint64 addServer(const ServerSpec& spec) override;
    quint64 removeServer(const ServerRef& server, int drainTimeoutMs) override;
    void cancel(quint64 id) override;
    quint64 rollingState(
        const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs) override;
    void pauseRolling(quint64 id) override;
    void resumeRolling(quint64 id) override;
    void requestRateLimits(const QString& gateway) override;
    quint64 changeRateLimits(const QList<RateLimitChange>& changes) override;
    void requestCachePolicy(const QString& gateway) override;
    quint64 changeCachePolicy(const QList<PolicyChange>& changes) override;
    bool isReadOnly() const override { return !m_readOnlyReason.isEmpty(); }
    QString readOnlyReason() const override { return m_readOnlyReason; }
    // An empty reason turns read-only off.
    void setReadOnly(const QString& reason) { m_readOnlyReason = reason; }
    // Every attempt and its result are appended here before the result is reported (optional).
    void setJournal(class Journal* journal) { m_journal = journal; }
    // Where gateways' secrets are read from (GatewayConfig::credential names them). Set before adding gateways.
    void setCredentialStore(class CredentialStore* store) { m_credentials = store; }
    void storeCredential(const QString& reference, const QString& secret, bool sessionOnly,
        std::function<void(Result<bool>)> done) override;
    void forgetCredential(const QString& reference, std::function<void(Result<bool>)> done) override;
    void trustCertificate(const QString& gateway, const QString& sha256) override;
    void addGateway(const GatewayConfig& config) override;
    void removeGateway(const QString& name) override;
    void refreshNow() override;
    void requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points) override;

    // The fleet's Prometheus, for history older than the local store, and where its answers go.
    void setPrometheus(const QUrl& url, HistoryCache* cache);
    // The PromQL that reads a series key's history, or empty when Prometheus has no such series.
    QString promqlFor(const QString& seriesKey, qint64 stepMs) const;

    // Where transitions, lost and found gateways and Fleetdeck's own changes are recorded (optional).
    void setEventLog(EventLog* events) { m_events = events; }
    // The longest wait between retries of an unreachable gateway (default 30 s).
    void setMaxBackoffMs(int ms) { m_maxBackoffMs = ms; }

private:
    struct Gateway
    {
        QPointer<Drivers::Driver> driver;
        QTimer* timer = nullptr;
        quint64 nextGeneration = 1;
        quint64 appliedGeneration = 0;
        bool pollInFlight = false;
        QString credentialProblem; // why the gateway's secret could not be read, if it could not
        // Series handles in snapshot order (gateway, each backend, each server; req, 5xx, sessions), rebuilt when
        // the gateway's shape changes, so a poll appends without building or hashing 30,000 keys.
        std::optional<GatewaySnapshot> handlesShape;
        QVector<std::array<void*, 3>> handles;
    };
    struct PendingAction;

    quint64 runActions(const QList<ServerAction>& actions, const QString& description);
    void recordBefore(ActionOutcome& outcome) const;
    // Journals, records and reports a one-server request that did not go through runActions.
    void finishSingle(ActionReport report);
    struct Removal;
    void removalStep(const std::shared_ptr<Removal>& removal);
    struct LimitRun;
    struct Rolling;
    void rollingStep(const std::shared_ptr<Rolling>& rolling);
    QString healthGate(const QSet<QString>& gateways, double max5xxShare) const;
    QSet<quint64> m_paused;
    void applyLimitStep(const std::shared_ptr<LimitRun>& run, int position);
    struct PolicyRun;
    void applyPolicyStep(const std::shared_ptr<PolicyRun>& run, int position);
    // Asks a gateway's driver for something it reads on request (rate limits, cache policy) and answers with
    // received(gateway, value) or failed(gateway, error naming the gateway).
    template <typename T>
    void readFromDriver(const QString& gateway, void (Drivers::Driver::*read)(std::function<void(Result<T>)>),
        void (FleetActions::*received)(const QString&, const T&),
        void (FleetActions::*failed)(const QString&, const QString&));
    // Refuses a change before anything is sent: read-only, unknown gateway. Empty when it may go.
    QString refusal(const QString& gateway) const;
    void checkThenApply(const std::shared_ptr<PendingAction>& pending, const QString& gateway);
    void applyNext(const std::shared_ptr<PendingAction>& pending, const QString& gateway, int position);
    void verify(const std::shared_ptr<PendingAction>& pending, const QString& gateway, int attempt);
    void finishGateway(const std::shared_ptr<PendingAction>& pending);

    void poll(const QString& name);
    // Reads a secret: this session's store first, then the keychain.
    void readSecret(const QString& reference, std::function<void(Result<QString>)> then);
    // Gives every gateway that names the reference this secret (empty: none), and polls them.
    void applySecret(const QString& reference, const QString& secret, const QString& problem);
    // Fetches a snapshot under a new generation; replies older than the newest applied one are dropped.
    void fetch(const QString& name, std::function<void(const Result<GatewaySnapshot>&)> then);
    void onSnapshot(const QString& name, quint64 generation, const Result<GatewaySnapshot>& result);
    void ingest(const QString& name, const GatewaySnapshot& snapshot);
    void markGaps(const QString& name, qint64 nowMs);
    void recordTransitions(const QString& name, const GatewaySnapshot& before, const GatewaySnapshot& after);
    void recordReport(const ActionReport& report);
    void scheduleNext(const QString& name);

    const Drivers::ProductRegistry& m_products;
    FleetStore* m_store;
    MetricStore* m_metrics;
    EventLog* m_events = nullptr;
    class Journal* m_journal = nullptr;
    class CredentialStore* m_credentials = nullptr;
    class SessionCredentialStore* m_sessionCredentials; // the operator's "this session only" secrets
    QString m_readOnlyReason;
    QSet<quint64> m_cancelled;
    HistoryCache* m_history = nullptr;
    QObject* m_prometheus = nullptr; // Wire::PrometheusClient, kept out of this header
    QHash<QString, Gateway> m_gateways;
    quint64 m_nextActionId = 1;
    int m_maxBackoffMs = 30000;
};

template <typename T>
void FleetController::readFromDriver(const QString& gateway,
    void (Drivers::Driver::*read)(std::function<void(Result<T>)>),
    void (FleetActions::*received)(const QString&, const T&),
    void (FleetActions::*failed)(const QString&, const QString&))
{
    auto it = m_gateways.find(gateway);
    if (it == m_gateways.end() || !it->driver) {
        Q_EMIT(this->*failed)(gateway, tr("%1 is not in the fleet").arg(gateway));
        return;
    }
    (it->driver.data()->*read)([this, gateway, received, failed](Result<T> value) {
        if (value)
            Q_EMIT(this->*received)(gateway, value.value());
        else
            Q_EMIT(this->*failed)(gateway, tr("%1: %2").arg(gateway, value.error()));
    });
}

} // namespace Fleetdeck
