#include "redisdriver.h"

#include <QDateTime>

#include "registry.h"

namespace Fleetdeck::Drivers::Redis {

ProductDescriptor descriptor(); // redisproduct.cpp

namespace {
QString words(const RespValue& v)
{
    return QString::fromUtf8(v.text.left(500));
}
} // namespace

RedisDriver::RedisDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
{ }

RedisDriver::~RedisDriver()
{
    m_secret.fill('\0');
}

QString RedisDriver::address() const
{
    return QStringLiteral("%1:%2").arg(config().admin.host()).arg(config().admin.port(6379));
}

void RedisDriver::run(const QList<QList<QByteArray>>& commands, RespSession::Callback callback)
{
    RespSession::run(config(), m_secret, m_keyPassphrase, commands, std::move(callback), this);
}

void RedisDriver::fetchSnapshot(SnapshotCallback callback)
{
    run({ { "INFO", "everything" }, { "SLOWLOG", "GET", "32" }, { "LATENCY", "LATEST" } },
        [this, callback](Result<QList<RespValue>> r) {
            using R = Result<GatewaySnapshot>;
            if (!r) {
                callback(R::failure(r.error(), r.failureKind()));
                return;
            }
            const QList<RespValue>& a = r.value();
            if (a.at(0).isError()) {
                callback(R::failure(QStringLiteral("%1: INFO: %2").arg(config().name, words(a.at(0)))));
                return;
            }
            const auto info = parseInfo(a.at(0).asText());
            if (!info) {
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, info.error())));
                return;
            }
            // The slow log and latency monitor may be refused to a restricted ACL user: the rest is still shown.
            QList<Notice> notices;
            QList<SlowEntry> slow;
            if (a.at(1).isError())
                notices.append({ QStringLiteral("SLOWLOG GET refused: %1").arg(words(a.at(1))), {} });
            else if (auto s = parseSlowlog(a.at(1)))
                slow = s.value();
            else
                notices.append({ s.error(), {} });
            QList<LatencyEvent> latency;
            if (a.at(2).isError())
                notices.append({ QStringLiteral("LATENCY LATEST refused: %1").arg(words(a.at(2))), {} });
            else if (auto l = parseLatencyLatest(a.at(2)))
                latency = l.value();
            else
                notices.append({ l.error(), {} });
            GatewaySnapshot snap = redisSnapshot(info.value(), address(), slow, latency, &m_lastSlowId, &m_hits);
            snap.notices += notices;
            snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
            callback(R::success(snap));
        });
}

void RedisDriver::readCachePolicy(CachePolicyCallback callback)
{
    QList<QList<QByteArray>> commands { { "INFO", "everything" } };
    for (const QString& s : redisSettings())
        commands.append({ "CONFIG", "GET", s.toUtf8() });
    run(commands, [this, callback](Result<QList<RespValue>> r) {
        using R = Result<CachePolicy>;
        if (!r) {
            callback(R::failure(r.error(), r.failureKind()));
            return;
        }
        const auto info = parseInfo(r.value().at(0).asText());
        if (!info) {
            callback(R::failure(QStringLiteral("%1: %2").arg(config().name, info.error())));
            return;
        }
        QHash<QString, QString> settings;
        for (qsizetype i = 1; i < r.value().size(); ++i) {
            const auto got = parseConfigGet(r.value().at(i));
            if (!got) {
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, got.error())));
                return;
            }
            settings.insert(got.value());
        }
        callback(R::success(redisCachePolicy(info.value(), settings)));
    });
}

void RedisDriver::sendChange(const Change& change, const GatewayState&, ActionCallback callback)
{
    const auto* setting = change.as<SettingChange>();
    const bool rewrite = setting && setting->setting == QLatin1String("config-rewrite");
    if (!setting || (!rewrite && !redisSettings().contains(setting->setting))) {
        callback(refuse(change));
        return;
    }
    const QByteArray name = setting->setting.toUtf8();
    const QList<QByteArray> command = rewrite ? QList<QByteArray> { "CONFIG", "REWRITE" }
                                              : QList<QByteArray> { "CONFIG", "SET", name, setting->value.toUtf8() };
    run({ command }, [this, callback, command](Result<QList<RespValue>> r) {
        if (!r) {
            callback(Result<QString>::failure(r.error(), r.failureKind()));
            return;
        }
        const RespValue& answer = r.value().at(0);
        if (answer.isError()) {
            // Redis's own words: "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - ...", or
            // "ERR The server is running without a config file".
            callback(Result<QString>::failure(
                QStringLiteral("%1: %2: %3")
                    .arg(config().name, QString::fromUtf8(command.mid(0, qMin<qsizetype>(3, command.size())).join(' ')),
                        words(answer))));
            return;
        }
        callback(Result<QString>::success(QString::fromUtf8(answer.asText())));
    });
}

} // namespace Fleetdeck::Drivers::Redis
