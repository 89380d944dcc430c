#pragma once

#include <QTreeView>

namespace Fleetdeck {

class FleetTreeModel;

// The fleet tree. A fleet's values change every second for every server; this view repaints only what can be seen:
// a change under a collapsed pool is not drawn at all, and a visible range repaints the rows from its first to its
// last, instead of QAbstractItemView working out the rectangle of every changed index (measured: a tenth of the UI
// thread's time at 30 gateways x 500 servers).
class FleetTreeView final : public QTreeView
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetTreeView)

public:
    explicit FleetTreeView(QWidget* parent = nullptr);
    // Shows the fleet tree's model, its columns sized for names, state, rate and alerts.
    void setFleetModel(FleetTreeModel* model);

protected:
    void dataChanged(const QModelIndex& topLeft, const QModelIndex& bottomRight, const QList<int>& roles) override;

private:
    bool shown(const QModelIndex& parent) const;
};

} // namespace Fleetdeck
