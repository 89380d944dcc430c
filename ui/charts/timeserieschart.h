#pragma once

#include <functional>

#include <QList>
#include <QString>
#include <QWidget>

namespace Fleetdeck {

class MetricStore;

// A live line chart of a few series from the MetricStore. Our own interface: Qt Charts stays inside the .cpp,
// since it is deprecated from Qt 6.10 and may be replaced.
class TimeSeriesChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TimeSeriesChart)

public:
    struct Line
    {
        QString label;
        QString key; // MetricStore series key
    };

    explicit TimeSeriesChart(const QString& title, QWidget* parent = nullptr);
    ~TimeSeriesChart() override;

    void setLines(const QList<Line>& lines);
    QList<Line> lines() const;
    void setWindowSeconds(int seconds);
    // Redraws from the store, ending at nowMs. One replace() per line.
    void refresh(const MetricStore& store, qint64 nowMs);
    // The number of points the chart holds, per line (for tests).
    QList<int> pointCounts() const;
    double maxValueShown() const { return m_maxShown; }

private:
    struct Private;
    std::unique_ptr<Private> d;
    double m_maxShown = 0.0;
};

} // namespace Fleetdeck
