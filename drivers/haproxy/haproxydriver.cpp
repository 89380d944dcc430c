#include "haproxydriver.h"

#include <QDateTime>
#include <QRegularExpression>

#include "haproxyparsers.h"

namespace Fleetdeck::Drivers::HAProxy {

HAProxyDriver::HAProxyDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, parent)
{
}

Capabilities HAProxyDriver::capabilities() const
{
    Capabilities c;
    c.canDrain = true;
    c.canMaint = true;
    c.canSetWeight = true;
    c.canAddServers = true; // not on static-rr or balance source backends: validation says so per backend
    c.canRemoveServers = true;
    c.weightMin = 0;
    c.weightMax = 256;
    c.runtimeOnly = true;
    c.note = tr("Runtime API changes live in memory: a reload restores the config file's state unless a server-state "
                "file carries them.");
    return c;
}

void HAProxyDriver::fetchSnapshot(SnapshotCallback callback)
{
    Wire::LineCommandClient::run(
        config().admin, pollCommand(), m_options,
        [callback = std::move(callback)](Result<QByteArray> reply) {
            if (!reply) {
                callback(Result<GatewaySnapshot>::failure(reply.error()));
                return;
            }
            auto parsed = parsePollReply(reply.value());
            if (!parsed) {
                callback(Result<GatewaySnapshot>::failure(parsed.error()));
                return;
            }
            GatewaySnapshot snap = std::move(parsed).value();
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(Result<GatewaySnapshot>::success(std::move(snap)));
        },
        this);
}

Result<QByteArray> HAProxyDriver::commandFor(const ServerAction& action)
{
    // Names go into a ';'-separated command line: refuse anything that could end or split it.
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:\\-]+$"));
    for (const QString& name : { action.target.backend, action.target.server }) {
        if (!safe.match(name).hasMatch())
            return Result<QByteArray>::failure(
                QStringLiteral("\"%1\" cannot be sent over the runtime API (spaces, ';' or control characters)").arg(name));
    }
    const QByteArray target = action.target.backend.toUtf8() + '/' + action.target.server.toUtf8();
    if (action.kind == ServerAction::Kind::SetWeight) {
        if (action.weight < 0 || action.weight > 256)
            return Result<QByteArray>::failure(QStringLiteral("weight %1 is outside HAProxy's 0..256").arg(action.weight));
        return Result<QByteArray>::success("set weight " + target + ' ' + QByteArray::number(action.weight));
    }
    const char* state = action.state == AdminState::Drain ? "drain" : action.state == AdminState::Maint ? "maint" : "ready";
    return Result<QByteArray>::success("set server " + target + " state " + state);
}

void HAProxyDriver::apply(const ServerAction& action, ActionCallback callback)
{
    const auto command = commandFor(action);
    if (!command) {
        callback(Result<QString>::failure(command.error()));
        return;
    }
    Wire::LineCommandClient::run(
        config().admin, command.value(), m_options,
        [callback = std::move(callback)](Result<QByteArray> reply) {
            if (!reply) {
                callback(Result<QString>::failure(reply.error()));
                return;
            }
            // These commands answer nothing on success and one line of text on refusal.
            const QString text = QString::fromUtf8(reply.value()).trimmed();
            if (!text.isEmpty())
                callback(Result<QString>::failure(text));
            else
                callback(Result<QString>::success(QString()));
        },
        this);
}

} // namespace Fleetdeck::Drivers::HAProxy

namespace Fleetdeck::Drivers::HAProxy {

namespace {
bool safeName(const QString& name)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:\\-]+$"));
    return safe.match(name).hasMatch();
}
} // namespace

void HAProxyDriver::send(const QByteArray& command, const QString& expected, ActionCallback callback)
{
    Wire::LineCommandClient::run(
        config().admin, command, m_options,
        [callback = std::move(callback), expected](Result<QByteArray> reply) {
            if (!reply) {
                callback(Result<QString>::failure(reply.error()));
                return;
            }
            const QString text = QString::fromUtf8(reply.value()).trimmed();
            if (text.isEmpty() || text == expected)
                callback(Result<QString>::success(text));
            else
                callback(Result<QString>::failure(text));
        },
        this);
}

void HAProxyDriver::addServer(const ServerSpec& spec, ActionCallback callback)
{
    if (!safeName(spec.backend) || !safeName(spec.name) || !isValidHost(spec.host) || spec.port < 1 || spec.port > 65535) {
        callback(Result<QString>::failure(QStringLiteral("%1 cannot be sent over the runtime API").arg(spec.describe())));
        return;
    }
    const QByteArray target = spec.backend.toUtf8() + '/' + spec.name.toUtf8();
    QByteArray add = "add server " + target + ' ' + spec.address().toUtf8() + " weight " + QByteArray::number(spec.weight);
    if (spec.maxconn > 0)
        add += " maxconn " + QByteArray::number(spec.maxconn);
    if (spec.check)
        add += " check";
    // A new server starts in maintenance: bring it into service, then turn its health checks on.
    send(add, QStringLiteral("New server registered."), [this, target, spec, callback](Result<QString> added) {
        if (!added) {
            callback(added);
            return;
        }
        send("set server " + target + " state ready", {}, [this, target, spec, callback](Result<QString> ready) {
            if (!ready) {
                callback(Result<QString>::failure(QStringLiteral("added, but left in maintenance: %1").arg(ready.error())));
                return;
            }
            if (!spec.check) {
                callback(Result<QString>::success(QStringLiteral("New server registered.")));
                return;
            }
            send("enable health " + target, {}, [callback](Result<QString> health) {
                if (!health)
                    callback(Result<QString>::failure(QStringLiteral("added and ready, but health checks are off: %1").arg(health.error())));
                else
                    callback(Result<QString>::success(QStringLiteral("New server registered.")));
            });
        });
    });
}

void HAProxyDriver::deleteServer(const ServerRef& server, ActionCallback callback)
{
    if (!safeName(server.backend) || !safeName(server.server)) {
        callback(Result<QString>::failure(QStringLiteral("\"%1\" cannot be sent over the runtime API").arg(server.displayName())));
        return;
    }
    send("del server " + server.backend.toUtf8() + '/' + server.server.toUtf8(), QStringLiteral("Server deleted."), std::move(callback));
}

} // namespace Fleetdeck::Drivers::HAProxy
