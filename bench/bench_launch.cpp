// launch: how long an operator waits from starting Fleetdeck to a chart with live data, for a saved fleet of 10 lab
// gateways (7 HAProxy, 2 Caddy, an nginx over SSH), and again with one of them unreachable: its admin port
// black-holed (a listener that takes connections and never answers). The real program is started each time (its
// process start, libraries, window, first polls), offscreen, with `--timing`; the time is taken here, from just
// before the process is started to the moment its line saying so is read. Each case runs 5 times; medians printed.
#include <cstdio>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>

#include "common.h"

using namespace Fleetdeck;

namespace {
constexpr int kRuns = 5;
constexpr int kWaitMs = 15000;

struct Launch
{
    double firstFrameMs = -1;
    double firstChartMs = -1;
    double allHeardMs = -1;
    QString chart;
    QString heard;
};

// One start of the program: the times its --timing lines were read, from just before it was started.
Launch launch(const QString& fleetFile, const QString& parent)
{
    Launch out;
    // A home of its own each time: a cold start, with no last hour of charts from the previous start.
    static int starts = 0;
    const QString home = QStringLiteral("%1/start-%2").arg(parent).arg(++starts);
    QDir().mkpath(home);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(
        QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config")); // no saved layout of the operator's
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QElapsedTimer t;
    t.start();
    p.start(QStringLiteral(FLEETDECK_APP),
        { QStringLiteral("--fleet"), fleetFile, QStringLiteral("--timing"), QStringLiteral("--journal"),
            home + QStringLiteral("/journal.sqlite") });
    QByteArray pending;
    while (t.elapsed() < kWaitMs && (out.firstChartMs < 0 || out.allHeardMs < 0)) {
        if (!p.waitForReadyRead(100) && p.state() == QProcess::NotRunning)
            break;
        pending += p.readAllStandardError();
        const double now = double(t.nsecsElapsed()) / 1e6;
        qsizetype nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            const QString line = QString::fromUtf8(pending.left(nl));
            pending.remove(0, nl + 1);
            if (!line.startsWith(QLatin1String("fleetdeck: timing: ")))
                continue;
            if (line.contains(QLatin1String("first frame")))
                out.firstFrameMs = now;
            else if (line.contains(QLatin1String("first live chart"))) {
                out.firstChartMs = now;
                const qsizetype open = line.indexOf(QLatin1Char('('));
                out.chart = line.mid(open + 1, line.lastIndexOf(QLatin1String(") at ")) - open - 1);
            } else if (line.contains(QLatin1String("every gateway heard from"))) {
                out.allHeardMs = now;
                out.heard = line.section(QLatin1Char('('), 1).section(QLatin1Char(')'), 0, 0);
            }
        }
    }
    p.terminate();
    if (!p.waitForFinished(5000)) {
        p.kill();
        p.waitForFinished(5000);
    }
    return out;
}

struct Figures
{
    QList<double> frame, chart, heard;
    QString chartName, heardText;
    int missed = 0;
};

Figures measure(const QString& fleetFile, const QString& home)
{
    Figures f;
    launch(fleetFile, home); // warm-up: the page cache, the SSH master
    for (int i = 0; i < kRuns; ++i) {
        const Launch l = launch(fleetFile, home);
        if (l.firstChartMs < 0) {
            ++f.missed;
            continue;
        }
        f.frame.append(l.firstFrameMs);
        f.chart.append(l.firstChartMs);
        if (l.allHeardMs >= 0)
            f.heard.append(l.allHeardMs);
        f.chartName = l.chart;
        f.heardText = l.heard;
    }
    return f;
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QCoreApplication app(argc, argv);
    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
    auto lab = [](const QStringList& args) { return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args); };
    if (!lab({ QStringLiteral("start"), QStringLiteral("--state"), state, QStringLiteral("--haproxy"),
            QStringLiteral("7"), QStringLiteral("--caddy"), QStringLiteral("2"), QStringLiteral("--nginx"),
            QStringLiteral("1"), QStringLiteral("--mixed-fleet"), QStringLiteral("--traffic-seconds"),
            QStringLiteral("300"), QStringLiteral("--lifetime"), QStringLiteral("600") })) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    QFile stateFile(state);
    stateFile.open(QIODevice::ReadOnly);
    QFile labFleet(QJsonDocument::fromJson(stateFile.readAll()).object().value(QLatin1String("fleet")).toString());
    labFleet.open(QIODevice::ReadOnly);
    QJsonObject fleet = QJsonDocument::fromJson(labFleet.readAll()).object();
    const int gateways = int(fleet.value(QLatin1String("gateways")).toArray().size());
    auto write = [&tmp](const QString& name, const QJsonObject& o) {
        QFile f(tmp.filePath(name));
        f.open(QIODevice::WriteOnly);
        f.write(QJsonDocument(o).toJson());
        return f.fileName();
    };
    const QString allUp = write(QStringLiteral("fleet.json"), fleet);

    // The same fleet with the first HAProxy's admin port black-holed.
    QTcpServer blackHole;
    blackHole.listen(QHostAddress::LocalHost);
    blackHole.pauseAccepting(); // connections wait in the backlog; nothing is ever read or written
    QJsonArray list = fleet.value(QLatin1String("gateways")).toArray();
    QJsonObject first = list.at(0).toObject();
    const QString victim = first.value(QLatin1String("name")).toString();
    first.insert(QLatin1String("admin"), QStringLiteral("tcp://127.0.0.1:%1").arg(blackHole.serverPort()));
    list.replace(0, first);
    fleet.insert(QLatin1String("gateways"), list);
    const QString oneDown = write(QStringLiteral("fleet-one-down.json"), fleet);

    const Figures up = measure(allUp, tmp.path());
    const Figures down = measure(oneDown, tmp.path());
    lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });

    auto median = [](const QList<double>& v) { return v.isEmpty() ? -1.0 : Bench::median(v); };
    std::printf("%d lab gateways, %d starts each, offscreen; ms from starting the process:\n", gateways, kRuns);
    std::printf("  all answering: first frame %.0f, first live chart %.0f (%s), every gateway heard from %.0f (%s); "
                "%d starts without a live chart in %d s\n",
        median(up.frame), median(up.chart), qPrintable(up.chartName), median(up.heard), qPrintable(up.heardText),
        up.missed, kWaitMs / 1000);
    std::printf("  %s black-holed: first frame %.0f, first live chart %.0f (%s), every gateway heard from %.0f (%s); "
                "%d starts without a live chart in %d s\n",
        qPrintable(victim), median(down.frame), median(down.chart), qPrintable(down.chartName), median(down.heard),
        qPrintable(down.heardText), down.missed, kWaitMs / 1000);
    std::printf("launch_first_frame_ms=%.0f launch_first_chart_ms=%.0f launch_first_chart_one_unreachable_ms=%.0f "
                "launch_all_heard_ms=%.0f launch_all_heard_one_unreachable_ms=%.0f\n",
        median(up.frame), median(up.chart), median(down.chart), median(up.heard), median(down.heard));
    return up.missed == 0 && down.missed == 0 ? 0 : 1;
}
