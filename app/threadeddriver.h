#pragma once

#include <QPointer>

#include "driver.h"

class QThread;

namespace Fleetdeck {

// A driver that does its reading and parsing on another thread (the poller's I/O thread): it owns the product's
// driver, moved to that thread, and hands every call to it there; every answer comes back on the thread this one
// lives on (the UI thread), as the Driver interface promises. Deleting it deletes the product's driver on its thread,
// and answers still on their way are dropped, as they are when a driver on the UI thread is deleted.
class ThreadedDriver final : public Drivers::Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ThreadedDriver)

public:
    // Takes `inner` (which must have no parent) and moves it to `thread`.
    ThreadedDriver(Drivers::Driver* inner, QThread* thread, QObject* parent = nullptr);
    ~ThreadedDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;
    void readRateLimits(RateLimitsCallback callback) override;
    void readCachePolicy(CachePolicyCallback callback) override;
    void setSecret(const QByteArray& secret) override;
    void setKeyPassphrase(const QByteArray& passphrase) override;

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    // Runs `call` on the inner driver's thread.
    template <typename Call> void there(Call call);
    // A callback for the inner driver that delivers its answer here, unless this driver is gone by then.
    template <typename T> std::function<void(T)> back(std::function<void(T)> callback);

    QPointer<Drivers::Driver> m_inner;
};

} // namespace Fleetdeck
