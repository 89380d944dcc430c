#include "haproxydriver.h"

#include "registry.h"

#include <QDateTime>
#include <QFileInfo>
#include <QRegularExpression>

#include "haproxyparsers.h"

namespace Fleetdeck::Drivers::HAProxy {

ProductDescriptor descriptor(); // haproxyproduct.cpp

HAProxyDriver::HAProxyDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_options(Wire::LineCommandClient::Options::of(config))
{ }

void HAProxyDriver::fetchSnapshot(SnapshotCallback callback)
{
    Wire::LineCommandClient::run(
        config().admin, pollCommand(), m_options,
        [callback = std::move(callback)](Result<QByteArray> reply) {
            if (!reply) {
                callback(Result<GatewaySnapshot>::failure(reply.error(), reply.failureKind()));
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

Result<QByteArray> HAProxyDriver::commandFor(const Change& change)
{
    const auto* state = change.as<ServerStateChange>();
    const auto* weight = change.as<WeightChange>();
    if (!state && !weight)
        return Result<QByteArray>::failure(QStringLiteral("\"%1\" is not a state or weight").arg(change.describe()));
    const ServerRef& target = state ? state->target : weight->target;
    // Names go into a ';'-separated command line: refuse anything that could end or split it.
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9._:\\-]+$"));
    for (const QString& name : { target.backend, target.server }) {
        if (!safe.match(name).hasMatch())
            return Result<QByteArray>::failure(
                QStringLiteral("\"%1\" cannot be sent over the runtime API (spaces, ';' or control characters)")
                    .arg(name));
    }
    const QByteArray where = target.backend.toUtf8() + '/' + target.server.toUtf8();
    if (weight) {
        if (weight->weight < 0 || weight->weight > 256)
            return Result<QByteArray>::failure(
                QStringLiteral("weight %1 is outside HAProxy's 0..256").arg(weight->weight));
        return Result<QByteArray>::success("set weight " + where + ' ' + QByteArray::number(weight->weight));
    }
    if (state->state == AdminState::ForcedUp)
        return Result<QByteArray>::failure(QStringLiteral("HAProxy has no force up: a server's health checks decide"));
    const char* word = state->state == AdminState::Drain ? "drain"
        : state->state == AdminState::Maint              ? "maint"
                                                         : "ready";
    return Result<QByteArray>::success("set server " + where + " state " + word);
}

void HAProxyDriver::sendChange(const Change& change, const GatewayState& current, ActionCallback callback)
{
    if (const auto* add = change.as<AddMemberChange>()) {
        addServer(add->spec, std::move(callback));
        return;
    }
    if (const auto* remove = change.as<RemoveMemberChange>()) {
        deleteServer(remove->target, std::move(callback));
        return;
    }
    if (const auto* limit = change.as<RateLimitChange>()) {
        if (!current.limits) {
            callback(Result<QString>::failure(QStringLiteral("the limits were not read before the change")));
            return;
        }
        applyRateLimit(*limit, *current.limits, std::move(callback));
        return;
    }
    if (!change.as<ServerStateChange>() && !change.as<WeightChange>()) {
        callback(refuse(change));
        return;
    }
    const auto command = commandFor(change);
    if (!command) {
        callback(Result<QString>::failure(command.error()));
        return;
    }
    // These commands answer nothing on success and one line of text on refusal.
    send(command.value(), {}, std::move(callback));
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
    if (!safeName(spec.backend) || !safeName(spec.name) || !isValidHost(spec.host) || spec.port < 1
        || spec.port > 65535) {
        callback(
            Result<QString>::failure(QStringLiteral("%1 cannot be sent over the runtime API").arg(spec.describe())));
        return;
    }
    const QByteArray target = spec.backend.toUtf8() + '/' + spec.name.toUtf8();
    QByteArray add
        = "add server " + target + ' ' + spec.address().toUtf8() + " weight " + QByteArray::number(spec.weight);
    if (spec.maxconn > 0)
        add += " maxconn " + QByteArray::number(spec.maxconn);
    if (spec.check)
        add += " check";
    if (spec.backup)
        add += " backup";
    // A new server starts in maintenance: bring it into service (drained, when it is put back as it was), then turn
    // its health checks on.
    const QByteArray state = spec.state == AdminState::Drain ? "drain" : "ready";
    send(add, QStringLiteral("New server registered."), [this, target, spec, state, callback](Result<QString> added) {
        if (!added) {
            callback(added);
            return;
        }
        send("set server " + target + " state " + state, {}, [this, target, spec, callback](Result<QString> ready) {
            if (!ready) {
                callback(
                    Result<QString>::failure(QStringLiteral("added, but left in maintenance: %1").arg(ready.error())));
                return;
            }
            if (!spec.check) {
                callback(Result<QString>::success(QStringLiteral("New server registered.")));
                return;
            }
            send("enable health " + target, {}, [callback](Result<QString> health) {
                if (!health)
                    callback(Result<QString>::failure(
                        QStringLiteral("added and ready, but health checks are off: %1").arg(health.error())));
                else
                    callback(Result<QString>::success(QStringLiteral("New server registered.")));
            });
        });
    });
}

void HAProxyDriver::deleteServer(const ServerRef& server, ActionCallback callback)
{
    // The runtime API has no config version: the pipeline re-reads before sending.
    if (!safeName(server.backend) || !safeName(server.server)) {
        callback(Result<QString>::failure(
            QStringLiteral("\"%1\" cannot be sent over the runtime API").arg(server.displayName())));
        return;
    }
    send("del server " + server.backend.toUtf8() + '/' + server.server.toUtf8(), QStringLiteral("Server deleted."),
        std::move(callback));
}

} // namespace Fleetdeck::Drivers::HAProxy

namespace Fleetdeck::Drivers::HAProxy {

void HAProxyDriver::ask(const QByteArray& command, std::function<void(Result<QByteArray>)> callback)
{
    Wire::LineCommandClient::run(config().admin, command, m_options, std::move(callback), this);
}

void HAProxyDriver::readCachePolicy(CachePolicyCallback callback)
{
    ask("show cache", [this, callback](Result<QByteArray> caches) {
        if (!caches) {
            callback(Result<CachePolicy>::failure(caches.error()));
            return;
        }
        ask("show stat", [callback, caches](Result<QByteArray> stat) {
            callback(
                stat ? parseCachePolicy(caches.value(), stat.value()) : Result<CachePolicy>::failure(stat.error()));
        });
    });
}

void HAProxyDriver::readRateLimits(RateLimitsCallback callback)
{
    // The per-key map (the one named *ratelimit*, else the first), its entries, the per-IP variable, and the
    // string-keyed stick table's counters: four short questions, one after the other.
    ask("show map", [this, callback](Result<QByteArray> list) {
        if (!list) {
            callback(Result<RateLimits>::failure(list.error()));
            return;
        }
        const auto maps = parseMapList(list.value());
        if (!maps || maps.value().isEmpty()) {
            callback(Result<RateLimits>::failure(
                maps ? QStringLiteral("HAProxy has no map loaded: no per-key limits to edit") : maps.error()));
            return;
        }
        QString path = maps.value().first().path;
        for (const MapInfo& m : maps.value()) {
            if (m.path.contains(QLatin1String("ratelimit")))
                path = m.path;
        }
        ask("show map " + path.toUtf8(), [this, callback, path](Result<QByteArray> entries) {
            const auto parsed = entries ? parseMapEntries(entries.value())
                                        : Result<QList<QPair<QString, QString>>>::failure(entries.error());
            if (!parsed) {
                callback(Result<RateLimits>::failure(parsed.error()));
                return;
            }
            RateLimits limits;
            limits.keyStore = path;
            limits.ipStore = QStringLiteral("proc.iplimit");
            for (const auto& [key, value] : parsed.value()) {
                limits.entries.append(RateLimitEntry { key, value.toLongLong(), -1, -1, -1 });
                limits.exportContent += key + QLatin1Char(' ') + value + QLatin1Char('\n');
            }
            limits.exportName = QFileInfo(path).fileName();
            limits.persistNote = QStringLiteral("in memory: export the map file and save it over %1 to keep it "
                                                "across a reload")
                                     .arg(path);
            ask("get var " + limits.ipStore.toUtf8(), [this, callback, limits](Result<QByteArray> var) mutable {
                if (var) {
                    if (const auto v = parseIntegerVariable(var.value()))
                        limits.ipLimit = v.value();
                }
                ask("show table", [this, callback, limits](Result<QByteArray> tables) mutable {
                    // Find the string-keyed table: that is the per-key one.
                    QByteArray name;
                    if (tables) {
                        for (const QByteArray& line : tables.value().split('\n')) {
                            if (line.startsWith("# table: ") && line.contains("type: string")) {
                                name = line.mid(9, line.indexOf(',') - 9);
                                break;
                            }
                        }
                    }
                    if (name.isEmpty()) {
                        callback(Result<RateLimits>::success(limits));
                        return;
                    }
                    ask("show table " + name, [callback, limits](Result<QByteArray> table) mutable {
                        if (table) {
                            if (const auto rows = parseStickTable(table.value())) {
                                for (const TableEntry& t : rows.value()) {
                                    for (RateLimitEntry& e : limits.entries) {
                                        if (e.key == t.key) {
                                            e.requestCount = t.requestCount;
                                            e.requestRate = t.requestRate;
                                            e.refused = t.refused;
                                        }
                                    }
                                }
                            }
                        }
                        callback(Result<RateLimits>::success(limits));
                    });
                });
            });
        });
    });
}

void HAProxyDriver::applyRateLimit(const RateLimitChange& change, const RateLimits& current, ActionCallback callback)
{
    if (change.scope == RateScope::User) {
        callback(refuse(Change(change)));
        return;
    }
    if (change.scope == RateScope::Ip) {
        if (change.limit < 0) {
            callback(Result<QString>::failure(QStringLiteral("the per-IP limit cannot be negative")));
            return;
        }
        // HAProxy 2.6 allows "set var" only in experimental mode, on the same line.
        send("experimental-mode on; set var " + current.ipStore.toUtf8() + " int(" + QByteArray::number(change.limit)
                + ')',
            {}, std::move(callback));
        return;
    }
    if (const QString problem = validateRateLimitKey(change.key); !problem.isEmpty()) {
        callback(Result<QString>::failure(problem));
        return;
    }
    const QByteArray map = current.keyStore.toUtf8();
    const QByteArray key = change.key.toUtf8();
    if (change.limit < 0)
        send("del map " + map + ' ' + key, {}, std::move(callback));
    else if (current.entry(change.key))
        send("set map " + map + ' ' + key + ' ' + QByteArray::number(change.limit), {}, std::move(callback));
    else
        send("add map " + map + ' ' + key + ' ' + QByteArray::number(change.limit), {}, std::move(callback));
}

} // namespace Fleetdeck::Drivers::HAProxy
