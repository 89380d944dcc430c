#pragma once

#include <QDockWidget>

class QLabel;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace Fleetdeck {

class AlertBoard;
class FleetActions;
struct Alert;

// The fleet's Alertmanager alerts: where each fires (gateway, pool, server), since when, silenced or not; a silence
// offered after a review of exactly what is sent, and its undo (expire).
class AlertsDock final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertsDock)

public:
    AlertsDock(const AlertBoard* alerts, FleetActions* fleet, QWidget* parent = nullptr);

    QTableView* table() const { return m_table; }
    // The silence dialog for the selected alert; returns whether the operator confirmed (then it was sent).
    void silenceSelected();
    void expireSelected();

private:
    void rebuild();
    const Alert* selectedAlert() const;

    const AlertBoard* m_alerts;
    FleetActions* m_fleet;
    QStandardItemModel* m_model;
    QTableView* m_table;
    QLabel* m_status;
    QPushButton* m_silence;
    QPushButton* m_expire;
};

} // namespace Fleetdeck
