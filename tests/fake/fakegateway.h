#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

#include "change.h"
#include "registry.h"

namespace Fleetdeck::Test {

// An in-memory gateway, to test the layers above the drivers (the change pipeline, the controller, the window)
// without the lab. It stands in for no real product: every driver is proven against its real gateway; this one
// proves that what sits on top of drivers does what it says, whatever the driver.
struct FakeGateway
{
    GatewaySnapshot pool;
    RateLimits limits;
    CachePolicy cache;
    QString configVersion = QStringLiteral("v1"); // bumped by every accepted change

    // What reached it, in order: each change's describe().
    QStringList sent;
    int reads = 0;
    QList<qint64> readTimes; // when each read came (ms since the epoch)

    // Faults, for the layers above to meet.
    QString refuseNext; // the next change is refused with these words
    bool conflictNext = false; // the next change is refused as made against a stale version
    QString readError; // every read fails with this
    int showAfterReads = 0; // an accepted change shows only after this many more reads
    int answerDelayMs = 0;

    // The fake gateway named by a fake:// admin address's host.
    static FakeGateway& named(const QString& name);
    static void resetAll();
    // A pool of `servers` members (s1, s2, ...) in each of `backends`, all ready and up.
    static GatewaySnapshot pools(const QStringList& backends, int servers);
};

// The fake products: "fake" takes every kind of change; "fake-limited" has no drain, maintenance, weight, rate
// limits or cache policy, and writes against a config version.
Drivers::ProductDescriptor fakeDescriptor();
Drivers::ProductDescriptor limitedFakeDescriptor();
// The built-in products and the fake ones.
const Drivers::ProductRegistry& registryWithFakes();
GatewayConfig fakeGateway(const QString& name, const QString& product = QStringLiteral("fake"));

} // namespace Fleetdeck::Test
