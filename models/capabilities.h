#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace Fleetdeck {

// What an operator can ask of a gateway at runtime. Each product says, feature by feature, how it does it or why it
// cannot; the UI enables an action only where its feature is supported and shows the reason where it is not.
enum class Feature {
    Drain,
    Ready,
    ForceUp,
    Maint,
    Weight,
    AddMember,
    RemoveMember,
    RateLimits,
    CachePolicy,
};
QString label(Feature feature);
QList<Feature> allFeatures();

// The kinds of change, by feature rather than by product; each driver says which it takes.
enum class ChangeKind {
    ServerState, // drain, ready, force up, maintenance
    Weight,
    AddMember,
    RemoveMember,
    RateLimit, // a rule: scope, key, limit, window, burst
    CacheRule, // a path's Cache-Control
    CacheTtl, // default TTL, grace, keep
    Purge, // ban what a URL pattern and host match
    Setting, // a product setting (the active configuration, metrics on a server, ...)
    MemberOption, // a parameter of one member as the product names it (a backup flag, a failure threshold)
};

// What a rate limit counts by.
enum class RateScope { Key, Ip, User };
QString label(RateScope scope);

struct FeatureSupport
{
    bool supported = false;
    QString text; // how the product does it when supported ("state drain"), why it cannot when not
    friend bool operator==(const FeatureSupport&, const FeatureSupport&) = default;
};

// A parameter of a pool member the product lets an operator change, besides its state and weight.
struct MemberOption
{
    enum class Kind { Flag, Count, Duration }; // on/off; a whole number; a time such as 10s, 500ms, 1m
    QString key; // as the product names it: "backup", "max_fails"
    QString label; // as the operator reads it
    Kind kind = Kind::Flag;
    QString help; // what it does, and its default
    friend bool operator==(const MemberOption&, const MemberOption&) = default;
};

// What the forms check before anything is sent, in the product's own terms.
struct FormRules
{
    int weightMin = 0;
    int weightMax = 0;
    bool membersNamedByAddress = false; // a member's name is its host:port ("#2" for a second line of one address)
    bool memberHealthChecks = true; // a member it adds can be health-checked (the add form's check box)
    QStringList staticBalancing; // balancing modes of a pool that refuse a member added at runtime
    QString staticBalancingReason; // why, as the product puts it
    QList<RateScope> rateScopes; // what its rate limits can count by
    friend bool operator==(const FormRules&, const FormRules&) = default;
};

// How the change pipeline verifies a change on this product: how often it re-reads before calling a change that
// does not show a failure, and whether each change is verified before the next is sent (products whose writes name
// the config version they were made against need the version the previous change produced).
struct VerifyPolicy
{
    int attempts = 3;
    int delayMs = 250;
    bool eachChange = false;
    friend bool operator==(const VerifyPolicy&, const VerifyPolicy&) = default;
};

// One product's capabilities as a gateway of it has them.
struct Capabilities
{
    QMap<Feature, FeatureSupport> features;
    QList<ChangeKind> changes; // the kinds of change it takes; any other is refused before anything is sent
    QStringList settings; // the product settings a SettingChange may name
    QList<MemberOption> memberOptions; // the member parameters a MemberOptionChange may name
    FormRules rules;
    VerifyPolicy verify;
    // Writes name the config version they were made against (Change::baseVersion), and the gateway refuses a stale
    // one (a conflict); otherwise the pipeline's re-read before sending is what catches someone else's change.
    bool versionedWrites = false;
    bool runtimeOnly = true; // changes are lost on reload unless the config file carries them
    // Removing a member drains it first and waits for its sessions (where it can drain). False where a drain is
    // itself a reload that counts no sessions (nginx): the removal is then one change.
    bool drainBeforeRemove = true;
    QString note; // what the operator should know about changing this product at runtime

    bool can(Feature feature) const { return features.value(feature).supported; }
    bool takes(ChangeKind kind) const { return changes.contains(kind); }
    // How the product does it (supported), or empty.
    QString how(Feature feature) const;
    // Why the product cannot (unsupported), or empty.
    QString whyNot(Feature feature) const;
    Capabilities& set(Feature feature, bool supported, const QString& text);
    const MemberOption* memberOption(const QString& key) const;
    friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

} // namespace Fleetdeck
