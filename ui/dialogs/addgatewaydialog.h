#pragma once

#include <QDialog>

#include "fleettypes.h"
#include "productcatalog.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace Fleetdeck {

// Asks for a gateway's name, product and admin address, with each problem shown under the field it concerns. The
// products and what each needs come from the registry's plain values.
class AddGatewayDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AddGatewayDialog)

public:
    AddGatewayDialog(const ProductCatalog& products, const QStringList& takenNames, QWidget* parent = nullptr);

    GatewayConfig config() const;
    // What the operator typed or read from a file for the gateway's credential (empty: none). It goes to the
    // keychain, under config().credential, and nowhere else.
    QString secret() const;

private:
    void validate();
    void productChanged();

    ProductCatalog m_products;
    QStringList m_taken;
    QLineEdit* m_name;
    QLabel* m_nameError;
    QComboBox* m_product;
    QLineEdit* m_admin;
    QLabel* m_adminError;
    QLineEdit* m_metrics;
    QLabel* m_metricsError;
    QSpinBox* m_interval;
    QCheckBox* m_readOnly = nullptr;
    QLineEdit* m_credential;
    QLineEdit* m_secret;
    QLabel* m_secretNote;
    QDialogButtonBox* m_buttons;
};

} // namespace Fleetdeck
