#include "timeserieschart.h"
#include "statecolours.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QContextMenuEvent>
#include <QDateTime>
#include <QFile>
#include <QMenu>
#include <QMouseEvent>
#include <QMetaMethod>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>
#include <QTextStream>
#include <QToolTip>

#include "eventlog.h"
#include "historycache.h"
#include "metricstore.h"
#include "printable.h"

// Why not Qt Charts: bench_render feeds QLineSeries the very points this painter draws for a 24 h frame of 20 lines
// (each unbroken run its own series, since a QLineSeries cannot break at a gap): 26 ms a frame, 15 ms with
// setUseOpenGL(true), against 5 ms here (2026-12-01). This widget paints the decimated points with QPainter.

namespace Fleetdeck {

namespace {

// Okabe-Ito colours: told apart with the common colour-vision deficiencies.
const QColor kPalette[]
    = { QColor(0x00, 0x72, 0xb2), QColor(0xe6, 0x9f, 0x00), QColor(0x00, 0x9e, 0x73), QColor(0xcc, 0x79, 0xa7),
          QColor(0x56, 0xb4, 0xe9), QColor(0xd5, 0x5e, 0x00), QColor(0x33, 0x33, 0x33), QColor(0xf0, 0xe4, 0x42) };

} // namespace

TimeSeriesChart::Axis TimeSeriesChart::axisFor(double maxValue, int ticks)
{
    // A flat zero (or nothing) still gets an axis that reads: 0 to 1.
    const double top = maxValue > 0 && std::isfinite(maxValue) ? maxValue * 1.05 : 1.0;
    const double raw = top / qMax(1, ticks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    Axis axis;
    axis.step = 10 * magnitude;
    // Steps of 1, 2 or 5 x 10^n: labels people read at a glance (no 0.25 shown as "0.3").
    for (double m : { 1.0, 2.0, 5.0 }) {
        if (raw <= m * magnitude * (1 + 1e-9)) {
            axis.step = m * magnitude;
            break;
        }
    }
    axis.max = axis.step * std::ceil(top / axis.step - 1e-9);
    axis.decimals = qMax(0, int(-std::floor(std::log10(axis.step) + 1e-9)));
    return axis;
}

QStringList TimeSeriesChart::Axis::labels() const
{
    QStringList out;
    for (int i = 0; i * step <= max + step / 2; ++i)
        out.append(QString::number(i * step, 'f', decimals));
    return out;
}

namespace {

qint64 timeStepMs(qint64 rangeMs, int ticks)
{
    static const qint64 steps[] = { 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000,
        1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000 };
    for (qint64 s : steps) {
        if (rangeMs / s <= ticks)
            return s;
    }
    return 86400000LL * ((rangeMs / 86400000LL) / ticks + 1);
}

} // namespace

struct TimeSeriesChart::Private
{
    QString title;
    QList<Line> lines;
    QList<QVector<QPointF>> points; // per line, in data coordinates (ms, value); NaN y breaks the line
    QList<FleetEvent> events;
    QList<Band> bands;
    qint64 fromMs = 0;
    qint64 toMs = 1;
    double yMax = 1;
    double yStep = 1;
    int yDecimals = 0;
    bool stacked = false;
    QList<QVector<double>> stackTops; // stacked mode: per line, the cumulative top per pixel column (NaN: none)
    bool dragging = false;
    int dragFrom = 0;
    int dragTo = 0;
    // Each legend label's width, measured once per set of lines and font (shaping the text was most of a refresh).
    mutable QVector<int> labelWidths;

    mutable int axisLabelWidth = -1;

    int axisWidth(const QFontMetrics& fm) const
    {
        if (axisLabelWidth < 0)
            axisLabelWidth = fm.horizontalAdvance(QStringLiteral("00000.0")) + 8;
        return axisLabelWidth;
    }

    int labelWidth(qsizetype i, const QFontMetrics& fm) const
    {
        if (labelWidths.size() != lines.size()) {
            labelWidths.resize(lines.size());
            for (qsizetype l = 0; l < lines.size(); ++l)
                labelWidths[l] = fm.horizontalAdvance(lines.at(l).label);
        }
        return labelWidths.at(i);
    }

    // The legend wraps onto as many rows as its entries need at this width.
    int legendRows(const QRect& all, const QFontMetrics& fm) const
    {
        if (lines.isEmpty() || (lines.size() == 1 && lines.first().label.isEmpty()))
            return 0;
        const int left = axisWidth(fm);
        int rows = 1;
        int x = all.left() + left;
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const int w = labelWidth(i, fm) + 24;
            if (x + w > all.right() && x > all.left() + left) {
                ++rows;
                x = all.left() + left;
            }
            x += w;
        }
        return qMin(rows, 4);
    }

    QRect plotRect(const QRect& all, const QFontMetrics& fm) const
    {
        const int rows = legendRows(all, fm);
        const int legend = rows > 0 ? rows * (fm.height() + 2) + 4 : 0;
        const int left = axisWidth(fm);
        return all.adjusted(left, fm.height() + 10, -12, -(fm.height() + 10 + legend));
    }
    // The line's colour: the palette's, and grey for the combined "others".
    QColor colour(qsizetype i) const
    {
        if (i < lines.size() && !lines.at(i).combined.isEmpty())
            return QColor(0x99, 0x99, 0x99);
        // The palette's near-black line turns near-white on a dark base.
        const QColor c = kPalette[i % 8];
        return c == QColor(0x33, 0x33, 0x33) && StateColours::darkPalette() ? QColor(0xdd, 0xdd, 0xdd) : c;
    }
    double xToPixel(double ms, const QRect& plot) const
    {
        return plot.left() + (ms - double(fromMs)) / double(qMax<qint64>(1, toMs - fromMs)) * plot.width();
    }
    double yToPixel(double v, const QRect& plot) const { return plot.bottom() - v / yMax * plot.height(); }
    double pixelToMs(int x, const QRect& plot) const
    {
        return double(fromMs) + double(x - plot.left()) / qMax(1, plot.width()) * double(toMs - fromMs);
    }
};

TimeSeriesChart::TimeSeriesChart(const QString& title, QWidget* parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->title = title;
    setMinimumHeight(160);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::setLines(const QList<Line>& lines)
{
    bool same = lines.size() == d->lines.size();
    for (qsizetype i = 0; same && i < lines.size(); ++i)
        same = lines.at(i).key == d->lines.at(i).key && lines.at(i).label == d->lines.at(i).label
            && lines.at(i).combined == d->lines.at(i).combined;
    if (same)
        return;
    d->lines = lines;
    d->labelWidths.clear();
    d->points = QList<QVector<QPointF>>(lines.size());
    update();
}

void TimeSeriesChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange) {
        d->labelWidths.clear();
        d->axisLabelWidth = -1;
    }
    QWidget::changeEvent(event);
}

