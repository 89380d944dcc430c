#pragma once

#include <QObject>
#include <QTimer>

namespace Fleetdeck {

// Work asked for many times in one turn of the event loop, done once at the next: a fleet file's thousand gateways
// added, or a burst of status changes, redraw a view once, not once each.
class NextTurn
{
public:
    template <typename Fn>
    NextTurn(QObject* owner, Fn work)
        : m_timer(new QTimer(owner))
    {
        m_timer->setSingleShot(true);
        m_timer->setInterval(0);
        QObject::connect(m_timer, &QTimer::timeout, owner, work);
    }
    void request()
    {
        if (!m_timer->isActive())
            m_timer->start();
    }
    // Done now by other means: nothing left for the next turn.
    void cancel() { m_timer->stop(); }

private:
    QTimer* m_timer; // the owner's child
};

} // namespace Fleetdeck
