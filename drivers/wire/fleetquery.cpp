#include "fleetquery.h"
#include "prometheusapi.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace Fleetdeck::Wire {

namespace {
const QString kFigureLabel = QStringLiteral("fd_figure");
const QString kPresent = QStringLiteral("present");

QString tagged(const QString& expression, const QString& figure)
{
    return QStringLiteral("label_replace(%1, \"%2\", \"%3\", \"\", \"\")").arg(expression, kFigureLabel, figure);
}

QString matchersOf(const QString& selector)
{
    const qsizetype open = selector.indexOf(QLatin1Char('{'));
    const qsizetype close = selector.lastIndexOf(QLatin1Char('}'));
    return open >= 0 && close > open ? selector.mid(open + 1, close - open - 1) : QString();
}
} // namespace

QString fleetQuery(const FleetQuerySpec& spec)
{
    const QStringList by = QStringList { spec.nameLabel } + spec.groupLabels;
    QStringList parts { tagged(
        QStringLiteral("group by (%1) (%2)").arg(by.join(QStringLiteral(", ")), spec.selector), kPresent) };
    const QString matchers = matchersOf(spec.selector);
    for (auto it = spec.figures.cbegin(); it != spec.figures.cend(); ++it) {
        QString expression = it.value();
        expression.replace(QLatin1String("$by"), spec.nameLabel)
            .replace(QLatin1String("$matchers"), matchers)
            .replace(QLatin1String("$window"), spec.window)
            .replace(QLatin1String("{}"), QString()); // no matchers at all
        parts.append(tagged(expression, it.key()));
    }
    return parts.join(QStringLiteral(" or "));
}

Result<QVector<DiscoveredGateway>> parseFleetAnswer(
    const QByteArray& json, const FleetQuerySpec& spec, const QString& product)
{
    using R = Result<QVector<DiscoveredGateway>>;
    const auto answer = prometheusResult(json, QStringLiteral("vector"));
    if (!answer)
        return R::failure(answer.error());
    QVector<DiscoveredGateway> out;
    QHash<QString, int> byName;
    QHash<QString, QHash<QString, double>> figures; // gateway -> figure -> value
    for (const auto& item : answer.value()) {
        const QJsonObject o = item.toObject();
        const QJsonObject metric = o.value(QLatin1String("metric")).toObject();
        const QString name = metric.value(spec.nameLabel).toString();
        const QString figure = metric.value(kFigureLabel).toString();
        if (name.isEmpty() || figure.isEmpty())
            continue;
        if (figure == kPresent) {
            if (byName.contains(name))
                continue;
            DiscoveredGateway g;
            g.name = name;
            g.product = product;
            for (const QString& label : spec.groupLabels)
                if (metric.contains(label))
                    g.labels.insert(label, metric.value(label).toString());
            byName.insert(name, int(out.size()));
            out.append(g);
            continue;
        }
        const QJsonArray value = o.value(QLatin1String("value")).toArray();
        bool ok = false;
        const double v = value.size() == 2 ? value.at(1).toString().toDouble(&ok) : 0;
        if (ok)
            figures[name].insert(figure, v);
    }
    for (DiscoveredGateway& g : out) {
        const QHash<QString, double> f = figures.value(g.name);
        const double none = std::nan("");
        g.requestsPerSecond = f.value(QStringLiteral("req"), none);
        g.errorsPerSecond = f.value(QStringLiteral("5xx"), none);
        g.serversUp = f.value(QStringLiteral("up"), none);
        g.servers = f.value(QStringLiteral("servers"), none);
        g.sessions = f.value(QStringLiteral("scur"), none);
    }
    return R::success(out);
}

} // namespace Fleetdeck::Wire
