#pragma once

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

namespace Fleetdeck {

// Time series of the fleet: one fixed-size ring per series, counters turned into rates, gaps kept as gaps.
class MetricStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricStore)

public:
    struct Sample
    {
        qint64 timeMs = 0;
        double value = 0.0; // NaN marks a gap
        friend bool operator==(const Sample&, const Sample&) = default;
    };

    explicit MetricStore(int capacityPerSeries = 3600, QObject* parent = nullptr);

    // A gauge is stored as it comes.
    void appendGauge(const QString& key, qint64 timeMs, double value);
    // A counter total becomes a per-second rate against the previous total; a total that went down is a reset
    // (the process restarted), and its rate is counted from zero.
    void appendCounter(const QString& key, qint64 timeMs, double total);
    // The source could not be read: the series gets a gap, and the next counter starts a fresh rate.
    void appendGap(const QString& key, qint64 timeMs);

    bool contains(const QString& key) const;
    int capacity() const { return m_capacity; }
    int size(const QString& key) const;
    // Samples with fromMs <= time <= toMs, oldest first; gaps come back as NaN values.
    QVector<Sample> samples(const QString& key, qint64 fromMs, qint64 toMs) const;
    // The newest value, or NaN when there is none or the newest is a gap.
    double latest(const QString& key) const;
    QStringList keys() const;
    qsizetype seriesCount() const { return m_series.size(); }

    // Emitted once per batch of appends, when the caller says a batch is done.
    void notifyAppended();

Q_SIGNALS:
    void samplesAppended();

private:
    struct Series
    {
        QVector<Sample> ring;
        int head = 0; // index of the next write
        int count = 0;
        bool hasLastTotal = false;
        double lastTotal = 0.0;
        qint64 lastTotalMs = 0;
    };

    Series& series(const QString& key);
    void push(Series& s, qint64 timeMs, double value);

    int m_capacity;
    QHash<QString, Series> m_series;
};

} // namespace Fleetdeck
