#pragma once

#include <optional>

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariant>

#include "capabilities.h"
#include "changekind.h"

namespace Fleetdeck {

// What an operator set on a server, independent of whether its health checks pass.
// ForcedUp: the operator declared it healthy whatever its checks say (Varnish's backend.set_health healthy).
enum class AdminState { Ready, Drain, Maint, ForcedUp };

// What the gateway's health checks say about a server.
enum class Health { Up, Down, Starting, Stopping, NoCheck, Unknown };

QString label(AdminState state);
QString label(Health health);

// How an https admin endpoint is trusted. Files are paths; nothing here is secret (a client key's pass phrase,
// if any, would be a credential).
struct TlsSettings
{
    QString caFile; // verify against these CAs only (empty: the system's)
    QString pinSha256; // trust exactly this certificate (hex SHA-256 of its DER), and refuse any other
    QString clientCertFile; // mTLS
    QString clientKeyFile;
    QString clientKeyCredential; // names the key's pass phrase in the credential store, when the key is encrypted

    bool isEmpty() const { return caFile.isEmpty() && pinSha256.isEmpty() && clientCertFile.isEmpty(); }
    friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

// One gateway entry of a fleet: where to reach it. Never holds a secret.
struct GatewayConfig
{
    QString name;
    QString product; // the registered product's id: the drivers know what it means
    QUrl admin; // tcp://host:port or unix:///path/to/socket
    QUrl metrics; // optional Prometheus endpoint
    int pollIntervalMs = 1000;
    bool readOnly = false; // watch only: Fleetdeck sends this gateway no change
    // Names the secret in the credential store (the Varnish CLI secret, an API token); never the secret itself.
    QString credential = {};
    // HTTP admin APIs: how the credential is sent. "basic" (the secret is user:password) or "bearer" (a token);
    // empty: not sent over HTTP (Varnish's CLI uses its own challenge).
    QString httpAuth = {};
    TlsSettings tls = {};
    // A plaintext channel's tunnel, as the operator runs it (e.g. "ssh -N -L 9999:127.0.0.1:9999 lb1"); shown with
    // the plaintext badge. Fleetdeck does not start it.
    QString sshForward = {};
    // Hard limits on what one gateway may cost (fleet file: "maxServers", "deadlineMs"). Past maxServers servers
    // (or as many pools) the gateway is shown "too large" and its answer is not taken; every poll and every step
    // of a change must have its whole answer within deadlineMs, connect included.
    int maxServers = 20000;
    int deadlineMs = 10000;
    // The product's own settings from the fleet file (ProductInfo::options names them), as written: e.g. nginx's
    // "nginx" command, "stubStatus" URL and "accessLog" path. Never a secret.
    QMap<QString, QString> options = {};

    // The most bytes one answer may have: 2 KiB per server the limit allows, plus 1 MiB (HAProxy's "show stat"
    // and "show servers state" take about 450 bytes per server in the lab).
    qint64 maxAnswerBytes() const { return (qint64(1) << 20) + qint64(maxServers) * 2048; }

    // The admin channel has no TLS (HAProxy's runtime API, Varnish's CLI) and leaves this machine: anyone on the
    // path can read and send admin commands. Tunnel it (SSH port forward) instead.
    bool plaintextOverNetwork() const;

