#include "alertservice.h"

#include <QDateTime>
#include <QTimer>

#include "wire/alertmanagerapi.h"
#include "eventlog.h"
#include "fleetstore.h"
#include "journal.h"
#include "journalmodel.h"
#include "printable.h"

namespace Fleetdeck {

namespace {
// Alerts that name no gateway of the fleet are still shown, under this name.
const QString kUnplaced = QStringLiteral("alertmanager");
// The most events of one kind (firing, resolved, ...) one read of Alertmanager puts on the timeline.
constexpr qsizetype kMaxAlertEvents = 20;

QString placeOf(const Alert& a)
{
    return a.gateway.isEmpty() ? kUnplaced : a.gateway;
}

QString objectOf(const Alert& a)
{
    return a.gateway.isEmpty() ? a.name : a.object();
}

// A silence's journal row, by this workstation's user, now.
JournalEntry journalEntry(quint64 id, const QString& gateway, const QString& object, const QString& before,
    const QString& after, const QString& kind, const QString& result, const QString& answer)
{
    JournalEntry e;
    e.actionId = id;
    e.timeMs = QDateTime::currentMSecsSinceEpoch();
    e.osUser = JournalEntry::currentOsUser();
    e.gateway = gateway;
    e.object = object;
    e.kind = kind;
    e.before = before;
    e.after = after;
    e.result = result;
    e.answer = answer;
    return e;
}
} // namespace

AlertService::AlertService(const FleetStore* store, std::function<quint64()> nextId, QObject* parent)
    : QObject(parent)
    , m_store(store)
    , m_nextId(std::move(nextId))
    , m_board(new AlertBoard(this))
    , m_timer(new QTimer(this))
{
    connect(m_timer, &QTimer::timeout, this, &AlertService::readNow);
}

AlertService::~AlertService() = default;

void AlertService::setAlertmanager(const QUrl& url, const AlertLabels& labels, int intervalMs)
{
    delete m_client.data();
    m_labels = labels;
    m_inFlight = false;
    m_board->setConfigured(!url.isEmpty());
    if (url.isEmpty()) {
        m_timer->stop();
        m_board->update({});
        return;
    }
    m_client = new Wire::AlertmanagerClient(url, this);
    m_client->setTimeoutMs(qMax(1000, qMin(5000, intervalMs * 4)));
    m_timer->start(qMax(250, intervalMs));
    readNow();
}

QUrl AlertService::alertmanager() const
{
    return m_client ? m_client->base() : QUrl();
}

void AlertService::readNow()
{
    if (!m_client || m_inFlight)
        return;
    m_inFlight = true;
    QPointer<Wire::AlertmanagerClient> client = m_client;
    QList<GatewayConfig> gateways;
    gateways.reserve(m_store->gatewayCount());
    for (int i = 0; i < m_store->gatewayCount(); ++i)
        gateways.append(m_store->entry(i).config);
    m_client->alerts(gateways, m_labels, [this, client](Result<AlertRead> alerts) {
        if (client != m_client)
            return; // an answer from an Alertmanager no longer configured
        m_inFlight = false;
        onAlerts(alerts);
    });
}

void AlertService::onAlerts(const Result<AlertRead>& result)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!result) {
        // The last alerts read stay on screen, with why they may be old.
        m_board->setError(result.error());
        if (m_events && !m_unreachable)
            m_events->add(FleetEvent { now, FleetEvent::Kind::Connection, kUnplaced, {},
                tr("unreachable: %1").arg(printable(result.error(), kMaxMessageLength)), true });
        m_unreachable = true;
        return;
    }
    if (m_events && m_unreachable)
        m_events->add(FleetEvent { now, FleetEvent::Kind::Connection, kUnplaced, {}, tr("reachable again"), false });
    m_unreachable = false;
    const AlertBoard::Changes changes = m_board->update(result.value().alerts, now, result.value().listed);
    if (!m_events)
        return;
    auto add = [this](qint64 at, const Alert& a, const QString& text, bool bad) {
        m_events->add(FleetEvent {
            at, FleetEvent::Kind::Alert, placeOf(a), objectOf(a), printable(text, kMaxMessageLength), bad });
    };
    // Each change an event, up to kMaxAlertEvents of a kind in one read; past that, one event says how many more (a
    // flood of 15,000 new alerts a second is a fact for the timeline, not 15,000 rows of it).
    auto each = [this, now](const QList<Alert>& alerts, const QString& more, bool bad, auto&& one) {
        for (qsizetype i = 0; i < qMin(alerts.size(), kMaxAlertEvents); ++i)
            one(alerts.at(i));
        if (alerts.size() > kMaxAlertEvents)
            m_events->add(FleetEvent {
                now, FleetEvent::Kind::Alert, kUnplaced, {}, more.arg(alerts.size() - kMaxAlertEvents), bad });
    };
    each(changes.started, tr("and %1 more alerts firing"), true, [&](const Alert& a) {
        add(a.startsAtMs > 0 ? qMin(a.startsAtMs, now) : now, a,
            a.silenced() ? tr("alert firing (silenced): %1").arg(a.describe())
                         : tr("alert firing: %1").arg(a.describe()),
            !a.silenced());
    });
    each(changes.ended, tr("and %1 more alerts resolved"), false,
        [&](const Alert& a) { add(now, a, tr("alert resolved: %1").arg(a.name), false); });
    each(changes.silenced, tr("and %1 more alerts silenced"), false,
        [&](const Alert& a) { add(now, a, tr("alert silenced: %1").arg(a.name), false); });
    each(changes.unsilenced, tr("and %1 more alerts no longer silenced"), true,
        [&](const Alert& a) { add(now, a, tr("alert no longer silenced: %1").arg(a.describe()), true); });
}

