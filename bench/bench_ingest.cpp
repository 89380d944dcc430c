// ingest: the lab with 20 HAProxy instances of 10 backends x 50 servers (10,000 servers), polled at 1 s for 60 s
// by Fleetdeck's real pipeline (driver, parse, rates, store, fleet state), while the lab's Prometheus scrapes the
// same instances' /metrics at 1 s, keeping only what Fleetdeck charts. Neither side draws (no window, no queries
// during the run); both processes' CPU seconds come from /proc. Afterwards Prometheus's own API says how many
// series it keeps, and the run fails unless both keep about the same series and every gateway was up throughout.
// scale: the same pipeline with the main window shown (offscreen), sized to 46,000 series (30 HAProxy), while
// simulated input scrolls the table, opens gateways and pools and switches the charts' window: Fleetdeck's share of
// one core, its peak RSS and the UI thread's event-loop lag.
#include <cstdio>

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QKeyEvent>
#include <QWheelEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include "common.h"
#include "eventlog.h"
#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "registry.h"
#include "fleetstore.h"
#include "mainwindow.h"
#include "metricstore.h"

using namespace Fleetdeck;

namespace {
bool lab(const QStringList& args)
{
    return Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT), args);
}

// The value of an instant PromQL query that yields one number, or -1 with the reason on stderr.
qint64 prometheusCount(const QString& baseUrl, const QString& query)
{
    QNetworkAccessManager net;
    QUrl url(baseUrl + QStringLiteral("/api/v1/query"));
    url.setQuery(QStringLiteral("query=") + QString::fromLatin1(QUrl::toPercentEncoding(query)));
    QNetworkReply* reply = net.get(QNetworkRequest(url));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    const QJsonArray result = answer.value(QLatin1String("data")).toObject().value(QLatin1String("result")).toArray();
    if (result.isEmpty()) {
        std::fprintf(stderr, "prometheus gave no answer to %s\n", qPrintable(query));
        return -1;
    }
    return result.first().toObject().value(QLatin1String("value")).toArray().at(1).toString().toLongLong();
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? QByteArray(argv[1]).toInt() : 60;
#ifdef BENCH_SCALE
    const int instances = argc > 2 ? QByteArray(argv[2]).toInt() : 30; // 30 x 1,536 = 46,080 series
#else
    const int instances = argc > 2 ? QByteArray(argv[2]).toInt() : 20;
#endif

    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
#ifdef BENCH_SCALE
    constexpr bool withPrometheus = false; // scale measures Fleetdeck alone, with the machine to itself
#else
    constexpr bool withPrometheus = true;
#endif
    std::printf("starting the lab: %d HAProxy x 10 backends x 50 servers%s\n", instances,
        withPrometheus ? ", and Prometheus (scrape 1 s)" : "");
    QElapsedTimer startup;
    startup.start();
    QStringList labArgs { QStringLiteral("start"), QStringLiteral("--state"), state, QStringLiteral("--haproxy"),
        QString::number(instances), QStringLiteral("--backends"), QStringLiteral("10"), QStringLiteral("--servers"),
        QStringLiteral("50"), QStringLiteral("--traffic-seconds"), QStringLiteral("0"),
        QStringLiteral("--check-inter-ms"), QStringLiteral("30000"), QStringLiteral("--lifetime"),
        QString::number(seconds + 300) };
    if (withPrometheus)
        labArgs << QStringLiteral("--prometheus") << QStringLiteral("--scrape-interval") << QStringLiteral("1s");
    if (!lab(labArgs)) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    std::printf("lab up in %.1f s\n", double(startup.elapsed()) / 1000);
    QFile stateFile(state);
    stateFile.open(QIODevice::ReadOnly);
    const QJsonObject root = QJsonDocument::fromJson(stateFile.readAll()).object();
    const qint64 prometheusPid
        = root.value(QLatin1String("prometheus")).toObject().value(QLatin1String("pid")).toInteger();
    QFile fleetFile(root.value(QLatin1String("fleet")).toString());
    fleetFile.open(QIODevice::ReadOnly);
    const auto fleet = parseFleetFile(fleetFile.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    if (!fleet || (withPrometheus && prometheusPid <= 0)) {
        std::fprintf(stderr, "no fleet file or no Prometheus in the lab state\n");
        lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });
        return 1;
    }

    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
    MainWindow window(assembly.context());
    window.setLayoutSaved(false);
