#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers::Varnish {

struct VclInfo
{
    QString name;
    QString status; // "active", "available", "discarded"
    QString state; // "auto", "cold", "warm"
    QString temperature;
    friend bool operator==(const VclInfo&, const VclInfo&) = default;
};

// The CLI's JSON answers (-j): [version, [command...], time, item, item, ...].
Result<QList<VclInfo>> parseVclList(const QByteArray& json);
// backend.list -j: the active VCL's plain backends as one pool named after the VCL (directors are left out).
// Admin "probe" is Ready (the probe decides), "sick" is Drain (no new requests), "healthy" is ForcedUp.
Result<BackendSnapshot> parseBackendList(const QByteArray& json, const QString& activeVcl);
// param.show -j <name>: the value (seconds for the TTL parameters).
Result<double> parseParameter(const QByteArray& json);
// ban.list -j: the bans, newest first as Varnish lists them.
Result<QList<BanEntry>> parseBanList(const QByteArray& json);
// A purge as the CLI's "ban" takes it: req.url ~ "..." && req.http.host == "...", each argument quoted.
QString banExpression(const PurgeChange& purge);
// prometheus-varnish-exporter's text: requests and cache hits/misses on the gateway, requests per backend.
Result<bool> applyVarnishMetrics(const QByteArray& metricsText, GatewaySnapshot& snap);

} // namespace Fleetdeck::Drivers::Varnish
