#include "cachesections.h"
#include "statecolours.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Fleetdeck {

namespace {
QSpinBox* secondsSpin(const QString& name)
{
    auto* spin = new QSpinBox;
    spin->setObjectName(name);
    spin->setRange(-1, 366 * 24 * 3600); // one more day than allowed, so validation (not the widget) says why
    spin->setSpecialValueText(QObject::tr("not sent"));
    spin->setSuffix(QObject::tr(" s"));
    spin->setValue(-1);
    return spin;
}

QTableWidget* table(const QString& name, const QStringList& headers)
{
    auto* t = new QTableWidget(0, int(headers.size()));
    t->setObjectName(name);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setStretchLastSection(true);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    return t;
}

void fill(QTableWidget* t, const QList<QStringList>& rows)
{
    t->setRowCount(int(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
        for (int c = 0; c < rows.at(r).size(); ++c)
            t->setItem(r, c, new QTableWidgetItem(rows.at(r).at(c)));
    }
}

QLabel* errorLabel(const QString& name)
{
    auto* l = new QLabel;
    l->setObjectName(name);
    l->setStyleSheet(QStringLiteral("color: %1;").arg(StateColours::css(StateColours::Role::Bad)));
    l->setWordWrap(true);
    l->hide();
    return l;
}

QString lines(const QMap<QString, QString>& problems)
{
    QStringList out;
    for (auto p = problems.cbegin(); p != problems.cend(); ++p)
        out << QStringLiteral("%1: %2").arg(p.key(), p.value());
    return out.join(QLatin1Char('\n'));
}
} // namespace

// --- rules ---

RulesSection::RulesSection(QWidget* parent)
    : PolicySection(tr("Cache-Control rules"), parent)
{
    m_rules = table(QStringLiteral("cacheRuleTable"), { tr("Where"), tr("Path"), tr("Cache-Control"), tr("Found in") });
    m_scope = new QComboBox;
    m_scope->setObjectName(QStringLiteral("cacheServerCombo"));
    m_path = new QLineEdit;
    m_path->setObjectName(QStringLiteral("cachePathEdit"));
    m_path->setPlaceholderText(tr("/static/*  (empty: every path)"));
    m_visibility = new QComboBox;
    m_visibility->setObjectName(QStringLiteral("cacheVisibilityCombo"));
    m_visibility->addItem(tr("not sent"), int(CacheControl::Visibility::Unset));
    m_visibility->addItem(QStringLiteral("public"), int(CacheControl::Visibility::Public));
    m_visibility->addItem(QStringLiteral("private"), int(CacheControl::Visibility::Private));
    m_maxAge = secondsSpin(QStringLiteral("cacheMaxAgeSpin"));
    m_sMaxAge = secondsSpin(QStringLiteral("cacheSMaxAgeSpin"));
    m_swr = secondsSpin(QStringLiteral("cacheSwrSpin"));
    m_noStore = new QCheckBox(tr("no-store (nothing may keep a copy)"));
    m_noStore->setObjectName(QStringLiteral("cacheNoStoreCheck"));
    m_error = errorLabel(QStringLiteral("cacheRuleError"));
    m_preview = new QLabel;
    m_preview->setObjectName(QStringLiteral("cachePreview"));
    m_push = new QPushButton(tr("Review and &push…"));
    m_push->setObjectName(QStringLiteral("cachePushButton"));
    m_remove = new QPushButton(tr("&Remove rule…"));
    m_remove->setObjectName(QStringLiteral("cacheRemoveButton"));

    auto* form = new QFormLayout;
    form->addRow(tr("Where:"), m_scope);
    form->addRow(tr("Path:"), m_path);
    form->addRow(QStringLiteral("public / private:"), m_visibility);
    form->addRow(QStringLiteral("max-age:"), m_maxAge);
    form->addRow(QStringLiteral("s-maxage:"), m_sMaxAge);
    form->addRow(QStringLiteral("stale-while-revalidate:"), m_swr);
    form->addRow(QString(), m_noStore);
    form->addRow(tr("Header:"), m_preview);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_remove);
    buttons->addWidget(m_push);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_rules, 1);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addLayout(buttons);

    for (QSpinBox* spin : { m_maxAge, m_sMaxAge, m_swr })
        connect(spin, &QSpinBox::valueChanged, this, &RulesSection::check);
    connect(m_visibility, &QComboBox::currentIndexChanged, this, &RulesSection::check);
    connect(m_noStore, &QCheckBox::toggled, this, &RulesSection::check);
    connect(m_path, &QLineEdit::textChanged, this, &RulesSection::check);
    connect(m_scope, &QComboBox::currentIndexChanged, this, &RulesSection::check);
    connect(m_push, &QPushButton::clicked, this, [this] { push(false); });
    connect(m_remove, &QPushButton::clicked, this, [this] { push(true); });
    // Picking a rule puts it in the form, to change or remove.
    connect(m_rules, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_rules->selectionModel()->selectedRows();
        if (rows.isEmpty() || rows.first().row() >= m_policy.rules.size())
            return;
        const CacheRule& rule = m_policy.rules.at(rows.first().row());
        if (!rule.editable) {
            Q_EMIT status(tr("That header is set %1: Fleetdeck shows it but leaves it alone. A rule on the same path "
                             "here takes precedence.")
                              .arg(rule.where));
            return;
        }
        m_scope->setCurrentText(rule.scope);
        m_path->setText(rule.path);
        const auto control = CacheControl::parse(rule.header);
        if (!control) {
            Q_EMIT status(control.error());
            return;
        }
        m_visibility->setCurrentIndex(m_visibility->findData(int(control.value().visibility)));
        m_maxAge->setValue(control.value().maxAge);
        m_sMaxAge->setValue(control.value().sMaxAge);
        m_swr->setValue(control.value().staleWhileRevalidate);
        m_noStore->setChecked(control.value().noStore);
    });
}

