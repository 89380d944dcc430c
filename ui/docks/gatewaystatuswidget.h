#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>

class QHBoxLayout;
class QLabel;
class QTimer;

namespace Fleetdeck {

class FleetStore;

// A row of badges in the status bar, one per gateway: up, connecting, or unreachable since when.
class GatewayStatusWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GatewayStatusWidget)

public:
    explicit GatewayStatusWidget(const FleetStore* store, QWidget* parent = nullptr);

    QString badgeText(int gateway) const;

private:
    void rebuild();
    void update(int gateway);
    void updateSummary();

    static constexpr int kBadgeLimit = 4;

    const FleetStore* m_store;
    QHBoxLayout* m_layout;
    QList<QLabel*> m_badges;
    QLabel* m_summary = nullptr;
    QTimer* m_tick;
    QHash<int, QString> m_notices;
};

} // namespace Fleetdeck
