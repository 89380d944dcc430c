#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QString>

#include "result.h"

namespace Fleetdeck::Wire {

// The Prometheus text exposition format (version 0.0.4), as HAProxy, Caddy and the exporters serve it.
struct PrometheusSample
{
    QString name;
    QList<QPair<QString, QString>> labels; // in the order written
    double value = 0;
    qint64 timestampMs = -1; // -1: none given

    QString label(const QString& name) const;
    friend bool operator==(const PrometheusSample&, const PrometheusSample&) = default;
};

struct PrometheusFamily
{
    enum class Type { Untyped, Counter, Gauge, Histogram, Summary };
    QString name;
    Type type = Type::Untyped;
    QString help;
};

struct PrometheusScrape
{
    QList<PrometheusSample> samples;
    QHash<QString, PrometheusFamily> families;

    // The samples of one metric whose labels include every given pair.
    QList<PrometheusSample> find(const QString& name, const QList<QPair<QString, QString>>& labels = {}) const;
};

// A pure function: bytes in, samples out, or the first problem with its line number.
Result<PrometheusScrape> parsePrometheusText(const QByteArray& text);

// A histogram's cumulative buckets (upper bound "le", count of observations at or below it), summed over every
// series of the metric, sorted by bound; the last bound is +Inf when the exporter writes it.
struct Histogram
{
    QList<double> bounds;
    QList<double> counts;
    bool isEmpty() const { return counts.isEmpty() || counts.last() <= 0; }
    friend bool operator==(const Histogram&, const Histogram&) = default;
};
// The histogram of `<name>_bucket` in a scrape (empty when there is none).
Histogram histogramOf(const PrometheusScrape& scrape, const QString& name);
// What was observed between two readings of a histogram (after - before); after itself when the counters were
// reset in between or the bounds changed.
Histogram histogramDelta(const Histogram& after, const Histogram& before);
// The q-quantile (0 < q < 1) as Prometheus' histogram_quantile computes it: the bucket holding the rank, linear
// interpolation inside it (from 0 for the first bucket), the highest finite bound when the rank falls in +Inf.
// NaN for an empty histogram. *lower and *upper, when given, receive the bucket's bounds: the resolution.
double histogramQuantile(double q, const Histogram& histogram, double* lower = nullptr, double* upper = nullptr);

} // namespace Fleetdeck::Wire
