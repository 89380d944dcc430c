#include "prometheustext.h"

#include <cmath>
#include <limits>

#include <QMap>

namespace Fleetdeck::Wire {

namespace {

bool isNameStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

bool isNameChar(char c)
{
    return isNameStart(c) || (c >= '0' && c <= '9');
}

// Reads a metric or label name at pos; returns its end, or -1.
qsizetype readName(const QByteArray& line, qsizetype pos, bool allowColon)
{
    if (pos >= line.size() || !isNameStart(line.at(pos)) || (!allowColon && line.at(pos) == ':'))
        return -1;
    ++pos;
    while (pos < line.size() && isNameChar(line.at(pos)) && (allowColon || line.at(pos) != ':'))
        ++pos;
    return pos;
}

bool parseValue(const QByteArray& token, double* value)
{
    if (token == "NaN") {
        *value = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (token == "+Inf" || token == "Inf") {
        *value = std::numeric_limits<double>::infinity();
        return true;
    }
    if (token == "-Inf") {
        *value = -std::numeric_limits<double>::infinity();
        return true;
    }
    bool ok = false;
    *value = token.toDouble(&ok);
    return ok;
}

QString lineError(int lineNo, const QString& what, const QByteArray& line)
{
    return QStringLiteral("line %1: %2 in \"%3\"").arg(lineNo).arg(what, QString::fromUtf8(line.left(120)));
}

PrometheusFamily::Type typeFrom(const QByteArray& word, bool* ok)
{
    *ok = true;
    if (word == "counter")
        return PrometheusFamily::Type::Counter;
    if (word == "gauge")
        return PrometheusFamily::Type::Gauge;
    if (word == "histogram")
        return PrometheusFamily::Type::Histogram;
    if (word == "summary")
        return PrometheusFamily::Type::Summary;
    if (word == "untyped")
        return PrometheusFamily::Type::Untyped;
    *ok = false;
    return PrometheusFamily::Type::Untyped;
}

} // namespace

QString PrometheusSample::label(const QString& labelName) const
{
    for (const auto& [k, v] : labels) {
        if (k == labelName)
            return v;
    }
    return {};
}

QList<PrometheusSample> PrometheusScrape::find(const QString& name, const QList<QPair<QString, QString>>& wanted) const
{
    QList<PrometheusSample> out;
    for (const auto& s : samples) {
        if (s.name != name)
            continue;
        bool all = true;
        for (const auto& [k, v] : wanted)
            all = all && s.label(k) == v;
        if (all)
            out.append(s);
    }
    return out;
}

Histogram histogramOf(const PrometheusScrape& scrape, const QString& name)
{
    QMap<double, double> byBound;
    const QString bucket = name + QLatin1String("_bucket");
    for (const PrometheusSample& s : scrape.samples) {
        if (s.name != bucket)
            continue;
        const QString le = s.label(QStringLiteral("le"));
        bool ok = false;
        const double bound = le == QLatin1String("+Inf") ? std::numeric_limits<double>::infinity() : le.toDouble(&ok);
        if (le != QLatin1String("+Inf") && !ok)
            continue;
        if (std::isfinite(s.value) && s.value >= 0)
            byBound[bound] += s.value;
    }
    Histogram h;
    for (auto it = byBound.cbegin(); it != byBound.cend(); ++it) {
        h.bounds.append(it.key());
        // Cumulative counts never go down with the bound; a scrape that says otherwise is clamped.
        h.counts.append(h.counts.isEmpty() ? it.value() : qMax(h.counts.last(), it.value()));
    }
    return h;
}

Histogram histogramDelta(const Histogram& after, const Histogram& before)
{
    if (after.bounds != before.bounds)
        return after;
    Histogram d = after;
    for (qsizetype i = 0; i < d.counts.size(); ++i) {
        if (after.counts.at(i) < before.counts.at(i))
            return after; // a reset: the process restarted
        d.counts[i] = after.counts.at(i) - before.counts.at(i);
    }
    return d;
}

double histogramQuantile(double q, const Histogram& h, double* lower, double* upper)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (h.isEmpty() || !(q > 0 && q < 1))
        return nan;
    const double total = h.counts.last();
    const double rank = q * total;
    qsizetype i = 0;
    while (i < h.counts.size() && h.counts.at(i) < rank)
        ++i;
    if (i >= h.counts.size())
        return nan;
    if (std::isinf(h.bounds.at(i))) {
        // In +Inf: the highest finite bound is all that is known.
        const double top = i > 0 ? h.bounds.at(i - 1) : nan;
        if (lower)
            *lower = top;
        if (upper)
            *upper = h.bounds.at(i);
        return top;
    }
    const double from = i == 0 ? 0.0 : h.bounds.at(i - 1);
    const double below = i == 0 ? 0.0 : h.counts.at(i - 1);
    const double inBucket = h.counts.at(i) - below;
    if (lower)
        *lower = from;
    if (upper)
        *upper = h.bounds.at(i);
    if (inBucket <= 0)
        return h.bounds.at(i);
    return from + (h.bounds.at(i) - from) * (rank - below) / inBucket;
}

Result<PrometheusScrape> parsePrometheusText(const QByteArray& text)
{
    using R = Result<PrometheusScrape>;
    PrometheusScrape scrape;
    int lineNo = 0;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0)
            end = text.size();
        QByteArray line = text.mid(start, end - start);
        start = end + 1;
        ++lineNo;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;