void TimeSeriesChart::setStacked(bool stacked)
{
    d->stacked = stacked;
    update();
}

bool TimeSeriesChart::isStacked() const
{
    return d->stacked;
}

QList<TimeSeriesChart::Line> TimeSeriesChart::lines() const
{
    return d->lines;
}

void TimeSeriesChart::setEvents(const QList<FleetEvent>& events)
{
    d->events = events;
    update();
}

void TimeSeriesChart::setBands(const QList<Band>& bands)
{
    d->bands = bands;
    for (Band& b : d->bands) // their names come from alerts' labels: escaped, and cut long before the chart's width
        b.label = printable(b.label, kShownName);
    update();
}

int TimeSeriesChart::bandsShown() const
{
    return int(std::count_if(d->bands.cbegin(), d->bands.cend(),
        [this](const Band& b) { return b.fromMs <= d->toMs && (b.toMs == 0 || b.toMs >= d->fromMs); }));
}

void TimeSeriesChart::refresh(
    const MetricStore& store, qint64 endMs, qint64 windowMs, bool fitToHistory, const HistoryCache* history)
{
    const qint64 fromMs = endMs - windowMs;
    const QRect plot = d->plotRect(rect(), fontMetrics());
    // One min/max pair per pixel column is all a screen can show: ask the store for no more buckets than that.
    const int columns = qMax(50, plot.width());
    double maxValue = 0.0;
    qint64 earliestMs = endMs;
    const double msPerColumn = double(endMs - fromMs) / columns;
    for (qsizetype i = 0; i < d->lines.size(); ++i) {
        const Line& line = d->lines.at(i);
        if (!line.combined.isEmpty()) {
            // Per pixel column, the series' means added up (or their highest maximum); NaN where none has data.
            QVector<double> value(columns, std::numeric_limits<double>::quiet_NaN());
            for (const QString& key : line.combined) {
                const auto decimated
                    = decimateToPixels(store.range(key, fromMs, endMs, columns * 4), fromMs, endMs, columns);
                QVector<double> sum(columns, 0.0), most(columns, std::numeric_limits<double>::lowest());
                QVector<int> count(columns, 0);
                for (const ChartPoint& pt : decimated) {
                    const int c = int((pt.x - double(fromMs)) / msPerColumn);
                    if (std::isnan(pt.y) || c < 0 || c >= columns)
                        continue;
                    sum[c] += pt.y;
                    most[c] = qMax(most.at(c), pt.y);
                    count[c] += 1;
                }
                for (int c = 0; c < columns; ++c) {
                    if (count.at(c) == 0)
                        continue;
                    const double v = line.combineMax ? most.at(c) : sum.at(c) / count.at(c);
                    value[c] = std::isnan(value.at(c)) ? v : (line.combineMax ? qMax(value.at(c), v) : value.at(c) + v);
                }
            }
            QVector<QPointF>& pts = d->points[i];
            pts.resize(columns);
            for (int c = 0; c < columns; ++c) {
                pts[c] = QPointF(double(fromMs) + (c + 0.5) * msPerColumn, value.at(c));
                if (!std::isnan(value.at(c))) {
                    maxValue = qMax(maxValue, value.at(c));
                    earliestMs = qMin(earliestMs, qint64(pts.at(c).x()));
                }
            }
            continue;
        }
        const QString& key = line.key;
        auto buckets = store.range(key, fromMs, endMs, columns * 4);
        if (history) {
            const qint64 oldest = store.oldestTimeMs(key);
            if (oldest == 0 || fromMs < oldest) {
                auto older = history->range(key, fromMs, oldest == 0 ? endMs : oldest - 1);
                if (!older.isEmpty())
                    buckets = older + buckets;
            }
        }
        const auto decimated = decimateToPixels(buckets, fromMs, endMs, columns);
        QVector<QPointF>& pts = d->points[i];
        pts.resize(decimated.size());
        for (qsizetype j = 0; j < decimated.size(); ++j) {
            const ChartPoint& p = decimated.at(j);
            pts[j] = QPointF(p.x, p.y);
            if (!std::isnan(p.y)) {
                maxValue = qMax(maxValue, p.y);
                earliestMs = qMin(earliestMs, qint64(p.x));
            }
        }
    }
    d->stackTops.clear();
    if (d->stacked && !d->lines.isEmpty()) {
        // Per pixel column: each line's mean there, added on top of the lines before it.
        QVector<double> running(columns, 0.0);
        for (qsizetype i = 0; i < d->points.size(); ++i) {
            QVector<double> sum(columns, 0.0);
            QVector<int> count(columns, 0);
            for (const QPointF& pt : std::as_const(d->points.at(i))) {
                if (std::isnan(pt.y()))
                    continue;
                const int c = int((pt.x() - double(fromMs)) / msPerColumn);
                if (c >= 0 && c < columns) {
                    sum[c] += pt.y();
                    count[c] += 1;
                }
            }
            QVector<double> top(columns, std::numeric_limits<double>::quiet_NaN());
            for (int c = 0; c < columns; ++c) {
                if (count.at(c) > 0) {
                    running[c] += sum.at(c) / count.at(c);
                    top[c] = running.at(c);
                }
            }
            d->stackTops.append(top);
        }
        maxValue = 0;
        for (double v : std::as_const(running))
            maxValue = qMax(maxValue, v);
    }
    m_maxShown = maxValue;
    // Live, until the history fills the window, the axis spans the history (at least a minute), so a fresh
    // start does not squeeze the first seconds into a sliver at the right edge.
    d->fromMs = fitToHistory ? qMax(fromMs, qMin(earliestMs, endMs - 60 * 1000)) : fromMs;
    d->toMs = endMs;
    const Axis axis = axisFor(maxValue, 4);
    d->yStep = axis.step;
    d->yMax = axis.max;
    d->yDecimals = axis.decimals;
    update();
}

