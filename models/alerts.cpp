#include "alerts.h"

#include <algorithm>
#include <tuple>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include "printable.h"

namespace Fleetdeck {

namespace {

// RFC 3339 as Alertmanager writes it ("2026-11-30T18:12:18.111Z"), with any number of fraction digits; 0 when
// it is not a time.
qint64 timeMs(const QString& text)
{
    static const QRegularExpression fraction(QStringLiteral("\\.(\\d{1,3})\\d*"));
    QString t = text;
    t.replace(fraction, QStringLiteral(".\\1"));
    QDateTime at = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!at.isValid())
        at = QDateTime::fromString(t, Qt::ISODate);
    return at.isValid() ? at.toMSecsSinceEpoch() : 0;
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString first(const QMap<QString, QString>& labels, const QStringList& names)
{
    for (const QString& n : names) {
        if (const auto it = labels.constFind(n); it != labels.cend() && !it->isEmpty())
            return *it;
    }
    return {};
}

QString authority(const QUrl& url)
{
    return url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : QString();
}

} // namespace

QString Alert::object() const
{
    if (pool.isEmpty())
        return {};
    return server.isEmpty() ? pool : pool + QLatin1Char('/') + server;
}

QString Alert::describe() const
{
    return summary.isEmpty() ? name : QStringLiteral("%1: %2").arg(name, summary);
}

Result<QList<Alert>> parseAlerts(const QByteArray& json)
{
    using R = Result<QList<Alert>>;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return R::failure(
            QStringLiteral("alerts: not JSON (%1 at byte %2)").arg(error.errorString()).arg(error.offset));
    if (!doc.isArray())
        return R::failure(QStringLiteral("alerts: expected a list of alerts"));
    QList<Alert> alerts;
    const QJsonArray list = doc.array();
    alerts.reserve(list.size());
    // Alerts of one rule mostly share their start: each time text is read once (reading one is most of an alert's
    // cost, and a flood lists tens of thousands).
    QHash<QString, qint64> times;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        Alert a;
        a.fingerprint = o.value(QLatin1String("fingerprint")).toString();
        const QJsonObject labels = o.value(QLatin1String("labels")).toObject();
        if (a.fingerprint.isEmpty() || labels.isEmpty())
            return R::failure(QStringLiteral("alerts: alert %1 has no fingerprint or no labels").arg(i + 1));
        for (auto it = labels.begin(); it != labels.end(); ++it)
            a.labels.insert(it.key(), it.value().toString());
        a.name = a.labels.value(QStringLiteral("alertname"));
        a.severity = a.labels.value(QStringLiteral("severity"));
        const QJsonObject annotations = o.value(QLatin1String("annotations")).toObject();
        a.summary = annotations.value(QLatin1String("summary")).toString();
        if (a.summary.isEmpty())
            a.summary = annotations.value(QLatin1String("description")).toString();
        const QString startsAt = o.value(QLatin1String("startsAt")).toString();
        auto known = times.constFind(startsAt);
        if (known == times.cend())
            known = times.insert(startsAt, timeMs(startsAt));
        a.startsAtMs = *known;
        const QJsonObject status = o.value(QLatin1String("status")).toObject();
        a.state = status.value(QLatin1String("state")).toString();
        for (const QJsonValue& id : status.value(QLatin1String("silencedBy")).toArray())
            a.silencedBy.append(id.toString());
        alerts.append(std::move(a));
    }
    return R::success(alerts);
}

