#include "varnishdriver.h"

#include "registry.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>

#include "varnishparsers.h"
#include "wire/answerlimits.h"

namespace Fleetdeck::Drivers::Varnish {

ProductDescriptor descriptor(); // varnishproduct.cpp

namespace {
bool safeName(const QString& name)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_.-]{1,100}$"));
    return safe.match(name).hasMatch();
}

QString failedCommand(const QList<CliReply>& replies, const QList<QByteArray>& commands)
{
    const CliReply& last = replies.last();
    const QByteArray command = commands.value(replies.size() - 1);
    return QStringLiteral("\"%1\" answered %2 (%3): %4")
        .arg(QString::fromUtf8(command.left(120)).trimmed())
        .arg(last.status)
        .arg(cliStatusText(last.status), QString::fromUtf8(last.body.left(2000)).trimmed());
}
} // namespace

VarnishDriver::VarnishDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_network(new QNetworkAccessManager(this))
{ }

VarnishDriver::~VarnishDriver()
{
    m_secret.fill('\0');
}

void VarnishDriver::cli(const QList<QByteArray>& commands, CliSession::Callback callback)
{
    CliSession::run(config().name, config().admin.host(), quint16(config().admin.port()), m_secret, commands,
        std::move(callback), this, config().deadlineMs);
}

void VarnishDriver::command(const QByteArray& line, ActionCallback callback)
{
    cli({ line }, [callback, line](Result<QList<CliReply>> r) {
        if (!r) {
            callback(Result<QString>::failure(r.error(), r.failureKind()));
            return;
        }
        if (r.value().isEmpty() || r.value().last().status != 200) {
            callback(Result<QString>::failure(
                r.value().isEmpty() ? QStringLiteral("no answer") : failedCommand(r.value(), { line })));
            return;
        }
        callback(Result<QString>::success(QString::fromUtf8(r.value().last().body).trimmed()));
    });
}

void VarnishDriver::fetchSnapshot(SnapshotCallback callback)
{
    cli({ "vcl.list -j", "backend.list -j" }, [this, callback](Result<QList<CliReply>> r) {
        using R = Result<GatewaySnapshot>;
        if (!r) {
            callback(R::failure(r.error(), r.failureKind()));
            return;
        }
        if (r.value().size() < 2 || r.value().last().status != 200) {
            callback(R::failure(r.value().isEmpty() ? QStringLiteral("no answer")
                                                    : failedCommand(r.value(), { "vcl.list -j", "backend.list -j" })));
            return;
        }
        const auto vcls = parseVclList(r.value().at(0).body);
        if (!vcls) {
            callback(R::failure(vcls.error()));
            return;
        }
        QString active;
        for (const VclInfo& v : vcls.value()) {
            if (v.status == QLatin1String("active"))
                active = v.name;
        }
        const auto pool = parseBackendList(r.value().at(1).body, active);
        if (!pool) {
            callback(R::failure(pool.error()));
            return;
        }
        GatewaySnapshot snap;
        snap.version = QStringLiteral("Varnish");
        // Each worker thread adds its counts to the shared counters every thread_stats_rate requests (10 by
        // default), so per-second rates jump (270 req/s for a second on a steady 10): rated over 10 s instead.
        snap.counterWindowMs = 10000;
        snap.configVersion = active;
        snap.backends.append(pool.value());
        if (config().metrics.isEmpty()) {
            snap.notices.append(
                Notice { tr("No exporter is named for this gateway: request and hit counts are not charted."), {} });
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(R::success(snap));
            return;
        }
        QNetworkRequest request(config().metrics);
        QNetworkReply* reply = m_network->get(request);
        Wire::limitReply(reply, Wire::AnswerLimits::of(config()));
        connect(reply, &QNetworkReply::finished, this, [reply, callback, snap]() mutable {
            reply->deleteLater();
            if (reply->error() != QNetworkReply::NoError)
                snap.notices.append(
                    Notice { QStringLiteral("exporter unreadable: %1").arg(Wire::replyErrorText(reply)), {} });
            else if (auto applied = applyVarnishMetrics(Wire::replyBody(reply), snap); !applied)
                snap.notices.append(Notice { applied.error(), {} });
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(R::success(snap));
        });
    });
}

