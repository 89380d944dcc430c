#pragma once

#include <QGroupBox>

#include "change.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace Fleetdeck {

// One part of the cache-policy form per feature (rules, lifetimes, purges, settings, stores). Each shows what the
// gateway's policy holds for it and asks for changes, which the form reviews and sends; a part the policy has
// nothing for is hidden. No part knows which product it is showing.
class PolicySection : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PolicySection)

public:
    explicit PolicySection(const QString& title, QWidget* parent = nullptr)
        : QGroupBox(title, parent)
    { }
    ~PolicySection() override = default;

    // Shows the policy; false when it holds nothing for this part.
    virtual bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) = 0;

Q_SIGNALS:
    // Changes to review (before and after), then send.
    void reviewRequested(const QList<Fleetdeck::Change>& changes, const QString& note);
    // A change the operator already confirmed (a purge, which the review table cannot show better).
    void sendRequested(const QList<Fleetdeck::Change>& changes);
    void status(const QString& text);
};

// Cache-Control rules per path.
class RulesSection final : public PolicySection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RulesSection)

public:
    explicit RulesSection(QWidget* parent = nullptr);
    bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) override;

private:
    CacheRuleChange fromForm() const;
    void check();
    void push(bool remove);

    CachePolicy m_policy;
    QString m_gateway;
    QTableWidget* m_rules;
    QComboBox* m_scope;
    QLineEdit* m_path;
    QComboBox* m_visibility;
    QSpinBox* m_maxAge;
    QSpinBox* m_sMaxAge;
    QSpinBox* m_swr;
    QCheckBox* m_noStore;
    QLabel* m_error;
    QLabel* m_preview;
    QPushButton* m_push;
    QPushButton* m_remove;
};

// The default lifetimes of newly cached objects: TTL, grace, keep.
class LifetimesSection final : public PolicySection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LifetimesSection)

public:
    explicit LifetimesSection(QWidget* parent = nullptr);
    bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) override;

private:
    CachePolicy m_policy;
    QString m_gateway;
    QDoubleSpinBox* m_spins[3];
    QPushButton* m_push;
};

// Purges by URL pattern and host, and the ones the gateway holds.
class PurgeSection final : public PolicySection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PurgeSection)

public:
    explicit PurgeSection(QWidget* parent = nullptr);
    bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) override;

private:
    void purge();

    QString m_gateway;
    QLineEdit* m_url;
    QLineEdit* m_host;
    QLabel* m_error;
    QPushButton* m_button;
    QTableWidget* m_bans;
};

// Product settings: each with the values it may take.
class SettingsSection final : public PolicySection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsSection)

public:
    explicit SettingsSection(QWidget* parent = nullptr);
    bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) override;

private:
    QFormLayout* m_form;
};

// Cache stores, read-only.
class StoresSection final : public PolicySection
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StoresSection)

public:
    explicit StoresSection(QWidget* parent = nullptr);
    bool showPolicy(const CachePolicy& policy, const QString& gateway, bool writable) override;

private:
    QTableWidget* m_stores;
};

} // namespace Fleetdeck
