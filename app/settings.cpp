#include "settings.h"

#include <QSettings>

#include "fleetfile.h"

namespace Fleetdeck::Settings {

QList<GatewayConfig> loadFleet(const ProductCatalog& products)
{
    QSettings settings;
    QList<GatewayConfig> out;
    const int count = settings.beginReadArray(QStringLiteral("fleet/gateways"));
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        GatewayConfig c;
        c.name = settings.value(QStringLiteral("name")).toString();
        c.product = settings.value(QStringLiteral("product"), products.defaultId()).toString();
        if (const ProductInfo* product = products.find(c.product))
            c.product = product->id;
        c.admin = adminUrlFromUserText(settings.value(QStringLiteral("admin")).toString());
        c.metrics = QUrl(settings.value(QStringLiteral("metrics")).toString());
        c.pollIntervalMs = settings.value(QStringLiteral("pollIntervalMs"), 1000).toInt();
        c.readOnly = settings.value(QStringLiteral("readOnly"), false).toBool();
        c.maxServers = settings.value(QStringLiteral("maxServers"), c.maxServers).toInt();
        c.deadlineMs = settings.value(QStringLiteral("deadlineMs"), c.deadlineMs).toInt();
        if (validateGatewayConfig(c, products).isEmpty())
            out.append(c);
    }
    settings.endArray();
    return out;
}

void saveFleet(const QList<GatewayConfig>& gateways)
{
    QSettings settings;
    settings.remove(QStringLiteral("fleet/gateways"));
    settings.beginWriteArray(QStringLiteral("fleet/gateways"), int(gateways.size()));
    for (int i = 0; i < gateways.size(); ++i) {
        settings.setArrayIndex(i);
        const GatewayConfig& c = gateways.at(i);
        settings.setValue(QStringLiteral("name"), c.name);
        settings.setValue(QStringLiteral("product"), c.product);
        settings.setValue(QStringLiteral("admin"), c.admin.toString());
        settings.setValue(QStringLiteral("metrics"), c.metrics.toString());
        settings.setValue(QStringLiteral("pollIntervalMs"), c.pollIntervalMs);
        settings.setValue(QStringLiteral("readOnly"), c.readOnly);
        settings.setValue(QStringLiteral("maxServers"), c.maxServers);
        settings.setValue(QStringLiteral("deadlineMs"), c.deadlineMs);
    }
    settings.endArray();
}

} // namespace Fleetdeck::Settings
