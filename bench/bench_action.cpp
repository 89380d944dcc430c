// action: 200 drains (alternating with ready) of one lab server, each timed from the request to the verified
// report, through Fleetdeck (re-read, send, re-read and compare); in the same run the same 200 changes through
// HAProxy's stats page admin form (HTTP POST, then GET ;csv to see it took). Then a fleet-wide drain of one
// upstream present in every backend of 20 gateways, timed to its verified report.
// Fleetdeck's background polling is held off (a poll interval of an hour after the first read) while anything is
// timed, so neither side shares the gateway or the CPU with it; each loop stops after 60 s whatever its count.
#include <cstdio>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include "assembly.h"
#include "common.h"
#include "controlling.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "registry.h"
#include "fleetstore.h"
#include "metricstore.h"

using namespace Fleetdeck;

namespace {
bool lab(const QStringList& args)
{
    return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args);
}

constexpr int kQuietPollMs = 3600 * 1000; // no background poll while timing
constexpr qint64 kLoopBudgetMs = 60 * 1000;

bool addFleet(FleetStore& store, FleetController& controller, const QString& fleetPath)
{
    QFile f(fleetPath);
    f.open(QIODevice::ReadOnly);
    const auto fleet = parseFleetFile(f.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    if (!fleet)
        return false;
    for (GatewayConfig c : fleet.value().gateways) {
        c.pollIntervalMs = kQuietPollMs; // the first read happens at once, the next in an hour
        controller.addGateway(c);
    }
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 30000) {
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
        bool all = store.gatewayCount() == fleet.value().gateways.size();
        for (int i = 0; all && i < store.gatewayCount(); ++i)
            all = store.entry(i).snapshot.has_value();
        if (all)
            return true;
    }
    return false;
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    QCoreApplication app(argc, argv);
    const int actions = argc > 1 ? QByteArray(argv[1]).toInt() : 200;
    QTemporaryDir tmp;

    // Part 1: one gateway, one server, drain and ready in turn.
    const QString state = tmp.filePath(QStringLiteral("lab1.json"));
    if (!lab({ QStringLiteral("start"), QStringLiteral("--state"), state, QStringLiteral("--haproxy"),
            QStringLiteral("1"), QStringLiteral("--traffic-seconds"), QStringLiteral("0"), QStringLiteral("--lifetime"),
            QStringLiteral("600") })) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    const QJsonObject s1 = Bench::readLabState(state);
    const int statsPort
        = s1.value(QLatin1String("haproxy")).toArray().first().toObject().value(QLatin1String("statsPort")).toInt();
    Assembly assembly;
    FleetStore& store = assembly.store();
    FleetController& controller = assembly.controller();
    if (!addFleet(store, controller, s1.value(QLatin1String("fleet")).toString())) {
        lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });
        return 1;
    }
    const QString gw = store.entry(0).config.name;
    const ServerRef target { gw, QStringLiteral("api"), QStringLiteral("s1") };
    QList<double> fleetdeck;
    int failures = 0;
    QElapsedTimer budget;
    budget.start();
    for (int i = 0; i < actions && budget.elapsed() < kLoopBudgetMs; ++i) {
        QElapsedTimer t;
        t.start();
        const quint64 id = controller.setServerState({ target }, i % 2 == 0 ? AdminState::Drain : AdminState::Ready);
        ActionReport report;
        if (!Bench::waitReport(controller, id, &report, 10000) || !report.ok())
            ++failures;
        fleetdeck.append(double(t.nsecsElapsed()) / 1e6);
    }

    // The peer: HAProxy's own stats page admin form, then its CSV to see the change.
    QNetworkAccessManager net;
    QList<double> statsPage;
    int peerFailures = 0;
    const QUrl statsUrl(QStringLiteral("http://127.0.0.1:%1/stats").arg(statsPort));
    budget.restart();
    for (int i = 0; i < actions && budget.elapsed() < kLoopBudgetMs; ++i) {
        QElapsedTimer t;
        t.start();
        const QByteArray verb = i % 2 == 0 ? "drain" : "ready";
        QNetworkRequest post(statsUrl);
        post.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
        QNetworkReply* r = net.post(post, "action=" + verb + "&s=s1&b=api");
        QEventLoop loop;
        QObject::connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        r->deleteLater();
        QNetworkReply* csv
            = net.get(QNetworkRequest(QUrl(QStringLiteral("http://127.0.0.1:%1/stats;csv").arg(statsPort))));
        QObject::connect(csv, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = csv->readAll();
        csv->deleteLater();
        const qsizetype at = body.indexOf("\napi,s1,");
        const QList<QByteArray> fields
            = at >= 0 ? body.mid(at + 1, body.indexOf('\n', at + 1) - at - 1).split(',') : QList<QByteArray> {};
        const bool took = fields.size() > 17 && fields.at(17).startsWith(i % 2 == 0 ? "DRAIN" : "UP");
        peerFailures += took ? 0 : 1;
        statsPage.append(double(t.nsecsElapsed()) / 1e6);
    }
    lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });

    // Part 2: a fleet-wide drain of one upstream across 20 gateways.
    const QString state20 = tmp.filePath(QStringLiteral("lab20.json"));
    if (!lab({ QStringLiteral("start"), QStringLiteral("--state"), state20, QStringLiteral("--haproxy"),
            QStringLiteral("20"), QStringLiteral("--traffic-seconds"), QStringLiteral("0"),
            QStringLiteral("--check-inter-ms"), QStringLiteral("5000"), QStringLiteral("--lifetime"),
            QStringLiteral("600") })) {
        std::fprintf(stderr, "the 20-gateway lab did not start\n");
        return 1;
    }
    Assembly store20Assembly;
    FleetStore& store20 = store20Assembly.store();
    FleetController& controller20 = store20Assembly.controller();
    double fleetDrainMs = -1;
    bool fleetOk = false;
    int targets = 0;
    int gateways = 0;
    if (addFleet(store20, controller20, Bench::readLabState(state20).value(QLatin1String("fleet")).toString())) {
        // The upstream behind api/s1 is the same nginx port in every gateway: select it everywhere by address.
        const QString address = store20.entry(0).snapshot->server(QStringLiteral("api"), QStringLiteral("s1"))->address;
        QList<ServerRef> everywhere;
        for (int i = 0; i < store20.gatewayCount(); ++i) {
            for (const BackendSnapshot& b : store20.entry(i).snapshot->backends) {
                for (const ServerSnapshot& s : b.servers) {
                    if (s.address == address)
                        everywhere.append({ store20.entry(i).config.name, b.name, s.name });
                }
            }
        }
        targets = int(everywhere.size());
        gateways = store20.gatewayCount();
        QElapsedTimer t;
        t.start();
        const quint64 id = controller20.setServerState(everywhere, AdminState::Drain);
        ActionReport report;
        fleetOk = Bench::waitReport(controller20, id, &report, 10000) && report.ok();
        fleetDrainMs = double(t.nsecsElapsed()) / 1e6;
    }
    lab({ QStringLiteral("stop"), QStringLiteral("--state"), state20 });

    const double p50 = Bench::median(fleetdeck), p99 = Bench::percentile(fleetdeck, 0.99);
    const double peerP50 = Bench::median(statsPage), peerP99 = Bench::percentile(statsPage, 0.99);
    std::printf("fleetdeck: %d drains/readies, click to verified: p50 %.2f ms, p99 %.2f ms (%d not verified)\n",
        int(fleetdeck.size()), p50, p99, failures);
    std::printf("stats page form (POST, then GET ;csv): %d changes, p50 %.2f ms, p99 %.2f ms (%d not seen)\n",
        int(statsPage.size()), peerP50, peerP99, peerFailures);
    std::printf("fleet-wide drain of one upstream: %d servers on %d gateways, verified %s in %.1f ms\n", targets,
        gateways, fleetOk ? "yes" : "NO", fleetDrainMs);
    std::printf("action_p50_ms=%.2f action_p99_ms=%.2f statspage_p50_ms=%.2f statspage_p99_ms=%.2f "
                "action_latency_ratio_vs_statspage=%.2f fleet_drain_ms=%.1f fleet_drain_targets=%d "
                "fleet_drain_gateways=%d\n",
        p50, p99, peerP50, peerP99, p99 / peerP99, fleetDrainMs, targets, gateways);
    return failures == 0 && peerFailures == 0 && fleetOk ? 0 : 1;
}
