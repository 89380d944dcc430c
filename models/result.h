#pragma once

#include <optional>
#include <utility>

#include <QString>

namespace Fleetdeck {

// What kind of failure a Result carries, where the caller acts on it (a conflict is not sent again blind).
// TooLarge: the answer passed the gateway's limits (bytes, servers or pools); nothing of it was taken.
enum class Failure { General, Conflict, Authentication, Certificate, TooLarge };

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
    // detail: what the caller may act on (Certificate: the peer certificate's SHA-256, hex).
    static Result failure(QString error, Failure kind = Failure::General, QString detail = {})
    {
        Result r;
        r.m_error = std::move(error);
        r.m_failure = kind;
        r.m_detail = std::move(detail);
        return r;
    }

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return *m_value; }
    T&& value() && { return std::move(*m_value); }
    const QString& error() const { return m_error; }
    Failure failureKind() const { return m_failure; }
    const QString& detail() const { return m_detail; }

private:
    std::optional<T> m_value;
    QString m_error;
    Failure m_failure = Failure::General;
    QString m_detail;
};

} // namespace Fleetdeck
