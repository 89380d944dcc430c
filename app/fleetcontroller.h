#pragma once

#include <QUrl>

#include "fleetactions.h"

namespace Fleetdeck {

class AlertService;
struct AlertLabels;
class ChangePipeline;
class CredentialBroker;
class CredentialStore;
class EventLog;
class FleetStore;
class HistoryCache;
class HistoryService;
class Journal;
class MetricStore;
class Poller;
class RollingChanges;
namespace Drivers {
class ProductRegistry;
}

// The fleet as the UI asks things of it (FleetActions), put together from the pieces that do the work: the poller
// (drivers, polls, stores), the change pipeline (every change), rolling changes, the credential broker (secrets and
// trust) and the history service (the fleet's Prometheus).
class FleetController final : public FleetActions
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetController)

public:
    // products: what gateways can be (null: the built-in products).
    FleetController(FleetStore* store, MetricStore* metrics, QObject* parent = nullptr,
        const Drivers::ProductRegistry* products = nullptr);
    ~FleetController() override;

    quint64 apply(const QList<Change>& changes, const QString& description, bool reviewedTogether = false) override;
    void cancel(quint64 id) override;
    quint64 rollingState(
        const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs) override;
    void pauseRolling(quint64 id) override;
    void resumeRolling(quint64 id) override;
    void requestRateLimits(const QString& gateway) override;
    void requestCachePolicy(const QString& gateway) override;
    bool isReadOnly() const override;
    QString readOnlyReason() const override;
    // An empty reason turns read-only off.
    void setReadOnly(const QString& reason);
    void storeCredential(const QString& reference, const QString& secret, bool sessionOnly,
        std::function<void(Result<bool>)> done) override;
    void forgetCredential(const QString& reference, std::function<void(Result<bool>)> done) override;
    void trustCertificate(const QString& gateway, const QString& sha256) override;
    void addGateway(const GatewayConfig& config) override;
    void removeGateway(const QString& name) override;
    bool changeUnderWay(const QString& gateway) const override;
    void refreshNow() override;
    void requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points) override;
    const AlertBoard* alerts() const override;
    quint64 silenceAlert(const QString& fingerprint, int minutes, const QString& comment) override;
    quint64 expireSilence(const QString& silenceId) override;

    // Every attempt and its result are appended here before the result is reported (optional).
    void setJournal(Journal* journal);
    // Where gateways' secrets are read from (GatewayConfig::credential names them). Set before adding gateways.
    void setCredentialStore(CredentialStore* store);
    // Where transitions, lost and found gateways and Fleetdeck's own changes are recorded (optional).
    void setEventLog(EventLog* events);
    // The longest wait between retries of an unreachable gateway (default 30 s).
    void setMaxBackoffMs(int ms);
    // The fleet's Prometheus, for history older than the local store, and where its answers go.
    void setPrometheus(const QUrl& url, HistoryCache* cache);
    // The fleet's Alertmanager (empty: none), read every intervalMs; labels say which alert labels name what.
    void setAlertmanager(const QUrl& url, const AlertLabels& labels, int intervalMs = 1000);
    AlertService* alertService() const { return m_alerts; }
    // The PromQL that reads a series key's history, or empty when Prometheus has no such series.
    QString promqlFor(const QString& seriesKey, qint64 stepMs) const;

private:
    FleetStore* m_store;
    Poller* m_poller;
    ChangePipeline* m_pipeline;
    RollingChanges* m_rolling;
    CredentialBroker* m_credentials;
    HistoryService* m_history;
    AlertService* m_alerts;
};

} // namespace Fleetdeck
