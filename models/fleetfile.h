#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck {

// A fleet file: a JSON list of gateways that operators share and the lab writes. Holds no secrets.
struct FleetFile
{
    QString name;
    QList<GatewayConfig> gateways;
    QUrl prometheus; // optional: where history older than the local store is read
};

Result<FleetFile> parseFleetFile(const QByteArray& json);
QByteArray serializeFleetFile(const FleetFile& fleet);
// Checks one gateway entry; returns an empty string when it is usable, else what is wrong with which field.
QString validateGatewayConfig(const GatewayConfig& config);
// Accepts "tcp://host:port", "host:port", "unix:///path" or "/path".
QUrl adminUrlFromUserText(const QString& text);

} // namespace Fleetdeck
