#include "caddydriver.h"

#include "registry.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>

#include "caddyparsers.h"
#include "wire/answerlimits.h"
#include "wire/trust.h"

namespace Fleetdeck::Drivers::Caddy {

ProductDescriptor descriptor(); // caddyproduct.cpp

CaddyDriver::CaddyDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_network(new QNetworkAccessManager(this))
{ }

QUrl CaddyDriver::metricsUrl() const
{
    if (!config().metrics.isEmpty())
        return config().metrics;
    QUrl url = config().admin;
    url.setPath(QStringLiteral("/metrics"));
    return url;
}

void CaddyDriver::send(const QByteArray& method, const QString& path, const QByteArray& body, const QString& ifMatch,
    BodyCallback callback)
{
    QUrl url = path.startsWith(QLatin1String("http")) ? QUrl(path) : config().admin;
    if (!path.startsWith(QLatin1String("http")))
        url.setPath(path);
    QNetworkRequest request(url);
    const bool https = url.scheme() == QLatin1String("https");
    if (https) {
        auto ssl = Wire::tlsConfiguration(config().tls, m_keyPassphrase);
        if (!ssl) {
            callback(Result<QByteArray>::failure(ssl.error()));
            return;
        }
        request.setSslConfiguration(ssl.value());
    }
    if (!body.isEmpty() || method != "GET")
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (!ifMatch.isEmpty())
        request.setRawHeader("If-Match", ifMatch.toUtf8());
    if (!m_secret.isEmpty() && config().httpAuth == QLatin1String("bearer"))
        request.setRawHeader("Authorization", "Bearer " + m_secret.trimmed());
    else if (!m_secret.isEmpty() && config().httpAuth == QLatin1String("basic"))
        request.setRawHeader("Authorization", "Basic " + m_secret.trimmed().toBase64());
    QNetworkReply* reply
        = method == "GET" ? m_network->get(request) : m_network->sendCustomRequest(request, method, body);
    Wire::limitReply(reply, Wire::AnswerLimits::of(config()));
    // The peer's certificate, seen in the handshake whether it is trusted or not (the one trust: wire/trust.h).
    const std::shared_ptr<Wire::PeerSeen> peer = https ? Wire::watchTrust(reply, config().tls) : nullptr;
    connect(reply, &QNetworkReply::finished, this,
        [reply, callback = std::move(callback), method, path = url.path(), name = config().name, peer,
            tls = config().tls, where = QStringLiteral("%1:%2").arg(url.host()).arg(url.port())] {
            reply->deleteLater();
            if (peer) {
                if (const auto refused = Wire::trustFailure(*peer,
                        reply->error() == QNetworkReply::SslHandshakeFailedError, reply->errorString(), tls, where)) {
                    callback(Result<QByteArray>::failure(refused->message, refused->kind, refused->presented));
                    return;
                }
            }
            if (Wire::replyWasTooLarge(reply)) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("%1 %2: %3").arg(QString::fromLatin1(method), path, Wire::replyErrorText(reply)),
                    Failure::TooLarge));
                return;
            }
            const QByteArray answer = Wire::replyBody(reply);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (Wire::replyCutShort(reply)) {
                callback(
                    Result<QByteArray>::failure(QStringLiteral("%1 %2: the answer (HTTP %3) was cut short after %4: %5")
                                                    .arg(QString::fromLatin1(method), path)
                                                    .arg(status)
                                                    .arg(Wire::sizeText(answer.size()), Wire::replyErrorText(reply))));
                return;
            }
            // Caddy explains an error as {"error": "..."}.
            QString detail = QJsonDocument::fromJson(answer).object().value(QLatin1String("error")).toString();
            if (detail.isEmpty())
                detail = QString::fromUtf8(answer.left(300)).trimmed();
            if (status == 401 || status == 403) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("%1 %2: authentication failed (HTTP %3): check the gateway's credential")
                        .arg(QString::fromLatin1(method), path)
                        .arg(status),
                    Failure::Authentication));
                return;
            }
            if (status == 412) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("%1 %2: the config changed since it was read (HTTP 412: %3); nothing was changed")
                        .arg(QString::fromLatin1(method), path, detail),
                    Failure::Conflict));
                return;
            }
            if (reply->error() != QNetworkReply::NoError) {
                // An HTTP status is Caddy's answer (with its own words); anything else is the transport's failure.
                const QString what = status > 0 ? QStringLiteral("HTTP %1").arg(status) : Wire::replyErrorText(reply);
                callback(Result<QByteArray>::failure(
                    QStringLiteral("%1 %2: %3%4")
                        .arg(QString::fromLatin1(method), path, what,
                            detail.isEmpty() || status == 0 ? QString() : QStringLiteral(": ") + detail)));
                return;
            }
            callback(Result<QByteArray>::success(answer));
        });
}