void TimeSeriesChart::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QFontMetrics fm = fontMetrics();
    const QRect all = rect();
    const QRect plot = d->plotRect(all, fm);
    p.fillRect(all, palette().base());
    p.setPen(palette().text().color());
    p.drawText(QRect(all.left(), 2, all.width(), fm.height() + 4), Qt::AlignCenter, d->title);
    if (plot.width() < 10 || plot.height() < 10)
        return;

    // Grid and axes.
    const QColor grid(0xdd, 0xdd, 0xdd);
    for (int i = 0; i * d->yStep <= d->yMax + d->yStep / 2; ++i) {
        const double v = i * d->yStep;
        const int y = int(std::lround(d->yToPixel(v, plot)));
        p.setPen(grid);
        p.drawLine(plot.left(), y, plot.right(), y);
        p.setPen(palette().text().color());
        const QString label = QString::number(v, 'f', d->yDecimals);
        p.drawText(
            QRect(0, y - fm.height() / 2, plot.left() - 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter, label);
    }
    const qint64 range = d->toMs - d->fromMs;
    const qint64 step
        = timeStepMs(range, qMax(2, plot.width() / (fm.horizontalAdvance(QStringLiteral("00:00:00")) * 2)));
    const QString format = range > 2 * 86400000LL
        ? QStringLiteral("MM-dd HH:mm")
        : (step >= 60000 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss"));
    const qint64 offset = QDateTime::fromMSecsSinceEpoch(d->fromMs).offsetFromUtc() * 1000LL; // ticks on local time
    for (qint64 t = ((d->fromMs + offset) / step + 1) * step - offset; t <= d->toMs; t += step) {
        const int x = int(std::lround(d->xToPixel(double(t), plot)));
        p.setPen(grid);
        p.drawLine(x, plot.top(), x, plot.bottom());
        p.setPen(palette().text().color());
        const QString label = QDateTime::fromMSecsSinceEpoch(t).toString(format);
        const int w = fm.horizontalAdvance(label);
        p.drawText(QRect(x - w / 2 - 2, plot.bottom() + 3, w + 4, fm.height()), Qt::AlignCenter, label);
    }
    p.setPen(QColor(0x99, 0x99, 0x99));
    p.drawRect(plot.adjusted(0, 0, -1, -1));

    // Alert bands behind everything: shaded red while firing (grey once silenced), named at their top.
    p.setClipRect(plot);
    for (const Band& b : std::as_const(d->bands)) {
        if (b.fromMs > d->toMs || (b.toMs != 0 && b.toMs < d->fromMs))
            continue;
        const double x0 = qMax<double>(plot.left(), d->xToPixel(double(b.fromMs), plot));
        const double x1 = b.toMs == 0 ? plot.right() : qMin<double>(plot.right(), d->xToPixel(double(b.toMs), plot));
        const QRectF area(x0, plot.top(), qMax(2.0, x1 - x0), plot.height());
        p.fillRect(area, b.silenced ? QColor(0x80, 0x80, 0x80, 40) : QColor(0xc0, 0x1c, 0x28, 40));
        p.setPen(b.silenced ? QColor(0x60, 0x60, 0x60) : QColor(0xa0, 0x10, 0x20));
        p.drawText(area.adjusted(3, 10, 0, 0), Qt::AlignLeft | Qt::AlignTop,
            fm.elidedText(b.label, Qt::ElideRight, qMax(20, int(area.width()) - 4)));
    }
    p.setClipping(false);

    // Sparse lines (fewer points than pixel columns) are antialiased polylines. Dense lines become one vertical
    // span per pixel column, from the column's min to its max, stretched to touch the previous column: the same
    // picture as a polyline through every point, at a cost that follows the width, not the history.
    p.setClipRect(plot);
    QVector<QPointF> segment;
    QVector<QLine> spans;
    if (d->stacked && !d->stackTops.isEmpty()) {
        // Bands from the bottom up: each between the previous line's top and its own.
        const int columns = int(d->stackTops.first().size());
        const double colWidth = double(plot.width()) / qMax(1, columns);
        p.setRenderHint(QPainter::Antialiasing, true);
        for (qsizetype i = d->stackTops.size() - 1; i >= 0; --i) {
            QPolygonF band;
            const QVector<double>& top = d->stackTops.at(i);
            for (int c = 0; c < columns; ++c) {
                if (!std::isnan(top.at(c)))
                    band.append(QPointF(plot.left() + (c + 0.5) * colWidth, d->yToPixel(top.at(c), plot)));
            }
            if (band.size() < 2)
                continue;
            band.append(QPointF(band.last().x(), plot.bottom()));
            band.append(QPointF(band.first().x(), plot.bottom()));
            QColor fill = d->colour(i);
            fill.setAlpha(200);
            p.setPen(QPen(d->colour(i).darker(120), 0));
            p.setBrush(fill);
            p.drawPolygon(band);
        }
        p.setBrush(Qt::NoBrush);
    }
    for (qsizetype i = 0; i < d->points.size() && !d->stacked; ++i) {
        const QVector<QPointF>& pts = d->points.at(i);
        const bool dense = pts.size() > plot.width();
        p.setRenderHint(QPainter::Antialiasing, !dense);
        // Width 0 is the raster engine's fast cosmetic line; wider or fractional pens go through the stroker.
        p.setPen(QPen(d->colour(i), 0));
        if (dense) {
            spans.clear();
            spans.reserve(plot.width() + 1);
            int column = std::numeric_limits<int>::min();
            int lo = 0, hi = 0, prevLo = 0, prevHi = 0;
            bool havePrev = false;
            auto flushColumn = [&] {
                if (column == std::numeric_limits<int>::min())
                    return;
                int a = lo, b = hi;
                if (havePrev) { // reach over to the previous column, so the line stays continuous
                    if (a > prevHi)
                        a = prevHi;
                    if (b < prevLo)
                        b = prevLo;
                }
                spans.append(QLine(column, a, column, b));
                prevLo = lo;
                prevHi = hi;
                havePrev = true;
            };
            for (const QPointF& pt : pts) {
                if (std::isnan(pt.y())) { // a gap: the next column starts afresh
                    flushColumn();
                    column = std::numeric_limits<int>::min();
                    havePrev = false;
                    continue;
                }
                const int x = int(d->xToPixel(pt.x(), plot));
                const int y = int(std::lround(d->yToPixel(pt.y(), plot)));
                if (x != column) {
                    flushColumn();
                    column = x;
                    lo = hi = y;
                } else {
                    lo = qMin(lo, y);
                    hi = qMax(hi, y);
                }
            }
            flushColumn();
            p.drawLines(spans.constData(), int(spans.size()));
            continue;
        }
        segment.clear();
        segment.reserve(pts.size());
        auto flush = [&] {
            if (segment.size() > 1)
                p.drawPolyline(segment.constData(), int(segment.size()));
            else if (segment.size() == 1)
                p.drawPoint(segment.first());
            segment.clear();
        };
        for (const QPointF& pt : pts) {
            if (std::isnan(pt.y())) { // a gap: end the line here
                flush();
                continue;
            }
            segment.append(QPointF(d->xToPixel(pt.x(), plot), d->yToPixel(pt.y(), plot)));
        }
        flush();
    }

    // Event markers: a small flag at the top of the plot and a dotted line down, one per pixel column however many
    // events fall in it (a failed one colours it): 2,000 gateways lost at once drew 2,000 flags on every chart at
    // every repaint. The tooltip still lists each.
    p.setRenderHint(QPainter::Antialiasing, true);
    QVector<char> columns(qMax(0, plot.width()) + 1, 0); // 0 nothing, 1 an event, 2 a failed one
    for (const FleetEvent& e : std::as_const(d->events)) {
        if (e.timeMs < d->fromMs || e.timeMs > d->toMs)
            continue;
        const int column = qBound(0, qRound(d->xToPixel(double(e.timeMs), plot)) - plot.left(), plot.width());
        columns[column] = qMax(columns.at(column), char(e.failed ? 2 : 1));
    }
    p.setPen(QPen(QColor(0xd0, 0x50, 0x20, 140), 1, Qt::DotLine));
    for (int column = 0; column < columns.size(); ++column) {
        if (columns.at(column) == 0)
            continue;
        const double x = plot.left() + column;
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        QPainterPath flag;
        flag.moveTo(x - 5, plot.top());
        flag.lineTo(x + 5, plot.top());
        flag.lineTo(x, plot.top() + 8);
        flag.closeSubpath();
        p.fillPath(flag, columns.at(column) == 2 ? QColor(0xc0, 0x1c, 0x28) : QColor(0xd0, 0x50, 0x20));
    }
    p.setClipping(false);

    if (d->dragging) {
        const QRect band(
            QPoint(qMin(d->dragFrom, d->dragTo), plot.top()), QPoint(qMax(d->dragFrom, d->dragTo), plot.bottom()));
        p.fillRect(band, QColor(0x00, 0x72, 0xb2, 40));
    }

    // Legend, wrapped under the plot; past four rows the rest is counted, not drawn.
    const int rows = d->legendRows(all, fm);
    int x = plot.left();
    int row = 0;
    const int top = all.bottom() - rows * (fm.height() + 2);
    for (qsizetype i = 0; i < d->lines.size() && rows > 0; ++i) {
        const QString label = d->lines.at(i).label;
        const int w = d->labelWidth(i, fm) + 24;
        if (x + w > all.right() && x > plot.left()) {
            if (++row >= rows) {
                p.setPen(palette().text().color());
                p.drawText(QRect(x - 40, top + (row - 1) * (fm.height() + 2), 40, fm.height()), Qt::AlignRight,
                    QStringLiteral("+%1").arg(d->lines.size() - i));
                break;
            }
            x = plot.left();
        }
        const int y = top + row * (fm.height() + 2);
        p.fillRect(QRect(x, y + fm.height() / 2 - 4, 10, 8), d->colour(i));
        p.setPen(palette().text().color());
        p.drawText(QRect(x + 14, y, w, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, label);
        x += w;
    }
    if (isSignalConnected(QMetaMethod::fromSignal(&TimeSeriesChart::painted))) {
        int points = 0;
        for (int c : pointCounts())
            points += c;
        Q_EMIT painted(points);
    }
}

void TimeSeriesChart::mouseMoveEvent(QMouseEvent* event)
{
    const QRect plot = d->plotRect(rect(), fontMetrics());
    if (d->dragging) {
        d->dragTo = qBound(plot.left(), int(event->position().x()), plot.right());
        update();
        return;
    }
    if (!plot.contains(event->position().toPoint()))
        return;
    // Hover read-out: for each line, the point nearest the cursor's time, with its exact value.
    const double ms = d->pixelToMs(int(event->position().x()), plot);
    QStringList rows;
    rows.append(QDateTime::fromMSecsSinceEpoch(qint64(ms)).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    for (qsizetype i = 0; i < d->points.size(); ++i) {
        const QVector<QPointF>& pts = d->points.at(i);
        if (pts.isEmpty())
            continue;
        auto it = std::lower_bound(pts.cbegin(), pts.cend(), ms, [](const QPointF& a, double v) { return a.x() < v; });
        if (it == pts.cend())
            --it;
        if (it != pts.cbegin() && std::abs((it - 1)->x() - ms) < std::abs(it->x() - ms))
            --it;
        if (std::isnan(it->y()))
            continue;
        rows.append(QStringLiteral("%1: %2 at %3")
                        .arg(d->lines.at(i).label, QString::number(it->y(), 'f', 2),
                            QDateTime::fromMSecsSinceEpoch(qint64(it->x())).toString(QStringLiteral("HH:mm:ss"))));
    }
    for (const FleetEvent& e : std::as_const(d->events)) {
        if (std::abs(d->xToPixel(double(e.timeMs), plot) - event->position().x()) <= 4)
            rows.append(QStringLiteral("⚑ %1 %2: %3").arg(e.gateway, e.object, e.text));
    }
    QToolTip::showText(event->globalPosition().toPoint(), rows.join(QLatin1Char('\n')), this);
}

void TimeSeriesChart::mousePressEvent(QMouseEvent* event)
{
    const QRect plot = d->plotRect(rect(), fontMetrics());
    if (event->button() == Qt::LeftButton && plot.contains(event->position().toPoint())) {
        d->dragging = true;
        d->dragFrom = d->dragTo = int(event->position().x());
    }
}

void TimeSeriesChart::mouseReleaseEvent(QMouseEvent* event)
{
    if (!d->dragging || event->button() != Qt::LeftButton)
        return;
    d->dragging = false;
    update();
    // Drag to zoom: a drag of a few pixels or more selects a time range.
    if (std::abs(d->dragTo - d->dragFrom) >= 6) {
        const QRect plot = d->plotRect(rect(), fontMetrics());
        const double a = d->pixelToMs(d->dragFrom, plot);
        const double b = d->pixelToMs(d->dragTo, plot);
        Q_EMIT rangeSelected(qint64(qMin(a, b)), qint64(qMax(a, b)));
    }
}

QList<QVector<QPointF>> TimeSeriesChart::drawnPoints() const
{
    return d->points;
}

void TimeSeriesChart::setTitle(const QString& title)
{
    if (d->title == title)
        return;
    d->title = title;
    update();
}

QString TimeSeriesChart::title() const
{
    return d->title;
}

QList<int> TimeSeriesChart::pointCounts() const
{
    QList<int> out;
    for (const auto& pts : d->points)
        out.append(int(std::count_if(pts.cbegin(), pts.cend(), [](const QPointF& p) { return !std::isnan(p.y()); })));
    return out;
}

QList<qint64> TimeSeriesChart::firstPointTimes() const
{
    QList<qint64> out;
    for (const auto& pts : d->points) {
        const auto first = std::find_if(pts.cbegin(), pts.cend(), [](const QPointF& p) { return !std::isnan(p.y()); });
        out.append(first == pts.cend() ? -1 : qint64(first->x()));
    }
    return out;
}

int TimeSeriesChart::eventMarkerCount() const
{
    return int(std::count_if(d->events.cbegin(), d->events.cend(),
        [this](const FleetEvent& e) { return e.timeMs >= d->fromMs && e.timeMs <= d->toMs; }));
}

QPair<qint64, qint64> TimeSeriesChart::shownRange() const
{
    return { d->fromMs, d->toMs };
}

bool TimeSeriesChart::exportPng(const QString& path)
{
    return grab().save(path, "PNG");
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
