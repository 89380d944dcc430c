#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVector>

#include "bigfleetmodel.h"
#include "result.h"

namespace Fleetdeck::Wire {

// What one refresh of a fleet too large to poll asks its Prometheus: the gateways the discovery selector finds (e.g.
// haproxy_process_start_time_seconds{job="edge"}), with the labels they may be grouped by, and the product's fleet
// figures per gateway: PromQL templates with $by (the name label), $matchers (the selector's {…}) and $window.
struct FleetQuerySpec
{
    QString selector;
    QString nameLabel = QStringLiteral("instance");
    QStringList groupLabels;
    QMap<QString, QString> figures; // "req", "5xx", "up", "servers", "scur" -> PromQL template
    QString window = QStringLiteral("1m");
    // Non-empty: Prometheus keeps the figures as recorded series (the rules fleetRecordingRules() writes), named
    // "<record>:present", "<record>:req" and so on, and a refresh only reads them instead of evaluating every
    // figure over the raw series.
    QString record;
};

// What one query asks: the gateways the selector finds with their labels (Members: slow to change, asked now and
// then), their figures (Figures: every refresh), or both.
enum class FleetPart { All, Members, Figures };

// One instant query, so 5,000 gateways cost one request, not one per gateway: each part tagged with its figure
// (label_replace into fd_figure) and all joined with `or`; with spec.record, one selector of the recorded series.
QString fleetQuery(const FleetQuerySpec& spec, FleetPart part = FleetPart::All);

// Prometheus recording rules (its rule-file YAML) that keep spec's figures as the series a spec.record refresh
// reads: one group, evaluated every intervalSeconds; the same expressions fleetQuery() asks for without spec.record,
// except that "up" (servers taking traffic) is recorded only where it is below "servers", so a healthy fleet's
// refresh carries one series less per gateway (parseFleetAnswer reads a missing one as every server up).
QString fleetRecordingRules(const FleetQuerySpec& spec, int intervalSeconds);

// The answer to fleetQuery(): one DiscoveredGateway per gateway the selector found, its figures filled in where
// Prometheus had them (NaN elsewhere). Prometheus' own error comes back as the error text. A Figures answer is read
// onto members (the gateways and labels of the last Members answer); unknown, if given, names the gateways with
// figures that are not among them (new since the members were asked, or never found by the selector).
Result<QVector<DiscoveredGateway>> parseFleetAnswer(const QByteArray& json, const FleetQuerySpec& spec,
    const QString& product, const QVector<DiscoveredGateway>& members = {}, QStringList* unknown = nullptr);

} // namespace Fleetdeck::Wire
