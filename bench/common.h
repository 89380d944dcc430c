#pragma once

#include <QList>
#include <QString>

namespace Fleetdeck::Bench {

// Resident set size of this process now, and its peak, in bytes (from /proc/self/status).
qint64 rssBytes();
qint64 peakRssBytes();
// CPU seconds (user + system) used so far by a process (from /proc/<pid>/stat); pid 0 is this process.
double cpuSeconds(qint64 pid = 0);
double median(QList<double> values);
double percentile(QList<double> values, double p);

} // namespace Fleetdeck::Bench
