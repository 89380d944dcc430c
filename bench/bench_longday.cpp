// longday: a whole day of a big fleet in the history store, in simulated time. 20,000 series are fed 24 hours of
// 1 s samples whose noise, steps, gaps and flat stretches come from a recording of the lab's real traffic
// (bench/data/lab-traffic.txt: every series Fleetdeck's store held while polling the lab, second by second, as its
// 1 s tier kept them). Each synthetic series replays one recorded series (all of them in turn, so the mix of kinds
// is the recording's) in windows of 5 minutes taken at random places of it, one after the other, so its level moves
// where the windows meet as well as within them. Printed: the process's resident memory, bytes per series-day by the
// store's accounting and by resident memory, against the uncompressed rings of the previous store (their fixed
// size per series after a day, computed from the same tiers), and the time to draw a 24 h and a 7 d chart of 20
// series from the compressed chunks, 1600 x 400 offscreen.
//
//   bench_longday [series] [hours]         the benchmark (default 20000 series, 24 h)
//   bench_longday --record FILE [seconds]  records the lab's traffic (default 600 s) into FILE
#include <cmath>
#include <cstdio>
#include <memory>

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>

#include "assembly.h"
#include "charts/timeserieschart.h"
#include "common.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "registry.h"

using namespace Fleetdeck;

namespace {
constexpr int kWindowSeconds = 300;
constexpr int kChartSeries = 20;
constexpr qint64 kEnd = 1795800000000LL; // a fixed moment, so every run is the same

// A recorded series: its key and one value per second (NaN: a gap; +inf: no sample that second).
struct Recorded
{
    QString key;
    std::vector<float> values;
};

int record(const QString& path, int seconds)
{
    QTemporaryDir tmp;
    const QString state = tmp.filePath(QStringLiteral("lab.json"));
    std::printf(
        "starting the lab: 2 HAProxy (and the signals one), Caddy, Varnish, nginx; traffic for %d s\n", seconds + 60);
    if (!Bench::runLab(QStringLiteral(FLEETDECK_LAB_SCRIPT),
            { QStringLiteral("start"), QStringLiteral("--state"), state, QStringLiteral("--haproxy"),
                QStringLiteral("2"), QStringLiteral("--caddy"), QStringLiteral("1"), QStringLiteral("--varnish"),
                QStringLiteral("1"), QStringLiteral("--nginx"), QStringLiteral("1"), QStringLiteral("--mixed-fleet"),
                QStringLiteral("--signals"), QStringLiteral("--flap-seconds"), QStringLiteral("90"),
                QStringLiteral("--traffic-seconds"), QString::number(seconds + 60), QStringLiteral("--lifetime"),
                QString::number(seconds + 300) })) {
        std::fprintf(stderr, "the lab did not start\n");
        return 1;
    }
    auto stop = [&state] {
        Bench::runLab(
            QStringLiteral(FLEETDECK_LAB_SCRIPT), { QStringLiteral("stop"), QStringLiteral("--state"), state });
    };
    QFile stateFile(state);
    stateFile.open(QIODevice::ReadOnly);
    QFile fleetFile(QJsonDocument::fromJson(stateFile.readAll()).object().value(QLatin1String("fleet")).toString());
    fleetFile.open(QIODevice::ReadOnly);
    const auto fleet = parseFleetFile(fleetFile.readAll(), Drivers::ProductRegistry::builtIn().catalog());
    if (!fleet) {
        std::fprintf(stderr, "the lab's fleet file: %s\n", qPrintable(fleet.error()));
        stop();
        return 1;
    }
    auto assembly = std::make_unique<Assembly>();
    for (const GatewayConfig& c : fleet.value().gateways)
        assembly->controller().addGateway(c);
    const qint64 from = QDateTime::currentMSecsSinceEpoch() + 10000; // after the first polls
    const qint64 to = from + qint64(seconds) * 1000 - 1;
    QElapsedTimer t;
    t.start();
    while (QDateTime::currentMSecsSinceEpoch() < to + 2000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 200);
    const MetricStore& metrics = assembly->metrics();
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        stop();
        return 1;
    }
    QTextStream s(&out);
    QStringList keys = metrics.keys();
    keys.sort();
    s << "# Fleetdeck's history store polling the lab (2 HAProxy and the signals one, Caddy, Varnish, nginx; one "
         "upstream failing its checks every 90 s), recorded by bench_longday --record on "
      << QDateTime::currentDateTimeUtc().toString(Qt::ISODate) << ": " << keys.size() << " series, " << seconds
      << " s at 1 s. One line per series: its key, then its value each second ('-' no sample, 'g' a gap).\n";
    for (const QString& key : std::as_const(keys)) {
        QVector<float> second(seconds, std::numeric_limits<float>::infinity());
        for (const MetricStore::Bucket& b : metrics.range(key, from, to))
            if (b.timeMs >= from && b.timeMs <= to)
                second[int((b.timeMs - from) / 1000)] = b.mean;
        s << key;
        for (float v : std::as_const(second)) {
            if (std::isinf(v))
                s << " -";
            else if (std::isnan(v))
                s << " g";
            else
                s << ' ' << QString::number(double(v), 'g', 6);
        }
        s << '\n';
    }
    s.flush();
    std::printf(
        "recorded %lld series x %d s into %s\n", static_cast<long long>(keys.size()), seconds, qPrintable(path));
    assembly.reset();
    stop();
    return 0;
}