void VarnishDriver::sendChange(const Change& change, const GatewayState&, ActionCallback callback)
{
    static const char* const lifetimes[] = { "default_ttl", "default_grace", "default_keep" };
    if (const auto* ttl = change.as<CacheTtlChange>()) {
        command(QByteArray("param.set ") + lifetimes[int(ttl->which)] + ' ' + QByteArray::number(ttl->seconds, 'f', 3),
            std::move(callback));
        return;
    }
    if (const auto* purge = change.as<PurgeChange>()) {
        command("ban " + banExpression(*purge).toUtf8(), std::move(callback));
        return;
    }
    if (const auto* setting = change.as<SettingChange>(); setting && setting->setting == QLatin1String("vcl")) {
        if (!safeName(setting->value)) {
            callback(Result<QString>::failure(tr("\"%1\" is not a VCL name").arg(setting->value)));
            return;
        }
        command("vcl.use " + setting->value.toUtf8(), std::move(callback));
        return;
    }
    const auto* state = change.as<ServerStateChange>();
    if (!state || state->state == AdminState::Maint) {
        callback(refuse(change));
        return;
    }
    if (!safeName(state->target.backend) || !safeName(state->target.server)) {
        callback(Result<QString>::failure(tr("\"%1\" cannot be sent over the CLI").arg(state->target.displayName())));
        return;
    }
    const QByteArray health = state->state == AdminState::Drain ? "sick"
        : state->state == AdminState::ForcedUp                  ? "healthy"
                                                                : "auto";
    command("backend.set_health " + state->target.backend.toUtf8() + '.' + state->target.server.toUtf8() + ' ' + health,
        std::move(callback));
}

void VarnishDriver::readCachePolicy(CachePolicyCallback callback)
{
    const QList<QByteArray> commands { "param.show -j default_ttl", "param.show -j default_grace",
        "param.show -j default_keep", "ban.list -j", "vcl.list -j" };
    cli(commands, [callback, commands](Result<QList<CliReply>> r) {
        using R = Result<CachePolicy>;
        if (!r) {
            callback(R::failure(r.error(), r.failureKind()));
            return;
        }
        if (r.value().size() < commands.size() || r.value().last().status != 200) {
            callback(
                R::failure(r.value().isEmpty() ? QStringLiteral("no answer") : failedCommand(r.value(), commands)));
            return;
        }
        CachePolicy policy;
        policy.hasTtl = true;
        policy.purges = true;
        policy.note = QStringLiteral("TTL, grace and keep (default_ttl, default_grace, default_keep) apply to objects "
                                     "fetched from now on; a purge is a ban, which evicts what is cached already.");
        double* targets[] = { &policy.ttl, &policy.grace, &policy.keep };
        for (int i = 0; i < 3; ++i) {
            const auto value = parseParameter(r.value().at(i).body);
            if (!value) {
                callback(R::failure(value.error()));
                return;
            }
            *targets[i] = value.value();
        }
        const auto bans = parseBanList(r.value().at(3).body);
        if (!bans) {
            callback(R::failure(bans.error()));
            return;
        }
        policy.bans = bans.value();
        const auto vcls = parseVclList(r.value().at(4).body);
        if (!vcls) {
            callback(R::failure(vcls.error()));
            return;
        }
        Setting vcl;
        vcl.id = QStringLiteral("vcl");
        vcl.label = QStringLiteral("active VCL");
        vcl.note = QStringLiteral("New requests use the chosen VCL at once; its backends and probes take over.");
        for (const VclInfo& v : vcls.value()) {
            vcl.choices.append(v.name);
            if (v.status == QLatin1String("active"))
                vcl.value = v.name;
        }
        policy.settings.append(vcl);
        callback(R::success(policy));
    });
}

} // namespace Fleetdeck::Drivers::Varnish
