#pragma once

#include <functional>

#include <QList>

#include "fleettypes.h"
#include "productcatalog.h"

class QObject;

namespace Fleetdeck::Drivers {

class Driver;

// One product as its driver registers it: the plain values the rest of the program sees, and its factory.
struct ProductDescriptor
{
    ProductInfo info;
    std::function<Driver*(const GatewayConfig&, QObject*)> create;
    // The driver stays on the UI thread instead of the poller's I/O thread (the in-memory fake of the tests, whose
    // state the tests change directly). A product's driver keeps to itself, so it can run anywhere.
    bool onUiThread = false;
};

// The registered products. A new product is one folder under drivers/ whose namespace defines
// `ProductDescriptor descriptor()`, plus one line in drivers/products.def.
class ProductRegistry
{
public:
    explicit ProductRegistry(QList<ProductDescriptor> products);

    // The products Fleetdeck ships with, as drivers/products.def lists them.
    static const ProductRegistry& builtIn();

    const QList<ProductDescriptor>& products() const { return m_products; }
    const ProductDescriptor* find(const QString& id) const;
    ProductCatalog catalog() const { return m_catalog; }
    // The driver for a gateway's product; null when the product is not registered.
    Driver* createDriver(const GatewayConfig& config, QObject* parent) const;

private:
    QList<ProductDescriptor> m_products;
    ProductCatalog m_catalog;
};

} // namespace Fleetdeck::Drivers
