#pragma once

#include <QDialog>

#include "cachepolicy.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;

namespace Fleetdeck {

class FleetActions;
class FleetStore;

// One form for every product's cache policy, showing what that product can do: Caddy's Cache-Control rules per
// path (a headers handler), Varnish's TTL parameters and bans, HAProxy's cache sections (read-only in 2.6).
// Every change is validated field by field, reviewed (before and after), pushed, verified by re-reading,
// journaled and undoable (Edit > Undo), through the same pipeline as pool changes.
class CachePolicyDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CachePolicyDialog)

public:
    CachePolicyDialog(const FleetStore* store, FleetActions* fleet, const QString& gateway, QWidget* parent = nullptr);

    const CachePolicy& policy() const { return m_policy; }
    bool loaded() const { return m_loaded; }

private:
    QWidget* buildCaddyPage();
    QWidget* buildVarnishPage();
    QWidget* buildHAProxyPage();
    void reload();
    void show(const CachePolicy& policy);
    PolicyChange ruleFromForm() const;
    void updateRuleChecks();
    void pushRule(bool remove);
    void pushParameters();
    void pushBan();
    void review(const QList<PolicyChange>& changes, const QString& note);
    QString gateway() const;

    const FleetStore* m_store;
    FleetActions* m_fleet;
    QComboBox* m_gateway;
    QLabel* m_note;
    QLabel* m_status;
    QStackedWidget* m_pages;
    // Caddy
    QTableWidget* m_rules = nullptr;
    QComboBox* m_server = nullptr;
    QLineEdit* m_path = nullptr;
    QComboBox* m_visibility = nullptr;
    QSpinBox* m_maxAge = nullptr;
    QSpinBox* m_sMaxAge = nullptr;
    QSpinBox* m_swr = nullptr;
    QCheckBox* m_noStore = nullptr;
    QLabel* m_ruleError = nullptr;
    QLabel* m_preview = nullptr;
    QPushButton* m_pushRule = nullptr;
    QPushButton* m_removeRule = nullptr;
    // Varnish
    QDoubleSpinBox* m_ttl = nullptr;
    QDoubleSpinBox* m_grace = nullptr;
    QDoubleSpinBox* m_keep = nullptr;
    QLineEdit* m_banUrl = nullptr;
    QLineEdit* m_banHost = nullptr;
    QLabel* m_banError = nullptr;
    QTableWidget* m_bans = nullptr;
    QComboBox* m_vcl = nullptr;
    // HAProxy
    QTableWidget* m_stores = nullptr;

    CachePolicy m_policy;
    bool m_loaded = false;
    quint64 m_push = 0;
};

} // namespace Fleetdeck
