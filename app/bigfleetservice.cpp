#include "bigfleetservice.h"

#include <QDateTime>

#include "bigfleetmodel.h"
#include "wire/offthread.h"
#include "wire/prometheusapi.h"

namespace Fleetdeck {

namespace {
QString now()
{
    return QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
}
} // namespace

BigFleetService::BigFleetService(
    const FleetDiscovery& discovery, const QMap<QString, QString>& figures, BigFleetModel* model, QObject* parent)
    : QObject(parent)
    , m_discovery(discovery)
    , m_model(model)
    , m_prometheus(new Wire::PrometheusClient(discovery.prometheus, this))
{
    m_spec = specFor(discovery, figures);
    // A refresh that takes longer than the interval is abandoned rather than overtaken.
    m_prometheus->setTimeoutMs(qBound(2000, discovery.refreshMs, 30000));
    m_timer.setInterval(discovery.refreshMs);
    connect(&m_timer, &QTimer::timeout, this, &BigFleetService::refreshNow);
    m_membersTimer.setInterval(discovery.refreshMs * kMembersEvery);
    connect(&m_membersTimer, &QTimer::timeout, this, [this] { refreshMembers(true); });
    if (m_model)
        m_model->setGroupBy(discovery.groupBy);
}

BigFleetService::~BigFleetService() = default;

Wire::FleetQuerySpec BigFleetService::specFor(const FleetDiscovery& discovery, const QMap<QString, QString>& figures)
{
    Wire::FleetQuerySpec spec;
    spec.selector = discovery.selector;
    spec.nameLabel = discovery.nameLabel;
    spec.groupLabels = discovery.labelsWanted();
    spec.figures = figures;
    spec.window = discovery.window;
    spec.record = discovery.record;
    return spec;
}

void BigFleetService::start()
{
    m_timer.start();
    // The members are asked half an interval away from the figures, so the two never wait for each other.
    QTimer::singleShot(m_discovery.refreshMs / 2, &m_membersTimer, qOverload<>(&QTimer::start));
    refreshNow();
}

void BigFleetService::stop()
{
    m_timer.stop();
    m_membersTimer.stop();
}

QString BigFleetService::where() const
{
    return QStringLiteral("the fleet's Prometheus %1").arg(m_discovery.prometheus.toString());
}

bool BigFleetService::refreshNow()
{
    if (m_busy)
        return false;
    m_busy = true;
    m_clock.start();
    if (!m_haveMembers || m_membersDue)
        askMembers(true);
    else
        askFigures();
    return true;
}

bool BigFleetService::refreshMembers(bool thenFigures)
{
    if (m_busy) {
        m_membersDue = true; // asked first by the next refresh
        return false;
    }
    m_busy = true;
    m_clock.start();
    askMembers(thenFigures);
    return true;
}

void BigFleetService::failed(const QString& error, bool refresh)
{
    m_busy = false;
    if (m_model)
        m_model->setRefreshStatus(tr("%1: refresh failed, the figures shown are older: %2").arg(now(), error), true);
    if (refresh)
        Q_EMIT refreshed(false, m_clock.elapsed(), error);
}

void BigFleetService::askMembers(bool thenFigures)
{
    QElapsedTimer asked;
    asked.start();
    using Members = Result<QVector<DiscoveredGateway>>;
    m_prometheus->query(
        Wire::fleetQuery(m_spec, Wire::FleetPart::Members), [this, thenFigures, asked](Result<QByteArray> body) {
            // Up to 64 MiB of answer (400,000 gateways): read on a pool thread, not in the window's.
            Wire::offThread<Members>(
                this,
                [body, spec = m_spec, product = m_discovery.product] {
                    return body ? Wire::parseFleetAnswer(body.value(), spec, product) : Members::failure(body.error());
                },
                [this, thenFigures, asked, answered = body.ok()](Members members) {
                    if (!members) {
                        // Prometheus' answer unread: the error names where it was asked; the transport's already does.
                        const QString error
                            = answered ? QStringLiteral("%1: %2").arg(where(), members.error()) : members.error();
                        Q_EMIT membersRefreshed(false, asked.elapsed(), int(m_members.size()), error);
                        // The last members stand in until they can be asked again (at the next refresh).
                        if (thenFigures && m_haveMembers) {
                            m_membersDue = true;
                            return askFigures();
                        }
                        return failed(error, thenFigures);
                    }
                    m_members = std::move(members).value();
                    m_haveMembers = true;
                    m_membersDue = false;
                    if (!m_newcomers.isEmpty()) {
                        QSet<QString> names;
                        for (const DiscoveredGateway& g : std::as_const(m_members))
                            names.insert(g.name);
                        for (const QString& name : std::as_const(m_newcomers))
                            if (!names.contains(name))
                                m_strangers.insert(name);
                        m_newcomers.clear();
                    }
                    Q_EMIT membersRefreshed(true, asked.elapsed(), int(m_members.size()), {});
                    if (thenFigures) {
                        askFigures();
                    } else {
                        m_busy = false;
                    }
                });
        });
}

void BigFleetService::askFigures()
{
    struct Figures
    {
        Result<QVector<DiscoveredGateway>> gateways = Result<QVector<DiscoveredGateway>>::failure({});
        QStringList unknown;
    };
    m_prometheus->query(Wire::fleetQuery(m_spec, Wire::FleetPart::Figures), [this](Result<QByteArray> body) {
        // Read on a pool thread, onto a copy of the members (shared, not copied, until either side changes).
        Wire::offThread<Figures>(
            this,
            [body, spec = m_spec, product = m_discovery.product, members = m_members] {
                Figures read;
                read.gateways = body ? Wire::parseFleetAnswer(body.value(), spec, product, members, &read.unknown)
                                     : Result<QVector<DiscoveredGateway>>::failure(body.error());
                return read;
            },
            [this, ok = body.ok()](Figures read) { onFigures(ok, std::move(read.gateways), read.unknown); });
    });
}

void BigFleetService::onFigures(bool answered, Result<QVector<DiscoveredGateway>> gateways, const QStringList& unknown)
{
    if (!gateways)
        return failed(answered ? QStringLiteral("%1: %2").arg(where(), gateways.error()) : gateways.error(), true);
    m_busy = false;
    // A gateway with figures that is no member: new since the members were asked, so they are asked again
    // (once per name: one the selector does not find then is not asked about over and over).
    // One that is left out is forgotten once its figures are gone too, so it is asked about if it comes back.
    bool newcomer = false;
    m_strangers.intersect(QSet<QString>(unknown.cbegin(), unknown.cend()));
    for (const QString& name : std::as_const(unknown))
        if (!m_strangers.contains(name) && !m_newcomers.contains(name)) {
            m_newcomers.insert(name);
            newcomer = true;
        }
    const int count = int(gateways.value().size());
    if (m_model)
        m_model->setGateways(std::move(gateways).value());
    const qint64 ms = m_clock.elapsed();
    const QString time = now();
    if (m_model && count == 0 && !m_discovery.record.isEmpty())
        m_model->setRefreshStatus(tr("%1: Prometheus has no recorded %2:present series. Are the rules of "
                                     "`fleetdeck --recording-rules` loaded (rule_files) and evaluated?")
                                      .arg(time, m_discovery.record),
            true);
    else if (m_model)
        m_model->setRefreshStatus(
            tr("%n gateway(s) found by %1, refreshed at %2 in %3 ms", nullptr, count)
                .arg(m_discovery.record.isEmpty()
                        ? m_discovery.selector
                        : tr("%1 (recorded as %2:*)").arg(m_discovery.selector, m_discovery.record),
                    time)
                .arg(ms),
            false);
    Q_EMIT refreshed(true, ms, {});
    if (newcomer)
        refreshMembers(true);
}

} // namespace Fleetdeck
