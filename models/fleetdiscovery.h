#pragma once

#include <QJsonObject>
#include <QStringList>
#include <QUrl>

#include "bigfleetmodel.h"
#include "fleettypes.h"
#include "productcatalog.h"
#include "result.h"

namespace Fleetdeck {

// A fleet too large to list and poll (fleet file: "discover"): its gateways are what a PromQL selector finds in the
// fleet's Prometheus, their figures come from one batched query per refresh, and a gateway's admin channel is opened
// only while the operator looks at it, at an address made from its labels.
struct FleetDiscovery
{
    QUrl prometheus; // empty: the fleet file's "prometheus"
    QString selector; // e.g. haproxy_process_start_time_seconds{job="edge"}
    QString product; // the registered product whose fleet figures are asked for
    QString nameLabel = QStringLiteral("instance"); // the label that names a gateway
    QStringList groupBy; // labels to group the gateways by, in order
    // The admin address of a discovered gateway: {host} (the name label's host part), {name}, or {label} for any of
    // its labels, e.g. "tcp://{host}:9999" or "tcp://{fleetdeck_admin}". Empty: look only, never connect.
    QString admin;
    int refreshMs = 10000;
    QString window = QStringLiteral("1m"); // rates over this window
    // Non-empty: the fleet's Prometheus records the figures (rules from `fleetdeck --recording-rules`) as series
    // named "<record>:<figure>", and a refresh reads those instead of evaluating every figure over the raw series.
    QString record;

    bool isEmpty() const { return selector.isEmpty(); }
    // The labels each gateway is read with besides the name label: groupBy, those the admin template names, and
    // "instance" (its metrics endpoint).
    QStringList labelsWanted() const;
    // The gateway to poll while the operator looks at it: named as discovered, at the admin address its labels
    // make, its metrics endpoint its "instance" (so its charts get their history from the fleet's Prometheus). An
    // error names the gateway and what is missing.
    Result<GatewayConfig> gatewayFor(const DiscoveredGateway& gateway) const;
};

// Reads the fleet file's "discover" object; errors name the key ("discover.selector: ...").
Result<FleetDiscovery> parseFleetDiscovery(const QJsonObject& object, const ProductCatalog& products);
QJsonObject serializeFleetDiscovery(const FleetDiscovery& discovery);

} // namespace Fleetdeck
