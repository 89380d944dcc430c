#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>

#include "nextturn.h"

class QHBoxLayout;
class QLabel;
class QTimer;

namespace Fleetdeck {

class FleetStore;

// A row of badges in the status bar: one per gateway while there are at most kBadgeLimit; past that a summary that
// counts them, and badges for the first kBadgeLimit in trouble (unreachable, connecting, or plaintext across the
// network). Up, connecting, or unreachable since when.
// Its cost follows the fleet's size once per turn of the event loop, not once per gateway per change: changes are
// gathered and shown together (2,000 unreachable gateways once kept the UI thread busy for the first 45 s).
class GatewayStatusWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayStatusWidget)

public:
    explicit GatewayStatusWidget(const FleetStore* store, QWidget* parent = nullptr);

    QString badgeText(int gateway) const;

private:
    // Shows the changes at the next turn of the event loop, once however many came.
    void refreshSoon();
    // The summary, and which gateways have badges, and their badges: O(gateways).
    void refresh();
    void render(QLabel* label, int gateway);

    static constexpr int kBadgeLimit = 4;

    const FleetStore* m_store;
    QHBoxLayout* m_layout;
    QList<QLabel*> m_badges; // at most kBadgeLimit, one per gateway shown, in the fleet's order
    QLabel* m_summary = nullptr;
    QTimer* m_tick;
    NextTurn m_soon { this, [this] { refresh(); } };
    QHash<QString, QString> m_notices; // by gateway name
};

} // namespace Fleetdeck
