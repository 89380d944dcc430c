#pragma once

#include <optional>
#include <type_traits>
#include <variant>

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>

#include "cachepolicy.h"
#include "capabilities.h"
#include "changekind.h"
#include "fleettypes.h"
#include "ratelimits.h"
#include "serverspec.h"

namespace Fleetdeck {

// What a change is checked against: the gateway as read just before sending (conflicts, the journal's "before",
// undo) or just after (verification). Only the part the change's domain needs is read.
struct GatewayState
{
    std::optional<GatewaySnapshot> pool;
    std::optional<RateLimits> limits;
    std::optional<CachePolicy> cache;

    // The config version of whichever part was read (empty: the product keeps none).
    QString configVersion() const;
};

// Which reading of a gateway a change is checked against.
enum class Domain { Pool, RateLimits, Cache };

// Why a change is not sent after the gateway was re-read (empty: send it). A conflict is someone else's change made
// since the operator looked; it is never overwritten blind.
struct ChangeCheck
{
    QString problem;
    bool conflict = false;
};

// What the re-read after sending shows.
struct Verdict
{
    bool ok = false;
    QString message;
};

// Every kind of change has the members FLEETDECK_CHANGE_KIND declares (changekind.h); Change dispatches to them.

// Drain, ready, force up or maintenance for one member.
struct ServerStateChange
{
    ServerRef target;
    AdminState state = AdminState::Ready;

    FLEETDECK_CHANGE_KIND(ServerStateChange)
};

// A member's load-balancing weight.
struct WeightChange
{
    ServerRef target;
    int weight = 0;

    FLEETDECK_CHANGE_KIND(WeightChange)
};

// A new member in a pool, in service (and health-checked when asked).
struct AddMemberChange
{
    ServerSpec spec;

    FLEETDECK_CHANGE_KIND(AddMemberChange)
};

// A member out of its pool, safely: drained and waited for (up to drainTimeoutMs) where the product can drain,
// then deleted.
struct RemoveMemberChange
{
    ServerRef target;
    int drainTimeoutMs = 30000;

    FLEETDECK_CHANGE_KIND(RemoveMemberChange)
};

// One of a member's own parameters (Capabilities::memberOptions): "backup" on, "max_fails" 5.
struct MemberOptionChange
{
    ServerRef target;
    QString option;
    QString value;

    FLEETDECK_CHANGE_KIND(MemberOptionChange)
};

// One change to one gateway, of any kind.
struct Change
{
    using Variant = std::variant<ServerStateChange, WeightChange, AddMemberChange, RemoveMemberChange, RateLimitChange,
        CacheRuleChange, CacheTtlChange, PurgeChange, SettingChange, MemberOptionChange>;

    Variant what;
    // The gateway config version the operator saw (empty: none). Products that keep one refuse a change made
    // against an older config (a conflict) instead of overwriting it.
    QString baseVersion;
    // What the object must read (in stateText's words) on the re-read just before sending; anything else is someone
    // else's change since, a conflict, and nothing is sent. Empty: not checked. An undo expects what the change it
    // undoes left; a form expects what it showed the operator.
    QString expectedState;

    Change() = default;
    template <typename T, typename = std::enable_if_t<std::is_constructible_v<Variant, T>>>
    Change(T kind, QString base = {}) // NOLINT(google-explicit-constructor): every kind is a change
        : what(std::move(kind))
        , baseVersion(std::move(base))
    { }

    ChangeKind kind() const;
    Domain domain() const;
    // The capability it needs, if any.
    std::optional<Feature> feature() const;
    // Why a product with these capabilities does not take it (empty: it does).
    QString refusal(const Capabilities& caps) const;
    QString gateway() const;
    QString object() const;
    QString describe() const;
    QMap<QString, QString> validate(const Capabilities& caps) const;
    ChangeCheck precheck(const GatewayState& seen, const GatewayState& now, const Capabilities& caps) const;
    QString stateText(const GatewayState& state) const;
    QString wantedText() const;
    std::optional<Change> inverse(const GatewayState& before) const;
    Verdict verify(const GatewayState& after) const;

    template <typename T> const T* as() const { return std::get_if<T>(&what); }
    template <typename T> T* as() { return std::get_if<T>(&what); }
    friend bool operator==(const Change&, const Change&) = default;
};

// A conflict when the member's revision (ServerSnapshot::revision) moved between what the operator saw and the re-read
// just before sending; nothing when the product keeps none or it did not move.
ChangeCheck revisedMeanwhile(const GatewayState& seen, const GatewayState& now, const ServerRef& target);

// Problems as one line, "field: what is wrong; ...".
QString problemsText(const QMap<QString, QString>& problems);

// One change of a request, after the pipeline ran it.
struct ActionOutcome
{
    Change change;
    bool ok = false; // sent, and the gateway re-read shows it
    QString message; // what the gateway answered, or what verification found
    bool conflict = false; // someone changed it meanwhile: not sent, or refused by the gateway as stale
    bool sent = false; // an attempt was journaled and the change went out
    QString beforeText; // the gateway's state of the object before, as the journal says it
    QString afterText; // what was asked for, in the same words
    std::optional<Change> undo; // what puts it back (none: it cannot be undone)

    static ActionOutcome of(const Change& change);
};

// The result of one operator request (possibly many changes on many gateways), after verification.
struct ActionReport
{
    quint64 id = 0;
    QString description;
    QList<ActionOutcome> outcomes;

    bool ok() const;
    int failures() const;
    // What puts back the changes that took, last first (for undo, and to roll back a request that partly failed).
    QList<Change> undoChanges() const;
    // The changes that took and can be undone, as they were asked (for redo, after an undo).
    QList<Change> doneChanges() const;
};

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::ActionReport)
Q_DECLARE_METATYPE(Fleetdeck::Change)
