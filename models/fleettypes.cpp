#include "fleettypes.h"

#include <algorithm>
#include <cmath>

namespace Fleetdeck {

QString label(AdminState state)
{
    switch (state) {
    case AdminState::Ready:
        return QStringLiteral("ready");
    case AdminState::Drain:
        return QStringLiteral("drain");
    case AdminState::Maint:
        return QStringLiteral("maint");
    case AdminState::ForcedUp:
        return QStringLiteral("forced up");
    }
    return {};
}

QString label(Health health)
{
    switch (health) {
    case Health::Up:
        return QStringLiteral("up");
    case Health::Down:
        return QStringLiteral("down");
    case Health::Starting:
        return QStringLiteral("starting");
    case Health::Stopping:
        return QStringLiteral("stopping");
    case Health::NoCheck:
        return QStringLiteral("no check");
    case Health::Unknown:
        return QStringLiteral("unknown");
    }
    return {};
}

QString label(Connection connection)
{
    switch (connection) {
    case Connection::Connecting:
        return QStringLiteral("connecting");
    case Connection::Up:
        return QStringLiteral("up");
    case Connection::Unreachable:
        return QStringLiteral("unreachable");
    case Connection::TooLarge:
        return QStringLiteral("too large");
    }
    return {};
}

QString formatRate(double perSecond)
{
    return std::isnan(perSecond) ? QString() : QString::number(perSecond, 'f', perSecond < 10 ? 1 : 0);
}

int GatewaySnapshot::serversUp() const
{
    int up = 0;
    for (const auto& b : backends)
        up += b.serversUp();
    return up;
}

int GatewaySnapshot::serverCount() const
{
    int count = 0;
    for (const auto& b : backends)
        count += int(b.servers.size());
    return count;
}

bool GatewayConfig::plaintextOverNetwork() const
{
    if (admin.scheme() != QLatin1String("tcp"))
        return false; // a UNIX socket stays on this machine
    const QString host = admin.host();
    if (host == QLatin1String("localhost") || host == QLatin1String("::1"))
        return false;
    // 127.0.0.0/8 is loopback.
    const QStringList parts = host.split(QLatin1Char('.'));
    return !(parts.size() == 4 && parts.first() == QLatin1String("127"));
}

QString ServerRef::displayName() const
{
    return gateway % QLatin1Char(':') % backend % QLatin1Char('/') % server;
}

int BackendSnapshot::serversUp() const
{
    return int(std::count_if(servers.cbegin(), servers.cend(), [](const ServerSnapshot& s) {
        return s.admin != AdminState::Maint && (s.health == Health::Up || s.health == Health::NoCheck);
    }));
}

const BackendSnapshot* GatewaySnapshot::backend(const QString& name) const
{
    for (const auto& b : backends) {
        if (b.name == name)
            return &b;
    }
    return nullptr;
}

const ServerSnapshot* GatewaySnapshot::server(const QString& backendName, const QString& serverName) const
{
    const BackendSnapshot* b = backend(backendName);
    if (!b)
        return nullptr;
    for (const auto& s : b->servers) {
        if (s.name == serverName)
            return &s;
    }
    return nullptr;
}

bool GatewaySnapshot::sameShape(const GatewaySnapshot& other) const
{
    if (backends.size() != other.backends.size())
        return false;
    for (qsizetype i = 0; i < backends.size(); ++i) {
        const auto& a = backends.at(i);
        const auto& b = other.backends.at(i);
        if (a.name != b.name || a.servers.size() != b.servers.size())
            return false;
        for (qsizetype j = 0; j < a.servers.size(); ++j) {
            if (a.servers.at(j).name != b.servers.at(j).name)
                return false;
        }
    }
    return true;
}

qint64 GatewaySnapshot::requestsTotal() const
{
    qint64 sum = 0;
    for (const auto& f : frontends)
        sum += f.requestsTotal;
    return sum;
}

qint64 GatewaySnapshot::responses5xxTotal() const
{
    qint64 sum = 0;
    for (const auto& f : frontends)
        sum += f.responses5xxTotal;
    return sum;
}

qint64 GatewaySnapshot::sessions() const
{
    qint64 sum = 0;
    for (const auto& f : frontends)
        sum += f.sessions;
    return sum;
}

QString GatewaySnapshot::noticeText() const
{
    QStringList lines;
    for (const Notice& n : notices)
        lines.append(n.text);
    return lines.join(QLatin1Char('\n'));
}

} // namespace Fleetdeck