void CaddyDriver::fetchSnapshot(SnapshotCallback callback)
{
    get(QStringLiteral("/config/"), [this, callback](Result<QByteArray> config) {
        if (!config) {
            callback(Result<GatewaySnapshot>::failure(config.error(), config.failureKind(), config.detail()));
            return;
        }
        get(QStringLiteral("/reverse_proxy/upstreams"), [this, callback, config](Result<QByteArray> upstreams) {
            // The in-flight counts are a bonus: a failure here still leaves the pools.
            auto snap = parseCaddyConfig(config.value(), upstreams ? upstreams.value() : QByteArray());
            if (!snap) {
                callback(snap);
                return;
            }
            send("GET", metricsUrl().toString(), {}, {},
                [this, callback, config, s = std::move(snap).value()](Result<QByteArray> metrics) mutable {
                    s.takenAtMs = QDateTime::currentMSecsSinceEpoch();
                    Wire::Histogram latency;
                    if (!metrics) {
                        s.notices.append(Notice { QStringLiteral("metrics unreadable: %1").arg(metrics.error()), {} });
                    } else if (auto applied = applyCaddyMetrics(metrics.value(), config.value(), s, &latency);
                               !applied) {
                        s.notices.append(Notice { applied.error(), {} });
                    } else if (!latency.isEmpty()) {
                        // Quantiles of the last minute's requests: against the oldest reading within it.
                        while (!m_latencySeen.isEmpty() && m_latencySeen.first().first < s.takenAtMs - 60000)
                            m_latencySeen.removeFirst();
                        if (!m_latencySeen.isEmpty())
                            caddyLatency(Wire::histogramDelta(latency, m_latencySeen.first().second), s.load);
                        m_latencySeen.append({ s.takenAtMs, latency });
                    }
                    callback(Result<GatewaySnapshot>::success(std::move(s)));
                });
        });
    });
}

void CaddyDriver::sendChange(const Change& change, const GatewayState& current, ActionCallback callback)
{
    const QString version = change.baseVersion.isEmpty() ? current.configVersion() : change.baseVersion;
    if (const auto* add = change.as<AddMemberChange>()) {
        addServer(add->spec, change.baseVersion, std::move(callback));
        return;
    }
    if (const auto* remove = change.as<RemoveMemberChange>()) {
        deleteServer(remove->target, change.baseVersion, std::move(callback));
        return;
    }
    if (const auto* rule = change.as<CacheRuleChange>()) {
        setRule(*rule, version, std::move(callback));
        return;
    }
    const auto* setting = change.as<SettingChange>();
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!setting || setting->setting != QLatin1String("http-metrics") || !name.match(setting->scope).hasMatch()) {
        callback(refuse(change));
        return;
    }
    auto done = [callback](Result<QByteArray> r) {
        callback(r ? Result<QString>::success(QStringLiteral("accepted"))
                   : Result<QString>::failure(r.error(), r.failureKind()));
    };
    const QString path = QStringLiteral("/config/apps/http/servers/%1/metrics").arg(setting->scope);
    if (setting->value == QLatin1String("on"))
        send("PUT", path, "{}", version, done);
    else if (setting->value == QLatin1String("off"))
        send("DELETE", path, {}, version, done);
    else
        callback(Result<QString>::failure(tr("HTTP metrics are on or off, not \"%1\"").arg(setting->value)));
}