bool RulesSection::showPolicy(const CachePolicy& policy, const QString& gateway, bool writable)
{
    m_policy = policy;
    m_gateway = gateway;
    if (!policy.hasRules)
        return false;
    const QString scope = m_scope->currentText();
    m_scope->clear();
    m_scope->addItems(policy.ruleScopes);
    if (!scope.isEmpty())
        m_scope->setCurrentText(scope);
    QList<QStringList> rows;
    for (const CacheRule& rule : policy.rules)
        rows.append({ rule.scope, rule.path.isEmpty() ? tr("(every path)") : rule.path, rule.header,
            rule.where + (rule.editable ? QString() : tr(" (shown only)")) });
    fill(m_rules, rows);
    m_push->setEnabled(writable);
    m_remove->setEnabled(writable);
    check();
    return true;
}

CacheRuleChange RulesSection::fromForm() const
{
    CacheRuleChange c;
    c.gateway = m_gateway;
    c.scope = m_scope->currentText();
    c.path = m_path->text().trimmed();
    c.control.visibility = CacheControl::Visibility(m_visibility->currentData().toInt());
    c.control.maxAge = m_maxAge->value();
    c.control.sMaxAge = m_sMaxAge->value();
    c.control.staleWhileRevalidate = m_swr->value();
    c.control.noStore = m_noStore->isChecked();
    return c;
}

void RulesSection::check()
{
    const CacheRuleChange c = fromForm();
    m_preview->setText(QStringLiteral("Cache-Control: %1").arg(c.control.toHeader()));
    const QString problems = lines(c.validate({}));
    m_error->setText(problems);
    m_error->setVisible(!problems.isEmpty());
}

void RulesSection::push(bool remove)
{
    CacheRuleChange c = fromForm();
    c.remove = remove;
    if (!c.validate({}).isEmpty()) {
        check();
        m_error->setVisible(true);
        Q_EMIT status(tr("Nothing sent: fix the fields in red first."));
        return;
    }
    if (remove && !m_policy.rule(c.scope, c.path)) {
        Q_EMIT status(tr("There is no rule on %1 to remove.").arg(c.path.isEmpty() ? tr("every path") : c.path));
        return;
    }
    Q_EMIT reviewRequested({ Change(c, m_policy.configVersion) }, m_policy.reviewNote);
}

// --- lifetimes ---

LifetimesSection::LifetimesSection(QWidget* parent)
    : PolicySection(tr("Default lifetimes"), parent)
{
    auto* form = new QFormLayout(this);
    static const char* const names[] = { "cacheTtlSpin", "cacheGraceSpin", "cacheKeepSpin" };
    for (int i = 0; i < 3; ++i) {
        auto* spin = new QDoubleSpinBox;
        spin->setObjectName(QLatin1String(names[i]));
        spin->setRange(0, 366 * 24 * 3600);
        spin->setDecimals(0);
        spin->setSuffix(tr(" s"));
        m_spins[i] = spin;
        form->addRow(label(CacheTtl(i)) + QLatin1Char(':'), spin);
    }
    m_push = new QPushButton(tr("Review and &push…"));
    m_push->setObjectName(QStringLiteral("ttlPushButton"));
    form->addRow(QString(), m_push);
    connect(m_push, &QPushButton::clicked, this, [this] {
        QList<Change> changes;
        for (int i = 0; i < 3; ++i) {
            const auto which = CacheTtl(i);
            if (std::abs(m_policy.lifetime(which) - m_spins[i]->value()) >= 0.0005)
                changes.append(CacheTtlChange { m_gateway, which, m_spins[i]->value() });
        }
        if (changes.isEmpty()) {
            Q_EMIT status(tr("Nothing to push: the values are the gateway's."));
            return;
        }
        Q_EMIT reviewRequested(changes,
            tr("Applies to objects fetched from now on; cached objects keep their lifetime until a purge or expiry."));
    });
}