bool AlertService::journalAttempt(quint64 id, const QString& gateway, const QString& object, const QString& before,
    const QString& after, QString* error)
{
    if (!m_journal)
        return true;
    if (m_journal->append(
            journalEntry(id, gateway, object, before, after, QStringLiteral("attempt"), QStringLiteral("sending"), {})))
        return true;
    *error = tr("not sent: the journal could not record it (%1)").arg(m_journal->lastError());
    return false;
}

void AlertService::finish(quint64 id, const QString& gateway, const QString& object, const QString& before,
    const QString& after, bool ok, const QString& message, const QString& silenceId)
{
    if (m_journal)
        m_journal->append(journalEntry(id, gateway, object, before, after, QStringLiteral("result"),
            ok ? QStringLiteral("verified") : QStringLiteral("failed"), message));
    if (m_events)
        m_events->add(FleetEvent { QDateTime::currentMSecsSinceEpoch(), FleetEvent::Kind::Change, gateway, object,
            printable(message, kMaxMessageLength), !ok });
    readNow();
    Q_EMIT silenceFinished(id, ok, message, silenceId);
}

quint64 AlertService::silence(const QString& fingerprint, int minutes, const QString& comment)
{
    const quint64 id = m_nextId();
    const Alert* found = m_board->find(fingerprint);
    const QString refused = m_readOnlyReason ? m_readOnlyReason() : QString();
    QString problem;
    if (!m_client)
        problem = tr("no Alertmanager is configured (\"alertmanager\" in the fleet file)");
    else if (!refused.isEmpty())
        problem = tr("refused: %1").arg(refused);
    else if (!found)
        problem = tr("that alert is no longer firing");
    else if (minutes < 1 || minutes > 7 * 24 * 60)
        problem = tr("a silence lasts from 1 minute to 7 days, not %1 minutes").arg(minutes);
    else if (comment.trimmed().isEmpty())
        problem = tr("a silence needs a comment: Alertmanager refuses one without");
    if (!problem.isEmpty()) {
        QTimer::singleShot(0, this, [this, id, problem] { Q_EMIT silenceFinished(id, false, problem, {}); });
        return id;
    }
    const Alert alert = *found;
    const QString gateway = placeOf(alert);
    const QString object = objectOf(alert);
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    const qint64 end = start + qint64(minutes) * 60 * 1000;
    const QString before = tr("%1 firing, not silenced").arg(alert.name);
    const QString after
        = tr("%1 silenced until %2 (%3)")
              .arg(alert.name, QDateTime::fromMSecsSinceEpoch(end).toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                  comment.trimmed());
    QString error;
    if (!journalAttempt(id, gateway, object, before, after, &error)) {
        QTimer::singleShot(0, this, [this, id, error] { Q_EMIT silenceFinished(id, false, error, {}); });
        return id;
    }
    const QByteArray body = silenceRequest(alert, start, end, JournalEntry::currentOsUser(), comment.trimmed());
    QPointer<Wire::AlertmanagerClient> client = m_client;
    m_client->createSilence(body, [=, this](Result<QString> created) {
        if (!client) {
            finish(
                id, gateway, object, before, after, false, tr("the Alertmanager was removed before it answered"), {});
            return;
        }
        if (!created) {
            finish(id, gateway, object, before, after, false, tr("silence not made: %1").arg(created.error()), {});
            return;
        }
        const QString silenceId = created.value();
        // Verified by reading it back: active (or pending), and matching exactly this alert's labels.
        client->silence(silenceId, [=, this](Result<Silence> seen) {
            const bool active = seen
                && (seen.value().state == QLatin1String("active") || seen.value().state == QLatin1String("pending"));
            const bool exact = seen && seen.value().matchers == alert.labels;
            const bool ok = active && exact;
            const QString message = ok
                ? tr("silenced %1 until %2 (silence %3)")
                      .arg(alert.name, QDateTime::fromMSecsSinceEpoch(end).toString(QStringLiteral("HH:mm")), silenceId)
                : tr("silence %1 made, but reading it back shows %2")
                      .arg(silenceId,
                          !seen         ? seen.error()
                              : !active ? tr("it %1").arg(seen.value().state)
                                        : tr("it matches other labels than the alert's (it may silence more)"));
            finish(id, gateway, object, before, after, ok, message, silenceId);
        });
    });
    return id;
}

