#include "fleetcontroller.h"

#include "alertservice.h"
#include "changepipeline.h"
#include "credentialbroker.h"
#include "driver.h"
#include "historyservice.h"
#include "poller.h"
#include "registry.h"
#include "rollingchange.h"

namespace Fleetdeck {

FleetController::FleetController(
    FleetStore* store, MetricStore* metrics, QObject* parent, const Drivers::ProductRegistry* products)
    : FleetActions(parent)
    , m_store(store)
{
    const Drivers::ProductRegistry& registry = products ? *products : Drivers::ProductRegistry::builtIn();
    m_poller = new Poller(store, metrics, registry, this);
    m_pipeline = new ChangePipeline(m_poller, store, this);
    m_rolling = new RollingChanges(m_pipeline, m_poller, store, metrics, this);
    m_credentials = new CredentialBroker(m_poller, store, this);
    m_history = new HistoryService(store, registry, this);
    m_alerts = new AlertService(
        store, [this] { return m_pipeline->takeId(); }, this);
    m_alerts->setReadOnlyReason([this] { return m_pipeline->readOnlyReason(); });
    connect(m_alerts, &AlertService::silenceFinished, this, &FleetActions::silenceFinished);
    qRegisterMetaType<ActionReport>();
    qRegisterMetaType<CachePolicy>();
    qRegisterMetaType<RateLimits>();
    qRegisterMetaType<ServerRef>();
    connect(m_pipeline, &ChangePipeline::started, this, &FleetActions::actionStarted);
    connect(m_pipeline, &ChangePipeline::finished, this, &FleetActions::actionFinished);
    connect(m_pipeline, &ChangePipeline::removalProgress, this, &FleetActions::removalProgress);
    connect(m_rolling, &RollingChanges::started, this, &FleetActions::actionStarted);
    connect(m_rolling, &RollingChanges::progress, this, &FleetActions::rollingProgress);
    connect(m_rolling, &RollingChanges::finished, this, &FleetActions::actionFinished);
}

FleetController::~FleetController()
{
    // Drivers first: a pending request's callback must not reach a pipeline being torn down.
    const QStringList names = m_poller->names();
    for (const QString& name : names)
        m_poller->remove(name);
}

quint64 FleetController::apply(const QList<Change>& changes, const QString& description, bool reviewedTogether)
{
    return m_pipeline->submit(changes, description, reviewedTogether);
}

void FleetController::cancel(quint64 id)
{
    if (!m_rolling->cancel(id))
        m_pipeline->cancel(id);
}

quint64 FleetController::rollingState(
    const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs)
{
    return m_rolling->start(targets, state, batchSize, max5xxShare, pauseMs);
}

void FleetController::pauseRolling(quint64 id)
{
    m_rolling->pause(id);
}

void FleetController::resumeRolling(quint64 id)
{
    m_rolling->resume(id);
}

void FleetController::requestRateLimits(const QString& gateway)
{
    Drivers::Driver* driver = m_poller->driver(gateway);
    if (!driver) {
        Q_EMIT rateLimitsFailed(gateway, tr("%1 is not in the fleet").arg(gateway));
        return;
    }
    driver->readRateLimits([this, gateway](Result<RateLimits> limits) {
        if (limits)
            Q_EMIT rateLimitsReceived(gateway, limits.value());
        else
            Q_EMIT rateLimitsFailed(gateway, tr("%1: %2").arg(gateway, limits.error()));
    });
}

void FleetController::requestCachePolicy(const QString& gateway)
{
    Drivers::Driver* driver = m_poller->driver(gateway);
    if (!driver) {
        Q_EMIT cachePolicyFailed(gateway, tr("%1 is not in the fleet").arg(gateway));
        return;
    }
    driver->readCachePolicy([this, gateway](Result<CachePolicy> policy) {
        if (policy)
            Q_EMIT cachePolicyReceived(gateway, policy.value());
        else
            Q_EMIT cachePolicyFailed(gateway, tr("%1: %2").arg(gateway, policy.error()));
    });
}

bool FleetController::isReadOnly() const
{
    return !m_pipeline->readOnlyReason().isEmpty();
}

QString FleetController::readOnlyReason() const
{
    return m_pipeline->readOnlyReason();
}

void FleetController::setReadOnly(const QString& reason)
{
    m_pipeline->setReadOnly(reason);
}

void FleetController::storeCredential(
    const QString& reference, const QString& secret, bool sessionOnly, std::function<void(Result<bool>)> done)
{
    m_credentials->store(reference, secret, sessionOnly, std::move(done));
}

void FleetController::forgetCredential(const QString& reference, std::function<void(Result<bool>)> done)
{
    m_credentials->forget(reference, std::move(done));
}

void FleetController::trustCertificate(const QString& gateway, const QString& sha256)
{
    const GatewayConfig pinned = m_credentials->pinCertificate(gateway, sha256, m_pipeline->takeId());
    if (pinned.name.isEmpty())
        return;
    // The driver holds its config: a new one with the pin takes over.
    removeGateway(gateway);
    addGateway(pinned);
}

void FleetController::addGateway(const GatewayConfig& config)
{
    if (m_poller->add(config))
        m_credentials->connectGateway(config);
}

void FleetController::removeGateway(const QString& name)
{
    m_poller->remove(name);
}

bool FleetController::changeUnderWay(const QString& gateway) const
{
    return m_pipeline->underWay(gateway);
}

void FleetController::refreshNow()
{
    m_poller->pollAll();
}

void FleetController::requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points)
{
    m_history->requestHistory(seriesKey, fromMs, toMs, points);
}

void FleetController::setJournal(Journal* journal)
{
    m_alerts->setJournal(journal);
    m_pipeline->setJournal(journal);
    m_credentials->setJournal(journal);
}

void FleetController::setCredentialStore(CredentialStore* store)
{
    m_credentials->setCredentialStore(store);
}

void FleetController::setEventLog(EventLog* events)
{
    m_alerts->setEventLog(events);
    m_poller->setEventLog(events);
    m_pipeline->setEventLog(events);
    m_credentials->setEventLog(events);
}

void FleetController::setMaxBackoffMs(int ms)
{
    m_poller->setMaxBackoffMs(ms);
}

void FleetController::setPrometheus(const QUrl& url, HistoryCache* cache)
{
    m_history->setPrometheus(url, cache);
}

void FleetController::setAlertmanager(const QUrl& url, const AlertLabels& labels, int intervalMs)
{
    m_alerts->setAlertmanager(url, labels, intervalMs);
}

const AlertBoard* FleetController::alerts() const
{
    return m_alerts->board(); // configured() says whether there is an Alertmanager
}

quint64 FleetController::silenceAlert(const QString& fingerprint, int minutes, const QString& comment)
{
    return m_alerts->silence(fingerprint, minutes, comment);
}

quint64 FleetController::expireSilence(const QString& silenceId)
{
    return m_alerts->expire(silenceId);
}

QString FleetController::promqlFor(const QString& seriesKey, qint64 stepMs) const
{
    return m_history->promqlFor(seriesKey, stepMs);
}

} // namespace Fleetdeck
