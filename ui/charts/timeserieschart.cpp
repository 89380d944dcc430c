#include "timeserieschart.h"

#include <cmath>

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include "metricstore.h"

namespace Fleetdeck {

struct TimeSeriesChart::Private
{
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QDateTimeAxis* x = nullptr;
    QValueAxis* y = nullptr;
    QList<Line> lines;
    QList<QLineSeries*> series;
    int windowSeconds = 300;
};

TimeSeriesChart::TimeSeriesChart(const QString& title, QWidget* parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->chart = new QChart;
    d->chart->setTitle(title);
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    d->chart->setMargins(QMargins(4, 4, 4, 4));
    d->chart->setBackgroundRoundness(0);
    d->x = new QDateTimeAxis;
    d->x->setFormat(QStringLiteral("HH:mm:ss"));
    d->x->setTickCount(4);
    d->y = new QValueAxis;
    d->y->setLabelFormat(QStringLiteral("%.0f"));
    d->y->setMin(0);
    d->chart->addAxis(d->x, Qt::AlignBottom);
    d->chart->addAxis(d->y, Qt::AlignLeft);
    d->view = new QChartView(d->chart, this);
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setMinimumHeight(160);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->view);
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::setLines(const QList<Line>& lines)
{
    bool same = lines.size() == d->lines.size();
    for (qsizetype i = 0; same && i < lines.size(); ++i)
        same = lines.at(i).key == d->lines.at(i).key && lines.at(i).label == d->lines.at(i).label;
    if (same)
        return;
    for (QLineSeries* s : std::as_const(d->series)) {
        d->chart->removeSeries(s);
        delete s;
    }
    d->series.clear();
    d->lines = lines;
    for (const Line& line : lines) {
        auto* s = new QLineSeries;
        s->setName(line.label);
        d->chart->addSeries(s);
        s->attachAxis(d->x);
        s->attachAxis(d->y);
        d->series.append(s);
    }
    d->chart->legend()->setVisible(lines.size() > 1 || (lines.size() == 1 && !lines.first().label.isEmpty()));
}

QList<TimeSeriesChart::Line> TimeSeriesChart::lines() const
{
    return d->lines;
}

void TimeSeriesChart::setWindowSeconds(int seconds)
{
    d->windowSeconds = qMax(10, seconds);
}

void TimeSeriesChart::refresh(const MetricStore& store, qint64 nowMs)
{
    const qint64 fromMs = nowMs - qint64(d->windowSeconds) * 1000;
    // One point pair per pixel column is all a screen can show: ask the store for no more buckets than that.
    const int columns = qMax(50, int(d->chart->plotArea().width()));
    double maxValue = 0.0;
    qint64 earliestMs = nowMs;
    for (qsizetype i = 0; i < d->lines.size(); ++i) {
        const auto buckets = store.range(d->lines.at(i).key, fromMs, nowMs, columns * 4);
        const auto decimated = decimateToPixels(buckets, fromMs, nowMs, columns);
        QList<QPointF> points;
        points.reserve(decimated.size());
        for (const ChartPoint& p : decimated) {
            // QLineSeries cannot break a line; a gap is left out and the line joins its neighbours.
            if (std::isnan(p.y))
                continue;
            points.append(QPointF(p.x, p.y));
            maxValue = qMax(maxValue, p.y);
            earliestMs = qMin(earliestMs, qint64(p.x));
        }
        d->series.at(i)->replace(points);
    }
    m_maxShown = maxValue;
    // Until the history fills the window, the axis spans the history (at least a minute), so a fresh start
    // does not squeeze the first seconds into a sliver at the right edge.
    const qint64 startMs = qMax(fromMs, qMin(earliestMs, nowMs - 60 * 1000));
    d->x->setRange(QDateTime::fromMSecsSinceEpoch(startMs), QDateTime::fromMSecsSinceEpoch(nowMs));
    d->y->setRange(0, maxValue <= 0 ? 1.0 : maxValue * 1.1);
    d->y->applyNiceNumbers();
    d->y->setLabelFormat(d->y->max() < 5 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
}

QList<int> TimeSeriesChart::pointCounts() const
{
    QList<int> out;
    for (const QLineSeries* s : d->series)
        out.append(int(s->count()));
    return out;
}

} // namespace Fleetdeck
