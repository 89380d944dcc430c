#include "haproxyparsers.h"

// The runtime API's answers about rate limits and caches: maps, variables, stick tables and the cache.

#include <QRegularExpression>

namespace Fleetdeck::Drivers::HAProxy {

Result<QList<MapInfo>> parseMapList(const QByteArray& text)
{
    using R = Result<QList<MapInfo>>;
    QList<MapInfo> out;
    static const QRegularExpression row(QStringLiteral("^(-?\\d+) \\(([^)]*)\\)"));
    for (const QByteArray& line : text.split('\n')) {
        const QString l = QString::fromUtf8(line).trimmed();
        if (l.isEmpty() || l.startsWith(QLatin1Char('#')))
            continue;
        const auto m = row.match(l);
        if (!m.hasMatch())
            return R::failure(QStringLiteral("show map: unexpected line \"%1\"").arg(l.left(120)));
        out.append(MapInfo { m.captured(1).toInt(), m.captured(2) });
    }
    return R::success(out);
}

Result<QList<QPair<QString, QString>>> parseMapEntries(const QByteArray& text)
{
    using R = Result<QList<QPair<QString, QString>>>;
    QList<QPair<QString, QString>> out;
    for (const QByteArray& line : text.split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.isEmpty())
            continue;
        // "0x55d6c1e0 key value": a pointer, the key, the value.
        const QList<QByteArray> f = l.split(' ');
        if (f.size() < 3 || !f.first().startsWith("0x"))
            return R::failure(QStringLiteral("show map: unexpected line \"%1\"").arg(QString::fromUtf8(l.left(120))));
        out.append({ QString::fromUtf8(f.at(1)), QString::fromUtf8(f.mid(2).join(' ')) });
    }
    return R::success(out);
}

Result<qint64> parseIntegerVariable(const QByteArray& text)
{
    // "proc.iplimit: type=sint value=<200>"
    static const QRegularExpression value(QStringLiteral("type=sint value=<(-?\\d+)>"));
    const auto m = value.match(QString::fromUtf8(text));
    if (!m.hasMatch())
        return Result<qint64>::failure(
            QStringLiteral("get var: \"%1\"").arg(QString::fromUtf8(text.trimmed().left(120))));
    return Result<qint64>::success(m.captured(1).toLongLong());
}

Result<QList<TableEntry>> parseStickTable(const QByteArray& text)
{
    using R = Result<QList<TableEntry>>;
    QList<TableEntry> out;
    static const QRegularExpression key(QStringLiteral(" key=(\\S+)"));
    static const QRegularExpression cnt(QStringLiteral(" http_req_cnt=(\\d+)"));
    static const QRegularExpression rate(QStringLiteral(" http_req_rate\\(\\d+\\)=(\\d+)"));
    static const QRegularExpression gpc0(QStringLiteral(" gpc0=(\\d+)"));
    bool sawHeader = false;
    for (const QByteArray& line : text.split('\n')) {
        const QString l = QString::fromUtf8(line).trimmed();
        if (l.isEmpty())
            continue;
        if (l.startsWith(QLatin1String("# table:"))) {
            sawHeader = true;
            continue;
        }
        const auto k = key.match(l);
        if (!k.hasMatch())
            return R::failure(QStringLiteral("show table: unexpected line \"%1\"").arg(l.left(120)));
        TableEntry e;
        e.key = k.captured(1);
        if (const auto c = cnt.match(l); c.hasMatch())
            e.requestCount = c.captured(1).toLongLong();
        if (const auto r = rate.match(l); r.hasMatch())
            e.requestRate = r.captured(1).toLongLong();
        if (const auto g = gpc0.match(l); g.hasMatch())
            e.refused = g.captured(1).toLongLong();
        out.append(e);
    }
    if (!sawHeader)
        return R::failure(
            QStringLiteral("show table: no \"# table:\" header (%1)").arg(QString::fromUtf8(text.trimmed().left(120))));
    return R::success(out);
}

Result<CachePolicy> parseCachePolicy(const QByteArray& showCache, const QByteArray& showStat)
{
    using R = Result<CachePolicy>;
    CachePolicy policy;
    policy.readOnlyReason = QStringLiteral("HAProxy 2.6 cannot change a cache section at runtime: edit the cache "
                                           "section in haproxy.cfg and reload. Fleetdeck shows what it does.");
    // "0x55d1c1a0e0c0: mycache (shctx:0x7f..., available blocks:4096)" starts a section; indented-less lines
    // "0x...: hash:... size:... expire:..." that follow are its entries.
    static const QRegularExpression section(
        QStringLiteral("^0x[0-9a-f]+: (\\S+) \\(shctx:0x[0-9a-f]+, available blocks:(\\d+)\\)$"));
    static const QRegularExpression entry(QStringLiteral("^0x[0-9a-f]+ hash:\\d+ "));
    int lineNo = 0;
    for (const QByteArray& raw : showCache.split('\n')) {
        ++lineNo;
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty())
            continue;
        if (const auto m = section.match(line); m.hasMatch()) {
            CacheStore store;
            store.name = m.captured(1);
            store.availableBlocks = m.captured(2).toLongLong();
            policy.stores.append(store);
        } else if (entry.match(line).hasMatch() && !policy.stores.isEmpty()) {
            policy.stores.last().entries += 1;
        } else {
            return R::failure(QStringLiteral("show cache, line %1: unexpected \"%2\"").arg(lineNo).arg(line.left(120)));
        }
    }
    const auto rows = parseShowStat(showStat);
    if (!rows)
        return R::failure(rows.error());
    // 2.6 does not say which backend uses which cache: with one section the backends' counts are its own.
    for (const StatRow& r : rows.value()) {
        if (r.type != StatRow::Type::Backend || r.cacheLookups <= 0 || policy.stores.isEmpty())
            continue;
        CacheStore& target = policy.stores.first();
        target.lookups += r.cacheLookups;
        target.hits += r.cacheHits;
        target.backends.append(r.proxy);
    }
    return R::success(policy);
}

} // namespace Fleetdeck::Drivers::HAProxy
