#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "fleettypes.h"
#include "result.h"
#include "wire/prometheustext.h"

namespace Fleetdeck::Drivers::Traefik {

// One page of a Traefik list (/api/http/routers, services, middlewares): a bare JSON array of objects.
Result<QList<QJsonObject>> parsePage(const QByteArray& json, const QString& what);
// The page to ask for after `page`, from the X-Next-Page header: 0 when this was the last (Traefik says 1 then).
int nextPage(const QByteArray& header, int page);

// /api/version: "3.6.12" (Traefik writes the keys capitalised).
Result<QString> parseVersion(const QByteArray& json);

// "name@provider" as Traefik resolves a reference: a name without a provider takes the router's own.
QString qualified(const QString& name, const QString& provider);

// A middleware in a few words: "rate limit 100 per 1m0s, burst 50", "retry 2 times", "circuit breaker when
// NetworkErrorRatio() > 0.30"; its type otherwise.
QString describeMiddleware(const QJsonObject& middleware);

// Routers as frontends (rule, entry points, the middlewares on the route in words), services as pools (load
// balancers with their servers and Traefik's UP/DOWN for each; weighted and mirroring services with the services
// they send to). The metrics scrape, when there is one, adds requests per service and, where Traefik labels them
// by router (addRoutersLabels), per router; where it does not, one more frontend, "all entry points", carries the
// entry points' requests, so the gateway's charts count each request once.
struct Parsed
{
    QList<FrontendSnapshot> frontends;
    QList<BackendSnapshot> backends;
    QList<Notice> notices;
};
Parsed traefikSnapshot(const QList<QJsonObject>& routers, const QList<QJsonObject>& services,
    const QList<QJsonObject>& middlewares, const Wire::PrometheusScrape* metrics);

} // namespace Fleetdeck::Drivers::Traefik
