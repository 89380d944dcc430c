#pragma once

#include <QDialog>

#include "change.h"

class QComboBox;
class QLabel;

namespace Fleetdeck {

class FleetActions;
class FleetStore;
class PolicySection;

// One form for every gateway's cache policy, built from parts by feature (Cache-Control rules, default lifetimes,
// purges, settings, stores), each shown when the gateway's policy holds something for it. Every change is validated
// field by field, reviewed (before and after), pushed, verified by re-reading, journaled and undoable (Edit > Undo),
// through the same pipeline as every other change.
class CachePolicyDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CachePolicyDialog)

public:
    CachePolicyDialog(const FleetStore* store, FleetActions* fleet, const QString& gateway, QWidget* parent = nullptr);

    const CachePolicy& policy() const { return m_policy; }
    bool loaded() const { return m_loaded; }

private:
    void reload();
    void show(const CachePolicy& policy);
    void review(const QList<Change>& changes, const QString& note);
    void send(const QList<Change>& changes);
    QString gateway() const;

    const FleetStore* m_store;
    FleetActions* m_fleet;
    QComboBox* m_gateway;
    QLabel* m_note;
    QLabel* m_status;
    QList<PolicySection*> m_sections;
    CachePolicy m_policy;
    bool m_loaded = false;
    quint64 m_push = 0;
};

} // namespace Fleetdeck
