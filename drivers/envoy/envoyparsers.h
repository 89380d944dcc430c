#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include "cachepolicy.h"
#include "fleettypes.h"
#include "result.h"
#include "wire/prometheustext.h"

namespace Fleetdeck::Drivers::Envoy {

// What /server_info says of this Envoy: its version (the x.y.z of "<sha>/1.34.3/Clean/RELEASE/BoringSSL"), its state
// (LIVE, DRAINING after /healthcheck/fail, PRE_INITIALIZING, INITIALIZING) and how long it has run.
struct ServerInfo
{
    QString version;
    QString state;
    qint64 uptimeSeconds = 0;
};
Result<ServerInfo> parseServerInfo(const QByteArray& json);

// /clusters?format=json: one pool per cluster, one member per host, with its health flags and its counters. Envoy
// writes counters as JSON strings and leaves out a zero, and a health flag only when it is true.
Result<QList<BackendSnapshot>> parseClusters(const QByteArray& json);

// /listeners?format=json: one frontend per listener, where it listens (its addresses, or a UNIX socket's path).
Result<QList<FrontendSnapshot>> parseListeners(const QByteArray& json);

// The Prometheus scrape (/stats/prometheus) laid over what the JSON gave: requests and their 4xx/5xx per HTTP
// connection manager as frontends (Envoy's stat prefix names them), active connections per listener, and the mean
// upstream time per cluster. Listener frontends count no requests, so a request is not counted twice.
void addStats(const Wire::PrometheusScrape& stats, QList<FrontendSnapshot>* frontends, QList<BackendSnapshot>* pools);

// The two runtime actions, as settings of the gateway: its own health check (passing, or failing so its load
// balancer drains it) read from the state, and the listeners' graceful drain, a command that cannot be undone.
CachePolicy envoyPolicy(const ServerInfo& info);
QString healthCheckValue(const QString& state); // "passing" (LIVE), "failing" (DRAINING), else the state

} // namespace Fleetdeck::Drivers::Envoy