namespace {
// What a gateway label may say (a gateway's name, its admin or metrics host:port) to the gateway it names; the first
// gateway listed wins, as placeAlert's scan does.
QHash<QString, QString> gatewayIndex(const QList<GatewayConfig>& gateways)
{
    QHash<QString, QString> index;
    for (const GatewayConfig& g : gateways) {
        for (const QString& key : { g.name, authority(g.admin), authority(g.metrics) })
            if (!key.isEmpty() && !index.contains(key))
                index.insert(key, g.name);
    }
    return index;
}

void placeBy(Alert& alert, const QHash<QString, QString>& index, const AlertLabels& names)
{
    alert.gateway.clear();
    alert.pool.clear();
    alert.server.clear();
    const QString named = first(alert.labels, names.gateway);
    if (named.isEmpty())
        return;
    alert.gateway = index.value(named);
    if (alert.gateway.isEmpty())
        return;
    alert.pool = first(alert.labels, names.pool);
    if (!alert.pool.isEmpty())
        alert.server = first(alert.labels, names.server);
}

int severityRank(const QString& severity)
{
    static const QStringList order = { QStringLiteral("page"), QStringLiteral("critical"), QStringLiteral("error"),
        QStringLiteral("warning"), QStringLiteral("info") };
    const qsizetype i = order.indexOf(severity.toLower());
    return i < 0 ? int(order.size()) : int(i);
}
} // namespace

Result<AlertRead> readAlerts(
    const QByteArray& json, const QList<GatewayConfig>& gateways, const AlertLabels& labels, qsizetype maxAlerts)
{
    auto parsed = parseAlerts(json);
    if (!parsed)
        return Result<AlertRead>::failure(parsed.error());
    AlertRead read;
    read.alerts = std::move(parsed).value();
    read.listed = read.alerts.size();
    const QHash<QString, QString> index = gatewayIndex(gateways);
    for (Alert& a : read.alerts)
        placeBy(a, index, labels);
    if (read.alerts.size() > maxAlerts) {
        const auto before = [](const Alert& a, const Alert& b) {
            const auto key = [](const Alert& x) {
                return std::make_tuple(x.gateway.isEmpty(), x.silenced(), severityRank(x.severity), -x.startsAtMs);
            };
            const auto ka = key(a);
            const auto kb = key(b);
            return ka != kb ? ka < kb : a.fingerprint < b.fingerprint;
        };
        std::partial_sort(read.alerts.begin(), read.alerts.begin() + maxAlerts, read.alerts.end(), before);
        read.alerts.resize(maxAlerts);
    }
    return Result<AlertRead>::success(std::move(read));
}

void placeAlert(Alert& alert, const QList<GatewayConfig>& gateways, const AlertLabels& names)
{
    placeBy(alert, gatewayIndex(gateways), names);
}

QByteArray silenceRequest(
    const Alert& alert, qint64 startsAtMs, qint64 endsAtMs, const QString& createdBy, const QString& comment)
{
    QJsonArray matchers;
    for (auto it = alert.labels.cbegin(); it != alert.labels.cend(); ++it)
        matchers.append(QJsonObject { { QStringLiteral("name"), it.key() }, { QStringLiteral("value"), it.value() },
            { QStringLiteral("isRegex"), false }, { QStringLiteral("isEqual"), true } });
    const QJsonObject body { { QStringLiteral("matchers"), matchers },
        { QStringLiteral("startsAt"), timeText(startsAtMs) }, { QStringLiteral("endsAt"), timeText(endsAtMs) },
        { QStringLiteral("createdBy"), createdBy }, { QStringLiteral("comment"), comment } };
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

Result<QString> parseSilenceCreated(const QByteArray& json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    const QString id = o.value(QLatin1String("silenceID")).toString();
    if (id.isEmpty())
        return Result<QString>::failure(
            QStringLiteral("no silence id in the answer \"%1\"").arg(printable(QString::fromUtf8(json.left(200)))));
    return Result<QString>::success(id);
}

Result<Silence> parseSilence(const QByteArray& json)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    Silence s;
    s.id = o.value(QLatin1String("id")).toString();
    s.state = o.value(QLatin1String("status")).toObject().value(QLatin1String("state")).toString();
    if (s.id.isEmpty() || s.state.isEmpty())
        return Result<Silence>::failure(
            QStringLiteral("not a silence: \"%1\"").arg(printable(QString::fromUtf8(json.left(200)))));
    s.endsAtMs = timeMs(o.value(QLatin1String("endsAt")).toString());
    s.createdBy = o.value(QLatin1String("createdBy")).toString();
    s.comment = o.value(QLatin1String("comment")).toString();
    for (const QJsonValue& m : o.value(QLatin1String("matchers")).toArray()) {
        const QJsonObject mo = m.toObject();
        if (mo.value(QLatin1String("isEqual")).toBool(true) && !mo.value(QLatin1String("isRegex")).toBool())
            s.matchers.insert(mo.value(QLatin1String("name")).toString(), mo.value(QLatin1String("value")).toString());
    }
    return Result<Silence>::success(s);
}