    friend bool operator==(const GatewayConfig&, const GatewayConfig&) = default;
};

// How slow and how full one server, pool or gateway is, as its product reports it. -1: not reported.
struct LoadFigures
{
    // Averages in ms over the product's own window (HAProxy: its last 1024 requests).
    qint64 queueMs = -1; // waiting in the queue for a free slot on a server
    qint64 connectMs = -1; // to connect to the server
    qint64 responseMs = -1; // from the request sent to the first byte of the response
    qint64 totalMs = -1; // the whole request, the client's part included
    QString averagedOver; // the averages' window, in words: "the last 1024 requests"
    // Quantiles from a latency histogram, in ms (-1: none), and the bucket bounds that limit their precision.
    double p50Ms = -1;
    double p95Ms = -1;
    double p99Ms = -1;
    QString quantileResolution;
    qint64 queued = -1; // requests waiting for a free slot on a server now
    qint64 queuedMax = -1; // the most that ever waited at once
    qint64 limit = -1; // the most concurrent sessions allowed (a server's connection limit); <= 0: none
    // Connections to the server, where the product pools them: in use, idle for reuse, the estimate needed;
    // reuses and connects since start (counters).
    qint64 connectionsUsed = -1;
    qint64 connectionsIdle = -1;
    qint64 connectionsNeeded = -1;
    qint64 connectionsReused = -1;
    qint64 connectionsOpened = -1;
    qint64 inFlight = -1; // requests being served now
    qint64 refusedAtLimit = -1; // requests not sent since start because the server was at its connection limit

    // The one latency the charts and tiles show, in ms (-1: none): the histogram's p95 when there is one, else
    // the average wait until the response begins (queue + connect + response).
    double latencyMs() const;
    // What latencyMs() is, in words, for tooltips and legends.
    QString latencyBasis() const;
    // Sessions as a share of the limit, in percent (-1: no limit); a queue means the limit is reached.
    double loadPercent(qint64 sessions) const;

    friend bool operator==(const LoadFigures&, const LoadFigures&) = default;
};

// Names one server of one backend of one gateway.
struct ServerRef
{
    QString gateway;
    QString backend;
    QString server;

    QString displayName() const;
    friend bool operator==(const ServerRef&, const ServerRef&) = default;
};

struct ServerSnapshot
{
    QString name;
    QString address;
    AdminState admin = AdminState::Ready;
    Health health = Health::Unknown;
    QString status; // the gateway's own words, e.g. "UP 2/3" or "MAINT (via be/s1)"
    QString checkStatus;
    QString checkDescription;
    int weight = 0;
    bool backup = false;
    qint64 sessions = 0;
    qint64 requestsTotal = 0; // -1: the product keeps no such counter for a member
    qint64 responses4xxTotal = 0;
    qint64 responses5xxTotal = 0; // -1: not kept for a member by this product
    qint64 secondsSinceChange = -1;
    // Put out of service by the gateway's own configuration (HAProxy's "disabled"), not by an operator or a
    // failure: shown as "disabled by config", not as trouble.
    bool disabledByConfig = false;
    LoadFigures load = {};
    // The product's own member parameters (Capabilities::memberOptions), as it reports them: "backup" -> "on".
    QMap<QString, QString> options = {};
    // The product's own stamp of this member's last change (Kong's updated_at), where it keeps one: a member whose
    // stamp moved since the operator looked was changed by someone else, even back to the same values (a conflict).
    QString revision = {};
    // Where the product's configuration defines this member, as "file:line" (empty: not known, or not in a file),
    // for dialogs and the journal to name exactly what an edit touches.
    QString definedAt = {};
    // The member as the product's configuration writes it (nginx: "10.0.0.1:80 weight=2 max_fails=3"), where the
    // product keeps one: what puts it back exactly as it was after a removal. Empty: not known.
    QString definition = {};
    // Another member whose figures the product cannot tell from this one's (two nginx lines of one address share the
    // access log's counts): its figures are shown once, on that member, and this one names it. Empty: its own.
    QString countedWith = {};

    // The one rule for "serving", whatever the product: taking traffic as a primary member now. Ready (or forced
    // up), its checks pass or it has none, not a backup, not disabled by its configuration. Drained (nginx's `down`
    // included), in maintenance, failing, backup-only and config-disabled members do not serve.
    bool serving() const;
    // Meant to take traffic as a primary member: every member but backups and those the configuration disables. A
    // drained or failing member is meant to serve (it is missed); a config-disabled one is not (it is not trouble).
    bool meantToServe() const;

