// bigfleet: a fleet of 5,000 gateways too large to poll, whose last minutes of HAProxy series sit in a real
// Prometheus (the lab's `bigfleet` command writes them with promtool into a fresh TSDB). Fleetdeck's refresh of the
// large-fleet page: one batched instant query, its answer read into the model in place, the sorted and filtered
// view repainted (offscreen). Timed 50 times after a first, cold one; CPU per refresh for Fleetdeck and for
// Prometheus; RSS. The peer is the same query sent and its answer read by a bare HTTP client, nothing done with it:
// what asking Prometheus costs by itself.
#include <cstdio>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTreeView>
#include <QUrlQuery>

#include "bigfleetmodel.h"
#include "bigfleetservice.h"
#include "common.h"
#include "fleetstore.h"
#include "pages/bigfleetpage.h"
#include "wire/fleetquery.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
constexpr int kGateways = 5000;
constexpr int kRefreshes = 50;

// Waits for the service's next refresh; true when it read Prometheus' answer.
bool waitRefreshed(BigFleetService& service, QString* error)
{
    QEventLoop loop;
    bool ok = false;
    auto c = QObject::connect(&service, &BigFleetService::refreshed, &loop, [&](bool good, qint64, const QString& why) {
        ok = good;
        *error = why;
        loop.quit();
    });
    loop.exec();
    QObject::disconnect(c);
    return ok;
}
} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
    auto lab = [](const QStringList& args) { return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args); };
    QElapsedTimer made;
    made.start();
    if (!lab({ QStringLiteral("bigfleet"), QStringLiteral("--state"), state, QStringLiteral("--gateways"),
            QString::number(kGateways) })) {
        std::fprintf(stderr, "bench_bigfleet: the lab's Prometheus did not start\n");
        return 1;
    }
    const double madeS = double(made.elapsed()) / 1000.0;
    QFile stateFile(state);
    if (!stateFile.open(QIODevice::ReadOnly))
        return 1;
    const QJsonObject labState = QJsonDocument::fromJson(stateFile.readAll()).object();
    const QJsonObject prometheus = labState.value(QLatin1String("prometheus")).toObject();
    const QJsonObject expected = labState.value(QLatin1String("bigfleet")).toObject();
    const qint64 prometheusPid = prometheus.value(QLatin1String("pid")).toInteger();
    auto stop = [&] { lab({ QStringLiteral("stop"), QStringLiteral("--state"), state }); };

    FleetDiscovery discovery;
    discovery.prometheus = QUrl(prometheus.value(QLatin1String("url")).toString());
    discovery.selector = QStringLiteral("haproxy_process_start_time_seconds{job=\"edge\"}");
    discovery.product = QStringLiteral("haproxy");
    discovery.nameLabel = QStringLiteral("gateway");
    discovery.groupBy = { QStringLiteral("site"), QStringLiteral("role") };
    discovery.admin = QStringLiteral("tcp://{fleetdeck_admin}");
    discovery.window = QStringLiteral("2m"); // the series hold the last four minutes, one sample each 30 s
    discovery.refreshMs = 3600 * 1000; // refreshed here, not by its timer
    const ProductInfo* haproxy = Drivers::ProductRegistry::builtIn().catalog().find(discovery.product);

    BigFleetModel model;
    FleetStore store;
    BigFleetService service(discovery, haproxy->fleetFigures, &model);
    BigFleetPage page(&model, discovery, &store, nullptr);
    page.resize(1400, 860);
    page.show();
    QString error;

    QElapsedTimer t;
    t.start();
    service.refreshNow();
    if (!waitRefreshed(service, &error)) {
        std::fprintf(stderr, "bench_bigfleet: %s\n", qPrintable(error));
        stop();
        return 1;
    }
    page.view()->viewport()->repaint();
    const double coldMs = double(t.nsecsElapsed()) / 1e6;

    // What the refresh found must be the fleet the lab wrote: every gateway, those with a server down and those
    // answering 20 % 5xx.
    int critical = 0, warning = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex group = model.index(r, 0);
        for (int g = 0; g < model.rowCount(group); ++g) {
            const int trouble = model.index(g, 0, group).data(BigFleetModel::TroubleRole).toInt();
            critical += trouble == int(DiscoveredGateway::Trouble::Critical);
            warning += trouble == int(DiscoveredGateway::Trouble::Warning);
        }
    }
    const int down = expected.value(QLatin1String("withServerDown")).toInt();
    const int erring = expected.value(QLatin1String("withErrors")).toInt();
    const int troubled = expected.value(QLatin1String("inTrouble")).toInt();
    std::printf(
        "%d gateways discovered in %d groups (lab: %d); in trouble: %d critical, %d warning (lab: %d with a "
        "server down, %d answering 20 %% 5xx, %d in trouble); series written and Prometheus started in %.1f s\n",
        model.gatewayCount(), model.groupCount(), kGateways, critical, warning, down, erring, troubled, madeS);
    if (model.gatewayCount() != kGateways || critical + warning != troubled) {
        std::fprintf(stderr, "bench_bigfleet: the refresh did not read the fleet the lab wrote\n");
        stop();
        return 1;
    }

    QList<double> refreshMs;
    const double cpu0 = Bench::cpuSeconds(), promCpu0 = Bench::cpuSeconds(prometheusPid);
    for (int i = 0; i < kRefreshes; ++i) {
        t.restart();
        service.refreshNow();
        if (!waitRefreshed(service, &error)) {
            std::fprintf(stderr, "bench_bigfleet: refresh %d: %s\n", i, qPrintable(error));
            stop();
            return 1;
        }
        page.view()->viewport()->repaint();
        refreshMs.append(double(t.nsecsElapsed()) / 1e6);
    }
    const double cpuMs = (Bench::cpuSeconds() - cpu0) * 1000.0 / kRefreshes;
    const double promCpuMs = (Bench::cpuSeconds(prometheusPid) - promCpu0) * 1000.0 / kRefreshes;

    // The peer: the same query, its answer read and dropped.
    QNetworkAccessManager network;
    QList<double> rawMs, readMs, modelMs, paintMs;
    Wire::FleetQuerySpec spec;
    spec.selector = discovery.selector;
    spec.nameLabel = discovery.nameLabel;
    spec.groupLabels = discovery.labelsWanted();
    spec.figures = haproxy->fleetFigures;
    spec.window = discovery.window;
    qint64 answerBytes = 0;
    for (int i = 0; i < kRefreshes; ++i) {
        QUrl url = discovery.prometheus;
        url.setPath(QStringLiteral("/api/v1/query"));
        QNetworkRequest request(url);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/x-www-form-urlencoded"));
        QUrlQuery form;
        form.addQueryItem(QStringLiteral("query"), service.query());
        t.restart();
        QNetworkReply* reply = network.post(request, form.toString(QUrl::FullyEncoded).toUtf8());
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const QByteArray body = reply->readAll();
        rawMs.append(double(t.nsecsElapsed()) / 1e6);
        answerBytes = body.size();
        reply->deleteLater();
        // Fleetdeck's own steps on that answer, one by one.
        t.restart();
        auto gateways = Wire::parseFleetAnswer(body, spec, discovery.product);
        readMs.append(double(t.nsecsElapsed()) / 1e6);
        t.restart();
        model.setGateways(std::move(gateways).value());
        modelMs.append(double(t.nsecsElapsed()) / 1e6);
        t.restart();
        page.view()->viewport()->repaint();
        paintMs.append(double(t.nsecsElapsed()) / 1e6);
    }

    // Searching and regrouping the 5,000.
    t.restart();
    page.filter()->setSearchText(QStringLiteral("site-07 api"));
    page.view()->viewport()->repaint();
    const double searchMs = double(t.nsecsElapsed()) / 1e6;
    page.filter()->setSearchText({});
    t.restart();
    page.setGroupBy(QStringLiteral("site"));
    page.view()->viewport()->repaint();
    const double regroupMs = double(t.nsecsElapsed()) / 1e6;

    const double rssMb = double(Bench::rssBytes()) / (1024.0 * 1024.0);
    stop();
    const double p50 = Bench::median(refreshMs), p99 = Bench::percentile(refreshMs, 0.99);
    const double rawP50 = Bench::median(rawMs), rawP99 = Bench::percentile(rawMs, 0.99);
    std::printf("refresh of the large-fleet page (query, read into the model, sorted view repainted), %d times: "
                "p50 %.1f ms, p99 %.1f ms (cold %.1f ms); CPU per refresh: Fleetdeck %.1f ms, Prometheus %.1f ms; "
                "answer %.1f MiB\n",
        kRefreshes, p50, p99, coldMs, cpuMs, promCpuMs, double(answerBytes) / (1024.0 * 1024.0));
    std::printf(
        "the same query by a bare HTTP client (answer read, dropped): p50 %.1f ms, p99 %.1f ms\n", rawP50, rawP99);
    std::printf("Fleetdeck's steps on that answer (p50): read the JSON into gateways %.1f ms, the model updated in "
                "place (and the sorted view's proxy) %.1f ms, the view repainted %.1f ms\n",
        Bench::median(readMs), Bench::median(modelMs), Bench::median(paintMs));
    std::printf("search \"site-07 api\" %.1f ms, regroup by site %.1f ms; RSS %.0f MiB (goal: p99 <= 200 ms, "
                "RSS <= 300 MB)\n",
        searchMs, regroupMs, rssMb);
    std::printf("bigfleet_refresh_p99_ms=%.1f bigfleet_refresh_p50_ms=%.1f bigfleet_cpu_per_refresh_ms=%.1f "
                "bigfleet_prometheus_cpu_per_refresh_ms=%.1f bigfleet_rss_mb=%.0f bigfleet_refresh_vs_bare_query=%.2f "
                "bigfleet_refresh_p99_vs_goal=%.2f\n",
        p99, p50, cpuMs, promCpuMs, rssMb, p50 / rawP50, p99 / 200.0);
    return 0;
}
