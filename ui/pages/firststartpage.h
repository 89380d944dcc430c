#pragma once

#include <QWidget>

namespace Fleetdeck {

class ProductCatalog;

// What the window shows while the fleet has no gateway: what Fleetdeck is for and the three ways to begin (open a
// fleet file, add a gateway, or try the lab from the source tree), instead of an empty table and empty charts.
class FirstStartPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FirstStartPage)

public:
    // Names the registered products, as the registry gives them.
    explicit FirstStartPage(const ProductCatalog& products, QWidget* parent = nullptr);

Q_SIGNALS:
    void openFleetFile();
    void addGateway();
};

} // namespace Fleetdeck
