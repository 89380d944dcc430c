#include "driver.h"
#include "caddy/caddydriver.h"
#include "haproxy/haproxydriver.h"
#include "varnish/varnishdriver.h"

namespace Fleetdeck::Drivers {

Driver* createDriver(const GatewayConfig& config, QObject* parent)
{
    switch (config.product) {
    case Product::HAProxy:
        return new HAProxy::HAProxyDriver(config, parent);
    case Product::Caddy:
        return new Caddy::CaddyDriver(config, parent);
    case Product::Varnish:
        return new Varnish::VarnishDriver(config, parent);
    }
    return nullptr;
}

} // namespace Fleetdeck::Drivers
