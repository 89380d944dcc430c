// FleetController, part six: secrets and trust. Reading a gateway's secrets into its driver, storing, changing
// and forgetting them, and pinning a certificate the operator checked.
#include "fleetcontroller.h"

#include <QDateTime>

#include "credentialstore.h"
#include "driver.h"
#include "eventlog.h"
#include "fleetstore.h"
#include "journal.h"
#include "journalmodel.h"

namespace Fleetdeck {

void FleetController::readSecret(const QString& reference, std::function<void(Result<QString>)> then)
{
    m_sessionCredentials->read(reference, [this, reference, then = std::move(then)](Result<QString> session) {
        if (session || !m_credentials)
            then(session);
        else
            m_credentials->read(reference, then);
    });
}

void FleetController::applySecret(const QString& reference, const QString& secret, const QString& problem)
{
    for (auto it = m_gateways.begin(); it != m_gateways.end(); ++it) {
        const int index = m_store->indexOf(it.key());
        if (index < 0 || !it->driver || m_store->entry(index).config.credential != reference)
            continue;
        it->driver->setSecret(secret.toUtf8());
        it->credentialProblem = problem;
        GatewayStatus status = m_store->entry(index).status;
        status.credentialMissing.clear();
        m_store->setStatus(it.key(), status);
        if (!it->pollInFlight)
            poll(it.key());
    }
}

void FleetController::forgetCredential(const QString& reference, std::function<void(Result<bool>)> done)
{
    m_sessionCredentials->forget(reference, [](Result<bool>) {});
    applySecret(reference, {}, tr("its credential \"%1\" was forgotten").arg(reference));
    if (!m_credentials) {
        done(Result<bool>::success(true));
        return;
    }
    m_credentials->forget(reference, std::move(done));
}

void FleetController::storeCredential(
    const QString& reference, const QString& secret, bool sessionOnly, std::function<void(Result<bool>)> done)
{
    auto then = [this, reference, secret, done = std::move(done)](Result<bool> stored) {
        if (stored)
            applySecret(reference, secret, {});
        done(stored);
    };
    if (sessionOnly || !m_credentials) {
        m_sessionCredentials->write(reference, secret, std::move(then));
        return;
    }
    m_credentials->write(reference, secret, std::move(then));
}

void FleetController::trustCertificate(const QString& gateway, const QString& sha256)
{
    const int index = m_store->indexOf(gateway);
    if (index < 0 || sha256.isEmpty())
        return;
    GatewayConfig config = m_store->entry(index).config;
    const QString before = config.tls.pinSha256;
    config.tls.pinSha256 = sha256.toLower();
    if (m_journal) {
        // An explicit "accept this certificate" is a change like any other: who, when, which fingerprint.
        JournalEntry e;
        e.actionId = m_nextActionId++;
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
    // The driver holds its config: a new one with the pin takes over.
    removeGateway(gateway);
    addGateway(config);
}

} // namespace Fleetdeck