        if (line.startsWith('#')) {
            const QList<QByteArray> words = line.mid(1).trimmed().split(' ');
            if (words.size() >= 2 && (words.at(0) == "HELP" || words.at(0) == "TYPE")) {
                const QString name = QString::fromUtf8(words.at(1));
                if (readName(words.at(1), 0, true) != words.at(1).size())
                    return R::failure(lineError(
                        lineNo, QStringLiteral("bad metric name in %1").arg(QString::fromUtf8(words.at(0))), line));
                PrometheusFamily& f = scrape.families[name];
                f.name = name;
                if (words.at(0) == "TYPE") {
                    bool ok = false;
                    f.type = words.size() >= 3 ? typeFrom(words.at(2), &ok) : PrometheusFamily::Type::Untyped;
                    if (!ok)
                        return R::failure(lineError(lineNo, QStringLiteral("unknown metric type"), line));
                } else {
                    const qsizetype helpAt = line.indexOf(words.at(1)) + words.at(1).size();
                    f.help = QString::fromUtf8(line.mid(helpAt).trimmed());
                }
            }
            continue; // other comments are allowed and ignored
        }

        PrometheusSample s;
        qsizetype pos = readName(line, 0, true);
        if (pos < 0)
            return R::failure(lineError(lineNo, QStringLiteral("expected a metric name"), line));
        s.name = QString::fromUtf8(line.left(pos));
        if (pos < line.size() && line.at(pos) == '{') {
            ++pos;
            for (;;) {
                while (pos < line.size() && line.at(pos) == ' ')
                    ++pos;
                if (pos < line.size() && line.at(pos) == '}') {
                    ++pos;
                    break;
                }
                const qsizetype nameEnd = readName(line, pos, false);
                if (nameEnd < 0)
                    return R::failure(lineError(lineNo, QStringLiteral("expected a label name"), line));
                const QString labelName = QString::fromUtf8(line.mid(pos, nameEnd - pos));
                pos = nameEnd;
                if (pos + 1 >= line.size() || line.at(pos) != '=' || line.at(pos + 1) != '"')
                    return R::failure(
                        lineError(lineNo, QStringLiteral("expected =\" after label %1").arg(labelName), line));
                pos += 2;
                QByteArray value;
                bool closed = false;
                while (pos < line.size()) {
                    const char c = line.at(pos++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    if (c == '\\') {
                        if (pos >= line.size())
                            break;
                        const char e = line.at(pos++);
                        if (e == 'n')
                            value.append('\n');
                        else if (e == '\\' || e == '"')
                            value.append(e);
                        else
                            return R::failure(lineError(lineNo,
                                QStringLiteral("bad escape \\%1 in label %2").arg(QLatin1Char(e)).arg(labelName),
                                line));
                    } else {
                        value.append(c);
                    }
                }
                if (!closed)
                    return R::failure(
                        lineError(lineNo, QStringLiteral("unterminated value of label %1").arg(labelName), line));
                s.labels.append({ labelName, QString::fromUtf8(value) });
                while (pos < line.size() && line.at(pos) == ' ')
                    ++pos;
                if (pos < line.size() && line.at(pos) == ',') {
                    ++pos;
                    continue;
                }
                if (pos < line.size() && line.at(pos) == '}') {
                    ++pos;
                    break;
                }
                return R::failure(
                    lineError(lineNo, QStringLiteral("expected , or } after label %1").arg(labelName), line));
            }
        }
        const QList<QByteArray> rest = line.mid(pos).simplified().split(' ');
        if (rest.isEmpty() || rest.first().isEmpty())
            return R::failure(lineError(lineNo, QStringLiteral("no value"), line));
        if (rest.size() > 2)
            return R::failure(lineError(lineNo, QStringLiteral("extra text after the value"), line));
        if (!parseValue(rest.first(), &s.value))
            return R::failure(lineError(
                lineNo, QStringLiteral("value \"%1\" is not a number").arg(QString::fromUtf8(rest.first())), line));
        if (rest.size() == 2) {
            bool ok = false;
            s.timestampMs = rest.at(1).toLongLong(&ok);
            if (!ok)
                return R::failure(lineError(lineNo, QStringLiteral("timestamp is not an integer"), line));
        }
        scrape.samples.append(std::move(s));
    }
    return R::success(std::move(scrape));
}

} // namespace Fleetdeck::Wire
