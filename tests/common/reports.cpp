#include "reports.h"

#include <QElapsedTimer>
#include <QSignalSpy>

namespace Fleetdeck::Test {

std::optional<ActionReport> waitReport(QSignalSpy& finished, quint64 id, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (true) {
        for (qsizetype i = 0; i < finished.size(); ++i) {
            const auto report = finished.at(i).at(0).value<ActionReport>();
            if (id == 0 || report.id == id) {
                finished.removeAt(i);
                return report;
            }
        }
        const qint64 left = timeoutMs - clock.elapsed();
        if (left <= 0)
            return std::nullopt;
        finished.wait(int(qMin<qint64>(left, 200)));
    }
}

} // namespace Fleetdeck::Test
