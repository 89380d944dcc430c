// bigfleet: a fleet of 5,000 gateways too large to poll, whose last minutes of HAProxy series sit in a real
// Prometheus (the lab's `bigfleet` command writes them with promtool into a fresh TSDB). Fleetdeck's refresh of the
// large-fleet page: one batched instant query for every gateway's figures, its answer read into the model in place,
// the sorted and filtered view repainted (offscreen); the members (the gateways and their labels) are asked apart,
// every few refreshes, and timed apart. Measured two ways in the same run, against the same Prometheus:
// - "recorded": the fleet file's discover names a "record", Prometheus holds the figures as recorded series (the
//   rules `fleetdeck --recording-rules` writes, backfilled by promtool from the raw series), and a refresh reads them;
// - "raw": every refresh evaluates the figures over the raw series.
// Each timed 50 times after a first, cold one; CPU per refresh for Fleetdeck and for Prometheus; RSS. The peer is the
// same query sent and its answer read by a bare HTTP client, nothing done with it: what asking Prometheus costs by
// itself.
#include <algorithm>
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

QJsonObject readState(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject {};
}

// What one way of refreshing measured.
struct Phase
{
    QString error; // non-empty: it did not work
    double coldMs = 0, p50 = 0, p99 = 0, cpuMs = 0, promCpuMs = 0, bareP50 = 0, bareP99 = 0;
    double readMs = 0, modelMs = 0, paintMs = 0, answerMiB = 0, membersP50 = 0, membersMax = 0;
    int critical = 0, warning = 0, gateways = 0, groups = 0;
};

Phase measure(const FleetDiscovery& discovery, const QMap<QString, QString>& figures, BigFleetModel& model,
    BigFleetPage& page, qint64 prometheusPid)
{
    Phase out;
    BigFleetService service(discovery, figures, &model);
    QString error;
    QElapsedTimer t;
    t.start();
    service.refreshNow();
    if (!waitRefreshed(service, &error)) {
        out.error = error;
        return out;
    }
    page.view()->viewport()->repaint();
    out.coldMs = double(t.nsecsElapsed()) / 1e6;
    // What the refresh found, to be checked against the fleet the lab wrote.
    out.gateways = model.gatewayCount();
    out.groups = model.groupCount();
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex group = model.index(r, 0);
        for (int g = 0; g < model.rowCount(group); ++g) {
            const int trouble = model.index(g, 0, group).data(BigFleetModel::TroubleRole).toInt();
            out.critical += trouble == int(DiscoveredGateway::Trouble::Critical);
            out.warning += trouble == int(DiscoveredGateway::Trouble::Warning);
        }
    }

    // The figures refreshed kRefreshes times; the members asked as the service's timer asks them, once every
    // kMembersEvery refreshes, between two refreshes (timed apart: a refresh never waits for them).
    QList<double> refreshMs, membersMs;
    const double cpu0 = Bench::cpuSeconds(), promCpu0 = Bench::cpuSeconds(prometheusPid);
    for (int i = 0; i < kRefreshes; ++i) {
        if (i % BigFleetService::kMembersEvery == BigFleetService::kMembersEvery - 1) {
            t.restart();
            QEventLoop loop;
            bool ok = false;
            auto c = QObject::connect(
                &service, &BigFleetService::membersRefreshed, &loop, [&](bool good, qint64, int, const QString& why) {
                    ok = good;
                    error = why;
                    loop.quit();
                });
            service.refreshMembers(false);
            loop.exec();
            QObject::disconnect(c);
            if (!ok) {
                out.error = QStringLiteral("members %1: %2").arg(i).arg(error);
                return out;
            }
            membersMs.append(double(t.nsecsElapsed()) / 1e6);
        }
        t.restart();
        service.refreshNow();
        if (!waitRefreshed(service, &error)) {
            out.error = QStringLiteral("refresh %1: %2").arg(i).arg(error);
            return out;
        }
        page.view()->viewport()->repaint();
        refreshMs.append(double(t.nsecsElapsed()) / 1e6);
    }
    out.cpuMs = (Bench::cpuSeconds() - cpu0) * 1000.0 / kRefreshes;
    out.promCpuMs = (Bench::cpuSeconds(prometheusPid) - promCpu0) * 1000.0 / kRefreshes;
    out.p50 = Bench::median(refreshMs);
    out.p99 = Bench::percentile(refreshMs, 0.99);
    out.membersP50 = Bench::median(membersMs);
    out.membersMax = *std::max_element(membersMs.cbegin(), membersMs.cend());

    // The peer: the same query, its answer read and dropped; then Fleetdeck's own steps on that answer, one by one.
    QNetworkAccessManager network;
    QList<double> bareMs, readMs, modelMs, paintMs;
    const Wire::FleetQuerySpec spec = BigFleetService::specFor(discovery, figures);
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
        bareMs.append(double(t.nsecsElapsed()) / 1e6);
        out.answerMiB = double(body.size()) / (1024.0 * 1024.0);
        reply->deleteLater();
        t.restart();
        auto gateways = Wire::parseFleetAnswer(body, spec, discovery.product, service.members());
        readMs.append(double(t.nsecsElapsed()) / 1e6);
        if (!gateways) {
            out.error = gateways.error();
            return out;
        }
        t.restart();
        model.setGateways(std::move(gateways).value());
        modelMs.append(double(t.nsecsElapsed()) / 1e6);
        t.restart();
        page.view()->viewport()->repaint();
        paintMs.append(double(t.nsecsElapsed()) / 1e6);
    }
    out.bareP50 = Bench::median(bareMs);
    out.bareP99 = Bench::percentile(bareMs, 0.99);
    out.readMs = Bench::median(readMs);
    out.modelMs = Bench::median(modelMs);
    out.paintMs = Bench::median(paintMs);
    return out;
}

