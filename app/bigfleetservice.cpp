#include "bigfleetservice.h"

#include <QDateTime>

#include "bigfleetmodel.h"
#include "wire/prometheusapi.h"

namespace Fleetdeck {

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
    refreshNow();
}

void BigFleetService::stop()
{
    m_timer.stop();
}

bool BigFleetService::refreshNow()
{
    if (m_busy)
        return false;
    m_busy = true;
    m_clock.start();
    m_prometheus->query(Wire::fleetQuery(m_spec), [this](Result<QByteArray> body) {
        m_busy = false;
        const QString where = QStringLiteral("the fleet's Prometheus %1").arg(m_discovery.prometheus.toString());
        auto gateways = body ? Wire::parseFleetAnswer(body.value(), m_spec, m_discovery.product)
                             : Result<QVector<DiscoveredGateway>>::failure(body.error());
        const QString time = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"));
        if (!gateways) {
            const QString error = body ? QStringLiteral("%1: %2").arg(where, gateways.error()) : gateways.error();
            if (m_model)
                m_model->setRefreshStatus(
                    tr("%1: refresh failed, the figures shown are older: %2").arg(time, error), true);
            Q_EMIT refreshed(false, m_clock.elapsed(), error);
            return;
        }
        const int count = int(gateways.value().size());
        if (m_model)
            m_model->setGateways(std::move(gateways).value());
        const qint64 ms = m_clock.elapsed();
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
    });
    return true;
}

} // namespace Fleetdeck
