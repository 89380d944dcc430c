#include "credentialdialog.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace Fleetdeck {

CredentialDialog::CredentialDialog(const QString& gateway, const QString& reference, bool missing, QWidget* parent)
    : QDialog(parent)
    , m_gateway(gateway)
    , m_reference(reference)
{
    setObjectName(QStringLiteral("credentialDialog"));
    setWindowTitle(tr("Credential of %1").arg(gateway));
    auto* text = new QLabel(missing
            ? tr("<p><b>%1</b> names the credential <b>%2</b>, and neither the keychain nor this session holds it "
                 "(a fleet file from another machine?). Give the secret to reach the gateway.</p>")
                  .arg(gateway.toHtmlEscaped(), reference.toHtmlEscaped())
            : tr("<p>Change or forget the secret kept as <b>%2</b> for <b>%1</b>.</p>")
                  .arg(gateway.toHtmlEscaped(), reference.toHtmlEscaped()));
    text->setWordWrap(true);
    m_secret = new QLineEdit;
    m_secret->setObjectName(QStringLiteral("credentialSecretEdit"));
    m_secret->setEchoMode(QLineEdit::Password);
    m_secret->setPlaceholderText(tr("the secret, or From file…"));
    auto* fromFile = new QPushButton(tr("From &file…"));
    m_note = new QLabel;
    m_note->setWordWrap(true);
    auto* row = new QHBoxLayout;
    row->addWidget(m_secret, 1);
    row->addWidget(fromFile);

    auto* buttons = new QDialogButtonBox;
    QPushButton* keep = buttons->addButton(tr("Keep in the &keychain"), QDialogButtonBox::AcceptRole);
    keep->setObjectName(QStringLiteral("keepButton"));
    QPushButton* session = buttons->addButton(tr("This &session only"), QDialogButtonBox::AcceptRole);
    session->setObjectName(QStringLiteral("sessionButton"));
    QPushButton* forget = nullptr;
    if (!missing) {
        forget = buttons->addButton(tr("&Forget it"), QDialogButtonBox::DestructiveRole);
        forget->setObjectName(QStringLiteral("forgetButton"));
    }
    buttons->addButton(QDialogButtonBox::Cancel);
    for (QPushButton* b : { keep, session })
        b->setEnabled(false);
    connect(m_secret, &QLineEdit::textChanged, this, [keep, session](const QString& t) {
        keep->setEnabled(!t.isEmpty());
        session->setEnabled(!t.isEmpty());
    });
    connect(keep, &QPushButton::clicked, this, [this] { finish(Choice::Keychain); });
    connect(session, &QPushButton::clicked, this, [this] { finish(Choice::SessionOnly); });
    if (forget) {
        connect(forget, &QPushButton::clicked, this, [this] {
            // Destructive: name what goes.
            QMessageBox ask(QMessageBox::Question, tr("Forget credential"),
                tr("Forget the secret %1? %2 cannot authenticate until it is given again.").arg(m_reference, m_gateway),
                QMessageBox::Yes | QMessageBox::No, this);
            ask.setObjectName(QStringLiteral("forgetConfirm"));
            ask.setDefaultButton(QMessageBox::No);
            if (ask.exec() == QMessageBox::Yes)
                finish(Choice::Forget);
        });
    }
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(fromFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Secret file"));
        if (path.isEmpty())
            return;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_note->setText(tr("Could not read %1: %2").arg(path, file.errorString()));
            return;
        }
        m_secret->setText(QString::fromUtf8(file.read(64 * 1024))); // exact bytes, trailing newline included
        m_note->setText(tr("Read %1.").arg(path));
    });

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(text);
    layout->addLayout(row);
    layout->addWidget(m_note);
    layout->addWidget(new QLabel(tr("Fleetdeck writes the secret to the OS keychain only, never to a file.")));
    layout->addWidget(buttons);
}

QString CredentialDialog::secret() const
{
    return m_secret->text();
}

void CredentialDialog::finish(Choice choice)
{
    m_choice = choice;
    accept();
}

} // namespace Fleetdeck
