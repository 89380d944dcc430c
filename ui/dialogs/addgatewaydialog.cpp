#include "addgatewaydialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
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
    label->setStyleSheet(QStringLiteral("color: #c01c28;"));
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

AddGatewayDialog::AddGatewayDialog(const QStringList& takenNames, QWidget* parent)
    : QDialog(parent)
    , m_taken(takenNames)
{
    setWindowTitle(tr("Add gateway"));
    m_name = new QLineEdit;
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_name->setPlaceholderText(tr("edge-lb-1"));
    m_nameError = errorLabel(QStringLiteral("nameError"));
    m_product = new QComboBox;
    m_product->setObjectName(QStringLiteral("productCombo"));
    m_product->addItem(tr("HAProxy (runtime API)"), label(Product::HAProxy));
    m_admin = new QLineEdit;
    m_admin->setObjectName(QStringLiteral("adminEdit"));
    m_admin->setPlaceholderText(tr("127.0.0.1:9999 or /run/haproxy/admin.sock"));
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

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Fleetdeck keeps addresses only; credentials never go into its settings.")));
    layout->addWidget(m_buttons);

    for (QLineEdit* e : { m_name, m_admin, m_metrics })
        connect(e, &QLineEdit::textChanged, this, &AddGatewayDialog::validate);
    validate();
}

GatewayConfig AddGatewayDialog::config() const
{
    GatewayConfig c;
    c.name = m_name->text().trimmed();
    productFromString(m_product->currentData().toString(), &c.product);
    c.admin = adminUrlFromUserText(m_admin->text());
    c.metrics = QUrl(m_metrics->text().trimmed());
    c.pollIntervalMs = m_interval->value();
    c.readOnly = m_readOnly && m_readOnly->isChecked();
    return c;
}

void AddGatewayDialog::validate()
{
    const GatewayConfig c = config();
    QString nameError, adminError, metricsError;
    if (m_taken.contains(c.name))
        nameError = tr("A gateway named \"%1\" is already in the fleet.").arg(c.name);
    const QString problem = validateGatewayConfig(c);
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
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty() && nameError.isEmpty());
}

} // namespace Fleetdeck
