#pragma once

#include <functional>

#include <QObject>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck {

class CredentialStore;
class EventLog;
class FleetStore;
class Journal;
class Poller;
class SessionCredentialStore;

// Hands each gateway's secrets to its driver: this session's store first, then the keychain. A secret no store
// holds (a fleet file from another machine) becomes GatewayStatus::credentialMissing, which the window turns into a
// prompt. Stores, changes and forgets secrets, and pins a certificate the operator checked (journaled). Secrets go
// to a driver's memory and nowhere else.
class CredentialBroker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialBroker)

public:
    CredentialBroker(Poller* poller, FleetStore* store, QObject* parent = nullptr);
    ~CredentialBroker() override;

    // Where secrets are kept beyond this session (the keychain); null: this session only.
    void setCredentialStore(CredentialStore* store) { m_credentials = store; }
    void setJournal(Journal* journal) { m_journal = journal; }
    void setEventLog(EventLog* events) { m_events = events; }

    // Reads the gateway's TLS key pass phrase and its admin credential into its driver, then polls it.
    void connectGateway(const GatewayConfig& config);
    void store(
        const QString& reference, const QString& secret, bool sessionOnly, std::function<void(Result<bool>)> done);
    void forget(const QString& reference, std::function<void(Result<bool>)> done);
    // The gateway's config with the certificate pinned, the pin journaled under actionId. Empty name: unknown gateway.
    GatewayConfig pinCertificate(const QString& gateway, const QString& sha256, quint64 actionId);

private:
    void readSecret(const QString& reference, std::function<void(Result<QString>)> then);
    // Gives every gateway that names the reference this secret (empty: none), and polls them.
    void applySecret(const QString& reference, const QString& secret, const QString& problem);

    Poller* m_poller;
    FleetStore* m_store;
    CredentialStore* m_credentials = nullptr;
    SessionCredentialStore* m_session; // the operator's "this session only" secrets
    Journal* m_journal = nullptr;
    EventLog* m_events = nullptr;
};

} // namespace Fleetdeck
