#include "securityprompter.h"
#include "colleaguechanges.h"
#include "forms/serverformdialog.h"

#include <QStatusBar>
#include <QWidget>

#include "dialogs/certificateprompt.h"
#include "dialogs/credentialdialog.h"
#include "dialogs/lasthealthy.h"
#include "fleetactions.h"
#include "fleetstore.h"

namespace Fleetdeck {

SecurityPrompter::SecurityPrompter(
    const FleetStore* store, FleetActions* fleet, const JournalModel* journal, QWidget* window, QStatusBar* status)
    : QObject(window)
    , m_store(store)
    , m_fleet(fleet)
    , m_window(window)
    , m_journal(journal)
    , m_status(status)
{
    ReviewDialog::setJournal(journal);
    connect(store, &FleetStore::statusChanged, this, &SecurityPrompter::offerCertificate);
    connect(store, &FleetStore::statusChanged, this, &SecurityPrompter::offerCredential);
}

void SecurityPrompter::offerCertificate(int index)
{
    const FleetStore::Entry& e = m_store->entry(index);
    const QString fingerprint = e.status.certificateToTrust;
    // Once per gateway and certificate: a gateway retried every few seconds does not pile up prompts.
    const QString key = e.config.name + QLatin1Char(' ') + fingerprint;
    if (fingerprint.isEmpty() || m_certificatesOffered.contains(key))
        return;
    m_certificatesOffered.insert(key);
    auto* prompt
        = new CertificatePrompt(e.config.name, e.config.admin.toString(), fingerprint, e.status.lastError, m_window);
    prompt->setAttribute(Qt::WA_DeleteOnClose);
    connect(prompt, &CertificatePrompt::trusted, m_fleet, &FleetActions::trustCertificate);
    prompt->open();
}

void SecurityPrompter::offerCredential(int index)
{
    const FleetStore::Entry& e = m_store->entry(index);
    const QString reference = e.status.credentialMissing;
    const QString key = e.config.name + QLatin1Char(' ') + reference;
    if (reference.isEmpty() || m_credentialsOffered.contains(key))
        return;
    m_credentialsOffered.insert(key);
    openCredentialDialog(e.config.name, reference, true);
}

void SecurityPrompter::openCredentialDialog(const QString& gateway, const QString& reference, bool missing)
{
    auto* dialog = new CredentialDialog(gateway, reference, missing, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString reference = dialog->reference();
        auto report = [this, reference](const QString& what) {
            return [this, reference, what](Result<bool> r) {
                m_status->showMessage(
                    r ? what.arg(reference) : tr("Credential %1: %2").arg(reference, r.error()), 10000);
            };
        };
        switch (dialog->choice()) {
        case CredentialDialog::Choice::Keychain:
            m_fleet->storeCredential(
                reference, dialog->secret(), false, report(tr("Credential %1 kept in the keychain")));
            break;
        case CredentialDialog::Choice::SessionOnly:
            m_fleet->storeCredential(
                reference, dialog->secret(), true, report(tr("Credential %1 kept for this session")));
            break;
        case CredentialDialog::Choice::Forget:
            m_fleet->forgetCredential(reference, report(tr("Credential %1 forgotten")));
            break;
        case CredentialDialog::Choice::Cancel:
            break;
        }
    });
    dialog->open();
}

bool SecurityPrompter::confirmLastHealthy(const QList<ServerRef>& targets, const QString& verb)
{
    return Fleetdeck::confirmLastHealthy(m_window, m_store, targets, verb);
}

bool SecurityPrompter::confirmAfterColleagues(const QList<ServerRef>& targets, const QString& verb)
{
    QList<std::pair<QString, QString>> objects;
    for (const ServerRef& t : targets)
        objects.append({ t.gateway, t.backend + QLatin1Char('/') + t.server });
    return Fleetdeck::confirmAfterColleagues(m_window, m_journal, objects, verb);
}

} // namespace Fleetdeck
