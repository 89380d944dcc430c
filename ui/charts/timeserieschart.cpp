#include "timeserieschart.h"

#include <cmath>

#include <QChart>
#include <QChartView>
#include <QContextMenuEvent>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFile>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QMouseEvent>
#include <QPen>
#include <QRubberBand>
#include <QScatterSeries>
#include <QTextStream>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include "eventlog.h"
#include "metricstore.h"

namespace Fleetdeck {

namespace {

// A chart view that turns a horizontal drag into a time range instead of zooming the axes itself, so the
// page decides what the new window is.
class RangeChartView final : public QChartView
{
public:
    RangeChartView(QChart* chart, TimeSeriesChart* owner)
        : QChartView(chart)
        , m_owner(owner)
        , m_band(new QRubberBand(QRubberBand::Rectangle, this))
    {
        setMouseTracking(true);
    }

protected:
    void mousePressEvent(QMouseEvent* e) override
    {
        if (e->button() == Qt::LeftButton && chart()->plotArea().contains(e->position())) {
            m_origin = e->position().toPoint();
            m_dragging = true;
            m_band->setGeometry(QRect(m_origin, QSize()));
            m_band->show();
        }
        QChartView::mousePressEvent(e);
    }
    void mouseMoveEvent(QMouseEvent* e) override
    {
        if (m_dragging) {
            const QRectF plot = chart()->plotArea();
            const int x = int(qBound(plot.left(), e->position().x(), plot.right()));
            m_band->setGeometry(QRect(QPoint(qMin(x, m_origin.x()), int(plot.top())),
                                      QPoint(qMax(x, m_origin.x()), int(plot.bottom()))));
        }
        QChartView::mouseMoveEvent(e);
    }
    void mouseReleaseEvent(QMouseEvent* e) override
    {
        if (m_dragging && e->button() == Qt::LeftButton) {
            m_dragging = false;
            m_band->hide();
            if (std::abs(e->position().x() - m_origin.x()) >= 8) {
                const auto series = chart()->series();
                if (!series.isEmpty()) {
                    const double a = chart()->mapToValue(QPointF(m_origin), series.first()).x();
                    const double b = chart()->mapToValue(e->position(), series.first()).x();
                    Q_EMIT m_owner->rangeSelected(qint64(qMin(a, b)), qint64(qMax(a, b)));
                }
            }
        }
        QChartView::mouseReleaseEvent(e);
    }

private:
    TimeSeriesChart* m_owner;
    QRubberBand* m_band;
    QPoint m_origin;
    bool m_dragging = false;
};

} // namespace

struct TimeSeriesChart::Private
{
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QDateTimeAxis* x = nullptr;
    QValueAxis* y = nullptr;
    QScatterSeries* markers = nullptr;
    QList<Line> lines;
    QList<QLineSeries*> series;
    QList<FleetEvent> events;
    qint64 fromMs = 0;
    qint64 toMs = 0;
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
    d->markers = new QScatterSeries;
    d->markers->setName(tr("events"));
    d->markers->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    d->markers->setMarkerSize(9);
    d->markers->setColor(QColor(0xd0, 0x50, 0x20));
    d->markers->setBorderColor(QColor(0x80, 0x30, 0x10));
    d->chart->addSeries(d->markers);
    d->markers->attachAxis(d->x);
    d->markers->attachAxis(d->y);
    connect(d->markers, &QScatterSeries::hovered, this, [this](const QPointF& p, bool state) {
        if (!state) {
            QToolTip::hideText();
            return;
        }
        QStringList texts;
        for (const FleetEvent& e : std::as_const(d->events)) {
            if (std::abs(double(e.timeMs) - p.x()) < 1.0)
                texts.append(QStringLiteral("%1 %2 %3: %4")
                                 .arg(QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("HH:mm:ss")),
                                      e.gateway, e.object, e.text));
        }
        QToolTip::showText(QCursor::pos(), texts.join(QLatin1Char('\n')), this);
    });
    d->view = new RangeChartView(d->chart, this);
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
    // Okabe-Ito colours: told apart with the common colour-vision deficiencies.
    static const QColor palette[] = { QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73),
                                      QColor(0xcc, 0x79, 0xa7), QColor(0x56, 0xb4, 0xe9), QColor(0xd5, 0x5e, 0x00),
                                      QColor(0x33, 0x33, 0x33), QColor(0xf0, 0xe4, 0x42) };
    int colour = 0;
    for (const Line& line : lines) {
        auto* s = new QLineSeries;
        s->setName(line.label);
        s->setPen(QPen(palette[colour++ % 8], 1.5));
        d->chart->addSeries(s);
        s->attachAxis(d->x);
        s->attachAxis(d->y);
        // Hover read-out: the exact value and time under the cursor.
        connect(s, &QLineSeries::hovered, this, [this, s](const QPointF& p, bool state) {
            if (!state)
                return;
            QToolTip::showText(QCursor::pos(),
                               QStringLiteral("%1\n%2\n%3")
                                   .arg(s->name(),
                                        QDateTime::fromMSecsSinceEpoch(qint64(p.x())).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")),
                                        QString::number(p.y(), 'f', 2)),
                               this);
        });
        d->series.append(s);
    }
    for (QLegendMarker* m : d->chart->legend()->markers(d->markers))
        m->setVisible(false);
    d->chart->legend()->setVisible(lines.size() > 1 || (lines.size() == 1 && !lines.first().label.isEmpty()));
}

