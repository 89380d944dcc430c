#include "varnishdriver.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>

#include "varnishparsers.h"

namespace Fleetdeck::Drivers::Varnish {

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
    : Driver(config, parent)
    , m_network(new QNetworkAccessManager(this))
{ }

VarnishDriver::~VarnishDriver()
{
    m_secret.fill('\0');
}

void VarnishDriver::cli(const QList<QByteArray>& commands, CliSession::Callback callback)
{
    CliSession::run(config().name, config().admin.host(), quint16(config().admin.port()), m_secret, commands,
        std::move(callback), this);
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
        snap.configVersion = active;
        snap.backends.append(pool.value());
        if (config().metrics.isEmpty()) {
            snap.notices.append(tr("No exporter is named for this gateway: request and hit counts are not charted."));
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(R::success(snap));
            return;
        }
        QNetworkRequest request(config().metrics);
        request.setTransferTimeout(5000);
        QNetworkReply* reply = m_network->get(request);
        connect(reply, &QNetworkReply::finished, this, [reply, callback, snap]() mutable {
            reply->deleteLater();
            if (reply->error() != QNetworkReply::NoError)
                snap.notices.append(QStringLiteral("exporter unreadable: %1").arg(reply->errorString()));
            else if (auto applied = applyVarnishMetrics(reply->read(64 * 1024 * 1024), snap); !applied)
                snap.notices.append(applied.error());
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(R::success(snap));
        });
    });
}

void VarnishDriver::apply(const ServerAction& action, ActionCallback callback)
{
    if (action.kind != ServerAction::Kind::SetState || action.state == AdminState::Maint) {
        callback(Result<QString>::failure(
            tr("Varnish has no %1 for a backend: drain sets it sick instead")
                .arg(action.kind == ServerAction::Kind::SetWeight ? tr("weight") : tr("maintenance"))));
        return;
    }
    if (!safeName(action.target.backend) || !safeName(action.target.server)) {
        callback(Result<QString>::failure(tr("\"%1\" cannot be sent over the CLI").arg(action.target.displayName())));
        return;
    }
    const QByteArray health = action.state == AdminState::Drain ? "sick"
        : action.state == AdminState::ForcedUp                  ? "healthy"
                                                                : "auto";
    command("backend.set_health " + action.target.backend.toUtf8() + '.' + action.target.server.toUtf8() + ' ' + health,
        std::move(callback));
}

void VarnishDriver::addServer(const ServerSpec&, ActionCallback callback)
{
    callback(Result<QString>::failure(tr("Varnish's backends come from its VCL: load a VCL that declares it")));
}

void VarnishDriver::deleteServer(const ServerRef&, const QString&, ActionCallback callback)
{
    callback(Result<QString>::failure(tr("Varnish's backends come from its VCL: load a VCL without it")));
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
        policy.hasParameters = true;
        policy.note
            = QStringLiteral("TTL parameters apply to objects fetched from now on; bans evict what is cached already.");
        double* targets[] = { &policy.defaultTtl, &policy.defaultGrace, &policy.defaultKeep };
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
        for (const VclInfo& v : vcls.value()) {
            policy.servers.append(v.name);
            if (v.status == QLatin1String("active"))
                policy.configVersion = v.name;
        }
        callback(R::success(policy));
    });
}

void VarnishDriver::applyPolicyChange(const PolicyChange& change, const CachePolicy&, ActionCallback callback)
{
    switch (change.kind) {
    case PolicyChange::Kind::SetParameter:
        command("param.set " + change.parameter.toUtf8() + ' ' + QByteArray::number(change.value, 'f', 3),
            std::move(callback));
        return;
    case PolicyChange::Kind::Ban:
        command("ban " + change.banExpression().toUtf8(), std::move(callback));
        return;
    case PolicyChange::Kind::UseVcl:
        command("vcl.use " + change.parameter.toUtf8(), std::move(callback));
        return;
    case PolicyChange::Kind::SetRule:
    case PolicyChange::Kind::RemoveRule:
    case PolicyChange::Kind::EnableMetrics:
        break;
    }
    callback(
        Result<QString>::failure(tr("Varnish has no %1: its cache policy is TTLs and bans").arg(change.describe())));
}

} // namespace Fleetdeck::Drivers::Varnish
