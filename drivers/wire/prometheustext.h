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

} // namespace Fleetdeck::Wire
