#pragma once

#include <QString>

namespace Fleetdeck::SeriesKeys {

// The names under which the controller files samples and the UI asks for them.
// A subject is "gateway", "gateway/backend" or "gateway/backend/server".
inline QString subject(const QString& gateway, const QString& backend = {}, const QString& server = {})
{
    QString s = gateway;
    if (!backend.isEmpty())
        s += QLatin1Char('/') + backend;
    if (!server.isEmpty())
        s += QLatin1Char('/') + server;
    return s;
}
inline QString requestRate(const QString& subject)
{
    return subject + QLatin1String("#req");
}
inline QString errorRate(const QString& subject)
{
    return subject + QLatin1String("#5xx");
}
inline QString sessions(const QString& subject)
{
    return subject + QLatin1String("#scur");
}

// Milliseconds: LoadFigures::latencyMs().
inline QString latency(const QString& subject)
{
    return subject + QLatin1String("#lat");
}
// Requests waiting for a free slot.
inline QString queue(const QString& subject)
{
    return subject + QLatin1String("#queue");
}
// A product's own figure of the gateway (Figure::id).
inline QString figure(const QString& subject, const QString& id)
{
    return subject + QLatin1String("#fig.") + id;
}
// Sessions as a percentage of the limit: LoadFigures::loadPercent().
inline QString load(const QString& subject)
{
    return subject + QLatin1String("#load");
}

} // namespace Fleetdeck::SeriesKeys
