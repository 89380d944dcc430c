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

int GatewaySnapshot::serving() const
{
    int count = 0;
    for (const auto& b : backends)
        count += b.serving();
    return count;
}

int GatewaySnapshot::meantToServe() const
{
    int count = 0;
    for (const auto& b : backends)
        count += b.meantToServe();
    return count;
}

int GatewaySnapshot::serversDisabledByConfig() const
{
    int count = 0;
    for (const auto& b : backends)
        count += b.serversDisabledByConfig();
    return count;
}

int BackendSnapshot::serversDisabledByConfig() const
{
    return int(
        std::count_if(servers.cbegin(), servers.cend(), [](const ServerSnapshot& s) { return s.disabledByConfig; }));
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

bool ServerSnapshot::serving() const
{
    const bool inService = admin == AdminState::Ready || admin == AdminState::ForcedUp;
    const bool healthy = admin == AdminState::ForcedUp || health == Health::Up || health == Health::NoCheck;
    return inService && healthy && meantToServe();
}

bool ServerSnapshot::meantToServe() const
{
    return !backup && !disabledByConfig;
}

int BackendSnapshot::serving() const
{
    return int(std::count_if(servers.cbegin(), servers.cend(), [](const ServerSnapshot& s) { return s.serving(); }));
}

int BackendSnapshot::meantToServe() const
{
    return int(
        std::count_if(servers.cbegin(), servers.cend(), [](const ServerSnapshot& s) { return s.meantToServe(); }));
}

int BackendSnapshot::backups() const
{
    return int(std::count_if(
        servers.cbegin(), servers.cend(), [](const ServerSnapshot& s) { return s.backup && !s.disabledByConfig; }));
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
        sum += qMax<qint64>(0, f.requestsTotal); // -1: a frontend whose requests the product does not count
    return sum;
}

qint64 GatewaySnapshot::responses5xxTotal() const
{
    if (tcpOnly())
        return -1;
    // -1 when no frontend counts them (a product that keeps no such counter, or is not told where to read it).
    qint64 sum = -1;
    for (const auto& f : frontends)
        if (f.responses5xxTotal >= 0)
            sum = qMax<qint64>(0, sum) + f.responses5xxTotal;
    return sum;
}

bool GatewaySnapshot::tcpOnly() const
{
    return !frontends.isEmpty()
        && std::all_of(frontends.cbegin(), frontends.cend(), [](const FrontendSnapshot& f) { return f.tcp; });
}

QString formatLatency(double ms)
{
    if (!(ms >= 0))
        return {};
    if (ms < 10)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms == std::floor(ms) ? 0 : 1);
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(qRound64(ms));
    return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', ms < 10000 ? 2 : 1);
}

QString latencyDetails(const LoadFigures& l)
{
    QStringList parts;
    auto add = [&parts](const char* what, qint64 ms) {
        if (ms >= 0)
            parts.append(QStringLiteral("%1 %2").arg(QLatin1String(what), formatLatency(double(ms))));
    };
    add("queue", l.queueMs);
    add("connect", l.connectMs);
    add("response", l.responseMs);
    add("total", l.totalMs);
    QString text = parts.join(QStringLiteral(", "));
    if (!text.isEmpty() && !l.averagedOver.isEmpty())
        text += QStringLiteral(" (averages over %1)").arg(l.averagedOver);
    if (l.p50Ms >= 0 || l.p95Ms >= 0 || l.p99Ms >= 0) {
        if (!text.isEmpty())
            text += QLatin1Char('\n');
        text += QStringLiteral("p50 %1, p95 %2, p99 %3")
                    .arg(formatLatency(l.p50Ms), formatLatency(l.p95Ms), formatLatency(l.p99Ms));
        if (!l.quantileResolution.isEmpty())
            text += QStringLiteral(" (from histogram buckets: %1)").arg(l.quantileResolution);
    }
    return text;
}

QString saturationDetails(const LoadFigures& l, qint64 sessions)
{
    QStringList lines;
    if (l.limit > 0)
        lines.append(QStringLiteral("%1 of %2 sessions allowed (%3 %)")
                         .arg(sessions)
                         .arg(l.limit)
                         .arg(qRound(l.loadPercent(sessions))));
    if (l.queued >= 0)
        lines.append(l.queuedMax >= 0
                ? QStringLiteral("%1 waiting in the queue (at most %2 so far)").arg(l.queued).arg(l.queuedMax)
                : QStringLiteral("%1 waiting in the queue").arg(l.queued));
    if (l.connectionsUsed >= 0 || l.connectionsIdle >= 0) {
        QString pool = QStringLiteral("connections: %1 in use, %2 idle")
                           .arg(qMax<qint64>(0, l.connectionsUsed))
                           .arg(qMax<qint64>(0, l.connectionsIdle));
        if (l.connectionsNeeded >= 0)
            pool += QStringLiteral(", about %1 needed").arg(l.connectionsNeeded);
        lines.append(pool);
    }
    if (l.connectionsReused >= 0 && l.connectionsOpened >= 0)
        lines.append(QStringLiteral("%1 connections opened and %2 reused since start")
                         .arg(l.connectionsOpened)
                         .arg(l.connectionsReused));
    if (l.inFlight >= 0)
        lines.append(QStringLiteral("%1 requests in flight").arg(l.inFlight));
    if (l.refusedAtLimit >= 0)
        lines.append(QStringLiteral("%1 requests not sent since start: the server was at its connection limit")
                         .arg(l.refusedAtLimit));
    return lines.join(QLatin1Char('\n'));
}

double LoadFigures::latencyMs() const
{
    if (p95Ms >= 0)
        return p95Ms;
    if (queueMs < 0 && connectMs < 0 && responseMs < 0)
        return -1;
    return double(qMax<qint64>(0, queueMs) + qMax<qint64>(0, connectMs) + qMax<qint64>(0, responseMs));
}

QString LoadFigures::latencyBasis() const
{
    if (p95Ms >= 0)
        return quantileResolution.isEmpty()
            ? QStringLiteral("95th percentile")
            : QStringLiteral("95th percentile, from histogram buckets (%1)").arg(quantileResolution);
    if (latencyMs() >= 0)
        return averagedOver.isEmpty()
            ? QStringLiteral("average wait until the response begins (queue + connect + response)")
            : QStringLiteral("average wait until the response begins (queue + connect + response), over %1")
                  .arg(averagedOver);
    return {};
}

double LoadFigures::loadPercent(qint64 sessions) const
{
    if (limit <= 0)
        return -1;
    const double share = 100.0 * double(qMax<qint64>(0, sessions)) / double(limit);
    return queued > 0 ? qMax(share, 100.0) : share;
}

qint64 GatewaySnapshot::sessions() const
{
    qint64 sum = 0;
    for (const auto& f : frontends)
        sum += f.sessions;
    return sum;
}

QString GatewaySnapshot::configState() const
{
    if (!configRefused.isEmpty())
        return QStringLiteral("config refused");
    if (!configNotLoaded.isEmpty())
        return QStringLiteral("not reloaded");
    return {};
}

QString GatewaySnapshot::configDetail() const
{
    return !configRefused.isEmpty() ? configRefused : configNotLoaded;
}

QString GatewaySnapshot::noticeText() const
{
    QStringList lines;
    for (const Notice& n : notices)
        lines.append(n.text);
    return lines.join(QLatin1Char('\n'));
}

} // namespace Fleetdeck
