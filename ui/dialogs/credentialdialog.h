#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;

namespace Fleetdeck {

// Supplies, changes or forgets the secret a gateway's credential names: typed or read from a file (a Varnish -S
// file, as its exact bytes). Kept in the keychain, or for this session only; the secret leaves this dialog only
// through secret().
class CredentialDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialDialog)

public:
    enum class Choice { Cancel, Keychain, SessionOnly, Forget };
    // missing: the gateway found no secret under the reference (an imported fleet file); else it is a change.
    CredentialDialog(const QString& gateway, const QString& reference, bool missing, QWidget* parent = nullptr);

    Choice choice() const { return m_choice; }
    QString secret() const;
    QString reference() const { return m_reference; }
    QString gateway() const { return m_gateway; }

private:
    void finish(Choice choice);

    QString m_gateway;
    QString m_reference;
    QLineEdit* m_secret;
    QLabel* m_note;
    Choice m_choice = Choice::Cancel;
};

} // namespace Fleetdeck
