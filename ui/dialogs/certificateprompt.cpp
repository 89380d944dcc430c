#include "certificateprompt.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace Fleetdeck {

QString CertificatePrompt::formatFingerprint(const QString& sha256)
{
    QStringList pairs;
    for (qsizetype i = 0; i + 1 < sha256.size(); i += 2)
        pairs << sha256.mid(i, 2).toUpper();
    return pairs.join(QLatin1Char(':'));
}

CertificatePrompt::CertificatePrompt(
    const QString& gateway, const QString& address, const QString& sha256, const QString& why, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("certificatePrompt"));
    setWindowTitle(tr("Certificate of %1").arg(gateway));
    auto* text = new QLabel(
        tr("<p><b>%1</b> (%2) presented a certificate Fleetdeck does not trust:</p><p>%3</p>"
           "<p>SHA-256 fingerprint:<br><tt>%4</tt></p>"
           "<p>Compare it with the one the gateway's owner gives you (for example "
           "<tt>openssl x509 -noout -fingerprint -sha256</tt> on the gateway). If they are the "
           "same, pin it: Fleetdeck will then trust exactly this certificate for %1 and refuse any "
           "other, and the acceptance goes into the change journal.</p>")
            .arg(gateway.toHtmlEscaped(), address.toHtmlEscaped(), why.toHtmlEscaped(), formatFingerprint(sha256)));
    text->setObjectName(QStringLiteral("certificateText"));
    text->setWordWrap(true);
    text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox;
    QPushButton* trust = buttons->addButton(tr("&Trust and pin"), QDialogButtonBox::AcceptRole);
    trust->setObjectName(QStringLiteral("trustButton"));
    QPushButton* later = buttons->addButton(tr("&Not now"), QDialogButtonBox::RejectRole);
    later->setObjectName(QStringLiteral("notNowButton"));
    later->setDefault(true); // Enter does not trust by accident
    connect(buttons, &QDialogButtonBox::accepted, this, [this, gateway, sha256] {
        Q_EMIT trusted(gateway, sha256);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
}

} // namespace Fleetdeck
