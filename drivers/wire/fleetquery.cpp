#include "fleetquery.h"
#include "prometheusapi.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

namespace Fleetdeck::Wire {

namespace {
const QString kFigureLabel = QStringLiteral("fd_figure");
const QString kPresent = QStringLiteral("present");
const QString kUp = QStringLiteral("up");
const QString kServers = QStringLiteral("servers");

QString tagged(const QString& expression, const QString& figure)
{
    return QStringLiteral("label_replace(%1, \"%2\", \"%3\", \"\", \"\")").arg(expression, kFigureLabel, figure);
}

// The figure a recorded series holds: "req" of "<record>:req"; empty for any other series.
QString recordedFigure(const QString& metric, const QString& record)
{
    return metric.size() > record.size() + 1 && metric.startsWith(record)
            && metric.at(record.size()) == QLatin1Char(':')
        ? metric.mid(record.size() + 1)
        : QString();
}

QString matchersOf(const QString& selector)
{
    const qsizetype open = selector.indexOf(QLatin1Char('{'));
    const qsizetype close = selector.lastIndexOf(QLatin1Char('}'));
    return open >= 0 && close > open ? selector.mid(open + 1, close - open - 1) : QString();
}

// Each part of a refresh as (figure, PromQL): the discovery selector's gateways with their labels, then the figures.
QList<std::pair<QString, QString>> figureExpressions(const FleetQuerySpec& spec)
{
    const QStringList by = QStringList { spec.nameLabel } + spec.groupLabels;
    QList<std::pair<QString, QString>> parts { { kPresent,
        QStringLiteral("group by (%1) (%2)").arg(by.join(QStringLiteral(", ")), spec.selector) } };
    const QString matchers = matchersOf(spec.selector);
    for (auto it = spec.figures.cbegin(); it != spec.figures.cend(); ++it) {
        QString expression = it.value();
        expression.replace(QLatin1String("$by"), spec.nameLabel)
            .replace(QLatin1String("$matchers"), matchers)
            .replace(QLatin1String("$window"), spec.window)
            .replace(QLatin1String("{}"), QString()); // no matchers at all
        parts.append({ it.key(), expression });
    }
    return parts;
}

// YAML's single-quoted scalar: every character as it is, a quote doubled.
QString yamlQuoted(QString text)
{
    return QLatin1Char('\'') + text.replace(QLatin1Char('\''), QLatin1String("''")) + QLatin1Char('\'');
}
} // namespace

QString fleetQuery(const FleetQuerySpec& spec, FleetPart part)
{
    auto parts = figureExpressions(spec);
    if (part == FleetPart::Members)
        parts = parts.mid(0, 1);
    else if (part == FleetPart::Figures)
        parts.removeFirst();
    if (!spec.record.isEmpty()) {
        QStringList figures;
        for (const auto& [figure, expression] : parts)
            figures.append(figure);
        return QStringLiteral("{__name__=~\"%1:(%2)\"}").arg(spec.record, figures.join(QLatin1Char('|')));
    }
    QStringList joined;
    for (const auto& [figure, expression] : parts)
        joined.append(tagged(expression, figure));
    return joined.join(QStringLiteral(" or "));
}

QString fleetRecordingRules(const FleetQuerySpec& spec, int intervalSeconds)
{
    QString yaml = QStringLiteral("# Written by Fleetdeck (fleetdeck --recording-rules): what a fleet file's discover "
                                  "with \"record\": \"%1\" reads.\n"
                                  "groups:\n  - name: %1\n    interval: %2s\n    rules:\n")
                       .arg(spec.record)
                       .arg(intervalSeconds);
    const auto parts = figureExpressions(spec);
    QString servers;
    for (const auto& [figure, expression] : parts)
        if (figure == kServers)
            servers = expression;
    for (const auto& [figure, expression] : parts) {
        // Only where some server is not taking traffic: absent, every server is.
        const QString recorded
            = figure == kUp && !servers.isEmpty() ? QStringLiteral("(%1) < (%2)").arg(expression, servers) : expression;
        yaml += QStringLiteral("      - record: %1:%2\n        expr: %3\n")
                    .arg(spec.record, figure, yamlQuoted(recorded));
    }
    return yaml;
}

namespace {

// Reads a Prometheus instant-query answer straight from its bytes, keeping only the labels and values a large
// fleet's refresh needs (QJsonDocument builds every object of a 5,000-gateway answer first: measured 80 ms of 2.8
// MiB). Any JSON it does not expect makes it give up (false), and the answer is read the general way instead.
class AnswerScanner
{
public:
    AnswerScanner(const QByteArray& json, const FleetQuerySpec& spec)
        : m_p(json.constData())
        , m_end(json.constData() + json.size())
        , m_nameLabel(spec.nameLabel.toUtf8())
        , m_recordPrefix(spec.record.isEmpty() ? QByteArray() : spec.record.toUtf8() + ':')
    {
        for (const QString& label : spec.groupLabels)
            m_groupLabels.append(label.toUtf8());
    }

    struct Series
    {
        QString name;
        QString figure;
        QMap<QString, QString> labels;
        QByteArray value;
    };