void print(const char* way, const Phase& p)
{
    std::printf("%s: refresh of the large-fleet page (query, read into the model, sorted view repainted), %d times: "
                "p50 %.1f ms, p99 %.1f ms (cold %.1f ms); CPU per refresh: Fleetdeck %.1f ms, Prometheus %.1f ms; "
                "answer %.1f MiB\n",
        way, kRefreshes, p.p50, p.p99, p.coldMs, p.cpuMs, p.promCpuMs, p.answerMiB);
    std::printf("%s: the members (gateways and labels) asked every %d refreshes, between two: p50 %.1f ms, max %.1f "
                "ms\n",
        way, BigFleetService::kMembersEvery, p.membersP50, p.membersMax);
    std::printf("%s: the same query by a bare HTTP client (answer read, dropped): p50 %.1f ms, p99 %.1f ms\n", way,
        p.bareP50, p.bareP99);
    std::printf("%s: Fleetdeck's steps on that answer (p50): read the JSON into gateways %.1f ms, the model updated "
                "in place (and the sorted view's proxy) %.1f ms, the view repainted %.1f ms\n",
        way, p.readMs, p.modelMs, p.paintMs);
}
} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
    auto lab = [](const QStringList& args) { return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args); };
    auto stop = [&] { lab({ QStringLiteral("stop"), QStringLiteral("--state"), state }); };
    QElapsedTimer made;
    made.start();
    if (!lab({ QStringLiteral("bigfleet"), QStringLiteral("--state"), state, QStringLiteral("--gateways"),
            QString::number(kGateways) })) {
        std::fprintf(stderr, "bench_bigfleet: the lab's Prometheus did not start\n");
        return 1;
    }
    const double madeS = double(made.elapsed()) / 1000.0;
    const QJsonObject expected = readState(state).value(QLatin1String("bigfleet")).toObject();

    FleetDiscovery raw;
    raw.prometheus
        = QUrl(readState(state).value(QLatin1String("prometheus")).toObject().value(QLatin1String("url")).toString());
    raw.selector = QStringLiteral("haproxy_process_start_time_seconds{job=\"edge\"}");
    raw.product = QStringLiteral("haproxy");
    raw.nameLabel = QStringLiteral("gateway");
    raw.groupBy = { QStringLiteral("site"), QStringLiteral("role") };
    raw.admin = QStringLiteral("tcp://{fleetdeck_admin}");
    raw.window = QStringLiteral("2m"); // the series hold the last four minutes, one sample each 30 s
    raw.refreshMs = 15 * 1000; // refreshed here, not by its timer; the rules are evaluated every 15 s
    FleetDiscovery recorded = raw;
    recorded.record = QStringLiteral("fleetdeck_edge");
    const QMap<QString, QString> figures
        = Drivers::ProductRegistry::builtIn().catalog().find(raw.product)->fleetFigures;

    // The rules Fleetdeck writes for this fleet, backfilled by promtool over the series' minutes; Prometheus starts
    // again on the new blocks, before either way is measured, so both ask the same process.
    made.restart();
    QFile rules(tmp.filePath(recorded.record + QStringLiteral(".yml")));
    if (!rules.open(QIODevice::WriteOnly)
        || rules.write(
               Wire::fleetRecordingRules(BigFleetService::specFor(recorded, figures), raw.refreshMs / 1000).toUtf8())
            < 0) {
        std::fprintf(stderr, "bench_bigfleet: cannot write the rules\n");
        stop();
        return 1;
    }
    rules.close();
    if (!lab({ QStringLiteral("record"), QStringLiteral("--state"), state, QStringLiteral("--rules"),
            rules.fileName() })) {
        std::fprintf(stderr, "bench_bigfleet: the recording rules were not backfilled\n");
        stop();
        return 1;
    }
    const double recordedS = double(made.elapsed()) / 1000.0;
    const qint64 prometheusPid
        = readState(state).value(QLatin1String("prometheus")).toObject().value(QLatin1String("pid")).toInteger();

    BigFleetModel model;
    FleetStore store;
    BigFleetPage page(&model, raw, &store, nullptr);
    page.resize(1400, 860);
    page.show();

    // Raw first: its rates over 2 m need two of the series' samples, which the last minute and a half has.
    const Phase rawPhase = measure(raw, figures, model, page, prometheusPid);
    const Phase recordedPhase
        = rawPhase.error.isEmpty() ? measure(recorded, figures, model, page, prometheusPid) : Phase {};
    const int down = expected.value(QLatin1String("withServerDown")).toInt();
    const int erring = expected.value(QLatin1String("withErrors")).toInt();
    const int troubled = expected.value(QLatin1String("inTrouble")).toInt();
    for (const auto& [way, phase] : { std::pair { "raw", &rawPhase }, std::pair { "recorded", &recordedPhase } }) {
        if (!phase->error.isEmpty()) {
            std::fprintf(stderr, "bench_bigfleet: %s: %s\n", way, qPrintable(phase->error));
            stop();
            return 1;
        }
        // What each refresh found must be the fleet the lab wrote: every gateway, those with a server down and those
        // answering 20 % 5xx.
        std::printf("%s: %d gateways discovered in %d groups (lab: %d); in trouble: %d critical, %d warning (lab: %d "
                    "with a server down, %d answering 20 %% 5xx, %d in trouble)\n",
            way, phase->gateways, phase->groups, kGateways, phase->critical, phase->warning, down, erring, troubled);
        if (phase->gateways != kGateways || phase->critical + phase->warning != troubled) {
            std::fprintf(stderr, "bench_bigfleet: %s: the refresh did not read the fleet the lab wrote\n", way);
            stop();
            return 1;
        }
    }

    // Searching and regrouping the 5,000.
    QElapsedTimer t;
    t.start();
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
    std::printf("series written and Prometheus started in %.1f s; the recording rules backfilled by promtool and "
                "Prometheus started again in %.1f s\n",
        madeS, recordedS);
    print("raw", rawPhase);
    print("recorded", recordedPhase);
    std::printf("search \"site-07 api\" %.1f ms, regroup by site %.1f ms; RSS %.0f MiB (goal: p99 <= 200 ms, "
                "RSS <= 300 MB)\n",
        searchMs, regroupMs, rssMb);
    std::printf("bigfleet_refresh_p99_ms=%.1f bigfleet_refresh_p50_ms=%.1f bigfleet_cpu_per_refresh_ms=%.1f "
                "bigfleet_prometheus_cpu_per_refresh_ms=%.1f bigfleet_rss_mb=%.0f bigfleet_refresh_vs_bare_query=%.2f "
                "bigfleet_refresh_p99_vs_goal=%.2f bigfleet_raw_refresh_p99_ms=%.1f bigfleet_raw_refresh_p50_ms=%.1f "
                "bigfleet_raw_prometheus_cpu_per_refresh_ms=%.1f bigfleet_recorded_vs_raw_p99=%.2f\n",
        recordedPhase.p99, recordedPhase.p50, recordedPhase.cpuMs, recordedPhase.promCpuMs, rssMb,
        recordedPhase.p50 / recordedPhase.bareP50, recordedPhase.p99 / 200.0, rawPhase.p99, rawPhase.p50,
        rawPhase.promCpuMs, recordedPhase.p99 / rawPhase.p99);
    return 0;
}