void CaddyDriver::addServer(const ServerSpec& spec, const QString& baseVersion, ActionCallback callback)
{
    get(QStringLiteral("/config/"), [this, spec, baseVersion, callback](Result<QByteArray> now) {
        if (!now) {
            callback(Result<QString>::failure(now.error()));
            return;
        }
        QHash<QString, QString> paths;
        if (!parseCaddyConfig(now.value(), {}, &paths) || !paths.contains(spec.backend)) {
            callback(Result<QString>::failure(tr("there is no pool \"%1\" in the config").arg(spec.backend)));
            return;
        }
        QJsonObject upstream;
        upstream.insert(QLatin1String("dial"), spec.address());
        if (spec.maxconn > 0)
            upstream.insert(QLatin1String("max_requests"), spec.maxconn);
        // Against the config the operator saw; without one, the config just read.
        const QString version = baseVersion.isEmpty() ? configEtag(now.value()) : baseVersion;
        send("POST", paths.value(spec.backend) + QStringLiteral("/upstreams"),
            QJsonDocument(upstream).toJson(QJsonDocument::Compact), version, [callback](Result<QByteArray> r) {
                callback(r ? Result<QString>::success(QStringLiteral("upstream added"))
                           : Result<QString>::failure(r.error(), r.failureKind()));
            });
    });
}

void CaddyDriver::deleteServer(const ServerRef& server, const QString& baseVersion, ActionCallback callback)
{
    get(QStringLiteral("/config/"), [this, server, baseVersion, callback](Result<QByteArray> now) {
        if (!now) {
            callback(Result<QString>::failure(now.error()));
            return;
        }
        QHash<QString, QString> paths;
        const auto snap = parseCaddyConfig(now.value(), {}, &paths);
        const BackendSnapshot* pool = snap ? snap.value().backend(server.backend) : nullptr;
        qsizetype index = -1;
        for (qsizetype i = 0; pool && i < pool->servers.size(); ++i) {
            if (pool->servers.at(i).name == server.server)
                index = i;
        }
        if (index < 0) {
            callback(Result<QString>::failure(
                tr("%1 is not in pool %2 any more").arg(server.server, server.backend), Failure::Conflict));
            return;
        }
        // The index comes from the config as it is now; If-Match with the config the operator saw makes Caddy
        // refuse the delete if anything moved in between.
        const QString version = baseVersion.isEmpty() ? configEtag(now.value()) : baseVersion;
        send("DELETE", paths.value(server.backend) + QStringLiteral("/upstreams/%1").arg(index), {}, version,
            [callback](Result<QByteArray> r) {
                callback(r ? Result<QString>::success(QStringLiteral("upstream removed"))
                           : Result<QString>::failure(r.error(), r.failureKind()));
            });
    });
}

void CaddyDriver::readCachePolicy(CachePolicyCallback callback)
{
    get(QStringLiteral("/config/"), [callback](Result<QByteArray> now) {
        callback(now ? parseCaddyCachePolicy(now.value()) : Result<CachePolicy>::failure(now.error()));
    });
}

void CaddyDriver::setRule(const CacheRuleChange& change, const QString& version, ActionCallback callback)
{
    auto done = [callback](Result<QByteArray> r) {
        callback(r ? Result<QString>::success(QStringLiteral("accepted"))
                   : Result<QString>::failure(r.error(), r.failureKind()));
    };
    get(QStringLiteral("/config/"), [this, change, version, done, callback](Result<QByteArray> now) {
        if (!now) {
            callback(Result<QString>::failure(now.error()));
            return;
        }
        const QString existing = cacheRulePath(now.value(), change.scope, change.path);
        if (change.remove) {
            if (existing.isEmpty())
                callback(Result<QString>::failure(
                    tr("there is no rule on %1 to remove").arg(change.path.isEmpty() ? tr("every path") : change.path),
                    Failure::Conflict));
            else
                send("DELETE", existing, {}, version, done);
            return;
        }
        const QByteArray route = cacheRuleRoute(change.path, change.control.toHeader());
        if (!existing.isEmpty()) {
            send("PATCH", existing, route, version, done);
            return;
        }
        // A new rule goes first, so it applies before any route that answers.
        send("PUT", QStringLiteral("/config/apps/http/servers/%1/routes/0").arg(change.scope), route, version, done);
    });
}

} // namespace Fleetdeck::Drivers::Caddy
