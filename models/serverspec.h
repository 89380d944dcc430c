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
    bool backup = false;
    AdminState state = AdminState::Ready; // a member put back drained stays drained
    QMap<QString, QString> options = {}; // member options (Capabilities::memberOptions) as the product names them
    QString before = {}; // the member it goes before, where the product keeps order (empty: at the end)
    // The member exactly as the product's configuration wrote it (ServerSnapshot::definition), for putting back a
    // removed member whole; the driver checks it names this address. Empty: built from the fields above.
    QString definition = {};

    QString address() const; // host:port, IPv6 in brackets
    QString describe() const;
    // In the product's terms: no health-check clause where the product has no checks for a member it adds.
    QString describe(const Capabilities& caps) const;
    friend bool operator==(const ServerSpec&, const ServerSpec&) = default;
};

// Field name ("name", "host", "port", "weight", "maxconn", "backend") -> what is wrong with it. Empty when the spec
// can be sent. `existing` is the pool as last read (for duplicate names and the balancing algorithm), may be null.
QMap<QString, QString> validateServerSpec(
    const ServerSpec& spec, const BackendSnapshot* existing, const Capabilities& caps);

bool isValidHost(const QString& host);

} // namespace Fleetdeck
