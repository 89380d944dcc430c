#pragma once

#include <optional>
#include <utility>

#include <QString>

namespace Fleetdeck {

// A value or the reason there is none; what parsers and drivers hand back instead of throwing.
template <typename T> class Result
{
public:
    static Result success(T value)
    {
        Result r;
        r.m_value = std::move(value);
        return r;
    }
    static Result failure(QString error)
    {
        Result r;
        r.m_error = std::move(error);
        return r;
    }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    const QString& error() const { return m_error; }

private:
    std::optional<T> m_value;
    QString m_error;
};

} // namespace Fleetdeck
