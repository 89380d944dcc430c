#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include "fleetdiscovery.h"
#include "wire/fleetquery.h"

namespace Fleetdeck {

class BigFleetModel;
namespace Wire {
class PrometheusClient;
}

// Keeps a fleet too large to poll up to date from its Prometheus, in two kinds of batched instant query: the members
// (the gateways the discovery selector finds, with their labels), asked at the start, every kMembersEvery refreshes
// (half an interval between two refreshes) and as soon as a figure names a gateway that is not among them; and the
// figures of every member, asked every refresh and read into the BigFleetModel in place. One query at a time: a slow
// Prometheus delays the next one instead of piling them up.
class BigFleetService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BigFleetService)

public:
    static constexpr int kMembersEvery = 6;

    // figures: the product's ProductInfo::fleetFigures.
    BigFleetService(const FleetDiscovery& discovery, const QMap<QString, QString>& figures, BigFleetModel* model,
        QObject* parent = nullptr);
    ~BigFleetService() override;

    // What a refresh of the discovered fleet asks for (also what `fleetdeck --recording-rules` writes rules for).
    static Wire::FleetQuerySpec specFor(const FleetDiscovery& discovery, const QMap<QString, QString>& figures);

    const FleetDiscovery& discovery() const { return m_discovery; }
    QString query(Wire::FleetPart part = Wire::FleetPart::Figures) const { return Wire::fleetQuery(m_spec, part); }
    void start(); // refreshes now and then every discovery.refreshMs
    void stop();
    // Refreshes the figures now (the members first while none are known or they are due) unless a query is under way
    // (then returns false).
    bool refreshNow();
    // Asks for the members now unless a query is under way (then they are asked right after it and this returns
    // false); with thenFigures, the figures are refreshed right after.
    bool refreshMembers(bool thenFigures = true);
    bool busy() const { return m_busy; }
    // The gateways and labels of the last members' answer: what the figures are read onto.
    const QVector<DiscoveredGateway>& members() const { return m_members; }

Q_SIGNALS:
    // A refresh of the figures ended: the model holds its gateways (or, on error, still the last ones). ms: from the
    // request (the members' when they were asked first) to the model updated.
    void refreshed(bool ok, qint64 ms, const QString& error);
    // The members were asked for and, when ok, will be what the next figures are read onto.
    void membersRefreshed(bool ok, qint64 ms, int members, const QString& error);

private:
    void askMembers(bool thenFigures);
    void askFigures();
    // The figures read (off the UI thread) onto the members; answered: Prometheus answered (the error is its, or
    // the answer's), else the transport's.
    void onFigures(bool answered, Result<QVector<DiscoveredGateway>> gateways, const QStringList& unknown);
    // Says so in the model; refresh: a refresh of the figures ended with it.
    void failed(const QString& error, bool refresh);
    QString where() const;

    FleetDiscovery m_discovery;
    Wire::FleetQuerySpec m_spec;
    QPointer<BigFleetModel> m_model;
    Wire::PrometheusClient* m_prometheus;
    QTimer m_timer;
    QTimer m_membersTimer;
    bool m_busy = false;
    QElapsedTimer m_clock;
    QVector<DiscoveredGateway> m_members;
    bool m_haveMembers = false;
    bool m_membersDue = false;
    QSet<QString> m_newcomers; // gateways with figures that are no members, to be asked about
    QSet<QString> m_strangers; // and those the members did not include when asked about them: not asked again
};

} // namespace Fleetdeck
