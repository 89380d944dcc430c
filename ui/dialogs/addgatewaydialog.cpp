#include "addgatewaydialog.h"
#include "statecolours.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "fleetfile.h"

namespace Fleetdeck {

namespace {
QLabel* errorLabel(const QString& objectName)
{
    auto* label = new QLabel;
    label->setObjectName(objectName);
    label->setStyleSheet(QStringLiteral("color: %1;").arg(StateColours::css(StateColours::Role::Bad)));
    label->setWordWrap(true);
    label->hide();
    return label;
}

void showError(QLabel* label, const QString& text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}
} // namespace

AddGatewayDialog::AddGatewayDialog(const ProductCatalog& products, const QStringList& takenNames, QWidget* parent)
    : QDialog(parent)
    , m_products(products)
    , m_taken(takenNames)
{
    setObjectName(QStringLiteral("addGatewayDialog"));
    setWindowTitle(tr("Add gateway"));
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_name->setPlaceholderText(tr("edge-lb-1"));
    m_nameError = errorLabel(QStringLiteral("nameError"));
    m_product = new QComboBox;
    m_product->setObjectName(QStringLiteral("productCombo"));
    for (const ProductInfo& p : products.products()) {
        m_product->addItem(QStringLiteral("%1 (%2)").arg(p.displayName, p.channel), p.id);
        if (!p.liveTested)
            m_product->setItemData(m_product->count() - 1,
                tr("Built from the product's documentation: not yet run against a live instance."), Qt::ToolTipRole);
    }
    m_admin = new QLineEdit;
    m_admin->setObjectName(QStringLiteral("adminEdit"));
    m_adminError = errorLabel(QStringLiteral("adminError"));
    m_metrics = new QLineEdit;
    m_metrics->setObjectName(QStringLiteral("metricsEdit"));
    m_metrics->setPlaceholderText(tr("optional: http://127.0.0.1:8404/metrics"));
    m_metricsError = errorLabel(QStringLiteral("metricsError"));
    m_interval = new QSpinBox;
    m_interval->setObjectName(QStringLiteral("intervalSpin"));
    m_interval->setRange(100, 60000);
    m_interval->setSingleStep(500);
    m_interval->setValue(1000);
    m_interval->setSuffix(tr(" ms"));

    auto* form = new QFormLayout;
    auto* nameBox = new QVBoxLayout;
    nameBox->addWidget(m_name);
    nameBox->addWidget(m_nameError);
    form->addRow(tr("&Name:"), nameBox);
    form->addRow(tr("&Product:"), m_product);
    auto* adminBox = new QVBoxLayout;
    adminBox->addWidget(m_admin);
    adminBox->addWidget(m_adminError);
    form->addRow(tr("&Admin API:"), adminBox);
    auto* metricsBox = new QVBoxLayout;
    metricsBox->addWidget(m_metrics);
    metricsBox->addWidget(m_metricsError);
    form->addRow(tr("&Metrics:"), metricsBox);
    form->addRow(tr("Poll &every:"), m_interval);
    m_readOnly = new QCheckBox(tr("Read-only: watch this gateway, never change it"));
    m_readOnly->setObjectName(QStringLiteral("readOnlyCheck"));
    form->addRow(QString(), m_readOnly);
    m_credential = new QLineEdit;
    m_credential->setObjectName(QStringLiteral("credentialEdit"));
    m_credential->setPlaceholderText(tr("a name for the secret, e.g. edge-1/cli"));
    m_secret = new QLineEdit;
    m_secret->setObjectName(QStringLiteral("secretEdit"));
    m_secret->setEchoMode(QLineEdit::Password);
    auto* fromFile = new QPushButton(tr("From &file…"));
    fromFile->setObjectName(QStringLiteral("secretFromFileButton"));
    auto* secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(fromFile);
    m_secretNote = new QLabel;
    m_secretNote->setObjectName(QStringLiteral("secretNote"));
    m_secretNote->setWordWrap(true);
    form->addRow(tr("&Credential:"), m_credential);
    form->addRow(tr("&Secret:"), secretRow);
    form->addRow(QString(), m_secretNote);
    connect(fromFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Secret file"));
        if (path.isEmpty())
            return;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_secretNote->setText(tr("Could not read %1: %2").arg(path, file.errorString()));
            return;
        }
        // The exact bytes, trailing newline included: a challenge secret is hashed as the file is.
        m_secret->setText(QString::fromUtf8(file.read(64 * 1024)));
        m_secretNote->setText(tr("Read %1 (%n byte(s)); it goes to the keychain when you press OK.", nullptr,
            int(m_secret->text().toUtf8().size()))
                                  .arg(path));
    });
    connect(m_product, &QComboBox::currentIndexChanged, this, &AddGatewayDialog::productChanged);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Fleetdeck keeps addresses and the credential's name only; the secret goes to the "
                                    "OS keychain, never into settings, fleet files, the journal or logs.")));
    layout->addWidget(m_buttons);

    for (QLineEdit* e : { m_name, m_admin, m_metrics, m_credential, m_secret })
        connect(e, &QLineEdit::textChanged, this, &AddGatewayDialog::validate);
    productChanged();
}

