// render: a chart of 20 series holding 24 h of 1 s samples, drawn 1600 px wide offscreen, in the same run:
// - Fleetdeck's chart: its tiered store read and decimated to min/max per pixel column ("prepare"), then painted
//   (dense lines as one span per column, unantialiased: the same picture as a 1 px polyline);
// - QLineSeries given the very samples the store was fed (1.73 M points), replace() timed apart from the paint;
// - QLineSeries given the same buckets the Fleetdeck chart reads for that window, also timed apart;
// - QLineSeries given the very points Fleetdeck's painter draws (its pixel columns' min and max, each unbroken run
//   its own series), without and, when there is a display (Xvfb: Mesa's software GL), with setUseOpenGL(true).
// Both QtCharts peers draw 1 px cosmetic lines without antialiasing, as Fleetdeck's dense lines are, and every side
// draws the same number of frames of the same data.
#include <cmath>
#include <cstdio>
#include <utility>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QLineSeries>
#include <QRandomGenerator>
#include <QValueAxis>

#include "charts/timeserieschart.h"
#include "common.h"
#include "metricstore.h"

using namespace Fleetdeck;

namespace {
constexpr int kSeries = 20;
constexpr qint64 kDayMs = 86400LL * 1000;
constexpr int kWidth = 1600;
constexpr int kHeight = 400;

double sampleValue(int series, qint64 i, QRandomGenerator& rng)
{
    // A daily wave, noise, and a rare spike: what a busy fleet's req/s looks like.
    const double wave = 200 + 150 * std::sin(double(i) / 86400.0 * 2 * M_PI + series);
    const double spike = (i % 7919 == 0) ? 800 : 0;
    return wave + rng.bounded(40.0) + spike;
}

struct Timing
{
    QList<double> prepare; // Fleetdeck: read and decimate; QtCharts: replace() the points
    QList<double> paint;
    double total() const { return Bench::median(prepare) + Bench::median(paint); }
};

double msSince(const QElapsedTimer& t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

void fleetdeckFrame(TimeSeriesChart& chart, const MetricStore& store, qint64 end, qint64 windowMs, Timing* timing)
{
    QElapsedTimer t;
    t.start();
    chart.refresh(store, end, windowMs, false);
    const double prepared = msSince(t);
    t.restart();
    const QPixmap frame = chart.grab();
    const double painted = msSince(t);
    if (frame.isNull())
        std::fprintf(stderr, "empty frame\n");
    if (timing) {
        timing->prepare.append(prepared);
        timing->paint.append(painted);
    }
}

// A QtCharts line chart drawn like Fleetdeck's dense lines: 1 px cosmetic pens, no antialiasing.
struct PlainChart
{
    QChart* chart = new QChart; // owned by the view
    QChartView view { chart };
    QList<QLineSeries*> series;

    explicit PlainChart(qint64 start, qint64 end, int seriesCount = kSeries, bool openGl = false)
    {
        for (int s = 0; s < seriesCount; ++s) {
            auto* line = new QLineSeries;
            line->setUseOpenGL(openGl);
            chart->addSeries(line);
            QPen pen = line->pen();
            pen.setWidth(1);
            pen.setCosmetic(true);
            line->setPen(pen);
            series.append(line);
        }
        chart->createDefaultAxes();
        chart->legend()->hide();
        chart->axes(Qt::Horizontal).first()->setRange(double(start), double(end));
        chart->axes(Qt::Vertical).first()->setRange(0, 1200);
        view.setRenderHint(QPainter::Antialiasing, false);
        view.resize(kWidth, kHeight);
        view.show();
    }

    void frame(const QList<QList<QPointF>>& points, Timing* timing)
    {
        QElapsedTimer t;
        t.start();
        for (qsizetype s = 0; s < series.size(); ++s)
            series.at(s)->replace(points.at(s));
        const double uploaded = msSince(t);
        t.restart();
        const QPixmap frame = view.grab();
        const double painted = msSince(t);
        if (frame.isNull())
            std::fprintf(stderr, "empty QtCharts frame\n");
        if (timing) {
            timing->prepare.append(uploaded);
            timing->paint.append(painted);
        }
    }
};
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    // Offscreen, unless there is a display (make bench runs this under Xvfb, where Mesa gives Qt Charts OpenGL).
    if (qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int frames = argc > 1 ? QByteArray(argv[1]).toInt() : 10;

    // One fill feeds both sides: the store, and the samples kept for the QLineSeries peer.
    MetricStore store;
    QRandomGenerator rng(7);
    const qint64 end = 1795800000000LL; // a fixed moment, so every run draws the same data
    const qint64 start = end - kDayMs;
    QList<TimeSeriesChart::Line> lines;
    QList<QList<QPointF>> samples(kSeries);
    QElapsedTimer fill;
    fill.start();
    for (int s = 0; s < kSeries; ++s) {
        const QString key = QStringLiteral("gw%1#req").arg(s);
        lines.append({ QStringLiteral("gw%1").arg(s), key });
        samples[s].reserve(86400);
        for (qint64 i = 0; i < 86400; ++i) {
            const double v = sampleValue(s, i, rng);
            store.appendGauge(key, start + i * 1000, v);
            samples[s].append(QPointF(double(start + i * 1000), v));
        }
    }
    std::printf("filled %d series x 86400 samples in %.0f ms\n", kSeries, double(fill.elapsed()));

    TimeSeriesChart chart(QStringLiteral("Requests per second"));
    chart.resize(kWidth, kHeight);
    chart.setLines(lines);
    chart.show();
    QApplication::processEvents();
    fleetdeckFrame(chart, store, end, kDayMs, nullptr); // warm-up: layout, fonts

    Timing day, hour, fiveMin;
    for (int i = 0; i < frames; ++i) {
        fleetdeckFrame(chart, store, end, kDayMs, &day);
        fleetdeckFrame(chart, store, end, 3600 * 1000, &hour);
        fleetdeckFrame(chart, store, end, 300 * 1000, &fiveMin);
    }
    int points = 0;
    chart.refresh(store, end, kDayMs, false);
    for (int c : chart.pointCounts())
        points += c;

    // The same buckets the chart reads for 24 h (the store's choice of tier for 1,600 px), as points.
    QList<QList<QPointF>> buckets(kSeries);
    int bucketPoints = 0;
    for (int s = 0; s < kSeries; ++s) {
        for (const MetricStore::Bucket& b : store.range(lines.at(s).key, start, end, 4 * kWidth))
            buckets[s].append(QPointF(double(b.timeMs), double(b.mean)));
        bucketPoints += int(buckets.at(s).size());
    }

    // The very points Fleetdeck's painter draws for 24 h (its pixel columns' min and max), each unbroken run of a
    // line as its own series (a gap ends one), for Qt Charts without and with OpenGL.
    chart.refresh(store, end, kDayMs, false);
    QList<QList<QPointF>> columns;
    int columnPoints = 0;
    for (const QVector<QPointF>& line : chart.drawnPoints()) {
        QList<QPointF> run;
        for (const QPointF& p : line) {
            if (std::isnan(p.y())) {
                if (!run.isEmpty())
                    columns.append(std::exchange(run, {}));
                continue;
            }
            run.append(p);
            ++columnPoints;
        }
        if (!run.isEmpty())
            columns.append(run);
    }
    Timing sameColumns, sameColumnsGl;
    {
        PlainChart plain(start, end, int(columns.size()), false);
        plain.frame(columns, nullptr); // warm-up
        for (int i = 0; i < frames; ++i)
            plain.frame(columns, &sameColumns);
    }
    const bool gl = QGuiApplication::platformName() != QLatin1String("offscreen");
    if (gl) {
        PlainChart plain(start, end, int(columns.size()), true);
        plain.frame(columns, nullptr); // warm-up: the GL context
        for (int i = 0; i < frames; ++i)
            plain.frame(columns, &sameColumnsGl);
    }

    Timing allSamples, sameBuckets;
    {
        PlainChart plain(start, end);
        plain.frame(buckets, nullptr); // warm-up
        for (int i = 0; i < frames; ++i)
            plain.frame(buckets, &sameBuckets);
    }
    {
        PlainChart plain(start, end);
        plain.frame(samples, nullptr); // warm-up
        for (int i = 0; i < frames; ++i)
            plain.frame(samples, &allSamples);
    }

    const double dayMs = day.total(), hourMs = hour.total(), fiveMs = fiveMin.total();
    const double columnsMs = sameColumns.total();
    const double columnsGlMs = gl ? sameColumnsGl.total() : -1;
    std::printf("fleetdeck chart, 24 h window (%d points drawn): prepare %.2f ms + paint %.2f ms = %.2f ms per frame, "
                "median of %d frames\n",
        points, Bench::median(day.prepare), Bench::median(day.paint), dayMs, frames);
    std::printf("fleetdeck chart, 1 h window (3600 samples per series, more than the pixels): %.2f + %.2f = %.2f ms\n",
        Bench::median(hour.prepare), Bench::median(hour.paint), hourMs);
    std::printf(
        "fleetdeck chart, 5 min window (300 samples per series, fewer than the pixels): %.2f + %.2f = %.2f ms\n",
        Bench::median(fiveMin.prepare), Bench::median(fiveMin.paint), fiveMs);
    std::printf("QLineSeries, the %d samples the store was fed: replace %.1f ms + paint %.1f ms = %.1f ms per frame, "
                "median of %d frames\n",
        kSeries * 86400, Bench::median(allSamples.prepare), Bench::median(allSamples.paint), allSamples.total(),
        frames);
    std::printf("QLineSeries, the same %d buckets the Fleetdeck chart reads: replace %.2f ms + paint %.2f ms = %.2f ms "
                "per frame, median of %d frames\n",
        bucketPoints, Bench::median(sameBuckets.prepare), Bench::median(sameBuckets.paint), sameBuckets.total(),
        frames);
    std::printf("QLineSeries, the same %d points Fleetdeck's painter draws for 24 h (%lld series, a gap ends one): "
                "replace %.2f ms + paint %.2f ms = %.2f ms per frame\n",
        columnPoints, static_cast<long long>(columns.size()), Bench::median(sameColumns.prepare),
        Bench::median(sameColumns.paint), columnsMs);
    if (gl)
        std::printf("the same with QLineSeries::setUseOpenGL(true) (%s): replace %.2f ms + paint %.2f ms = %.2f ms per "
                    "frame\n",
            qPrintable(QGuiApplication::platformName()), Bench::median(sameColumnsGl.prepare),
            Bench::median(sameColumnsGl.paint), columnsGlMs);
    else
        std::printf("OpenGL not measured: the offscreen platform has no GL (run under Xvfb, as make bench does)\n");
    std::printf("render_qtcharts_columns_ms=%.2f render_qtcharts_columns_gl_ms=%.2f "
                "render_qtcharts_columns_ratio=%.2f render_qtcharts_columns_gl_ratio=%.2f\n",
        columnsMs, columnsGlMs, columnsMs / dayMs, gl ? columnsGlMs / dayMs : -1.0);
    std::printf("render_ms_24h=%.2f render_prepare_ms_24h=%.2f render_paint_ms_24h=%.2f render_ms_1h=%.2f "
                "render_ms_5m=%.2f render_qlineseries_samples_ms=%.1f render_qlineseries_samples_paint_ms=%.1f "
                "render_qlineseries_buckets_ms=%.2f render_qlineseries_buckets_paint_ms=%.2f "
                "render_speedup_vs_qlineseries_samples=%.1f render_speedup_vs_qlineseries_buckets=%.2f "
                "render_paint_speedup_vs_qlineseries_buckets=%.2f render_ratio_24h_vs_5m=%.2f "
                "render_ratio_24h_vs_1h=%.2f\n",
        dayMs, Bench::median(day.prepare), Bench::median(day.paint), hourMs, fiveMs, allSamples.total(),
        Bench::median(allSamples.paint), sameBuckets.total(), Bench::median(sameBuckets.paint),
        allSamples.total() / dayMs, sameBuckets.total() / dayMs,
        Bench::median(sameBuckets.paint) / Bench::median(day.paint), dayMs / fiveMs, dayMs / hourMs);
    return 0;
}
