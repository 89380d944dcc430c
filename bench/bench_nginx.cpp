// nginx: a drain (alternating with ready) of one server of the lab's nginx load balancer over SSH on loopback, each
// timed from the request to the verified report through Fleetdeck (re-read, conflict check, edit, back up, rename,
// nginx -t, reload, new workers confirmed, re-read and compare); in the same run the same edit as operators script it
// today: one `ssh` (no ControlMaster) running sed, `nginx -t` and the reload, then nothing checked. Both reach the
// lab's private sshd, whose sessions start no shell start-up files. Each loop stops after 60 s whatever its count.
#include <cstdio>
#include <memory>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include "assembly.h"
#include "common.h"
#include "controlling.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
constexpr qint64 kLoopBudgetMs = 60 * 1000;

bool lab(const QStringList& args)
{
    return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args);
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QCoreApplication app(argc, argv);
    const int actions = argc > 1 ? QByteArray(argv[1]).toInt() : 60;
    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
    if (!lab({ QStringLiteral("start"), QStringLiteral("--state"), state, QStringLiteral("--haproxy"),
            QStringLiteral("0"), QStringLiteral("--nginx"), QStringLiteral("1"), QStringLiteral("--traffic-seconds"),
            QStringLiteral("0"), QStringLiteral("--lifetime"), QStringLiteral("600") })) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    const QJsonObject s = Bench::readLabState(state);
    const QJsonObject inst = s.value(QLatin1String("nginxlb")).toArray().first().toObject();
    const QJsonObject one { { QLatin1String("gateways"), QJsonArray { inst.value(QLatin1String("gateway")) } } };
    const auto fleet = parseFleetFile(QJsonDocument(one).toJson(), Drivers::ProductRegistry::builtIn().catalog());
    if (!fleet) {
        std::fprintf(stderr, "the lab's nginx entry: %s\n", qPrintable(fleet.error()));
        lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });
        return 1;
    }
    GatewayConfig config = fleet.value().gateways.first();
    config.pollIntervalMs = 3600 * 1000; // no background poll while timing
    const QString upstreams = inst.value(QLatin1String("upstreams")).toString();
    const QByteArray original = readFile(upstreams);

    auto assembly = std::make_unique<Assembly>(); // gone before the lab is, with its SSH master connection
    FleetStore& store = assembly->store();
    FleetController& controller = assembly->controller();
    controller.addGateway(config);
    QElapsedTimer wait;
    wait.start();
    while (!(store.gatewayCount() == 1 && store.entry(0).snapshot.has_value()) && wait.elapsed() < 20000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
    if (!store.entry(0).snapshot) {
        std::fprintf(stderr, "nginx-1 was not read: %s\n", qPrintable(store.entry(0).status.lastError));
        lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });
        return 1;
    }
    const BackendSnapshot* api = store.entry(0).snapshot->backend(QStringLiteral("api"));
    const QString server = api->servers.first().name;
    const ServerRef target { config.name, QStringLiteral("api"), server };

    QList<double> fleetdeck;
    int failures = 0;
    QElapsedTimer budget;
    budget.start();
    // Whole pairs (drain, then ready), so the file ends as it began.
    for (int i = 0; i < actions && (i % 2 == 1 || budget.elapsed() < kLoopBudgetMs); ++i) {
        QElapsedTimer t;
        t.start();
        const quint64 id = controller.setServerState({ target }, i % 2 == 0 ? AdminState::Drain : AdminState::Ready);
        ActionReport report;
        if (!Bench::waitReport(controller, id, &report, 20000) || !report.ok()) {
            ++failures;
            if (failures == 1)
                std::fprintf(stderr, "fleetdeck: %s\n", qPrintable(report.outcomes.value(0).message));
        }
        fleetdeck.append(double(t.nsecsElapsed()) / 1e6);
    }
    const bool fleetdeckLeftItAsItWas = readFile(upstreams) == original;

    // The peer: the same edit as a script does it, one ssh per change without a master connection.
    const QString sshConfig = config.options.value(QStringLiteral("sshConfig"));
    const QString nginx = config.options.value(QStringLiteral("nginx"));
    const QString line = QStringLiteral("server %1 weight=1 max_fails=3 fail_timeout=10s").arg(server);
    QList<double> script;
    int scriptFailures = 0;
    budget.restart();
    for (int i = 0; i < actions && (i % 2 == 1 || budget.elapsed() < kLoopBudgetMs); ++i) {
        const QString sed
            = i % 2 == 0 ? QStringLiteral("s/%1;/%1 down;/").arg(line) : QStringLiteral("s/%1 down;/%1;/").arg(line);
        const QString remote
            = QStringLiteral("sed -i '%1' %2 && %3 -t 2>/dev/null && %3 -s reload").arg(sed, upstreams, nginx);
        QElapsedTimer t;
        t.start();
        QProcess ssh;
        ssh.setStandardOutputFile(QProcess::nullDevice());
        ssh.setStandardErrorFile(QProcess::nullDevice());
        ssh.start(QStringLiteral("ssh"),
            { QStringLiteral("-F"), sshConfig, QStringLiteral("-o"), QStringLiteral("ControlMaster=no"),
                QStringLiteral("-o"), QStringLiteral("ControlPath=none"), QStringLiteral("lab-nginx"), remote });
        const int rc = ssh.waitForFinished(30000) && ssh.exitStatus() == QProcess::NormalExit ? ssh.exitCode() : -1;
        script.append(double(t.nsecsElapsed()) / 1e6);
        scriptFailures += rc == 0 ? 0 : 1;
    }
    const bool scriptLeftItAsItWas = readFile(upstreams) == original;
    assembly.reset();
    lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });

    const double p50 = Bench::percentile(fleetdeck, 0.5);
    const double p99 = Bench::percentile(fleetdeck, 0.99);
    const double scriptP50 = Bench::percentile(script, 0.5);
    const double scriptP99 = Bench::percentile(script, 0.99);
    std::printf("nginx drain/ready over SSH, click to verified: %lld actions, p50 %.1f ms, p99 %.1f ms, %d failed; "
                "file back as it was: %s\n",
        static_cast<long long>(fleetdeck.size()), p50, p99, failures, fleetdeckLeftItAsItWas ? "yes" : "NO");
    std::printf("the same edit by script (ssh, sed, nginx -t, reload; no ControlMaster, nothing verified): "
                "%lld actions, p50 %.1f ms, p99 %.1f ms, %d failed; file back as it was: %s\n",
        static_cast<long long>(script.size()), scriptP50, scriptP99, scriptFailures,
        scriptLeftItAsItWas ? "yes" : "NO");
    std::printf("nginx_action_p50_ms=%.1f\n", p50);
    std::printf("nginx_action_p99_ms=%.1f\n", p99);
    std::printf("nginx_script_p50_ms=%.1f\n", scriptP50);
    std::printf("nginx_action_ratio_vs_script=%.2f\n", scriptP50 > 0 ? p50 / scriptP50 : 0.0);
    return failures == 0 && scriptFailures == 0 ? 0 : 1;
}
