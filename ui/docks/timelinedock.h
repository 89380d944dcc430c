#pragma once

#include <QDockWidget>

namespace Fleetdeck {

class EventLog;

// The incident timeline: the fleet's events newest first, with a filter; activating one reports its time.
class TimelineDock final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimelineDock)

public:
    TimelineDock(EventLog* events, QWidget* parent = nullptr);

Q_SIGNALS:
    void eventActivated(qint64 timeMs);
};

} // namespace Fleetdeck
