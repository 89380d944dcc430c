#pragma once

#include <QDialog>

#include "fleettypes.h"

class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Fleetdeck {

class FleetActions;

// A rolling drain or ready of many servers: batch size, health gate and pause chosen first, then per-target status
// and progress, with pause, resume and abort.
class RollingDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RollingDialog)

public:
    RollingDialog(FleetActions* fleet, const QList<ServerRef>& targets, AdminState state, QWidget* parent = nullptr);

private:
    void start();

    FleetActions* m_fleet;
    QList<ServerRef> m_targets;
    AdminState m_state;
    QSpinBox* m_batch;
    QDoubleSpinBox* m_gate;
    QSpinBox* m_pause;
    QTableWidget* m_table;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPushButton* m_start;
    QPushButton* m_hold;
    QPushButton* m_abort;
    quint64 m_id = 0;
    bool m_held = false;
};

} // namespace Fleetdeck
