#include "credentialbroker.h"

#include <QDateTime>
#include <QPointer>

#include "credentialstore.h"
#include "driver.h"
#include "eventlog.h"
#include "fleetstore.h"
#include "journal.h"
#include "journalmodel.h"
#include "poller.h"

namespace Fleetdeck {

CredentialBroker::CredentialBroker(Poller* poller, FleetStore* store, QObject* parent)
    : QObject(parent)
    , m_poller(poller)
    , m_store(store)
    , m_session(new SessionCredentialStore(this))
{ }

CredentialBroker::~CredentialBroker() = default;

void CredentialBroker::connectGateway(const GatewayConfig& config)
{
    const QString name = config.name;
    const QPointer<Drivers::Driver> driver = m_poller->driver(name);
    if (!driver)
        return;
    // The TLS key's pass phrase first, then the admin credential, then the first poll.
    auto withCredential = [this, name, driver, reference = config.credential] {
        if (reference.isEmpty()) {
            m_poller->poll(name);
            return;
        }
        readSecret(reference, [this, name, driver, reference](Result<QString> secret) {
            if (!driver)
                return; // the gateway was removed meanwhile
            if (secret) {
                driver->setSecret(secret.value().toUtf8());
            } else {
                m_poller->setCredentialProblem(
                    name, tr("its credential \"%1\" could not be read: %2").arg(reference, secret.error()));
                // Ask the operator for it (an imported fleet file names credentials this machine may not have).
                if (const int index = m_store->indexOf(name); index >= 0) {
                    GatewayStatus status = m_store->entry(index).status;
                    status.credentialMissing = reference;
                    m_store->setStatus(name, status);
                }
            }
            m_poller->poll(name);
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

void CredentialBroker::readSecret(const QString& reference, std::function<void(Result<QString>)> then)
{
    m_session->read(reference, [this, reference, then = std::move(then)](Result<QString> session) {
        if (session || !m_credentials)
            then(session);
        else
            m_credentials->read(reference, then);
    });
}

void CredentialBroker::applySecret(const QString& reference, const QString& secret, const QString& problem)
{
    for (const QString& name : m_poller->names()) {
        const int index = m_store->indexOf(name);
        Drivers::Driver* driver = m_poller->driver(name);
        if (index < 0 || !driver || m_store->entry(index).config.credential != reference)
            continue;
        driver->setSecret(secret.toUtf8());
        m_poller->setCredentialProblem(name, problem);
        GatewayStatus status = m_store->entry(index).status;
        status.credentialMissing.clear();
        m_store->setStatus(name, status);
        m_poller->poll(name);
    }
}

void CredentialBroker::forget(const QString& reference, std::function<void(Result<bool>)> done)
{
    m_session->forget(reference, [](Result<bool>) {});
    applySecret(reference, {}, tr("its credential \"%1\" was forgotten").arg(reference));
    if (!m_credentials) {
        done(Result<bool>::success(true));
        return;
    }
    m_credentials->forget(reference, std::move(done));
}

void CredentialBroker::store(
    const QString& reference, const QString& secret, bool sessionOnly, std::function<void(Result<bool>)> done)
{
    auto then = [this, reference, secret, done = std::move(done)](Result<bool> stored) {
        if (stored)
            applySecret(reference, secret, {});
        done(stored);
    };
    if (sessionOnly || !m_credentials) {
        m_session->write(reference, secret, std::move(then));
        return;
    }
    m_credentials->write(reference, secret, std::move(then));
}

GatewayConfig CredentialBroker::pinCertificate(const QString& gateway, const QString& sha256, quint64 actionId)
{
    const int index = m_store->indexOf(gateway);
    if (index < 0 || sha256.isEmpty())
        return {};
    GatewayConfig config = m_store->entry(index).config;
    const QString before = config.tls.pinSha256;
    config.tls.pinSha256 = sha256.toLower();
    if (m_journal) {
        // An explicit "accept this certificate" is a change like any other: who, when, which fingerprint.
        JournalEntry e;
        e.actionId = actionId;
        e.timeMs = QDateTime::currentMSecsSinceEpoch();
        e.osUser = JournalEntry::currentOsUser();
        e.gateway = gateway;
        e.object = QStringLiteral("tls certificate");
        e.kind = QStringLiteral("result");
        e.before = before.isEmpty() ? QStringLiteral("not trusted") : QStringLiteral("pinned SHA-256 %1").arg(before);
        e.after = QStringLiteral("pinned SHA-256 %1").arg(config.tls.pinSha256);
        e.result = QStringLiteral("verified");
        e.answer = QStringLiteral("accepted by the operator after checking the fingerprint (trust on first use)");
        m_journal->append(e);
    }
    if (m_events)
        m_events->add(FleetEvent { QDateTime::currentMSecsSinceEpoch(), FleetEvent::Kind::Connection, gateway, {},
            tr("certificate pinned: SHA-256 %1").arg(config.tls.pinSha256), false });
    return config;
}

} // namespace Fleetdeck
