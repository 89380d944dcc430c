#pragma once

#include <QMap>
#include <QString>

#include "fleettypes.h"

namespace Fleetdeck {

// A server to add to a pool, as the operator typed it.
struct ServerSpec
{
    QString gateway;
    QString backend;
    QString name;
    QString host; // IPv4, IPv6 (with or without brackets) or a host name
    int port = 0;
    int weight = 1;
    int maxconn = 0; // 0: no limit
    bool check = true;

    QString address() const; // host:port, IPv6 in brackets
    QString describe() const;
    friend bool operator==(const ServerSpec&, const ServerSpec&) = default;
};

// Field name ("name", "host", "port", "weight", "maxconn", "backend") -> what is wrong with it. Empty when the spec
// can be sent. `existing` is the pool as last read (for duplicate names and the balancing algorithm), may be null.
QMap<QString, QString> validateServerSpec(
    const ServerSpec& spec, const BackendSnapshot* existing, const Capabilities& caps);

bool isValidHost(const QString& host);

} // namespace Fleetdeck