quint64 AlertService::expire(const QString& silenceId)
{
    const quint64 id = m_nextId();
    const QString refused = m_readOnlyReason ? m_readOnlyReason() : QString();
    QString problem;
    if (!m_client)
        problem = tr("no Alertmanager is configured (\"alertmanager\" in the fleet file)");
    else if (!refused.isEmpty())
        problem = tr("refused: %1").arg(refused);
    else if (silenceId.trimmed().isEmpty())
        problem = tr("no silence named");
    if (!problem.isEmpty()) {
        QTimer::singleShot(
            0, this, [this, id, problem, silenceId] { Q_EMIT silenceFinished(id, false, problem, silenceId); });
        return id;
    }
    // Journaled on the alert it silences, when one is on the board.
    QString gateway = kUnplaced;
    QString object = tr("silence %1").arg(silenceId);
    for (const Alert& a : m_board->alerts()) {
        if (a.silencedBy.contains(silenceId)) {
            gateway = placeOf(a);
            object = objectOf(a);
            break;
        }
    }
    const QString before = tr("silence %1 active").arg(silenceId);
    const QString after = tr("silence %1 expired").arg(silenceId);
    QString error;
    if (!journalAttempt(id, gateway, object, before, after, &error)) {
        QTimer::singleShot(
            0, this, [this, id, error, silenceId] { Q_EMIT silenceFinished(id, false, error, silenceId); });
        return id;
    }
    QPointer<Wire::AlertmanagerClient> client = m_client;
    m_client->expireSilence(silenceId, [=, this](Result<bool> expired) {
        if (!client || !expired) {
            finish(id, gateway, object, before, after, false,
                tr("silence %1 not expired: %2")
                    .arg(silenceId, expired ? tr("the Alertmanager was removed") : expired.error()),
                silenceId);
            return;
        }
        client->silence(silenceId, [=, this](Result<Silence> seen) {
            const bool ok = seen && seen.value().state == QLatin1String("expired");
            finish(id, gateway, object, before, after, ok,
                ok ? tr("silence %1 expired").arg(silenceId)
                   : tr("silence %1: expiring it was answered, but reading it back shows %2")
                         .arg(silenceId, seen ? tr("it %1").arg(seen.value().state) : seen.error()),
                silenceId);
        });
    });
    return id;
}

} // namespace Fleetdeck
