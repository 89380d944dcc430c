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

struct FeatureSupport
{
    bool supported = false;
    QString text; // how the product does it when supported ("state drain"), why it cannot when not
    friend bool operator==(const FeatureSupport&, const FeatureSupport&) = default;
};

// What the forms check before anything is sent, in the product's own terms.
struct FormRules
{
    int weightMin = 0;
    int weightMax = 0;
    bool membersNamedByAddress = false; // a member's name is its host:port
    QStringList staticBalancing; // balancing modes of a pool that refuse a member added at runtime
    QString staticBalancingReason; // why, as the product puts it
    friend bool operator==(const FormRules&, const FormRules&) = default;
};

// One product's capabilities as a gateway of it has them.
struct Capabilities
{
    QMap<Feature, FeatureSupport> features;
    FormRules rules;
    bool runtimeOnly = true; // changes are lost on reload unless the config file carries them
    QString note; // what the operator should know about changing this product at runtime

    bool can(Feature feature) const { return features.value(feature).supported; }
    // How the product does it (supported), or empty.
    QString how(Feature feature) const;
    // Why the product cannot (unsupported), or empty.
    QString whyNot(Feature feature) const;
    Capabilities& set(Feature feature, bool supported, const QString& text);
    friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

} // namespace Fleetdeck
