#include "frontendtablemodel.h"
#include "statecolours.h"

#include <QBrush>
#include <QColor>

#include "fleetstore.h"
#include "printable.h"

namespace Fleetdeck {

FrontendTableModel::FrontendTableModel(const FleetStore* store, QObject* parent)
    : QAbstractTableModel(parent)
    , m_store(store)
{
    auto reset = [this] {
        beginResetModel();
        rebuild();
        endResetModel();
    };
    connect(store, &FleetStore::gatewayAdded, this, reset);
    connect(store, &FleetStore::gatewayRemoved, this, reset);
    connect(store, &FleetStore::snapshotApplied, this, [this](int gateway) { onSnapshot(gateway); });
    rebuild();
}

void FrontendTableModel::rebuild()
{
    // Rates come back with the next snapshot of each gateway (from the totals kept by name in m_seen).
    m_rows.clear();
    for (int g = 0; g < m_store->gatewayCount(); ++g) {
        const auto& e = m_store->entry(g);
        if (!e.snapshot)
            continue;
        for (int f = 0; f < e.snapshot->frontends.size(); ++f)
            m_rows.append(Row { g, f, -1, -1 });
    }
}

void FrontendTableModel::onSnapshot(int gateway)
{
    const auto& e = m_store->entry(gateway);
    if (!e.snapshot)
        return;
    // Rates from the previous totals of the same frontend; a total that went down is a restart.
    QHash<QString, QPair<double, double>> rates;
    for (const FrontendSnapshot& f : e.snapshot->frontends) {
        const QString key = e.config.name + QLatin1Char('/') + f.name;
        Seen& seen = m_seen[key];
        double rate = -1, errors = -1;
        if (seen.atMs > 0 && e.snapshot->takenAtMs > seen.atMs) {
            const double seconds = double(e.snapshot->takenAtMs - seen.atMs) / 1000.0;
            if (f.requestsTotal >= 0 && seen.requests >= 0)
                rate = double(f.requestsTotal >= seen.requests ? f.requestsTotal - seen.requests : f.requestsTotal)
                    / seconds;
            if (f.responses5xxTotal >= 0 && seen.errors >= 0)
                errors = double(f.responses5xxTotal >= seen.errors ? f.responses5xxTotal - seen.errors
                                                                   : f.responses5xxTotal)
                    / seconds;
        }
        seen = Seen { e.snapshot->takenAtMs, f.requestsTotal, f.responses5xxTotal };
        rates.insert(f.name, { rate, errors });
    }
    int count = 0;
    for (const Row& r : std::as_const(m_rows))
        count += r.gateway == gateway ? 1 : 0;
    if (count != e.snapshot->frontends.size()) {
        beginResetModel();
        rebuild();
        endResetModel();
    }
    for (int i = 0; i < m_rows.size(); ++i) {
        Row& r = m_rows[i];
        if (r.gateway != gateway || r.frontend >= e.snapshot->frontends.size())
            continue;
        const auto rate = rates.value(e.snapshot->frontends.at(r.frontend).name, { -1, -1 });
        r.rate = rate.first;
        r.errorRate = rate.second;
        Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
    }
}

int FrontendTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FrontendTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FrontendTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case GatewayColumn:
        return tr("Gateway");
    case FrontendColumn:
        return tr("Frontend");
    case ModeColumn:
        return tr("Mode");
    case BindsColumn:
        return tr("Binds");
    case StatusColumn:
        return tr("Status");
    case RateColumn:
        return tr("req/s (TCP: conn/s)");
    case SessionsColumn:
        return tr("Sessions");
    case DeniedColumn:
        return tr("Denied");
    case RateLimitedColumn:
        return tr("429");
    case ErrorRateColumn:
        return tr("5xx/s");
    default:
        return {};
    }
}

QVariant FrontendTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows.at(index.row());
    const auto& e = m_store->entry(r.gateway);
    if (!e.snapshot || r.frontend >= e.snapshot->frontends.size())
        return {};
    const FrontendSnapshot& f = e.snapshot->frontends.at(r.frontend);
    if (role == Qt::TextAlignmentRole)
        return index.column() >= RateColumn ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    if (role == Qt::ForegroundRole && index.column() == ErrorRateColumn && r.errorRate > 0)
        return QBrush(StateColours::of(StateColours::Role::Bad));
    if (role == Qt::ToolTipRole && index.column() == RateLimitedColumn && f.rateLimitedTotal < 0)
        return tr("This product does not count its 429 answers apart: they are among the denied and the 4xx");
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case GatewayColumn:
        return printable(e.config.name, kShownName);
    case FrontendColumn:
        return printable(f.name, kShownName);
    case ModeColumn:
        return f.tcp ? QStringLiteral("tcp") : QStringLiteral("http");
    case BindsColumn:
        return printable(f.binds, kShownName);
    case StatusColumn:
        return printable(f.status, kShownName);
    case RateColumn:
        return r.rate >= 0 ? formatRate(r.rate) : QString();
    case SessionsColumn:
        return f.sessions;
    case DeniedColumn:
        return f.deniedRequests;
    case RateLimitedColumn:
        return f.rateLimitedTotal >= 0 ? QVariant(f.rateLimitedTotal) : QVariant(tr("n/a"));
    case ErrorRateColumn:
        return f.tcp ? tr("n/a") : (r.errorRate >= 0 ? formatRate(r.errorRate) : QString());
    default:
        return {};
    }
}

} // namespace Fleetdeck
