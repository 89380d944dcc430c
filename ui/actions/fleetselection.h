#pragma once

#include <QList>
#include <QObject>

#include "fleettypes.h"

class QTreeView;

namespace Fleetdeck {

class PoolPage;

// What the operator has selected: servers in the pool page's table, a gateway or backend in the fleet tree. The
// actions read it to decide what they act on and whether they may.
class FleetSelection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FleetSelection)

public:
    FleetSelection(QTreeView* tree, PoolPage* page, QObject* parent = nullptr);

    QList<ServerRef> servers() const;
    // The tree's selected gateway and backend (empty when none).
    QString gateway() const;
    QString backend() const;
    QTreeView* tree() const { return m_tree; }
    PoolPage* page() const { return m_page; }

Q_SIGNALS:
    void changed();

private:
    QTreeView* m_tree;
    PoolPage* m_page;
};

} // namespace Fleetdeck
