#pragma once

#include <cmath>
#include <limits>

#include <QtGlobal>

namespace Fleetdeck {

// Numbers that come from a peer are whatever it sent: NaN, infinities, 1e300. Converting such a double to an
// integer out of range is undefined behaviour, and so is a signed sum that overflows, so every count or time read
// from a gateway goes through these.

// A peer's double as a whole number: NaN is 0, anything beyond qint64 is clamped to its end.
inline qint64 clampedInt64(double value)
{
    if (std::isnan(value))
        return 0;
    // 2^63 exactly as a double; every double below it converts safely.
    constexpr double limit = 9223372036854775808.0;
    if (value >= limit)
        return std::numeric_limits<qint64>::max();
    if (value < -limit)
        return std::numeric_limits<qint64>::min();
    return qint64(value);
}

// a + b, stopping at qint64's ends instead of overflowing.
inline qint64 saturatingAdd(qint64 a, qint64 b)
{
    qint64 sum = 0;
    if (__builtin_add_overflow(a, b, &sum))
        return b > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
    return sum;
}

// a - b, stopping at qint64's ends instead of overflowing.
inline qint64 saturatingSub(qint64 a, qint64 b)
{
    qint64 difference = 0;
    if (__builtin_sub_overflow(a, b, &difference))
        return b < 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
    return difference;
}

// Seconds since the epoch, as a peer wrote them, in milliseconds (clamped; NaN is 0).
inline qint64 secondsToMs(double seconds)
{
    return clampedInt64(seconds * 1000.0);
}

} // namespace Fleetdeck