void AddGatewayDialog::productChanged()
{
    const ProductInfo* p = m_products.find(m_product->currentData().toString());
    if (!p)
        return;
    m_admin->setPlaceholderText(p->adminExample);
    m_secret->setPlaceholderText(p->takesCredential() ? p->secretHint : tr("this product takes no credential"));
    m_credential->setEnabled(p->takesCredential());
    m_secret->setEnabled(p->takesCredential());
    // A product whose channel always needs a secret gets a name for it by default: the operator only pastes it.
    if (!p->credentialSuffix.isEmpty() && m_credential->text().isEmpty() && !m_name->text().trimmed().isEmpty())
        m_credential->setText(m_name->text().trimmed() + p->credentialSuffix);
    validate();
}

GatewayConfig AddGatewayDialog::config() const
{
    GatewayConfig c;
    c.name = m_name->text().trimmed();
    c.product = m_product->currentData().toString();
    c.admin = adminUrlFromUserText(m_admin->text());
    c.metrics = QUrl(m_metrics->text().trimmed());
    c.pollIntervalMs = m_interval->value();
    c.readOnly = m_readOnly && m_readOnly->isChecked();
    c.credential = m_credential->isEnabled() ? m_credential->text().trimmed() : QString();
    return c;
}

QString AddGatewayDialog::secret() const
{
    return m_secret->text();
}

void AddGatewayDialog::validate()
{
    const GatewayConfig c = config();
    QString nameError, adminError, metricsError;
    if (m_taken.contains(c.name))
        nameError = tr("A gateway named \"%1\" is already in the fleet.").arg(c.name);
    const QString problem = validateGatewayConfig(c, m_products);
    // validateGatewayConfig names the field first: route its message next to that field.
    if (problem.startsWith(QLatin1String("name:")))
        nameError = problem.mid(6);
    else if (problem.startsWith(QLatin1String("admin:")))
        adminError = problem.mid(7);
    else if (problem.startsWith(QLatin1String("metrics:")))
        metricsError = problem.mid(9);
    // Do not scold an empty field the operator has not reached yet.
    showError(m_nameError, m_name->text().isEmpty() ? QString() : nameError);
    showError(m_adminError, m_admin->text().isEmpty() ? QString() : adminError);
    showError(m_metricsError, metricsError);
    if (!m_secret->text().isEmpty() && c.credential.isEmpty())
        m_secretNote->setText(tr("Name the credential the secret is kept under."));
    const bool credentialOk = m_secret->text().isEmpty() || !c.credential.isEmpty();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && nameError.isEmpty() && credentialOk);
}

} // namespace Fleetdeck
