#pragma once

#include <functional>
#include <utility>

#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QThreadPool>

namespace Fleetdeck::Wire {

// Runs `work` on Qt's thread pool, then `then` with its result on the calling thread, unless `context` is gone by
// then: what a big answer costs to read (tens of MiB of JSON, tens of thousands of entries) is not the window's.
// Call on `context`'s thread. The result comes back through a receiver made here, on this thread, and deleted once
// it has delivered; `context` itself is only looked at on its own thread.
template <typename T> void offThread(QObject* context, std::function<T()> work, std::function<void(T)> then)
{
    QPointer<QObject> guard(context);
    // This thread's. On the main thread it is the application's child, so that a result still on its way when the
    // application ends (its destructor drains the pool first) goes with it instead of leaking.
    auto* receiver = new QObject;
    if (QCoreApplication::instance() && QThread::currentThread() == QCoreApplication::instance()->thread())
        receiver->setParent(QCoreApplication::instance());
    QThreadPool::globalInstance()->start([receiver, guard, work = std::move(work), then = std::move(then)]() mutable {
        T result = work();
        QMetaObject::invokeMethod(
            receiver,
            [receiver, guard, result = std::move(result), then = std::move(then)]() mutable {
                if (guard)
                    then(std::move(result));
                receiver->deleteLater();
            },
            Qt::QueuedConnection);
    });
}

} // namespace Fleetdeck::Wire
