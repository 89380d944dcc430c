#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include "bigfleetmodel.h"
#include "result.h"

namespace Fleetdeck::Wire {

// What one refresh of a fleet too large to poll asks its Prometheus: the gateways the discovery selector finds (e.g.
// haproxy_process_start_time_seconds{job="edge"}), with the labels they may be grouped by, and the product's fleet
// figures per gateway: PromQL templates with $by (the name label), $matchers (the selector's {…}) and $window.
struct FleetQuerySpec
{
    QString selector;
    QString nameLabel = QStringLiteral("instance");
    QStringList groupLabels;
    QMap<QString, QString> figures; // "req", "5xx", "up", "servers", "scur" -> PromQL template
    QString window = QStringLiteral("1m");
};

// One instant query for the whole refresh: each part tagged with its figure (label_replace into fd_figure) and all
// joined with `or`, so 5,000 gateways cost one request, not one per gateway.
QString fleetQuery(const FleetQuerySpec& spec);

// The answer to fleetQuery(): one DiscoveredGateway per gateway the selector found, its figures filled in where
// Prometheus had them (NaN elsewhere). Prometheus' own error comes back as the error text.
Result<QVector<DiscoveredGateway>> parseFleetAnswer(
    const QByteArray& json, const FleetQuerySpec& spec, const QString& product);

} // namespace Fleetdeck::Wire
