#include "threadeddriver.h"

#include <deque>
#include <utility>

#include <QCoreApplication>
#include <QMutex>
#include <QTimer>
#include <QThread>

namespace Fleetdeck {

namespace {

// The answers on their way to the UI thread, handed over one per turn of its event loop: when every gateway answers
// at once, the window still repaints and takes input between two of them, instead of after all of them.
class AnswerQueue final : public QObject
{
public:
    // Made on the UI thread (by the first ThreadedDriver), owned by the application object.
    static AnswerQueue* instance()
    {
        static QPointer<AnswerQueue> queue;
        if (!queue)
            queue = new AnswerQueue(QCoreApplication::instance());
        return queue;
    }

    // From any thread.
    void push(std::function<void()> answer)
    {
        bool wake = false;
        {
            QMutexLocker lock(&m_mutex);
            m_answers.push_back(std::move(answer));
            wake = !std::exchange(m_scheduled, true);
        }
        if (wake)
            QMetaObject::invokeMethod(this, &AnswerQueue::runOne, Qt::QueuedConnection);
    }

private:
    explicit AnswerQueue(QObject* parent)
        : QObject(parent)
    { }

    void runOne()
    {
        std::function<void()> answer;
        bool more = false;
        {
            QMutexLocker lock(&m_mutex);
            if (!m_answers.empty()) {
                answer = std::move(m_answers.front());
                m_answers.pop_front();
            }
            more = !m_answers.empty();
            m_scheduled = more;
        }
        if (answer)
            answer();
        if (more)
            QTimer::singleShot(0, this, &AnswerQueue::runOne);
    }

    QMutex m_mutex;
    std::deque<std::function<void()>> m_answers;
    bool m_scheduled = false;
};

} // namespace

ThreadedDriver::ThreadedDriver(Drivers::Driver* inner, QThread* thread, QObject* parent)
    : Drivers::Driver(inner->config(), inner->capabilities(), parent)
    , m_inner(inner)
{
    AnswerQueue::instance(); // made here, on the thread the answers are for
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
    // Queued for this driver's thread (the answer queue outlives every driver); whether this driver still exists is
    // asked there, where it is deleted.
    QPointer<ThreadedDriver> self(this);
    QPointer<AnswerQueue> queue(AnswerQueue::instance());
    return [self, queue, callback = std::move(callback)](T answer) {
        if (queue)
            queue->push([self, callback, answer = std::move(answer)]() {
                if (self)
                    callback(answer);
            });
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