bool LifetimesSection::showPolicy(const CachePolicy& policy, const QString& gateway, bool writable)
{
    m_policy = policy;
    m_gateway = gateway;
    if (!policy.hasTtl)
        return false;
    for (int i = 0; i < 3; ++i)
        m_spins[i]->setValue(policy.lifetime(CacheTtl(i)));
    m_push->setEnabled(writable);
    return true;
}

// --- purges ---

PurgeSection::PurgeSection(QWidget* parent)
    : PolicySection(tr("Purge"), parent)
{
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("banUrlEdit"));
    m_url->setPlaceholderText(tr("URL regular expression, e.g. ^/img/.*\\.png$"));
    m_host = new QLineEdit;
    m_host->setObjectName(QStringLiteral("banHostEdit"));
    m_host->setPlaceholderText(tr("Host, e.g. img.example.com (optional)"));
    m_error = errorLabel(QStringLiteral("banError"));
    m_button = new QPushButton(tr("&Purge…"));
    m_button->setObjectName(QStringLiteral("banButton"));
    m_bans = table(QStringLiteral("banTable"), { tr("Time"), tr("Objects"), tr("Done"), tr("Expression") });
    auto* form = new QFormLayout;
    form->addRow(tr("URL pattern:"), m_url);
    form->addRow(tr("Host:"), m_host);
    form->addRow(QString(), m_error);
    form->addRow(QString(), m_button);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("A purge makes every cached object it matches a miss. It cannot be undone.")));
    layout->addLayout(form);
    layout->addWidget(m_bans, 1);
    connect(m_button, &QPushButton::clicked, this, &PurgeSection::purge);
}

bool PurgeSection::showPolicy(const CachePolicy& policy, const QString& gateway, bool writable)
{
    m_gateway = gateway;
    if (!policy.purges)
        return false;
    QList<QStringList> rows;
    for (const BanEntry& b : policy.bans)
        rows.append({ b.time, QString::number(b.objects), b.completed ? tr("yes") : tr("no"), b.expression });
    fill(m_bans, rows);
    m_button->setEnabled(writable);
    return true;
}

void PurgeSection::purge()
{
    const PurgeChange c { m_gateway, m_url->text().trimmed(), m_host->text().trimmed() };
    if (const QString problems = lines(c.validate({})); !problems.isEmpty()) {
        m_error->setText(problems);
        m_error->show();
        return;
    }
    m_error->hide();
    // Destructive: name what goes, and ask twice when it is everything.
    QMessageBox first(QMessageBox::Warning, tr("Purge cached objects"),
        tr("%1\n\nEvery cached object it matches becomes a miss. This cannot be undone.").arg(c.describe()),
        QMessageBox::Ok | QMessageBox::Cancel, this);
    first.setObjectName(QStringLiteral("purgeConfirm"));
    first.setDefaultButton(QMessageBox::Cancel);
    if (first.exec() != QMessageBox::Ok)
        return;
    if (c.purgesEverything()) {
        QMessageBox everything(QMessageBox::Warning, tr("Purge everything"),
            tr("\"%1\" matches every URL: the whole cache of %2 empties and every request goes to the backends. "
               "Really purge everything?")
                .arg(c.urlPattern, c.gateway),
            QMessageBox::Yes | QMessageBox::No, this);
        everything.setObjectName(QStringLiteral("purgeEverythingConfirm"));
        everything.setDefaultButton(QMessageBox::No);
        if (everything.exec() != QMessageBox::Yes)
            return;
    }
    Q_EMIT sendRequested({ Change(c) });
}

// --- settings ---

SettingsSection::SettingsSection(QWidget* parent)
    : PolicySection(tr("Settings"), parent)
    , m_form(new QFormLayout(this))
{ }