QList<TimeSeriesChart::Line> TimeSeriesChart::lines() const
{
    return d->lines;
}

void TimeSeriesChart::setEvents(const QList<FleetEvent>& events)
{
    d->events = events;
}

void TimeSeriesChart::refresh(const MetricStore& store, qint64 endMs, qint64 windowMs, bool fitToHistory)
{
    const qint64 fromMs = endMs - windowMs;
    // One point pair per pixel column is all a screen can show: ask the store for no more buckets than that.
    const int columns = qMax(50, int(d->chart->plotArea().width()));
    double maxValue = 0.0;
    qint64 earliestMs = endMs;
    for (qsizetype i = 0; i < d->lines.size(); ++i) {
        const auto buckets = store.range(d->lines.at(i).key, fromMs, endMs, columns * 4);
        const auto decimated = decimateToPixels(buckets, fromMs, endMs, columns);
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
    // Live, until the history fills the window, the axis spans the history (at least a minute), so a fresh
    // start does not squeeze the first seconds into a sliver at the right edge.
    const qint64 startMs = fitToHistory ? qMax(fromMs, qMin(earliestMs, endMs - 60 * 1000)) : fromMs;
    d->fromMs = startMs;
    d->toMs = endMs;
    d->x->setFormat(windowMs > 2 * 86400 * 1000 ? QStringLiteral("MM-dd HH:mm")
                                                : (windowMs > 3600 * 1000 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss")));
    d->x->setRange(QDateTime::fromMSecsSinceEpoch(startMs), QDateTime::fromMSecsSinceEpoch(endMs));
    d->y->setRange(0, maxValue <= 0 ? 1.0 : maxValue * 1.1);
    d->y->applyNiceNumbers();
    d->y->setLabelFormat(d->y->max() < 5 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));

    QList<QPointF> marks;
    const double top = d->y->max() * 0.96;
    for (const FleetEvent& e : std::as_const(d->events)) {
        if (e.timeMs >= startMs && e.timeMs <= endMs)
            marks.append(QPointF(double(e.timeMs), top));
    }
    d->markers->replace(marks);
}

QList<int> TimeSeriesChart::pointCounts() const
{
    QList<int> out;
    for (const QLineSeries* s : d->series)
        out.append(int(s->count()));
    return out;
}

int TimeSeriesChart::eventMarkerCount() const
{
    return int(d->markers->count());
}

QPair<qint64, qint64> TimeSeriesChart::shownRange() const
{
    return { d->fromMs, d->toMs };
}

bool TimeSeriesChart::exportPng(const QString& path) const
{
    return d->view->grab().save(path, "PNG");
}

bool TimeSeriesChart::exportCsv(const QString& path, const MetricStore& store) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return false;
    QTextStream out(&file);
    out << "time,series,min,max,mean\n";
    for (const Line& line : std::as_const(d->lines)) {
        QString label = line.label;
        label.replace(QLatin1Char('"'), QLatin1String("\"\""));
        for (const auto& b : store.range(line.key, d->fromMs, d->toMs)) {
            out << QDateTime::fromMSecsSinceEpoch(b.timeMs).toString(Qt::ISODateWithMs) << ",\"" << label << "\",";
            if (b.isGap())
                out << ",,\n";
            else
                out << b.min << ',' << b.max << ',' << b.mean << '\n';
        }
    }
    return out.status() == QTextStream::Ok;
}

void TimeSeriesChart::contextMenuEvent(QContextMenuEvent* event)
{
    QMenu menu(this);
    QAction* png = menu.addAction(tr("Export chart as PNG…"));
    QAction* csv = menu.addAction(tr("Export series as CSV…"));
    QAction* chosen = menu.exec(event->globalPos());
    if (chosen == png)
        Q_EMIT exportRequested(false);
    else if (chosen == csv)
        Q_EMIT exportRequested(true);
}

} // namespace Fleetdeck
