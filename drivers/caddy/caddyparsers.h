#pragma once

#include <QByteArray>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers::Caddy {

// Pools in Caddy's config: every reverse_proxy handler, found by walking each HTTP server's routes (subroutes
// included). A pool is named by its "@id" when it has one, else by where it sits
// ("srv0/routes/1/handle/0"); its members are its upstreams, named by their dial address.
// upstreamsJson (GET /reverse_proxy/upstreams, optional) gives each upstream's in-flight requests.
Result<GatewaySnapshot> parseCaddyConfig(const QByteArray& configJson, const QByteArray& upstreamsJson = {});

} // namespace Fleetdeck::Drivers::Caddy
