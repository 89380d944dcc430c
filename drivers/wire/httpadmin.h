#pragma once

#include <functional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QSet>
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

// What paging through one list of an admin API may cost, whatever the peer's pages say: at most maxPages pages (past
// them the list is cut, and the caller says so), the gateway's answer limit in bytes over all the pages, its deadline
// over all of them (a page that takes seconds does not hold the gateway "connecting" for minutes), and a cursor is
// never followed twice (a `next` that loops back stops the paging).
class PagingBudget
{
public:
    PagingBudget(const GatewayConfig& config, int maxPages);
    enum class Step { Next, Cut, Loop, TooLarge, TooSlow };
    // After a page of `pageBytes` whose next cursor is `next` (empty: the last page): what to do.
    Step after(qint64 pageBytes, const QString& next);
    // Why the paging stopped, in words, for Loop, TooLarge and TooSlow; `list` names it ("/upstreams").
    QString why(Step step, const QString& list) const;
    static Failure failureKind(Step step) { return step == Step::TooLarge ? Failure::TooLarge : Failure::General; }

private:
    QElapsedTimer m_clock;
    qint64 m_bytes = 0;
    int m_pages = 0;
    QSet<QString> m_cursors;
    int m_maxPages;
    qint64 m_maxBytes;
    int m_deadlineMs;
};

} // namespace Fleetdeck::Wire
