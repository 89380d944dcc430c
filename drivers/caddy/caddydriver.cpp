#include "caddydriver.h"

#include "registry.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>

#include "caddyparsers.h"
#include "wire/answerlimits.h"

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
        auto ssl = sslConfiguration();
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
    // The peer's certificate, seen in the handshake whether it is trusted or not.
    auto peer = std::make_shared<QByteArray>();
    const QString pin = config().tls.pinSha256;
    if (https) {
        connect(reply, &QNetworkReply::sslErrors, this, [reply, peer, pin](const QList<QSslError>& errors) {
            const QSslCertificate cert = reply->sslConfiguration().peerCertificate();
            *peer = cert.digest(QCryptographicHash::Sha256).toHex();
            // A pinned certificate is trusted as itself, whoever signed it (trust on first use).
            if (!pin.isEmpty() && *peer == pin.toLatin1())
                reply->ignoreSslErrors(errors);
        });
    }
    connect(reply, &QNetworkReply::finished, this,
        [reply, callback = std::move(callback), method, path = url.path(), name = config().name, https, peer, pin,
            where = QStringLiteral("%1:%2").arg(url.host()).arg(url.port())] {
            reply->deleteLater();
            if (https && peer->isEmpty())
                *peer = reply->sslConfiguration().peerCertificate().digest(QCryptographicHash::Sha256).toHex();
            // A pin holds even against a certificate the CAs would accept: a changed certificate is refused.
            if (https && !pin.isEmpty() && !peer->isEmpty() && *peer != pin.toLatin1()) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("the certificate of %1 changed: pinned SHA-256 %2, now %3; refused (check with the "
                                   "gateway's owner, then pin the new one)")
                        .arg(where, pin, QString::fromLatin1(*peer)),
                    Failure::Certificate, QString::fromLatin1(*peer)));
                return;
            }
            if (https && reply->error() == QNetworkReply::SslHandshakeFailedError) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("the certificate of %1 is not trusted (%2); SHA-256 %3. Give the gateway a CA file, "
                                   "or check this fingerprint and pin it")
                        .arg(where, reply->errorString(),
                            peer->isEmpty() ? QStringLiteral("unknown") : QString::fromLatin1(*peer)),
                    pin.isEmpty() ? Failure::Certificate : Failure::General, QString::fromLatin1(*peer)));
                return;
            }
            if (Wire::replyWasTooLarge(reply)) {
                callback(Result<QByteArray>::failure(
                    QStringLiteral("%1 %2: %3").arg(QString::fromLatin1(method), path, Wire::replyErrorText(reply)),
                    Failure::TooLarge));
                return;
            }
            const QByteArray answer = Wire::replyBody(reply);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
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

Result<QSslConfiguration> CaddyDriver::sslConfiguration() const
{
    using R = Result<QSslConfiguration>;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    const TlsSettings& tls = config().tls;
    if (!tls.caFile.isEmpty()) {
        const auto cas = QSslCertificate::fromPath(tls.caFile, QSsl::Pem);
        if (cas.isEmpty())
            return R::failure(tr("the CA file %1 holds no certificate (or cannot be read)").arg(tls.caFile));
        ssl.setCaCertificates(cas); // these only, not the system's
    }
    if (!tls.clientCertFile.isEmpty()) {
        const auto certs = QSslCertificate::fromPath(tls.clientCertFile, QSsl::Pem);
        QFile keyFile(tls.clientKeyFile);
        if (certs.isEmpty())
            return R::failure(tr("the client certificate file %1 holds no certificate").arg(tls.clientCertFile));
        if (!keyFile.open(QIODevice::ReadOnly))
            return R::failure(tr("the client key %1 cannot be read: %2").arg(tls.clientKeyFile, keyFile.errorString()));
        const QByteArray pem = keyFile.read(1024 * 1024);
        QSslKey key(pem, QSsl::Rsa, QSsl::Pem, QSsl::PrivateKey, m_keyPassphrase);
        if (key.isNull())
            key = QSslKey(pem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey, m_keyPassphrase);
        if (key.isNull())
            return R::failure(pem.contains("ENCRYPTED")
                    ? (m_keyPassphrase.isEmpty()
                            ? tr("the client key %1 is encrypted and no pass phrase is set (name it as "
                                 "tls.clientKeyCredential)")
                                  .arg(tls.clientKeyFile)
                            : tr("the client key %1 cannot be decrypted with its pass phrase (credential %2)")
                                  .arg(tls.clientKeyFile, tls.clientKeyCredential))
                    : tr("the client key %1 is not an RSA or EC key in PEM").arg(tls.clientKeyFile),
                Failure::Authentication);
        ssl.setLocalCertificate(certs.first());
        ssl.setPrivateKey(key);
    }
    return R::success(ssl);
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