QList<Recorded> load(const QString& path)
{
    QList<Recorded> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> words = line.split(' ');
        Recorded r;
        r.key = QString::fromUtf8(words.first());
        r.values.reserve(size_t(words.size()));
        for (qsizetype i = 1; i < words.size(); ++i) {
            const QByteArray& w = words.at(i);
            r.values.push_back(w == "-" ? std::numeric_limits<float>::infinity()
                    : w == "g"          ? std::numeric_limits<float>::quiet_NaN()
                                        : w.toFloat());
        }
        out.append(r);
    }
    return out;
}

struct Frame
{
    QList<double> ms;
};

double drawChart(const MetricStore& store, const QStringList& keys, qint64 windowMs, int* points)
{
    TimeSeriesChart chart(QStringLiteral("Requests per second"));
    chart.resize(1600, 400);
    QList<TimeSeriesChart::Line> lines;
    for (const QString& k : keys)
        lines.append({ k.section(QLatin1Char('#'), 0, 0), k });
    chart.setLines(lines);
    chart.show();
    QApplication::processEvents();
    chart.refresh(store, kEnd, windowMs, false);
    chart.grab(); // warm-up: layout, fonts
    QList<double> frames;
    for (int i = 0; i < 10; ++i) {
        QElapsedTimer t;
        t.start();
        chart.refresh(store, kEnd, windowMs, false);
        const QPixmap frame = chart.grab();
        frames.append(double(t.nsecsElapsed()) / 1e6);
        if (frame.isNull())
            std::fprintf(stderr, "empty frame\n");
    }
    *points = 0;
    for (int c : chart.pointCounts())
        *points += c;
    return Bench::median(frames);
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    if (argc > 2 && QByteArray(argv[1]) == "--record") {
        QCoreApplication app(argc, argv);
        return record(QString::fromLocal8Bit(argv[2]), argc > 3 ? QByteArray(argv[3]).toInt() : 600);
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int seriesCount = argc > 1 ? QByteArray(argv[1]).toInt() : 20000;
    const int hours = argc > 2 ? QByteArray(argv[2]).toInt() : 24;
    const QList<Recorded> recorded = load(QStringLiteral(FLEETDECK_TRAFFIC_RECORDING));
    if (recorded.isEmpty() || recorded.first().values.size() < size_t(kWindowSeconds)) {
        std::fprintf(stderr, "no recording in %s\n", FLEETDECK_TRAFFIC_RECORDING);
        return 1;
    }
    int flat = 0;
    for (const Recorded& r : recorded) {
        float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
        for (float v : r.values)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        flat += lo == hi ? 1 : 0;
    }
    const int seconds = hours * 3600;
    const qint64 start = kEnd - qint64(seconds) * 1000;
    std::printf("recording: %lld series x %zu s, %d of them flat all along; replayed into %d series x %d h of 1 s "
                "samples\n",
        static_cast<long long>(recorded.size()), recorded.first().values.size(), flat, seriesCount, hours);

    const qint64 rssBefore = Bench::rssBytes();
    MetricStore store;
    std::vector<MetricStore::Handle> handles;
    QStringList names;
    std::vector<int> source;
    std::vector<int> offset; // where in its recorded series the current window starts
    QRandomGenerator rng(2026);
    handles.reserve(size_t(seriesCount));
    for (int i = 0; i < seriesCount; ++i) {
        const Recorded& r = recorded.at(i % recorded.size());
        names.append(QStringLiteral("%1~%2").arg(r.key).arg(i));
        handles.push_back(store.handle(names.last()));
        source.push_back(int(i % recorded.size()));
        offset.push_back(0);
    }
    QElapsedTimer fill;
    fill.start();
    const double cpuBefore = Bench::cpuSeconds();
    for (int sec = 0; sec < seconds; ++sec) {
        const qint64 t = start + qint64(sec) * 1000;
        const bool newWindow = sec % kWindowSeconds == 0;
        for (int i = 0; i < seriesCount; ++i) {
            const std::vector<float>& values = recorded.at(source[size_t(i)]).values;
            if (newWindow)
                offset[size_t(i)] = int(rng.bounded(quint32(values.size() - kWindowSeconds + 1)));
            const float v = values[size_t(offset[size_t(i)] + sec % kWindowSeconds)];
            if (std::isnan(v))
                store.appendGap(handles[size_t(i)], t);
            else if (!std::isinf(v))
                store.appendGauge(handles[size_t(i)], t, double(v));
        }
        if (sec % 3600 == 3599)
            std::printf("  %d h simulated in %.0f s; store %.0f MB by its accounting\n", (sec + 1) / 3600,
                double(fill.elapsed()) / 1000, double(store.bytesAllocated()) / 1e6);
    }
    const double cpu = Bench::cpuSeconds() - cpuBefore;
    const qint64 rssStore = Bench::rssBytes() - rssBefore;
    const qint64 rssTotal = Bench::rssBytes();
    const double days = double(seconds) / 86400.0;
    const double accounted = double(store.bytesAllocated()) / seriesCount / days;
    const double resident = double(rssStore) / seriesCount / days;
    // The previous store: every tier a ring of 12-byte buckets in chunks of 64, allocated as the ring fills.
    qint64 uncompressed = 0;
    for (const MetricStore::Tier& tier : store.tiers()) {
        const qint64 held = std::min<qint64>(tier.buckets, qint64(seconds) * 1000 / tier.stepMs);
        uncompressed += (held + 63) / 64 * 64 * 12;
    }
    const double uncompressedPerDay = double(uncompressed) / days;

    // Charts from the compressed chunks: 20 of the series over the whole day.
    QStringList chartKeys;
    for (int i = 0; i < kChartSeries; ++i)
        chartKeys.append(names.at(i * 997 % seriesCount));
    int dayPoints = 0;
    const double dayChartMs = drawChart(store, chartKeys, qint64(seconds) * 1000, &dayPoints);

    // 7 days: 20 series alone (a week of the whole fleet would take this machine an hour to simulate).
    MetricStore week;
    QStringList weekKeys;
    for (int i = 0; i < kChartSeries; ++i) {
        const Recorded& r = recorded.at(i * 7 % recorded.size());
        const QString key = QStringLiteral("%1~w%2").arg(r.key).arg(i);
        weekKeys.append(key);
        MetricStore::Handle h = week.handle(key);
        int off = 0;
        for (int sec = 0; sec < 7 * 86400; ++sec) {
            if (sec % kWindowSeconds == 0)
                off = int(rng.bounded(quint32(r.values.size() - kWindowSeconds + 1)));
            const float v = r.values[size_t(off + sec % kWindowSeconds)];
            const qint64 t = kEnd - qint64(7 * 86400 - sec) * 1000;
            if (std::isnan(v))
                week.appendGap(h, t);
            else if (!std::isinf(v))
                week.appendGauge(h, t, double(v));
        }
    }
    int weekPoints = 0;
    const double weekChartMs = drawChart(week, weekKeys, 7 * 86400LL * 1000, &weekPoints);
    const double weekPerSeriesDay = double(week.bytesAllocated()) / kChartSeries / 7;

    std::printf("%d series x %d h fed in %.0f s (%.2f CPU s, %.0f ns per sample)\n", seriesCount, hours,
        double(fill.elapsed()) / 1000, cpu, cpu * 1e9 / (double(seriesCount) * seconds));
    std::printf("store: %.0f bytes per series-day by its accounting, %.0f by resident memory; the uncompressed "
                "rings held %.0f after the same time (ratio %.3f)\n",
        accounted, resident, uncompressedPerDay, accounted / uncompressedPerDay);
    std::printf(
        "process resident memory: %.0f MB (goal: 600 MB after 24 h of 20,000 series)\n", double(rssTotal) / 1e6);
    std::printf("a week: %.0f bytes per series-day (20 series)\n", weekPerSeriesDay);
    std::printf("chart of %d series from compressed chunks, 1600 x 400: %d h window %.2f ms (%d points), 7 d window "
                "%.2f ms (%d points), median of 10 frames\n",
        kChartSeries, hours, dayChartMs, dayPoints, weekChartMs, weekPoints);
    std::printf("longday_rss_mb=%.0f longday_bytes_per_series_day=%.0f longday_rss_bytes_per_series_day=%.0f "
                "longday_week_bytes_per_series_day=%.0f longday_ratio_vs_uncompressed=%.3f "
                "longday_ingest_ns_per_sample=%.0f longday_render_24h_ms=%.2f longday_render_7d_ms=%.2f\n",
        double(rssTotal) / 1e6, accounted, resident, weekPerSeriesDay, accounted / uncompressedPerDay,
        cpu * 1e9 / (double(seriesCount) * seconds), dayChartMs, weekChartMs);
    return 0;
}
