#pragma once

#include <QDialog>

namespace Fleetdeck {

// Trust on first use: shows an https gateway's untrusted certificate (its SHA-256, in pairs, and why it is not
// trusted) and asks whether to pin it. Nothing is trusted unless the operator presses "Trust and pin".
class CertificatePrompt final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CertificatePrompt)

public:
    CertificatePrompt(const QString& gateway, const QString& address, const QString& sha256, const QString& why,
        QWidget* parent = nullptr);

    static QString formatFingerprint(const QString& sha256); // "AB:CD:…"

Q_SIGNALS:
    void trusted(const QString& gateway, const QString& sha256);
};

} // namespace Fleetdeck
