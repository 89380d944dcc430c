#include "common.h"

#include <algorithm>
#include <unistd.h>

#include <QFile>
#include <QProcess>

namespace Fleetdeck::Bench {

namespace {
qint64 statusField(const char* name)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray& line : lines) {
        if (line.startsWith(name))
            return line.mid(qsizetype(qstrlen(name))).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}
} // namespace

qint64 rssBytes()
{
    return statusField("VmRSS:");
}

qint64 peakRssBytes()
{
    return statusField("VmHWM:");
}

double cpuSeconds(qint64 pid)
{
    QFile f(pid == 0 ? QStringLiteral("/proc/self/stat") : QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = f.readAll();
    // Fields after the command name, which is in parentheses and may hold spaces.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks; // utime, stime
}

bool runLab(const QString& script, const QStringList& args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(QStringLiteral("python3"), QStringList { script } + args);
    return p.waitForFinished(300000) && p.exitCode() == 0;
}

double median(QList<double> values)
{
    return percentile(std::move(values), 0.5);
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype at = qMin(values.size() - 1, qsizetype(p * double(values.size() - 1) + 0.5));
    return values.at(at);
}

} // namespace Fleetdeck::Bench