    friend bool operator==(const ServerSnapshot&, const ServerSnapshot&) = default;
};

struct BackendSnapshot
{
    QString name;
    QString status;
    QString algorithm;
    qint64 sessions = 0;
    qint64 requestsTotal = 0;
    qint64 responses4xxTotal = 0;
    qint64 responses5xxTotal = 0;
    QList<ServerSnapshot> servers;
    // A TCP pool counts connections, not requests (requestsTotal holds its connections), and has no HTTP status.
    bool tcp = false;
    LoadFigures load = {};
    // What sends traffic to it, as the product names it ("127.0.0.1:8080 location /api/", a frontend), where the
    // driver knows; empty: none found (or not known).
    QStringList routes = {};

    // Members serving and meant to serve (ServerSnapshot's rule): the pool is whole when they are equal, and
    // serves nothing but backups, if any, at zero.
    int serving() const;
    int meantToServe() const;
    int backups() const;
    int serversDisabledByConfig() const;
    friend bool operator==(const BackendSnapshot&, const BackendSnapshot&) = default;
};

struct FrontendSnapshot
{
    QString name;
    QString status;
    qint64 sessions = 0;
    qint64 requestsTotal = 0;
    qint64 responses4xxTotal = 0;
    qint64 responses5xxTotal = 0;
    qint64 deniedRequests = 0;
    qint64 cacheHitsTotal = -1; // -1: the product does not say
    qint64 cacheMissesTotal = -1;
    // A TCP frontend counts connections in requestsTotal and has no HTTP status (responses are -1).
    bool tcp = false;
    QString binds; // where it listens, as the product says it (e.g. "127.0.0.1:8080"); empty: not said
    qint64 rateLimitedTotal = -1; // 429 responses it sent itself (-1: not counted separately)

    friend bool operator==(const FrontendSnapshot&, const FrontendSnapshot&) = default;
};

// A product setting to change: which one (the product's id for it), on what (a server, or empty for the gateway),
// and to what. The product says which settings it takes (Capabilities::settings).
struct SettingChange
{
    QString gateway;
    QString setting; // e.g. "http-metrics"
    QString scope; // e.g. the HTTP server's name; empty: the gateway as a whole
    QString value;
    QString label; // as the operator reads it: "HTTP metrics"

    FLEETDECK_CHANGE_KIND(SettingChange)
};

// Something the operator should know about a gateway's own setup, and, when the driver knows one, the change that
// fixes it; the window offers it without reading the text.
struct Notice
{
    QString text;
    std::optional<SettingChange> remedy;
    friend bool operator==(const Notice&, const Notice&) = default;
};

// A line the gateway wrote in its own log since the last poll that belongs on the timeline (e.g. nginx's "upstream
// timed out" for one server): where the product has no health checks, its log is what shows a failing server.
struct LoggedEvent
{
    qint64 timeMs = 0;
    QString object; // "pool/server", "pool", or empty for the gateway
    QString text;
    bool failed = true;
    friend bool operator==(const LoggedEvent&, const LoggedEvent&) = default;
};

// A figure of the product's own for the gateway as a whole, charted beside its requests, errors and latency (Redis's
// hit ratio, its memory): the snapshot names and titles it, so no part of the window needs to know the product.
struct Figure
{
    QString id; // stable: the series is "gateway#fig.<id>"
    QString title; // the chart's title, unit included: "Hit ratio (%)"
    double value = 0;
    bool counter = false; // a total since start, charted as a rate per second
    friend bool operator==(const Figure&, const Figure&) = default;
};

// Everything one poll of one gateway saw, as an immutable value.
struct GatewaySnapshot
{
    QString version;
    // Identifies the configuration this snapshot was read from, for products that refuse a write made against
    // an older one (Caddy's If-Match); empty where the product has no such check.
    QString configVersion;
    // Things the operator should know about this gateway's own setup (e.g. "HTTP metrics are off"), with remedies.
    QList<Notice> notices;
    QString noticeText() const; // every notice, one per line
    // The configuration's state in a few words for a badge, a tile or the tree ("config refused", "not reloaded"),
    // empty when it tests clean and runs as the file says; configDetail() is the product's own words for it.
    QString configState() const;
    QString configDetail() const;
    qint64 pid = 0;
    qint64 uptimeSeconds = 0;
    qint64 takenAtMs = 0;
    QList<FrontendSnapshot> frontends;
    QList<BackendSnapshot> backends;
    // The gateway as a whole (the driver fills it: Caddy from its histogram, HAProxy from its slowest pool).
    LoadFigures load = {};
    // > 0: the product adds to its request and error counters in batches, so their rates are taken over this
    // window (MetricStore's windowed counters) and the charts say so.
    int counterWindowMs = 0;
    // What the gateway logged since the previous poll, for the timeline (bounded by the driver).
    QList<LoggedEvent> logged;
    // The product's own figures for the gateway as a whole, in the order their charts show.
    QList<Figure> figures;
    // When the counters were read, where that is not takenAtMs (0: it is): a reading that did not read them again
    // (nginx's configuration-only re-read around a change) carries the time of the one that did, so no rate is
    // taken over an interval the counters do not cover.
    qint64 countersTakenAtMs = 0;
    // The configuration on disk fails the product's own test (nginx -t), in its words: what runs is the last one
    // that loaded, and no change is made until it tests clean. Empty: it tests clean (or the product has no test).
    QString configRefused;
    // The configuration on disk is not the one running (edited, not reloaded yet), in words. Empty: they agree (or
    // the product cannot tell).
    QString configNotLoaded;

