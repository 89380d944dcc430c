#include "threadeddriver.h"

#include <QCoreApplication>
#include <QThread>

namespace Fleetdeck {

ThreadedDriver::ThreadedDriver(Drivers::Driver* inner, QThread* thread, QObject* parent)
    : Drivers::Driver(inner->config(), inner->capabilities(), parent)
    , m_inner(inner)
{
    inner->moveToThread(thread);
}

ThreadedDriver::~ThreadedDriver()
{
    if (m_inner)
        m_inner->deleteLater(); // on its own thread, between two of its events
}

template <typename Call> void ThreadedDriver::there(Call call)
{
    if (!m_inner)
        return;
    QMetaObject::invokeMethod(
        m_inner.data(),
        [inner = m_inner, call = std::move(call)]() mutable {
            if (inner)
                call(inner.data());
        },
        Qt::QueuedConnection);
}

template <typename T> std::function<void(T)> ThreadedDriver::back(std::function<void(T)> callback)
{
    // Posted to the application object, which outlives every driver; whether this driver still exists is asked on
    // this driver's own thread, where it is deleted.
    QPointer<ThreadedDriver> self(this);
    return [self, callback = std::move(callback)](T answer) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, callback, answer = std::move(answer)]() {
                if (self)
                    callback(answer);
            },
            Qt::QueuedConnection);
    };
}

void ThreadedDriver::fetchSnapshot(SnapshotCallback callback)
{
    there([answer = back<Result<GatewaySnapshot>>(std::move(callback))](
              Drivers::Driver* d) { d->fetchSnapshot(answer); });
}

void ThreadedDriver::readRateLimits(RateLimitsCallback callback)
{
    there([answer = back<Result<RateLimits>>(std::move(callback))](Drivers::Driver* d) { d->readRateLimits(answer); });
}

void ThreadedDriver::readCachePolicy(CachePolicyCallback callback)
{
    there(
        [answer = back<Result<CachePolicy>>(std::move(callback))](Drivers::Driver* d) { d->readCachePolicy(answer); });
}

void ThreadedDriver::setSecret(const QByteArray& secret)
{
    there([secret](Drivers::Driver* d) { d->setSecret(secret); });
}

void ThreadedDriver::setKeyPassphrase(const QByteArray& passphrase)
{
    there([passphrase](Drivers::Driver* d) { d->setKeyPassphrase(passphrase); });
}

void ThreadedDriver::sendChange(const Change& change, const GatewayState& current, ActionCallback callback)
{
    there([change, current, answer = back<Result<QString>>(std::move(callback))](
              Drivers::Driver* d) { d->apply(change, current, answer); });
}

} // namespace Fleetdeck
