#include "fleetdiscovery.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Fleetdeck {

namespace {
const QRegularExpression& placeholder()
{
    static const QRegularExpression re(QStringLiteral("\\{([A-Za-z_][A-Za-z0-9_]*)\\}"));
    return re;
}
const QRegularExpression& labelName()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return re;
}
} // namespace

QStringList FleetDiscovery::labelsWanted() const
{
    QStringList labels = groupBy;
    for (auto it = placeholder().globalMatch(admin); it.hasNext();) {
        const QString label = it.next().captured(1);
        if (label != QLatin1String("host") && label != QLatin1String("name") && !labels.contains(label))
            labels.append(label);
    }
    // The gateway's metrics endpoint, which its series in Prometheus carry: its charts' history is asked with it.
    if (!labels.contains(QLatin1String("instance")))
        labels.append(QStringLiteral("instance"));
    labels.removeAll(nameLabel);
    return labels;
}

Result<GatewayConfig> FleetDiscovery::gatewayFor(const DiscoveredGateway& gateway) const
{
    using R = Result<GatewayConfig>;
    if (admin.isEmpty())
        return R::failure(QStringLiteral("%1: the fleet file's \"discover\" gives no admin address template, so "
                                         "Fleetdeck only shows what Prometheus knows of it")
                              .arg(gateway.name));
    QString address;
    qsizetype from = 0;
    for (auto it = placeholder().globalMatch(admin); it.hasNext();) {
        const auto match = it.next();
        address += admin.mid(from, match.capturedStart() - from);
        from = match.capturedEnd();
        const QString label = match.captured(1);
        QString value;
        if (label == QLatin1String("name"))
            value = gateway.name;
        else if (label == QLatin1String("host"))
            value = gateway.name.section(QLatin1Char(':'), 0, 0);
        else
            value = gateway.labels.value(label);
        if (value.isEmpty())
            return R::failure(QStringLiteral("%1: Prometheus gives it no \"%2\" label for the admin address %3")
                                  .arg(gateway.name, label, admin));
        address += value;
    }
    address += admin.mid(from);
    GatewayConfig config;
    config.name = gateway.name;
    config.product = product;
    config.admin = QUrl(address);
    if (!config.admin.isValid() || config.admin.scheme().isEmpty())
        return R::failure(QStringLiteral("%1: \"%2\" is not an admin address").arg(gateway.name, address));
    // Its series in the fleet's Prometheus carry its metrics endpoint as "instance": the charts' history.
    const QString instance
        = nameLabel == QLatin1String("instance") ? gateway.name : gateway.labels.value(QStringLiteral("instance"));
    if (const QUrl metrics(QStringLiteral("http://%1/metrics").arg(instance));
        !instance.isEmpty() && metrics.isValid() && !metrics.host().isEmpty())
        config.metrics = metrics;
    return R::success(config);
}

Result<FleetDiscovery> parseFleetDiscovery(const QJsonObject& o, const ProductCatalog& products)
{
    using R = Result<FleetDiscovery>;
    FleetDiscovery d;
    d.selector = o.value(QLatin1String("selector")).toString().trimmed();
    if (d.selector.isEmpty())
        return R::failure(QStringLiteral("discover.selector: a PromQL selector that finds the gateways is needed: a "
                                         "series each gateway exports once (its process start time, say), with the "
                                         "labels that pick the fleet, e.g. {job=\"edge\"}"));
    d.prometheus = QUrl(o.value(QLatin1String("prometheus")).toString());
    if (!d.prometheus.isEmpty()
        && (!d.prometheus.isValid() || !d.prometheus.scheme().startsWith(QLatin1String("http"))))
        return R::failure(
            QStringLiteral("discover.prometheus: \"%1\" is not an http(s) URL").arg(d.prometheus.toString()));
    d.product = o.value(QLatin1String("product")).toString(products.defaultId());
    const ProductInfo* product = products.find(d.product);
    if (!product)
        return R::failure(QStringLiteral("discover.product: \"%1\" is not a product Fleetdeck knows (%2)")
                              .arg(d.product, products.ids().join(QStringLiteral(", "))));
    if (product->fleetFigures.isEmpty())
        return R::failure(QStringLiteral("discover.product: %1 has no fleet figures to ask Prometheus for yet")
                              .arg(product->displayName));
    d.product = product->id;
    d.nameLabel = o.value(QLatin1String("nameLabel")).toString(d.nameLabel);
    if (!labelName().match(d.nameLabel).hasMatch())
        return R::failure(QStringLiteral("discover.nameLabel: \"%1\" is not a label name").arg(d.nameLabel));
    for (const QJsonValue& v : o.value(QLatin1String("groupBy")).toArray()) {
        if (!labelName().match(v.toString()).hasMatch())
            return R::failure(QStringLiteral("discover.groupBy: \"%1\" is not a label name").arg(v.toString()));
        d.groupBy.append(v.toString());
    }
    d.admin = o.value(QLatin1String("admin")).toString();
    const double seconds = o.value(QLatin1String("refreshSeconds")).toDouble(10);
    if (seconds < 1 || seconds > 3600)
        return R::failure(QStringLiteral("discover.refreshSeconds: %1 is outside 1 .. 3600").arg(seconds));
    d.refreshMs = int(seconds * 1000);
    d.window = o.value(QLatin1String("window")).toString(d.window);
    static const QRegularExpression duration(QStringLiteral("^[0-9]+(ms|s|m|h)$"));
    if (!duration.match(d.window).hasMatch())
        return R::failure(QStringLiteral("discover.window: \"%1\" is not a PromQL duration like 1m").arg(d.window));
    d.record = o.value(QLatin1String("record")).toString();
    if (!d.record.isEmpty() && !labelName().match(d.record).hasMatch())
        return R::failure(QStringLiteral("discover.record: \"%1\" is not a metric name prefix (letters, digits and _, "
                                         "e.g. fleetdeck_edge)")
                              .arg(d.record));
    return R::success(d);
}

QJsonObject serializeFleetDiscovery(const FleetDiscovery& d)
{
    QJsonObject o;
    o.insert(QLatin1String("selector"), d.selector);
    if (!d.prometheus.isEmpty())
        o.insert(QLatin1String("prometheus"), d.prometheus.toString());
    o.insert(QLatin1String("product"), d.product);
    o.insert(QLatin1String("nameLabel"), d.nameLabel);
    if (!d.groupBy.isEmpty())
        o.insert(QLatin1String("groupBy"), QJsonArray::fromStringList(d.groupBy));
    if (!d.admin.isEmpty())
        o.insert(QLatin1String("admin"), d.admin);
    o.insert(QLatin1String("refreshSeconds"), d.refreshMs / 1000.0);
    o.insert(QLatin1String("window"), d.window);
    if (!d.record.isEmpty())
        o.insert(QLatin1String("record"), d.record);
    return o;
}

} // namespace Fleetdeck
