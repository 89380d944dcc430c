#pragma once

#include <functional>

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include "fleettypes.h"
#include "result.h"

class QNetworkAccessManager;

namespace Fleetdeck::Wire {

// One answer of an HTTP admin API: its status, its body and its headers (names in lower case).
struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers;
};

// Requests to one gateway's HTTP admin API (Kong's Admin API, Traefik's API, Envoy's admin interface), each held to
// the gateway's answer limits (deadline, size), over TLS trusted as every channel is (trust.h: CA file, client
// certificate, pin) for https. Any HTTP status is an
// answer, for the driver to read in its product's words; a failure is the transport's: refused, reset, timed out,
// too large, an untrusted certificate. The path is resolved against the admin URL (its own path is a prefix).
class HttpAdmin final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpAdmin)

public:
    using Callback = std::function<void(Result<HttpAnswer>)>;
    HttpAdmin(const GatewayConfig& config, QObject* parent);
    ~HttpAdmin() override;

    // A header sent with every request (an API token); kept in memory only, never in an error.
    void setHeader(const QByteArray& name, const QByteArray& value);
    // The pass phrase of the TLS client key (tls.clientKeyCredential), from the keychain; memory only.
    void setKeyPassphrase(const QByteArray& passphrase) { m_keyPassphrase = passphrase; }
    void send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& body, Callback callback);
    void get(const QString& pathAndQuery, Callback callback) { send("GET", pathAndQuery, {}, std::move(callback)); }

private:
    GatewayConfig m_config;
    QNetworkAccessManager* m_network;
    QHash<QByteArray, QByteArray> m_headers;
    QByteArray m_keyPassphrase;
};

// "HTTP 404: Not found": a status with the first words of the body (a JSON "message" where there is one).
QString httpStatusText(const HttpAnswer& answer);

} // namespace Fleetdeck::Wire