    // Calls each(series) for every series of a successful "vector" answer; false when the answer is anything else.
    template <typename Each> bool read(Each each)
    {
        bool success = false, vector = false, sawResult = false;
        const bool ok = object([&](QByteArrayView key) {
            if (key == "status") {
                QString status;
                return string(&status) && (success = status == QLatin1String("success"), true);
            }
            if (key != "data")
                return skip();
            return object([&](QByteArrayView dataKey) {
                if (dataKey == "resultType") {
                    QString type;
                    return string(&type) && (vector = type == QLatin1String("vector"), true);
                }
                if (dataKey != "result")
                    return skip();
                sawResult = true;
                return array([&] {
                    Series s;
                    if (!series(&s))
                        return false;
                    each(s);
                    return true;
                });
            });
        });
        space();
        return ok && m_p == m_end && success && vector && sawResult;
    }

private:
    void space()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }
    bool take(char c)
    {
        space();
        if (m_p < m_end && *m_p == c) {
            ++m_p;
            return true;
        }
        return false;
    }
    // A JSON string without escapes; its bytes into out (a view into the answer).
    bool rawString(QByteArrayView* out)
    {
        if (!take('"'))
            return false;
        const char* start = m_p;
        while (m_p < m_end && *m_p != '"' && *m_p != '\\' && static_cast<unsigned char>(*m_p) >= 0x20)
            ++m_p;
        if (m_p < m_end && *m_p == '"') { // no escapes: the common case
            if (out)
                *out = QByteArrayView(start, m_p - start);
            ++m_p;
            return true;
        }
        // Escapes: the general reader decodes them.
        return false;
    }
    bool string(QString* out)
    {
        QByteArrayView raw;
        if (!rawString(&raw))
            return false;
        *out = QString::fromUtf8(raw);
        return true;
    }
    // Objects and arrays nest at most this deep (an answer of endless brackets must not use up the stack).
    static constexpr int kMaxDepth = 32;
    template <typename Member> bool object(Member member)
    {
        if (m_depth >= kMaxDepth || !take('{'))
            return false;
        ++m_depth;
        bool ok = true;
        if (!take('}')) {
            do {
                QByteArrayView key;
                ok = rawString(&key) && take(':') && member(key);
            } while (ok && take(','));
            ok = ok && take('}');
        }
        --m_depth;
        return ok;
    }
    template <typename Element> bool array(Element element)
    {
        if (m_depth >= kMaxDepth || !take('['))
            return false;
        ++m_depth;
        bool ok = true;
        if (!take(']')) {
            do
                ok = element();
            while (ok && take(','));
            ok = ok && take(']');
        }
        --m_depth;
        return ok;
    }
    bool skip()
    {
        space();
        if (m_p >= m_end)
            return false;
        switch (*m_p) {
        case '"':
            return rawString(nullptr);
        case '{':
            return object([this](QByteArrayView) { return skip(); });
        case '[':
            return array([this] { return skip(); });
        default: {
            const char* start = m_p;
            while (m_p < m_end
                && (std::isalnum(static_cast<unsigned char>(*m_p)) || *m_p == '-' || *m_p == '+' || *m_p == '.'))
                ++m_p;
            return m_p > start;
        }
        }
    }
    bool series(Series* s)
    {
        return object([&](QByteArrayView key) {
            if (key == "metric")
                return object([&](QByteArrayView label) {
                    QByteArrayView value;
                    if (!rawString(&value))
                        return false;
                    if (label == m_nameLabel)
                        s->name = QString::fromUtf8(value);
                    else if (label == "fd_figure")
                        s->figure = QString::fromUtf8(value);
                    else if (label == "__name__") {
                        if (!m_recordPrefix.isEmpty() && value.size() > m_recordPrefix.size()
                            && value.startsWith(m_recordPrefix))
                            s->figure = QString::fromUtf8(value.sliced(m_recordPrefix.size()));
                    } else if (std::any_of(m_groupLabels.cbegin(), m_groupLabels.cend(),
                                   [label](const QByteArray& wanted) { return label == wanted; }))
                        s->labels.insert(QString::fromUtf8(label), QString::fromUtf8(value));
                    return true;
                });
            if (key == "value") {
                int at = 0;
                QByteArrayView value;
                const bool ok = array([&] { return at++ == 1 ? rawString(&value) : skip(); }) && at == 2;
                s->value = value.toByteArray();
                return ok;
            }
            return skip();
        });
    }

