#include "nginxlogs.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace Fleetdeck::Drivers::Nginx {

namespace {

// nginx joins the servers of one request with ", " (tries in one pool) and " : " (internal redirects).
QStringList splitTries(const QString& text)
{
    static const QRegularExpression sep(QStringLiteral(",\\s*|\\s+:\\s+"));
    return text.split(sep, Qt::SkipEmptyParts);
}

QString jsonText(const QJsonObject& o, const char* key)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isDouble() ? QString::number(v.toDouble()) : v.toString();
}

} // namespace

Result<StubStatus> parseStubStatus(const QByteArray& page)
{
    static const QRegularExpression re(
        QStringLiteral("Active connections:\\s*(\\d+)\\s*\\n\\s*server accepts handled "
                       "requests\\s*\\n\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*\\n\\s*Reading:\\s*"
                       "(\\d+)\\s+Writing:\\s*(\\d+)\\s+Waiting:\\s*(\\d+)"));
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(page.left(4096)));
    if (!m.hasMatch())
        return Result<StubStatus>::failure(
            QStringLiteral("not a stub_status page: \"%1\"").arg(QString::fromUtf8(page.left(120)).simplified()));
    StubStatus s;
    s.active = m.captured(1).toLongLong();
    s.accepted = m.captured(2).toLongLong();
    s.handled = m.captured(3).toLongLong();
    s.requests = m.captured(4).toLongLong();
    s.reading = m.captured(5).toLongLong();
    s.writing = m.captured(6).toLongLong();
    s.waiting = m.captured(7).toLongLong();
    return Result<StubStatus>::success(s);
}

double UpstreamTally::averageMs() const
{
    if (recentMs.isEmpty())
        return -1;
    double sum = 0;
    for (float v : recentMs)
        sum += v;
    return sum / double(recentMs.size());
}

qsizetype AccessLog::read(const QByteArray& chunk)
{
    const qsizetype end = chunk.lastIndexOf('\n');
    if (end < 0)
        return 0;
    qsizetype pos = 0;
    while (pos <= end) {
        const qsizetype nl = chunk.indexOf('\n', pos);
        const QByteArray line = chunk.mid(pos, nl - pos).trimmed();
        pos = nl + 1;
        if (line.isEmpty())
            continue;
        QJsonParseError error {};
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            ++unreadable;
            continue;
        }
        const QJsonObject o = doc.object();
        ++requests;
        if (jsonText(o, "status").startsWith(QLatin1Char('5')))
            ++responses5xx;
        const QStringList addrs = splitTries(jsonText(o, "upstream_addr"));
        const QStringList statuses = splitTries(jsonText(o, "upstream_status"));
        const QStringList times = splitTries(jsonText(o, "upstream_response_time"));
        const QString pool = jsonText(o, "proxy_host");
        if (o.contains(QLatin1String("proxy_host"))) {
            poolNamed = true;
            if (!pool.isEmpty() && pool != QLatin1String("-") && (byPool.size() < kMaxKeys || byPool.contains(pool))) {
                PoolTally& p = byPool[pool];
                ++p.requests;
                if (jsonText(o, "status").startsWith(QLatin1Char('5')))
                    ++p.responses5xx;
            }
        }
        for (qsizetype i = 0; i < addrs.size(); ++i) {
            const QString& addr = addrs.at(i);
            if (addr == QLatin1String("-"))
                continue;
            auto count = [&](UpstreamTally& t) {
                ++t.requests;
                const QString status = statuses.value(i);
                // A try that got no answer is "-" (nginx answered 502/504 itself): the server failed it.
                if (status.startsWith(QLatin1Char('5')) || status == QLatin1String("-"))
                    ++t.errors5xx;
                bool ok = false;
                const double seconds = times.value(i).toDouble(&ok);
                if (ok) {
                    t.recentMs.append(float(seconds * 1000.0));
                    if (t.recentMs.size() > UpstreamTally::kRecentTimes)
                        t.recentMs.removeFirst();
                }
            };
            auto countAt = [&](const QString& key) {
                if (byAddress.size() < kMaxKeys || byAddress.contains(key))
                    count(byAddress[key]);
                else
                    ++untallied;
            };
            countAt(addr);
            if (!pool.isEmpty())
                countAt(pool + QLatin1Char('|') + addr);
        }
    }
    return end + 1;
}

QList<ErrorLine> parseErrorLog(const QByteArray& chunk, qsizetype* used)
{
    static const QRegularExpression head(
        QStringLiteral("^(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2}) \\[(\\w+)\\] \\d+#\\d+: (?:\\*\\d+ )?(.*)$"));
    static const QRegularExpression upstreamField(QStringLiteral(", upstream: \"(?:[a-z]+://)?([^/\"]+)[^\"]*\""));
    QList<ErrorLine> out;
    const qsizetype end = chunk.lastIndexOf('\n');
    *used = end < 0 ? 0 : end + 1;
    qsizetype pos = 0;
    while (pos <= end && end >= 0) {
        const qsizetype nl = chunk.indexOf('\n', pos);
        const QString line = QString::fromUtf8(chunk.mid(pos, nl - pos)).trimmed();
        pos = nl + 1;
        const QRegularExpressionMatch m = head.match(line);
        if (!m.hasMatch())
            continue;
        ErrorLine e;
        e.level = m.captured(2);
        const QString rest = m.captured(3);
        const QRegularExpressionMatch u = upstreamField.match(rest);
        const bool severe = e.level == QLatin1String("emerg") || e.level == QLatin1String("alert")
            || e.level == QLatin1String("crit");
        if (!u.hasMatch() && !severe)
            continue;
        e.timeMs = QDateTime::fromString(m.captured(1), QStringLiteral("yyyy/MM/dd HH:mm:ss")).toMSecsSinceEpoch();
        e.upstream = u.hasMatch() ? u.captured(1) : QString();
        const qsizetype comma = rest.indexOf(QLatin1String(", client:"));
        e.message = (comma < 0 ? rest : rest.left(comma)).left(300);
        e.disabled = rest.contains(QLatin1String("upstream server temporarily disabled"));
        e.noLiveUpstreams = rest.contains(QLatin1String("no live upstreams"));
        out.append(e);
    }
    return out;
}

qint64 nginxTimeMs(const QString& text)
{
    static const QRegularExpression part(QStringLiteral("(\\d+)(ms|y|M|w|d|h|m|s)?"));
    if (text.isEmpty())
        return -1;
    qint64 total = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        const QRegularExpressionMatch m
            = part.match(text, pos, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
        if (!m.hasMatch() || m.capturedLength() == 0)
            return -1;
        const qint64 n = m.captured(1).toLongLong();
        const QString unit = m.captured(2);
        const qint64 factor = unit == QLatin1String("ms") ? 1
            : unit == QLatin1String("m")                  ? 60000
            : unit == QLatin1String("h")                  ? 3600000
            : unit == QLatin1String("d")                  ? 86400000
            : unit == QLatin1String("w")                  ? 7 * 86400000LL
            : unit == QLatin1String("M")                  ? 30 * 86400000LL
            : unit == QLatin1String("y")                  ? 365 * 86400000LL
                                                          : 1000;
        total += n * factor;
        pos += m.capturedLength();
    }
    return total;
}

} // namespace Fleetdeck::Drivers::Nginx
