#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace Fleetdeck::Bench {

// Resident set size of this process now, and its peak, in bytes (from /proc/self/status).
qint64 rssBytes();
qint64 peakRssBytes();
// CPU seconds (user + system) used so far by a process (from /proc/<pid>/stat); pid 0 is this process.
double cpuSeconds(qint64 pid = 0);
double median(QList<double> values);
// Runs tests/lab/fleetlab.py (at script) with args, waiting up to 5 minutes; true when it exited 0.
bool runLab(const QString& script, const QStringList& args);
double percentile(QList<double> values, double p);

} // namespace Fleetdeck::Bench
