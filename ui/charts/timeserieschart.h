#pragma once

#include <memory>

#include <QList>
#include <QPointF>
#include <QVector>
#include <QString>
#include <QStringList>
#include <QWidget>

namespace Fleetdeck {

class HistoryCache;
class MetricStore;
struct FleetEvent;

// A live line chart of a few series from the MetricStore, with event markers, hover read-outs and drag to zoom.
// Painted with QPainter (see the .cpp for why not Qt Charts); callers see only this interface.
class TimeSeriesChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimeSeriesChart)

public:
    struct Line
    {
        QString label;
        QString key; // MetricStore series key (with `combined`: only a name for the line)
        // Not empty: the line is these series combined per pixel column (the "others" past the lines drawn one by
        // one): their sum, or with combineMax their highest value (for latencies and shares, where a sum means
        // nothing).
        QStringList combined = {};
        bool combineMax = false;
    };
    // A stretch of time shaded across the plot (an alert firing), with what it was.
    struct Band
    {
        qint64 fromMs = 0;
        qint64 toMs = 0; // 0: still open (drawn to the right edge)
        QString label;
        bool silenced = false;
    };

    // The y axis for values up to a maximum: steps of 1, 2 or 5 x 10^n, about `ticks` of them, each label with the
    // decimals its step needs; a flat zero series gets 0 to 1.
    struct Axis
    {
        double step = 1;
        double max = 1;
        int decimals = 0;
        QStringList labels() const;
    };
    static Axis axisFor(double maxValue, int ticks);

    explicit TimeSeriesChart(const QString& title, QWidget* parent = nullptr);
    ~TimeSeriesChart() override;

    QString title() const;
    void setTitle(const QString& title);
    void setLines(const QList<Line>& lines);
    // Stacked: each line is drawn as a filled band on top of the ones before it (the pool's servers adding up to
    // the pool's total), from each pixel column's mean.
    void setStacked(bool stacked);
    bool isStacked() const;
    QList<Line> lines() const;
    // Redraws [endMs - windowMs, endMs] from the store: decimated to the pixel width, one replace() per line.
    // Older than the store holds, buckets come from history (read from Prometheus) when it is given.
    void refresh(const MetricStore& store, qint64 endMs, qint64 windowMs, bool fitToHistory,
        const HistoryCache* history = nullptr);
    // Events drawn as markers along the top of the plot.
    void setEvents(const QList<FleetEvent>& events);
    // Bands shaded behind the lines (alerts firing).
    void setBands(const QList<Band>& bands);
    // The bands that fall in the shown range.
    int bandsShown() const;

    QList<int> pointCounts() const;
    // The points each line is drawn from (decimated to the pixel columns; NaN: a gap), in time order.
    QList<QVector<QPointF>> drawnPoints() const;
    // When each line's first drawn point is (ms since the epoch; -1: none drawn).
    QList<qint64> firstPointTimes() const;
    int eventMarkerCount() const;
    double maxValueShown() const { return m_maxShown; }
    QPair<qint64, qint64> shownRange() const;

    bool exportPng(const QString& path);
    // Every line's buckets in the shown range: time, line, min, max, mean.
    bool exportCsv(const QString& path, const MetricStore& store) const;

Q_SIGNALS:
    // The operator dragged across the plot to zoom into [fromMs, toMs].
    void rangeSelected(qint64 fromMs, qint64 toMs);
    void exportRequested(bool csv);
    // A frame was painted, with this many points over its lines.
    void painted(int points);

protected:
    void changeEvent(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    struct Private;
    std::unique_ptr<Private> d;
    double m_maxShown = 0.0;
};

} // namespace Fleetdeck
