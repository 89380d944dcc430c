#pragma once

#include <QDialog>

#include "ratelimits.h"

class QComboBox;
class QLabel;
class QPushButton;
class QLineEdit;
class QListWidget;
class QSpinBox;
class QTableWidget;

namespace Fleetdeck {

class FleetActions;
class FleetStore;

// The rate-limit editor: a gateway's per-key limits and per-IP limit, with the stick table's live counts. Edits
// are staged, reviewed and pushed; the per-key limits can be exported as the gateway's file, since runtime changes live
// in memory only.
class RateLimitDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RateLimitDialog)

public:
    RateLimitDialog(const FleetStore* store, FleetActions* fleet, QWidget* parent = nullptr);

    const RateLimits& limits() const { return m_limits; }
    QList<RateLimitChange> staged() const { return m_staged; }

private:
    void reload();
    void show(const RateLimits& limits);
    void stage(const RateLimitChange& change);
    void review();

    const FleetStore* m_store;
    FleetActions* m_fleet;
    QComboBox* m_gateway;
    QTableWidget* m_table;
    QLineEdit* m_key;
    QSpinBox* m_limit;
    QLabel* m_keyError;
    QSpinBox* m_ipLimit;
    QListWidget* m_stagedList;
    QLabel* m_note;
    QLabel* m_status;
    QPushButton* m_export;
    RateLimits m_limits;
    QList<RateLimitChange> m_staged;
    quint64 m_push = 0;
};

} // namespace Fleetdeck