    const char* m_p;
    const char* m_end;
    const QByteArray m_nameLabel;
    const QByteArray m_recordPrefix; // "<record>:", empty without one
    QList<QByteArray> m_groupLabels;
    int m_depth = 0;
};

enum class Figure { Present, Requests, Errors, Up, Servers, Sessions, Other };

Figure figureOf(const QString& figure)
{
    static const QHash<QString, Figure> figures { { kPresent, Figure::Present },
        { QStringLiteral("req"), Figure::Requests }, { QStringLiteral("5xx"), Figure::Errors },
        { QStringLiteral("up"), Figure::Up }, { QStringLiteral("servers"), Figure::Servers },
        { QStringLiteral("scur"), Figure::Sessions } };
    return figures.value(figure, Figure::Other);
}

double* figureIn(DiscoveredGateway& g, Figure f)
{
    switch (f) {
    case Figure::Requests:
        return &g.requestsPerSecond;
    case Figure::Errors:
        return &g.errorsPerSecond;
    case Figure::Up:
        return &g.serversUp;
    case Figure::Servers:
        return &g.servers;
    case Figure::Sessions:
        return &g.sessions;
    default:
        return nullptr;
    }
}

// Gathers the series of an answer, in any order, into one gateway per name the discovery part found (or, for a
// Figures answer, per member given).
class Gatherer
{
public:
    Gatherer(const QString& product, const FleetQuerySpec& spec, const QVector<DiscoveredGateway>& members)
        : m_product(product)
        // Recorded "up" is kept only where it is below "servers" (fleetRecordingRules).
        , m_upWhereBelow(!spec.record.isEmpty() && spec.figures.contains(kUp) && spec.figures.contains(kServers))
    {
        m_all.reserve(members.size());
        m_present.reserve(members.size());
        for (const DiscoveredGateway& member : members) {
            DiscoveredGateway g;
            g.name = member.name;
            g.product = m_product;
            g.labels = member.labels;
            m_byName.insert(g.name, int(m_all.size()));
            m_all.append(g);
            m_present.append(true);
        }
    }
    void add(const QString& name, const QString& figure, const QMap<QString, QString>& labels, const QByteArray& value)
    {
        if (name.isEmpty() || figure.isEmpty())
            return;
        const Figure f = figureOf(figure);
        auto it = m_byName.find(name);
        if (it == m_byName.end()) {
            it = m_byName.insert(name, int(m_all.size()));
            DiscoveredGateway g;
            g.name = name;
            g.product = m_product;
            m_all.append(g);
            m_present.append(false);
        }
        DiscoveredGateway& g = m_all[*it];
        if (f == Figure::Present) {
            if (!m_present.at(*it))
                g.labels = labels;
            m_present[*it] = true;
            return;
        }
        bool ok = false;
        const double v = value.toDouble(&ok);
        if (double* target = figureIn(g, f); target && ok)
            *target = v;
    }
    QVector<DiscoveredGateway> gateways() const
    {
        // Figures of a gateway the selector did not find are not shown: the discovery decides what is in the fleet.
        QVector<DiscoveredGateway> out;
        out.reserve(m_all.size());
        for (int i = 0; i < m_all.size(); ++i)
            if (m_present.at(i)) {
                out.append(m_all.at(i));
                DiscoveredGateway& g = out.last();
                if (m_upWhereBelow && std::isnan(g.serversUp) && !std::isnan(g.servers))
                    g.serversUp = g.servers;
            }
        return out;
    }
    QStringList unknown() const
    {
        QStringList names;
        for (int i = 0; i < m_all.size(); ++i)
            if (!m_present.at(i))
                names.append(m_all.at(i).name);
        return names;
    }

private:
    QString m_product;
    bool m_upWhereBelow;
    QHash<QString, int> m_byName;
    QVector<DiscoveredGateway> m_all;
    QVector<bool> m_present;
};

} // namespace

Result<QVector<DiscoveredGateway>> parseFleetAnswer(const QByteArray& json, const FleetQuerySpec& spec,
    const QString& product, const QVector<DiscoveredGateway>& members, QStringList* unknown)
{
    using R = Result<QVector<DiscoveredGateway>>;
    {
        Gatherer fast(product, spec, members);
        AnswerScanner scanner(json, spec);
        if (scanner.read([&fast](const AnswerScanner::Series& s) { fast.add(s.name, s.figure, s.labels, s.value); })) {
            if (unknown)
                *unknown = fast.unknown();
            return R::success(fast.gateways());
        }
    }
    // Anything else (Prometheus' error, escapes, what is not JSON) is read the general way, which says what is wrong.
    const auto answer = prometheusResult(json, QStringLiteral("vector"));
    if (!answer)
        return R::failure(answer.error());
    Gatherer general(product, spec, members);
    for (const auto& item : answer.value()) {
        const QJsonObject o = item.toObject();
        const QJsonObject metric = o.value(QLatin1String("metric")).toObject();
        QMap<QString, QString> labels;
        for (const QString& label : spec.groupLabels)
            if (metric.contains(label))
                labels.insert(label, metric.value(label).toString());
        const QJsonArray value = o.value(QLatin1String("value")).toArray();
        const QString figure = spec.record.isEmpty()
            ? metric.value(kFigureLabel).toString()
            : recordedFigure(metric.value(QLatin1String("__name__")).toString(), spec.record);
        general.add(metric.value(spec.nameLabel).toString(), figure, labels,
            value.size() == 2 ? value.at(1).toString().toUtf8() : QByteArray());
    }
    if (unknown)
        *unknown = general.unknown();
    return R::success(general.gateways());
}

} // namespace Fleetdeck::Wire
