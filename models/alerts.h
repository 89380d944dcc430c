#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck {

// Which labels of an alert name a gateway, a pool and a server (fleet file: "alertLabels"); the first label an
// alert has is the one used. A gateway label matches the gateway's name or the host:port of its admin or metrics
// address (Prometheus' "instance" is the scraped host:port).
struct AlertLabels
{
    QStringList gateway = { QStringLiteral("gateway"), QStringLiteral("instance") };
    QStringList pool = { QStringLiteral("proxy"), QStringLiteral("backend"), QStringLiteral("pool") };
    QStringList server = { QStringLiteral("server") };
    friend bool operator==(const AlertLabels&, const AlertLabels&) = default;
};

// One alert as Alertmanager lists it (/api/v2/alerts), and where it belongs in the fleet.
struct Alert
{
    QString fingerprint; // Alertmanager's identity of the label set
    QString name; // the "alertname" label
    QString summary; // the "summary" annotation, else "description"
    QString severity; // the "severity" label, if any
    QMap<QString, QString> labels;
    qint64 startsAtMs = 0;
    QString state; // "active", "suppressed" (silenced or inhibited), "unprocessed"
    QStringList silencedBy; // silence ids
    // Where it belongs (empty gateway: none of the fleet's gateways), as an event subject: gateway, pool, server.
    QString gateway;
    QString pool;
    QString server;

    bool silenced() const { return !silencedBy.isEmpty(); }
    QString object() const; // "pool/server", "pool" or empty
    QString describe() const; // "LabServerDown: static/s2 fails its health checks"
    friend bool operator==(const Alert&, const Alert&) = default;
};

// Parses /api/v2/alerts. Resolved alerts are not listed by Alertmanager; an alert without a fingerprint or labels
// is an error naming its position.
Result<QList<Alert>> parseAlerts(const QByteArray& json);
// Where the alert belongs among the gateways (fills gateway, pool and server; leaves them empty when none match).
void placeAlert(Alert& alert, const QList<GatewayConfig>& gateways, const AlertLabels& labels);

// The most alerts one read keeps: the fleet's first, then the firing before the silenced, the most severe, the newest.
// Alertmanager may hold tens of thousands (70,000 froze the window 39 s when every one was placed, listed and
// compared each second); an operator reads the first few dozen, and is told how many more there are.
constexpr qsizetype kMaxAlerts = 1000;

// One read of Alertmanager, parsed and placed: the alerts kept, and how many it listed in all.
struct AlertRead
{
    QList<Alert> alerts;
    qsizetype listed = 0;
};
// parseAlerts(), placeAlert() on each (through an index of the gateways' names and addresses, not a scan per alert),
// and the kMaxAlerts that matter most, in a stable order. Pure: runs off the UI thread.
Result<AlertRead> readAlerts(const QByteArray& json, const QList<GatewayConfig>& gateways, const AlertLabels& labels,
    qsizetype maxAlerts = kMaxAlerts);

// A silence as Alertmanager shows it (/api/v2/silence/{id}).
struct Silence
{
    QString id;
    QString state; // "active", "pending", "expired"
    qint64 endsAtMs = 0;
    QString createdBy;
    QString comment;
    QMap<QString, QString> matchers; // name = value, equality matchers only
};

// The body of POST /api/v2/silences that silences exactly this alert (every label of it, by equality).
QByteArray silenceRequest(
    const Alert& alert, qint64 startsAtMs, qint64 endsAtMs, const QString& createdBy, const QString& comment);
// {"silenceID": "..."} from the POST.
Result<QString> parseSilenceCreated(const QByteArray& json);
Result<Silence> parseSilence(const QByteArray& json);

// The fleet's current alerts, for the badges, the alert list and the timeline. Replaced whole on every read of
// Alertmanager; what started and what ended since the last read comes back from update().
class AlertBoard final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertBoard)

public:
    explicit AlertBoard(QObject* parent = nullptr);

    struct Changes
    {
        QList<Alert> started;
        QList<Alert> ended;
        QList<Alert> silenced; // now silenced, and were not
        QList<Alert> unsilenced;
    };
    // nowMs: when the alerts were read (0: now); ended alerts end then. listed: how many Alertmanager listed, when
    // more than it kept (-1: as many as given).
    Changes update(const QList<Alert>& alerts, qint64 nowMs = 0, qsizetype listed = -1);
    // How many alerts Alertmanager listed at the last read (more than alerts().size() when some were left out).
    qsizetype listed() const { return m_listed; }
    // Alertmanager could not be read: the alerts shown are the last ones read, and why is said.
    void setError(const QString& error);
    QString error() const { return m_error; }
    bool configured() const { return m_configured; }
    void setConfigured(bool configured);

    const QList<Alert>& alerts() const { return m_alerts; }
    // Alerts (not silenced) on the subject or under it: a gateway counts its pools' and servers' alerts.
    int firingCount(const QString& gateway, const QString& pool = {}, const QString& server = {}) const;
    QList<Alert> alertsFor(const QString& gateway, const QString& pool = {}, const QString& server = {}) const;
    const Alert* find(const QString& fingerprint) const;

    // When each alert fired, from its start to its end (toMs 0: still firing), the newest kMaxSpans: the charts'
    // bands.
    struct Span
    {
        QString fingerprint;
        QString name;
        QString gateway;
        QString pool;
        QString server;
        qint64 fromMs = 0;
        qint64 toMs = 0;
        bool silenced = false;
    };
    static constexpr int kMaxSpans = 2000;
    // Spans on the subject or under it (a gateway's include its pools' and servers').
    QList<Span> spansFor(const QString& gateway, const QString& pool = {}, const QString& server = {}) const;

Q_SIGNALS:
    void changed();

private:
    QList<Alert> m_alerts;
    QList<Span> m_spans;
    qsizetype m_listed = 0;
    QString m_error;
    bool m_configured = false;
};

} // namespace Fleetdeck
