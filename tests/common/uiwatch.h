#pragma once
// What a fault costs the UI thread and memory, measured the same way by every fault test: how late a 5 ms timer fires
// at worst (the event loop's longest stall), and the most resident memory the process held, both since reset().

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QTimer>

namespace Fleetdeck::Test {

// This process's resident memory in KiB, from /proc: now ("VmRSS:") or at its peak ("VmHWM:").
inline qint64 residentKiB(const QByteArray& which = QByteArrayLiteral("VmRSS:"))
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(which))
            return line.mid(which.size()).trimmed().split(' ').first().toLongLong();
    }
    return 0;
}

// Starts measuring the peak afresh (Linux: "5" to clear_refs resets VmHWM to the present size).
inline bool resetPeak()
{
    QFile refs(QStringLiteral("/proc/self/clear_refs"));
    return refs.open(QIODevice::WriteOnly) && refs.write("5") == 1;
}

// How long the event loop was away at worst (a 5 ms timer's lateness), and the most memory the process held,
// both since reset().
class Watch final : public QObject
{
public:
    Watch()
    {
        m_tick.setTimerType(Qt::PreciseTimer);
        connect(&m_tick, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.elapsed();
            m_worstMs = qMax(m_worstMs, now - m_last - 5);
            m_last = now;
            if (++m_ticks % 20 == 0) // every 100 ms: reading /proc at every tick was most of the watch's own cost
                m_peakKiB = qMax(m_peakKiB, residentKiB());
        });
        m_clock.start();
        m_tick.start(5);
        reset();
    }
    void reset()
    {
        m_last = m_clock.elapsed();
        m_worstMs = 0;
        m_baseKiB = residentKiB();
        m_peakKiB = m_baseKiB;
    }
    qint64 worstStallMs() const { return m_worstMs; }
    qint64 grownMiB() const { return (qMax(m_peakKiB, residentKiB()) - m_baseKiB) / 1024; }

private:
    QTimer m_tick;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_worstMs = 0;
    qint64 m_baseKiB = 0;
    qint64 m_peakKiB = 0;
    qint64 m_ticks = 0;
};

} // namespace Fleetdeck::Test
