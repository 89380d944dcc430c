#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "alerts.h"
#include "fleetdiscovery.h"
#include "fleettypes.h"
#include "productcatalog.h"
#include "result.h"

namespace Fleetdeck {

// A fleet file: a JSON list of gateways that operators share and the lab writes. Holds no secrets.
struct FleetFile
{
    QString name;
    QList<GatewayConfig> gateways;
    QUrl prometheus; // optional: where history older than the local store is read
    QUrl alertmanager; // optional: whose alerts are shown on the gateways they name
    AlertLabels alertLabels; // which alert labels name a gateway, a pool, a server ("alertLabels")
    QUrl journal; // optional: the team's journal, "postgresql://role@host:port/db?sslrootcert=…"
    bool journalKeepWhileAway = false; // "journalWhileAway": "keep" (else "refuse", the default)
    FleetDiscovery discovery; // optional ("discover"): gateways found through Prometheus instead of listed
};

// Reads a fleet file; an entry that names no product is one of the catalog's default product.
Result<FleetFile> parseFleetFile(const QByteArray& json, const ProductCatalog& products);
QByteArray serializeFleetFile(const FleetFile& fleet);
// Checks one gateway entry against its product's rules (admin schemes, credentials); returns an empty string when it
// is usable, else "field: what is wrong".
QString validateGatewayConfig(const GatewayConfig& config, const ProductCatalog& products);
// Accepts "tcp://host:port", "host:port", "unix:///path" or "/path".
QUrl adminUrlFromUserText(const QString& text);

} // namespace Fleetdeck
