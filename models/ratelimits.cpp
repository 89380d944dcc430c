#include "ratelimits.h"

#include <QRegularExpression>

namespace Fleetdeck {

const RateLimitEntry* RateLimits::entry(const QString& key) const
{
    for (const auto& e : entries) {
        if (e.key == key)
            return &e;
    }
    return nullptr;
}

QString RateLimits::mapFileContent() const
{
    QString out;
    for (const auto& e : entries)
        out += e.key + QLatin1Char(' ') + QString::number(e.limit) + QLatin1Char('\n');
    return out;
}

QString RateLimitChange::describe() const
{
    if (key.isEmpty())
        return QStringLiteral("set the per-IP limit of %1 to %2").arg(gateway).arg(limit);
    if (limit < 0)
        return QStringLiteral("delete the limit of key %1 on %2").arg(key, gateway);
    return QStringLiteral("limit key %1 on %2 to %3").arg(key, gateway).arg(limit);
}

QString validateRateLimitKey(const QString& key)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:@-]{1,64}$"));
    if (key.isEmpty())
        return QStringLiteral("A key is needed.");
    if (!safe.match(key).hasMatch())
        return QStringLiteral("\"%1\": letters, digits and . _ : @ - only, at most 64.").arg(key);
    return {};
}

} // namespace Fleetdeck
