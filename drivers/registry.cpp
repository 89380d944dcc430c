#include "registry.h"

#include "driver.h"

namespace Fleetdeck::Drivers {

// Each product's namespace defines its descriptor.
#define FLEETDECK_PRODUCT(name)                                                                                        \
    namespace name {                                                                                                   \
    ProductDescriptor descriptor();                                                                                    \
    }
#include "products.def"
#undef FLEETDECK_PRODUCT

namespace {
QList<ProductInfo> infos(const QList<ProductDescriptor>& products)
{
    QList<ProductInfo> out;
    for (const ProductDescriptor& p : products)
        out.append(p.info);
    return out;
}
} // namespace

ProductRegistry::ProductRegistry(QList<ProductDescriptor> products)
    : m_products(std::move(products))
    , m_catalog(infos(m_products))
{ }

const ProductRegistry& ProductRegistry::builtIn()
{
#define FLEETDECK_PRODUCT(name) name::descriptor(),
    static const ProductRegistry registry({
#include "products.def"
    });
#undef FLEETDECK_PRODUCT
    return registry;
}

const ProductDescriptor* ProductRegistry::find(const QString& id) const
{
    for (const ProductDescriptor& p : m_products) {
        if (p.info.id.compare(id, Qt::CaseInsensitive) == 0)
            return &p;
    }
    return nullptr;
}

Driver* ProductRegistry::createDriver(const GatewayConfig& config, QObject* parent) const
{
    const ProductDescriptor* product = find(config.product);
    return product && product->create ? product->create(config, parent) : nullptr;
}

} // namespace Fleetdeck::Drivers
