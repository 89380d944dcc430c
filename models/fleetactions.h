#pragma once

#include <functional>

#include <QHash>
#include <QList>
#include <QObject>

#include "change.h"
#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck {

class AlertBoard;

// What the UI may ask of the fleet. Declared here, implemented by the app layer, so the UI never sees a driver.
class FleetActions : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetActions)

public:
    explicit FleetActions(QObject* parent = nullptr)
        : QObject(parent)
    { }
    ~FleetActions() override = default;

    // The one way to change the fleet: changes of any kind, on any gateways, as one request. Each is validated,
    // re-read against the gateway (a conflict is not sent), journaled, sent, verified by reading it back and
    // journaled again; actionFinished reports the request under the returned id, with what undoes each change.
    // reviewedTogether: a form's changes, reviewed as a whole, are not sent alone: once one fails on a gateway, the
    // later ones to that gateway are not sent.
    virtual quint64 apply(const QList<Change>& changes, const QString& description, bool reviewedTogether = false) = 0;
    // Stops a request before its next step (a removal waiting for sessions, a rolling change between batches).
    virtual void cancel(quint64 id) = 0;
    // A rolling change: targets in batches of batchSize; after each batch is verified and pauseMs has passed, a
    // health gate (every server of the touched gateways that is in service is UP, and each gateway's 5xx share over
    // the last 15 s is under max5xxShare) must hold before the next batch. Progress comes as rollingProgress; the final
    // report as actionFinished. pauseRolling/resumeRolling hold and release it between batches; cancel(id) aborts it.
    virtual quint64 rollingState(
        const QList<ServerRef>& targets, AdminState state, int batchSize, double max5xxShare, int pauseMs)
        = 0;
    virtual void pauseRolling(quint64 id) = 0;
    virtual void resumeRolling(quint64 id) = 0;
    // Reads a gateway's rate limits; the answer comes as rateLimitsReceived or rateLimitsFailed.
    virtual void requestRateLimits(const QString& gateway) = 0;
    // Reads a gateway's cache policy and settings; the answer comes as cachePolicyReceived or cachePolicyFailed.
    virtual void requestCachePolicy(const QString& gateway) = 0;
    // Read-only: every change is refused before anything is sent, with this reason.
    virtual bool isReadOnly() const { return false; }
    virtual QString readOnlyReason() const { return {}; }
    // Keeps a secret under a reference: in the OS keychain, or, when sessionOnly, in memory for this run only (what
    // the operator chooses when the keychain is unavailable). done reports the keychain's answer. Gateways that
    // name the reference use the new secret from their next poll.
    virtual void storeCredential(
        const QString& reference, const QString& secret, bool sessionOnly, std::function<void(Result<bool>)> done)
        = 0;
    // Forgets a secret everywhere Fleetdeck keeps it (keychain and this session); gateways naming it go on without.
    virtual void forgetCredential(const QString& reference, std::function<void(Result<bool>)> done) = 0;
    // The operator checked an https gateway's certificate and trusts it: pin its SHA-256 (journaled) and go on.
    virtual void trustCertificate(const QString& gateway, const QString& sha256) = 0;
    virtual void addGateway(const GatewayConfig& config) = 0;
    virtual void removeGateway(const QString& name) = 0;
    // A change to the gateway is under way (sent or about to be, not yet reported): it must not be removed now.
    virtual bool changeUnderWay(const QString& gateway) const
    {
        Q_UNUSED(gateway);
        return false;
    }
    virtual void refreshNow() = 0;
    // Asks the fleet's Prometheus (if any) for a series' history over [fromMs, toMs] in about `points` steps;
    // the answer goes to the HistoryCache. Does nothing when there is no Prometheus or no mapping for the key.
    virtual void requestHistory(const QString& seriesKey, qint64 fromMs, qint64 toMs, int points)
    {
        Q_UNUSED(seriesKey)
        Q_UNUSED(fromMs)
        Q_UNUSED(toMs)
        Q_UNUSED(points)
    }

    // The fleet's alerts from its Alertmanager (null, or not configured(): none).
    virtual const AlertBoard* alerts() const { return nullptr; }
    // Silences the alert with this fingerprint for `minutes` (a comment is required); expireSilence() undoes it.
    // Both are journaled, verified by reading the silence back and reported through silenceFinished.
    virtual quint64 silenceAlert(const QString& fingerprint, int minutes, const QString& comment)
    {
        Q_UNUSED(fingerprint)
        Q_UNUSED(minutes)
        Q_UNUSED(comment)
        return 0;
    }
    virtual quint64 expireSilence(const QString& silenceId)
    {
        Q_UNUSED(silenceId)
        return 0;
    }

    // Requests built on apply(), for the common cases. `shown`: the gateways as the operator saw them when asking
    // (by name); each change then expects its object to read the same just before sending (Change::expectedState),
    // so a change made meanwhile by anyone else is a conflict, not overwritten.
    using Shown = QHash<QString, GatewayState>;
    quint64 setServerState(const QList<ServerRef>& servers, AdminState state, const Shown& shown = {});
    quint64 setServerWeight(const QList<ServerRef>& servers, int weight, const Shown& shown = {});
    quint64 addServer(const ServerSpec& spec);
    // Safe removal: drain, wait until its sessions reach zero (or drainTimeoutMs), maintenance, delete; where the
    // product cannot drain, at once. removalProgress reports each step; cancel() stops before the next one.
    quint64 removeServer(const ServerRef& server, int drainTimeoutMs, const Shown& shown = {});
    // A form's changes to one gateway, reviewed together.
    quint64 changeRateLimits(const QList<RateLimitChange>& changes);
    quint64 changePolicy(const QList<Change>& changes);

Q_SIGNALS:
    void silenceFinished(quint64 id, bool ok, const QString& message, const QString& silenceId);
    void actionStarted(quint64 id, const QString& description);
    void actionFinished(const Fleetdeck::ActionReport& report);
    void removalProgress(quint64 id, const QString& stage, int sessions, int elapsedMs);
    void rollingProgress(quint64 id, int done, int total, const QString& status);
    void rateLimitsReceived(const QString& gateway, const Fleetdeck::RateLimits& limits);
    void rateLimitsFailed(const QString& gateway, const QString& error);
    void cachePolicyReceived(const QString& gateway, const Fleetdeck::CachePolicy& policy);
    void cachePolicyFailed(const QString& gateway, const QString& error);
};

} // namespace Fleetdeck
