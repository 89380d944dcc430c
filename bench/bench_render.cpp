// render: a chart of 20 series holding 24 h of 1 s samples, drawn 1600 px wide offscreen. Fleetdeck's chart
// (tiered store, min/max per pixel column) against a plain QLineSeries given every point, in the same run.
#include <cmath>
#include <cstdio>

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QRandomGenerator>

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

// Time of one frame: refresh from the store and paint the widget.
double fleetdeckFrameMs(TimeSeriesChart& chart, const MetricStore& store, qint64 end, qint64 windowMs)
{
    QElapsedTimer t;
    t.start();
    chart.refresh(store, end, windowMs, false);
    const QPixmap frame = chart.grab();
    const double ms = double(t.nsecsElapsed()) / 1e6;
    if (frame.isNull())
        std::fprintf(stderr, "empty frame\n");
    return ms;
}
} // namespace

int main(int argc, char* argv[])
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int frames = argc > 1 ? QByteArray(argv[1]).toInt() : 15;

    MetricStore store;
    QRandomGenerator rng(7);
    const qint64 end = 1795800000000LL; // a fixed moment, so every run draws the same data
    const qint64 start = end - kDayMs;
    QList<TimeSeriesChart::Line> lines;
    QElapsedTimer fill;
    fill.start();
    for (int s = 0; s < kSeries; ++s) {
        const QString key = QStringLiteral("gw%1#req").arg(s);
        lines.append({ QStringLiteral("gw%1").arg(s), key });
        for (qint64 i = 0; i < 86400; ++i)
            store.appendGauge(key, start + i * 1000, sampleValue(s, i, rng));
    }
    std::printf("filled %d series x 86400 samples in %.0f ms\n", kSeries, double(fill.elapsed()));

    TimeSeriesChart chart(QStringLiteral("Requests per second"));
    chart.resize(kWidth, kHeight);
    chart.setLines(lines);
    chart.show();
    QApplication::processEvents();
    fleetdeckFrameMs(chart, store, end, kDayMs); // warm-up: layout, fonts

    QList<double> day, hour, fiveMin;
    for (int i = 0; i < frames; ++i) {
        day.append(fleetdeckFrameMs(chart, store, end, kDayMs));
        hour.append(fleetdeckFrameMs(chart, store, end, 3600 * 1000));
        fiveMin.append(fleetdeckFrameMs(chart, store, end, 300 * 1000));
    }
    int points = 0;
    chart.refresh(store, end, kDayMs, false);
    for (int c : chart.pointCounts())
        points += c;

    // The naive way: every sample into a QLineSeries, the whole day per frame.
    auto* naiveChart = new QChart; // owned by the view
    QList<QLineSeries*> naive;
    for (int s = 0; s < kSeries; ++s) {
        auto* series = new QLineSeries;
        naiveChart->addSeries(series);
        naive.append(series);
    }
    naiveChart->createDefaultAxes();
    QChartView naiveView(naiveChart);
    naiveView.setRenderHint(QPainter::Antialiasing);
    naiveView.resize(kWidth, kHeight);
    naiveView.show();
    QList<QList<QPointF>> raw(kSeries);
    for (int s = 0; s < kSeries; ++s) {
        const auto buckets = store.range(lines.at(s).key, start, end);
        raw[s].reserve(buckets.size());
        for (const auto& b : buckets)
            raw[s].append(QPointF(double(b.timeMs), double(b.mean)));
    }
    // The store keeps the day at 10 s after the first hour; give the naive chart the full 1 s day as well.
    for (int s = 0; s < kSeries; ++s) {
        raw[s].clear();
        QRandomGenerator again(7 + quint32(s));
        for (qint64 i = 0; i < 86400; ++i)
            raw[s].append(QPointF(double(start + i * 1000), sampleValue(s, i, again)));
    }
    const int naiveFrames = qMax(2, frames / 5);
    QList<double> naiveMs;
    for (int i = 0; i < naiveFrames + 1; ++i) {
        QElapsedTimer t;
        t.start();
        for (int s = 0; s < kSeries; ++s)
            naive.at(s)->replace(raw.at(s));
        naiveChart->axes(Qt::Horizontal).first()->setRange(double(start), double(end));
        naiveChart->axes(Qt::Vertical).first()->setRange(0, 1200);
        const QPixmap frame = naiveView.grab();
        if (i > 0) // the first frame warms up
            naiveMs.append(double(t.nsecsElapsed()) / 1e6);
        if (frame.isNull())
            std::fprintf(stderr, "empty naive frame\n");
    }

    const double dayMs = Bench::median(day);
    const double fiveMs = Bench::median(fiveMin);
    const double hourMs = Bench::median(hour);
    const double naiveMedian = Bench::median(naiveMs);
    std::printf("fleetdeck chart, 24 h window: median %.2f ms per frame over %d frames (%d points drawn)\n", dayMs,
        frames, points);
    std::printf(
        "fleetdeck chart, 1 h window (3600 samples per series, more than the pixels): median %.2f ms per frame\n",
        hourMs);
    std::printf(
        "fleetdeck chart, 5 min window (300 samples per series, fewer than the pixels): median %.2f ms per frame\n",
        fiveMs);
    std::printf("plain QLineSeries with all %d points: median %.1f ms per frame over %d frames\n", kSeries * 86400,
        naiveMedian, int(naiveMs.size()));
    std::printf("render_ms_24h=%.2f render_ms_1h=%.2f render_ms_5m=%.2f render_ms_naive_24h=%.1f "
                "render_speedup_vs_naive=%.1f render_ratio_24h_vs_5m=%.2f render_ratio_24h_vs_1h=%.2f\n",
        dayMs, hourMs, fiveMs, naiveMedian, naiveMedian / dayMs, dayMs / fiveMs, dayMs / hourMs);
    return 0;
}
