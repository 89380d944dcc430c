#pragma once

#include <optional>

#include <QMap>
#include <QString>

namespace Fleetdeck {

struct Capabilities;
struct Change;
struct ChangeCheck;
struct GatewayState;
struct Verdict;

} // namespace Fleetdeck

// The members every kind of change has; Change (change.h) dispatches to them:
//   object()          what the journal names (backend/server, ratelimit/key, cache/path)
//   describe()        the change in words
//   validate(caps)    field -> what is wrong, before anything is read or sent
//   precheck(...)     against the gateway as re-read just before sending: a conflict or a missing object
//   stateText(state)  what the gateway has for the object, in words (the journal's before and after)
//   wantedText()      what the change asks for, in the same words
//   inverse(before)   the change that puts back what `before` had (none: it cannot be undone)
//   verify(after)     whether the gateway, re-read, shows it
#define FLEETDECK_CHANGE_KIND(Kind)                                                                                    \
    QString object() const;                                                                                            \
    QString describe() const;                                                                                          \
    QMap<QString, QString> validate(const Capabilities& caps) const;                                                   \
    ChangeCheck precheck(const GatewayState& seen, const GatewayState& now, const Capabilities& caps) const;           \
    QString stateText(const GatewayState& state) const;                                                                \
    QString wantedText() const;                                                                                        \
    std::optional<Change> inverse(const GatewayState& before) const;                                                   \
    Verdict verify(const GatewayState& after) const;                                                                   \
    friend bool operator==(const Kind&, const Kind&) = default;