AlertBoard::AlertBoard(QObject* parent)
    : QObject(parent)
{ }

AlertBoard::Changes AlertBoard::update(const QList<Alert>& alerts, qint64 nowMs, qsizetype listed)
{
    if (nowMs == 0)
        nowMs = QDateTime::currentMSecsSinceEpoch();
    Changes c;
    QHash<QString, const Alert*> before;
    for (const Alert& a : std::as_const(m_alerts))
        before.insert(a.fingerprint, &a);
    QHash<QString, const Alert*> now;
    for (const Alert& a : alerts) {
        now.insert(a.fingerprint, &a);
        const Alert* old = before.value(a.fingerprint);
        if (!old)
            c.started.append(a);
        else if (a.silenced() && !old->silenced())
            c.silenced.append(a);
        else if (!a.silenced() && old->silenced())
            c.unsilenced.append(a);
    }
    for (const Alert& a : std::as_const(m_alerts)) {
        if (!now.contains(a.fingerprint))
            c.ended.append(a);
    }
    for (const Alert& a : std::as_const(c.started))
        m_spans.append(Span { a.fingerprint, a.name, a.gateway, a.pool, a.server,
            a.startsAtMs > 0 ? qMin(a.startsAtMs, nowMs) : nowMs, 0, a.silenced() });
    for (Span& span : m_spans) {
        if (span.toMs != 0)
            continue;
        const Alert* a = now.value(span.fingerprint);
        if (!a) {
            span.toMs = nowMs;
            continue;
        }
        span.silenced = a->silenced();
        // Placed later than first seen (the gateways were added after the first read).
        span.gateway = a->gateway;
        span.pool = a->pool;
        span.server = a->server;
    }
    if (m_spans.size() > kMaxSpans)
        m_spans.remove(0, m_spans.size() - kMaxSpans);
    const qsizetype listedNow = listed < 0 ? alerts.size() : qMax(listed, alerts.size());
    const bool same = m_alerts == alerts && m_error.isEmpty() && m_listed == listedNow;
    m_alerts = alerts;
    m_listed = listedNow;
    m_error.clear();
    if (!same)
        Q_EMIT changed();
    return c;
}

void AlertBoard::setError(const QString& error)
{
    if (m_error == error)
        return;
    m_error = error;
    Q_EMIT changed();
}

void AlertBoard::setConfigured(bool configured)
{
    if (m_configured == configured)
        return;
    m_configured = configured;
    Q_EMIT changed();
}

QList<Alert> AlertBoard::alertsFor(const QString& gateway, const QString& pool, const QString& server) const
{
    QList<Alert> out;
    for (const Alert& a : m_alerts) {
        if (a.gateway != gateway || (!pool.isEmpty() && a.pool != pool) || (!server.isEmpty() && a.server != server))
            continue;
        out.append(a);
    }
    return out;
}

int AlertBoard::firingCount(const QString& gateway, const QString& pool, const QString& server) const
{
    int n = 0;
    for (const Alert& a : alertsFor(gateway, pool, server))
        n += a.silenced() ? 0 : 1;
    return n;
}

QList<AlertBoard::Span> AlertBoard::spansFor(const QString& gateway, const QString& pool, const QString& server) const
{
    QList<Span> out;
    for (const Span& s : m_spans) {
        if (s.gateway == gateway && (pool.isEmpty() || s.pool == pool) && (server.isEmpty() || s.server == server))
            out.append(s);
    }
    return out;
}

const Alert* AlertBoard::find(const QString& fingerprint) const
{
    for (const Alert& a : m_alerts) {
        if (a.fingerprint == fingerprint)
            return &a;
    }
    return nullptr;
}

} // namespace Fleetdeck