bool SettingsSection::showPolicy(const CachePolicy& policy, const QString& gateway, bool writable)
{
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    for (const Setting& s : policy.settings) {
        const QString label = s.scope.isEmpty() ? s.label + QLatin1Char(':') : tr("%1 (%2):").arg(s.label, s.scope);
        if (s.kind == Setting::Kind::Command) {
            // A one-shot command: what it acts on, and a button that asks for a review before it is sent.
            auto* what = new QLabel(s.value);
            what->setObjectName(QStringLiteral("setting_%1_%2").arg(s.id, s.scope));
            what->setTextInteractionFlags(Qt::TextSelectableByMouse);
            what->setToolTip(s.note);
            const QString command = s.choices.value(0);
            auto* run = new QPushButton(tr("%1…").arg(command.left(1).toUpper() + command.mid(1)));
            run->setObjectName(QStringLiteral("settingButton_%1_%2").arg(s.id, s.scope));
            run->setEnabled(writable && !command.isEmpty());
            run->setToolTip(s.note);
            auto* row = new QHBoxLayout;
            row->addWidget(what, 1);
            row->addWidget(run);
            m_form->addRow(label, row);
            connect(run, &QPushButton::clicked, this, [this, s, gateway, command, version = policy.configVersion] {
                Q_EMIT reviewRequested(
                    { Change(SettingChange { gateway, s.id, s.scope, command, s.label }, version) }, s.note);
            });
            continue;
        }
        auto* choices = new QComboBox;
        choices->setObjectName(QStringLiteral("setting_%1_%2").arg(s.id, s.scope));
        const bool typed = s.kind == Setting::Kind::Size || s.kind == Setting::Kind::Seconds;
        if (typed) {
            // A size or a time is typed: the value now, and the suggestions the product gives.
            choices->setEditable(true);
            choices->addItem(s.value, s.value);
            for (const QString& value : s.choices) {
                if (value != s.value)
                    choices->addItem(value, value);
            }
            choices->setToolTip(s.kind == Setting::Kind::Size
                    ? tr("Bytes, or a whole number of kb, mb or gb (1024-based)")
                    : tr("A whole number of seconds"));
        } else {
            for (const QString& value : s.choices)
                choices->addItem(value == s.value ? tr("%1 (now)").arg(value) : value, value);
        }
        choices->setCurrentIndex(choices->findData(s.value));
        auto* use = new QPushButton(tr("Use…"));
        use->setObjectName(QStringLiteral("settingButton_%1_%2").arg(s.id, s.scope));
        use->setEnabled(writable);
        use->setToolTip(s.note);
        auto* row = new QHBoxLayout;
        row->addWidget(choices, 1);
        row->addWidget(use);
        m_form->addRow(label, row);
        connect(use, &QPushButton::clicked, this, [this, s, gateway, choices, typed, version = policy.configVersion] {
            const QString value = typed ? choices->currentText().trimmed() : choices->currentData().toString();
            if (s.kind == Setting::Kind::Seconds && !parseSeconds(value)) {
                Q_EMIT status(tr("%1: \"%2\" is not a whole number of seconds.").arg(s.label, value));
                return;
            }
            if (s.kind == Setting::Kind::Size && !parseSize(value)) {
                Q_EMIT status(
                    tr("%1: \"%2\" is not a size (bytes, or a whole number of kb, mb or gb).").arg(s.label, value));
                return;
            }
            if (value == s.value) {
                Q_EMIT status(tr("%1 is already %2.").arg(s.label, value));
                return;
            }
            Q_EMIT reviewRequested(
                { Change(SettingChange { gateway, s.id, s.scope, value, s.label }, version) }, s.note);
        });
    }
    return !policy.settings.isEmpty();
}

// --- stores ---

StoresSection::StoresSection(QWidget* parent)
    : PolicySection(tr("Cache stores"), parent)
{
    m_stores = table(QStringLiteral("cacheStoreTable"),
        { tr("Cache"), tr("Objects"), tr("Free blocks"), tr("Lookups"), tr("Hits"), tr("Hit ratio"), tr("Pools") });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_stores, 1);
}

bool StoresSection::showPolicy(const CachePolicy& policy, const QString&, bool)
{
    QList<QStringList> rows;
    for (const CacheStore& s : policy.stores) {
        const QString ratio = s.lookups > 0
            ? QStringLiteral("%1 %").arg(100.0 * double(s.hits) / double(s.lookups), 0, 'f', 1)
            : QStringLiteral("–");
        // -1: the product has no such figure (a Redis keyspace has no blocks).
        rows.append({ s.name, QString::number(s.entries),
            s.availableBlocks < 0 ? QStringLiteral("–") : QString::number(s.availableBlocks),
            s.lookups < 0 ? QStringLiteral("–") : QString::number(s.lookups),
            s.hits < 0 ? QStringLiteral("–") : QString::number(s.hits), ratio, s.backends.join(QStringLiteral(", ")) });
    }
    fill(m_stores, rows);
    // Shown when there are stores, or when the gateway has no other part: "no cache section" is worth seeing.
    return !policy.stores.isEmpty()
        || (!policy.hasRules && !policy.hasTtl && !policy.purges && policy.settings.isEmpty());
}

} // namespace Fleetdeck