    const BackendSnapshot* backend(const QString& name) const;
    const ServerSnapshot* server(const QString& backend, const QString& server) const;
    bool sameShape(const GatewaySnapshot& other) const; // same backends and servers, in the same order
    int serving() const; // over every pool
    int meantToServe() const;
    int serverCount() const;
    int serversDisabledByConfig() const;
    // HTTP requests plus TCP connections, over the frontends.
    qint64 requestsTotal() const;
    // Over the HTTP frontends; -1 when every frontend is TCP (there is no such thing as a 5xx there) or none counts
    // them.
    qint64 responses5xxTotal() const;
    // Every frontend is TCP: the gateway's rate is connections per second.
    bool tcpOnly() const;
    qint64 sessions() const;
    friend bool operator==(const GatewaySnapshot&, const GatewaySnapshot&) = default;
};

// TooLarge: the gateway answers, but with more than its limits allow; its last good state stays on screen.
enum class Connection { Connecting, Up, Unreachable, TooLarge };
QString label(Connection connection);
// A rate as the tables show it: one decimal under 10, none above; empty for NaN (no value yet, or a gap).
QString formatRate(double perSecond);

// A latency as tables and tiles show it: "850 ms", "1.2 s"; empty for a negative value (none).
QString formatLatency(double ms);
// Every timing of a figure set, in words, for a tooltip: "queue 0 ms, connect 1 ms, response 250 ms, total
// 260 ms (averages over the last 1024 requests)", and the quantiles when there are some.
QString latencyDetails(const LoadFigures& load);
// Queue, sessions against the limit and the connection pool, in words, for a tooltip.
QString saturationDetails(const LoadFigures& load, qint64 sessions);

struct GatewayStatus
{
    Connection connection = Connection::Connecting;
    qint64 lastSeenMs = 0; // 0: never
    QString lastError;
    int consecutiveFailures = 0;
    // An https gateway whose certificate is not trusted and not pinned yet: its SHA-256, for the operator to check
    // and pin (trust on first use). Empty otherwise.
    QString certificateToTrust;
    // The credential this gateway names but no store holds (e.g. a fleet file imported on another machine): for
    // the operator to supply. Empty otherwise.
    QString credentialMissing;

    // What is on screen for this gateway is its last good state, not its current one.
    bool stale() const { return connection == Connection::Unreachable || connection == Connection::TooLarge; }

    friend bool operator==(const GatewayStatus&, const GatewayStatus&) = default;
};

} // namespace Fleetdeck

Q_DECLARE_METATYPE(Fleetdeck::ServerRef)
