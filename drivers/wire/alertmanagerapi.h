#pragma once

#include <functional>

#include <QByteArray>
#include <QObject>
#include <QUrl>

#include "alerts.h"
#include "result.h"

class QNetworkAccessManager;

namespace Fleetdeck::Wire {

// Alertmanager's HTTP API v2, asynchronously, each request held to a deadline and a size limit: the alerts it
// holds, and silences (create, read, expire).
class AlertmanagerClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertmanagerClient)

public:
    explicit AlertmanagerClient(const QUrl& base, QObject* parent = nullptr);

    const QUrl& base() const { return m_base; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    // The alerts, read, placed on these gateways and cut to kMaxAlerts off the UI thread (readAlerts()); done is
    // called on this object's thread, and not at all once it is gone.
    void alerts(
        const QList<GatewayConfig>& gateways, const AlertLabels& labels, std::function<void(Result<AlertRead>)> done);
    // body: silenceRequest(); the new silence's id.
    void createSilence(const QByteArray& body, std::function<void(Result<QString>)> done);
    void silence(const QString& id, std::function<void(Result<Silence>)> done);
    void expireSilence(const QString& id, std::function<void(Result<bool>)> done);

private:
    // The body of a 2xx answer, or the failure in Alertmanager's own words (its JSON "message", or the text).
    void request(const QByteArray& method, const QString& path, const QByteArray& body,
        std::function<void(Result<QByteArray>)> done);

    QUrl m_base;
    QNetworkAccessManager* m_network;
    int m_timeoutMs = 5000;
};

} // namespace Fleetdeck::Wire