#ifdef BENCH_SCALE
    window.show(); // scale measures the UI thread's lag with the window drawing
#endif
    for (const GatewayConfig& c : fleet.value().gateways)
        controller.addGateway(c);

    // Warm up until every gateway has answered twice (rates need two totals), then measure.
    QElapsedTimer warm;
    warm.start();
    while (warm.elapsed() < 30000) {
        QApplication::processEvents(QEventLoop::WaitForMoreEvents);
        bool all = store.gatewayCount() == fleet.value().gateways.size();
        for (int i = 0; all && i < store.gatewayCount(); ++i)
            all = store.entry(i).snapshot.has_value();
        if (all && warm.elapsed() > 5000)
            break;
    }
    int servers = 0;
    for (int i = 0; i < store.gatewayCount(); ++i) {
        if (store.entry(i).snapshot) {
            for (const auto& b : store.entry(i).snapshot->backends)
                servers += int(b.servers.size());
        }
    }

    // The event-loop lag: a 100 ms timer that notes how late each tick is.
    QList<double> lags;
    QElapsedTimer tick;
    tick.start();
    qint64 expected = 100;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = tick.elapsed();
        lags.append(double(qMax<qint64>(0, now - expected)));
        expected = now + 100;
    });

#ifdef BENCH_SCALE
    // The operator at work, one gesture every 250 ms in turn: scroll the server table (a wheel event on it), open
    // another gateway (its backends' charts), open one of its pools (50 servers' charts, stacked), switch the charts'
    // window with the keyboard (5 min, 15 min, 1 h, ... 7 days, and back).
    auto* table = window.findChild<QAbstractItemView*>(QStringLiteral("upstreamTable"));
    auto* windows = window.findChild<QComboBox*>(QStringLiteral("windowCombo"));
    int gesture = 0;
    int gestures = 0;
    double slowest[4] = { 0, 0, 0, 0 }; // the longest each kind of gesture held the UI thread, ms
    QTimer operatorTimer;
    QObject::connect(&operatorTimer, &QTimer::timeout, [&] {
        const int g = gesture / 4 % store.gatewayCount();
        const QString gateway = store.entry(g).config.name;
        const int kind = gesture % 4;
        QElapsedTimer held;
        held.start();
        switch (gesture++ % 4) {
        case 0:
            if (table) {
                const QPointF at(table->viewport()->width() / 2.0, table->viewport()->height() / 2.0);
                QWheelEvent wheel(at, table->viewport()->mapToGlobal(at), QPoint(), QPoint(0, -360), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
                QApplication::sendEvent(table->viewport(), &wheel);
            }
            break;
        case 1:
            window.showGateway(gateway);
            break;
        case 2:
            if (const auto& snap = store.entry(g).snapshot; snap && !snap->backends.isEmpty())
                window.showPool(gateway, snap->backends.at(gesture % snap->backends.size()).name);
            break;
        default:
            if (windows) { // the keys an operator would press on it: down to 7 days, then back to 5 min
                QKeyEvent key(QEvent::KeyPress,
                    windows->currentIndex() + 1 < windows->count() ? Qt::Key_Down : Qt::Key_Home, Qt::NoModifier);
                QApplication::sendEvent(windows, &key);
            }
        }
        slowest[kind] = qMax(slowest[kind], double(held.nsecsElapsed()) / 1e6);
        ++gestures;
    });
    if (!qEnvironmentVariableIsSet("BENCH_NO_GESTURES"))
        operatorTimer.start(250);
#endif
    const double selfBefore = Bench::cpuSeconds();
    const double promBefore = withPrometheus ? Bench::cpuSeconds(prometheusPid) : 0;
    QElapsedTimer wall;
    wall.start();
    tick.restart();
    probe.start(100);
    QTimer stop;
    stop.setSingleShot(true);
    QObject::connect(&stop, &QTimer::timeout, &app, &QApplication::quit);
    stop.start(seconds * 1000);
    QApplication::exec();
    probe.stop();
    const double wallSeconds = double(wall.elapsed()) / 1000;
    const double selfCpu = Bench::cpuSeconds() - selfBefore;
    const double promCpu = withPrometheus ? Bench::cpuSeconds(prometheusPid) - promBefore : 0;

    int up = 0;
    for (int i = 0; i < store.gatewayCount(); ++i)
        up += store.entry(i).status.connection == Connection::Up ? 1 : 0;
    const QString prometheusUrl
        = root.value(QLatin1String("prometheus")).toObject().value(QLatin1String("url")).toString();
    qint64 promSeries = -1, promAll = -1, promUp = -1;
    if (withPrometheus) {
        promSeries
            = prometheusCount(prometheusUrl, QStringLiteral("count({job=\"haproxy\",__name__=~\"haproxy_.+\"})"));
        promAll = prometheusCount(prometheusUrl, QStringLiteral("count({job=\"haproxy\"})"));
        promUp = prometheusCount(prometheusUrl, QStringLiteral("count(up{job=\"haproxy\"} == 1)"));
    }
    lab({ QStringLiteral("stop"), QStringLiteral("--state"), state });

    std::printf("polled %d gateways (%d servers, %lld series) for %.1f s; %d up at the end\n", store.gatewayCount(),
        servers, static_cast<long long>(metrics.seriesCount()), wallSeconds, up);
    if (withPrometheus)
        std::printf("prometheus keeps %lld haproxy series (%lld with its own per-target up and scrape series); %lld of "
                    "%d targets up\n",
            static_cast<long long>(promSeries), static_cast<long long>(promAll), static_cast<long long>(promUp),
            instances);
    std::printf("fleetdeck: %.2f CPU s (%.1f %% of one core)", selfCpu, 100 * selfCpu / wallSeconds);
    if (withPrometheus)
        std::printf("; prometheus: %.2f CPU s (%.1f %% of one core)", promCpu, 100 * promCpu / wallSeconds);
    std::printf("\n");
    std::printf("fleetdeck peak RSS %.1f MB; event-loop lag p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d ticks\n",
        double(Bench::peakRssBytes()) / 1e6, Bench::median(lags), Bench::percentile(lags, 0.99),
        Bench::percentile(lags, 1.0), int(lags.size()));
#ifdef BENCH_SCALE
    std::printf("the operator's gestures during the run: %d; the longest each held the UI thread itself: scroll %.1f "
                "ms, open a gateway %.1f ms, open a pool %.1f ms, switch the window %.1f ms\n",
        gestures, slowest[0], slowest[1], slowest[2], slowest[3]);
    std::printf("scale_servers=%d scale_series=%lld scale_cpu_share=%.3f scale_peak_rss_mb=%.1f scale_lag_p99_ms=%.1f "
                "scale_lag_max_ms=%.1f\n",
        servers, static_cast<long long>(metrics.seriesCount()), selfCpu / wallSeconds,
        double(Bench::peakRssBytes()) / 1e6, Bench::percentile(lags, 0.99), Bench::percentile(lags, 1.0));
#else
    std::printf("ingest_cpu_s=%.2f prometheus_cpu_s=%.2f ingest_cpu_ratio_vs_prometheus=%.3f ingest_series=%lld "
                "ingest_prometheus_series=%lld ingest_series_ratio_vs_prometheus=%.3f ingest_peak_rss_mb=%.1f "
                "ingest_lag_p99_ms=%.1f\n",
        selfCpu, promCpu, promCpu > 0 ? selfCpu / promCpu : -1.0, static_cast<long long>(metrics.seriesCount()),
        static_cast<long long>(promSeries), promSeries > 0 ? double(metrics.seriesCount()) / double(promSeries) : 0.0,
        double(Bench::peakRssBytes()) / 1e6, Bench::percentile(lags, 0.99));
#endif
    // A run that compared unlike things says so and fails.
    const double seriesRatio = promSeries > 0 ? double(metrics.seriesCount()) / double(promSeries) : 0.0;
    if (up != instances || store.gatewayCount() != instances || (withPrometheus && promUp != instances)) {
        std::fprintf(stderr, "not every gateway was up for both sides (fleetdeck %d of %d up, prometheus %lld)\n", up,
            instances, static_cast<long long>(promUp));
        return 1;
    }
    if (withPrometheus && (seriesRatio < 0.95 || seriesRatio > 1.05)) {
        std::fprintf(stderr, "the two sides do not keep the same series: fleetdeck %lld, prometheus %lld\n",
            static_cast<long long>(metrics.seriesCount()), static_cast<long long>(promSeries));
        return 1;
    }
    return 0;
}
