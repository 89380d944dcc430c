#pragma once

#include <QList>
#include <QObject>
#include <QSet>

#include "fleettypes.h"

class QStatusBar;
class QWidget;

namespace Fleetdeck {

class FleetActions;
class FleetStore;
class JournalModel;

// The prompts that guard trust and service: a gateway's untrusted certificate (pin it or not), a credential no
// store holds (supply it), a secret to change or forget, and taking out a pool's last server in service (asked
// twice). Each prompt is put to the operator once per gateway and cause, however often the gateway is retried.
class SecurityPrompter final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecurityPrompter)

public:
    // journal: where colleagues' changes are read (the team journal; null: none), for these questions and every
    // review dialog.
    SecurityPrompter(
        const FleetStore* store, FleetActions* fleet, const JournalModel* journal, QWidget* window, QStatusBar* status);

    void openCredentialDialog(const QString& gateway, const QString& reference, bool missing);
    // Taking these servers out would leave a pool with no server in service: two explicit choices to go on.
    bool confirmLastHealthy(const QList<ServerRef>& targets, const QString& verb);
    // A colleague changed one of these servers in the last minutes (team journal): asks before going on.
    bool confirmAfterColleagues(const QList<ServerRef>& targets, const QString& verb);

private:
    void offerCertificate(int index);
    void offerCredential(int index);

    const FleetStore* m_store;
    FleetActions* m_fleet;
    QWidget* m_window;
    const JournalModel* m_journal = nullptr;
    QStatusBar* m_status;
    QSet<QString> m_credentialsOffered; // "gateway reference" already asked for
    QSet<QString> m_certificatesOffered; // "gateway fingerprint" already put to the operator
};

} // namespace Fleetdeck
