#include "capabilities.h"

namespace Fleetdeck {

QString label(Feature feature)
{
    switch (feature) {
    case Feature::Drain:
        return QStringLiteral("Drain");
    case Feature::Ready:
        return QStringLiteral("Ready");
    case Feature::ForceUp:
        return QStringLiteral("Force up");
    case Feature::Maint:
        return QStringLiteral("Maintenance");
    case Feature::Weight:
        return QStringLiteral("Weight");
    case Feature::AddMember:
        return QStringLiteral("Add a member");
    case Feature::RemoveMember:
        return QStringLiteral("Remove a member");
    case Feature::RateLimits:
        return QStringLiteral("Rate limits");
    case Feature::CachePolicy:
        return QStringLiteral("Cache policy");
    }
    return {};
}

QString label(RateScope scope)
{
    switch (scope) {
    case RateScope::Key:
        return QStringLiteral("API key");
    case RateScope::Ip:
        return QStringLiteral("client IP");
    case RateScope::User:
        return QStringLiteral("user");
    }
    return {};
}

QList<Feature> allFeatures()
{
    return { Feature::Drain, Feature::Ready, Feature::ForceUp, Feature::Maint, Feature::Weight, Feature::AddMember,
        Feature::RemoveMember, Feature::RateLimits, Feature::CachePolicy };
}

QString Capabilities::how(Feature feature) const
{
    const FeatureSupport support = features.value(feature);
    return support.supported ? support.text : QString();
}

QString Capabilities::whyNot(Feature feature) const
{
    const auto it = features.constFind(feature);
    if (it == features.cend())
        return QStringLiteral("not offered by this product");
    return it->supported ? QString() : it->text;
}

Capabilities& Capabilities::set(Feature feature, bool supported, const QString& text)
{
    features.insert(feature, FeatureSupport { supported, text });
    return *this;
}

const MemberOption* Capabilities::memberOption(const QString& key) const
{
    for (const MemberOption& o : memberOptions)
        if (o.key == key)
            return &o;
    return nullptr;
}

} // namespace Fleetdeck
