#pragma once

// What the benchmarks that drive a controller against a lab share (header only: the others do not link the app).
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include "fleetcontroller.h"

namespace Fleetdeck::Bench {

// The lab's state file (tests/lab/fleetlab.py) as JSON.
inline QJsonObject readLabState(const QString& path)
{
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

// Waits for the report of request id; false when none came within timeoutMs.
inline bool waitReport(FleetController& c, quint64 id, ActionReport* out, int timeoutMs)
{
    QEventLoop loop;
    bool got = false;
    auto conn = QObject::connect(&c, &FleetActions::actionFinished, &loop, [&](const ActionReport& r) {
        if (r.id == id) {
            *out = r;
            got = true;
            loop.quit();
        }
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!got)
        loop.exec();
    QObject::disconnect(conn);
    return got;
}

} // namespace Fleetdeck::Bench
