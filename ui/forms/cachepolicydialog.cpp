#include "cachepolicydialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "fleetactions.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"

namespace Fleetdeck {

namespace {
enum Page { CaddyPage, VarnishPage, HAProxyPage, EmptyPage };

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

QDoubleSpinBox* ttlSpin(const QString& name)
{
    auto* spin = new QDoubleSpinBox;
    spin->setObjectName(name);
    spin->setRange(0, 366 * 24 * 3600);
    spin->setDecimals(0);
    spin->setSuffix(QObject::tr(" s"));
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

QLabel* errorLabel(const QString& name)
{
    auto* l = new QLabel;
    l->setObjectName(name);
    l->setStyleSheet(QStringLiteral("color: #c01c28;"));
    l->setWordWrap(true);
    l->hide();
    return l;
}
} // namespace

CachePolicyDialog::CachePolicyDialog(
    const FleetStore* store, FleetActions* fleet, const QString& gateway, QWidget* parent)
    : QDialog(parent)
    , m_store(store)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("cachePolicyDialog"));
    setWindowTitle(tr("Cache policy"));
    resize(760, 560);
    m_gateway = new QComboBox;
    m_gateway->setObjectName(QStringLiteral("cacheGatewayCombo"));
    for (int i = 0; i < store->gatewayCount(); ++i) {
        const FleetStore::Entry& e = store->entry(i);
        m_gateway->addItem(QStringLiteral("%1 (%2)").arg(e.config.name, e.productName), e.config.name);
    }
    if (const int at = m_gateway->findData(gateway); at >= 0)
        m_gateway->setCurrentIndex(at);
    auto* reloadButton = new QPushButton(tr("Re&load"));
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Gateway:")));
    top->addWidget(m_gateway, 1);
    top->addWidget(reloadButton);

    m_note = new QLabel;
    m_note->setObjectName(QStringLiteral("cacheNote"));
    m_note->setWordWrap(true);
    m_pages = new QStackedWidget;
    m_pages->addWidget(buildCaddyPage());
    m_pages->addWidget(buildVarnishPage());
    m_pages->addWidget(buildHAProxyPage());
    m_pages->addWidget(new QLabel(tr("Reading…")));
    m_pages->setCurrentIndex(EmptyPage);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("cacheStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_note);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    connect(reloadButton, &QPushButton::clicked, this, &CachePolicyDialog::reload);
    connect(m_gateway, &QComboBox::currentIndexChanged, this, &CachePolicyDialog::reload);
    connect(m_fleet, &FleetActions::cachePolicyReceived, this, [this](const QString& g, const CachePolicy& p) {
        if (g == this->gateway())
            show(p);
    });
    connect(m_fleet, &FleetActions::cachePolicyFailed, this, [this](const QString& g, const QString& error) {
        if (g != this->gateway())
            return;
        m_loaded = false;
        m_status->setText(tr("Could not read the cache policy: %1").arg(error));
    });
    connect(m_fleet, &FleetActions::actionFinished, this, [this](const ActionReport& report) {
        if (report.id != m_push)
            return;
        m_push = 0;
        QStringList lines;
        for (const ActionOutcome& o : report.outcomes)
            lines << o.message;
        m_status->setText((report.ok() ? tr("Done: ") : tr("Not done: ")) + lines.join(QStringLiteral("; ")));
        reload();
    });
    reload();
}

QString CachePolicyDialog::gateway() const
{
    return m_gateway->currentData().toString();
}

QWidget* CachePolicyDialog::buildCaddyPage()
{
    auto* page = new QWidget;
    m_rules
        = table(QStringLiteral("cacheRuleTable"), { tr("HTTP server"), tr("Path"), tr("Cache-Control"), tr("Where") });
    m_server = new QComboBox;
    m_server->setObjectName(QStringLiteral("cacheServerCombo"));
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
    m_ruleError = errorLabel(QStringLiteral("cacheRuleError"));
    m_preview = new QLabel;
    m_preview->setObjectName(QStringLiteral("cachePreview"));
    m_pushRule = new QPushButton(tr("Review and &push…"));
    m_pushRule->setObjectName(QStringLiteral("cachePushButton"));
    m_removeRule = new QPushButton(tr("&Remove rule…"));
    m_removeRule->setObjectName(QStringLiteral("cacheRemoveButton"));

    auto* form = new QFormLayout;
    form->addRow(tr("HTTP server:"), m_server);
    form->addRow(tr("Path:"), m_path);
    form->addRow(QStringLiteral("public / private:"), m_visibility);
    form->addRow(QStringLiteral("max-age:"), m_maxAge);
    form->addRow(QStringLiteral("s-maxage:"), m_sMaxAge);
    form->addRow(QStringLiteral("stale-while-revalidate:"), m_swr);
    form->addRow(QString(), m_noStore);
    form->addRow(tr("Header:"), m_preview);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_removeRule);
    buttons->addWidget(m_pushRule);
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_rules, 1);
    layout->addLayout(form);
    layout->addWidget(m_ruleError);
    layout->addLayout(buttons);

    for (QSpinBox* spin : { m_maxAge, m_sMaxAge, m_swr })
        connect(spin, &QSpinBox::valueChanged, this, &CachePolicyDialog::updateRuleChecks);
    connect(m_visibility, &QComboBox::currentIndexChanged, this, &CachePolicyDialog::updateRuleChecks);
    connect(m_noStore, &QCheckBox::toggled, this, &CachePolicyDialog::updateRuleChecks);
    connect(m_path, &QLineEdit::textChanged, this, &CachePolicyDialog::updateRuleChecks);
    connect(m_server, &QComboBox::currentIndexChanged, this, &CachePolicyDialog::updateRuleChecks);
    connect(m_pushRule, &QPushButton::clicked, this, [this] { pushRule(false); });
    connect(m_removeRule, &QPushButton::clicked, this, [this] { pushRule(true); });
    // Picking a rule puts it in the form, to change or remove.
    connect(m_rules, &QTableWidget::itemSelectionChanged, this, [this] {
        const auto rows = m_rules->selectionModel()->selectedRows();
        if (rows.isEmpty() || rows.first().row() >= m_policy.rules.size())
            return;
        const CacheRule& rule = m_policy.rules.at(rows.first().row());
        if (!rule.editable) {
            m_status->setText(tr("That header is set inside pool %1's reverse_proxy: Fleetdeck shows it but leaves it "
                                 "alone. A rule on the same path here takes precedence.")
                                  .arg(rule.where));
            return;
        }
        m_server->setCurrentText(rule.server);
        m_path->setText(rule.path);
        const auto control = CacheControl::parse(rule.header);
        if (!control) {
            m_status->setText(control.error());
            return;
        }
        m_visibility->setCurrentIndex(m_visibility->findData(int(control.value().visibility)));
        m_maxAge->setValue(control.value().maxAge);
        m_sMaxAge->setValue(control.value().sMaxAge);
        m_swr->setValue(control.value().staleWhileRevalidate);
        m_noStore->setChecked(control.value().noStore);
    });
    return page;
}

QWidget* CachePolicyDialog::buildVarnishPage()
{
    auto* page = new QWidget;
    m_ttl = ttlSpin(QStringLiteral("varnishTtlSpin"));
    m_grace = ttlSpin(QStringLiteral("varnishGraceSpin"));
    m_keep = ttlSpin(QStringLiteral("varnishKeepSpin"));
    m_vcl = new QComboBox;
    m_vcl->setObjectName(QStringLiteral("varnishVclCombo"));
    auto* useVcl = new QPushButton(tr("&Use this VCL…"));
    useVcl->setObjectName(QStringLiteral("useVclButton"));
    auto* vclRow = new QHBoxLayout;
    vclRow->addWidget(m_vcl, 1);
    vclRow->addWidget(useVcl);
    auto* pushParams = new QPushButton(tr("Review and &push…"));
    pushParams->setObjectName(QStringLiteral("varnishPushButton"));
    m_banUrl = new QLineEdit;
    m_banUrl->setObjectName(QStringLiteral("banUrlEdit"));
    m_banUrl->setPlaceholderText(tr("URL regular expression, e.g. ^/img/.*\\.png$"));
    m_banHost = new QLineEdit;
    m_banHost->setObjectName(QStringLiteral("banHostEdit"));
    m_banHost->setPlaceholderText(tr("Host, e.g. img.example.com (optional)"));
    m_banError = errorLabel(QStringLiteral("banError"));
    auto* ban = new QPushButton(tr("&Ban (purge)…"));
    ban->setObjectName(QStringLiteral("banButton"));
    m_bans = table(QStringLiteral("banTable"), { tr("Time"), tr("Objects"), tr("Done"), tr("Expression") });

    auto* form = new QFormLayout;
    form->addRow(tr("VCL:"), vclRow);
    form->addRow(QStringLiteral("default_ttl:"), m_ttl);
    form->addRow(QStringLiteral("default_grace:"), m_grace);
    form->addRow(QStringLiteral("default_keep:"), m_keep);
    form->addRow(QString(), pushParams);
    auto* banForm = new QFormLayout;
    banForm->addRow(tr("URL pattern:"), m_banUrl);
    banForm->addRow(tr("Host:"), m_banHost);
    banForm->addRow(QString(), m_banError);
    banForm->addRow(QString(), ban);
    auto* layout = new QVBoxLayout(page);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("<b>Purge</b>: a ban makes every cached object it matches a miss. It cannot be "
                                    "undone.")));
    layout->addLayout(banForm);
    layout->addWidget(m_bans, 1);
    connect(pushParams, &QPushButton::clicked, this, &CachePolicyDialog::pushParameters);
    connect(useVcl, &QPushButton::clicked, this, [this] {
        PolicyChange c;
        c.kind = PolicyChange::Kind::UseVcl;
        c.gateway = gateway();
        c.parameter = m_vcl->currentData().toString();
        if (c.parameter == m_policy.configVersion) {
            m_status->setText(tr("%1 is already the active VCL.").arg(c.parameter));
            return;
        }
        review({ c }, tr("New requests use the chosen VCL at once; its backends and probes take over."));
    });
    connect(ban, &QPushButton::clicked, this, &CachePolicyDialog::pushBan);
    return page;
}

QWidget* CachePolicyDialog::buildHAProxyPage()
{
    auto* page = new QWidget;
    m_stores = table(QStringLiteral("cacheStoreTable"),
        { tr("Cache"), tr("Objects"), tr("Free blocks"), tr("Lookups"), tr("Hits"), tr("Hit ratio"), tr("Backends") });
    auto* layout = new QVBoxLayout(page);
    layout->addWidget(m_stores, 1);
    return page;
}

void CachePolicyDialog::reload()
{
    m_loaded = false;
    if (gateway().isEmpty())
        return;
    m_fleet->requestCachePolicy(gateway());
}

void CachePolicyDialog::show(const CachePolicy& policy)
{
    m_policy = policy;
    m_loaded = true;
    const int at = m_store->indexOf(gateway());
    const bool writable
        = at >= 0 && !m_store->entry(at).config.readOnly && !m_fleet->isReadOnly() && policy.readOnlyReason.isEmpty();
    QString note = policy.readOnlyReason;
    if (note.isEmpty() && !writable)
        note = m_fleet->isReadOnly() ? tr("Fleetdeck is read-only: %1").arg(m_fleet->readOnlyReason())
                                     : tr("%1 is read-only in the fleet.").arg(gateway());
    // The parts of the form are chosen by what the policy holds, not by product.
    if (policy.hasRules) {
        m_pages->setCurrentIndex(CaddyPage);
        if (note.isEmpty())
            note = policy.note;
        const QString server = m_server->currentText();
        m_server->clear();
        m_server->addItems(policy.servers);
        if (!server.isEmpty())
            m_server->setCurrentText(server);
        m_rules->setRowCount(int(policy.rules.size()));
        for (int r = 0; r < policy.rules.size(); ++r) {
            const CacheRule& rule = policy.rules.at(r);
            const QStringList cells { rule.server, rule.path.isEmpty() ? tr("(every path)") : rule.path, rule.header,
                rule.where + (rule.editable ? QString() : tr(" (shown only)")) };
            for (int c = 0; c < cells.size(); ++c)
                m_rules->setItem(r, c, new QTableWidgetItem(cells.at(c)));
        }
        m_pushRule->setEnabled(writable);
        m_removeRule->setEnabled(writable);
        updateRuleChecks();
    } else if (policy.hasParameters) {
        m_pages->setCurrentIndex(VarnishPage);
        if (note.isEmpty())
            note = policy.note;
        m_vcl->clear();
        for (const QString& vcl : policy.servers)
            m_vcl->addItem(vcl == policy.configVersion ? tr("%1 (active)").arg(vcl) : vcl, vcl);
        m_vcl->setCurrentIndex(m_vcl->findData(policy.configVersion));
        m_ttl->setValue(policy.defaultTtl);
        m_grace->setValue(policy.defaultGrace);
        m_keep->setValue(policy.defaultKeep);
        m_bans->setRowCount(int(policy.bans.size()));
        for (int r = 0; r < policy.bans.size(); ++r) {
            const BanEntry& b = policy.bans.at(r);
            const QStringList cells { b.time, QString::number(b.objects), b.completed ? tr("yes") : tr("no"),
                b.expression };
            for (int c = 0; c < cells.size(); ++c)
                m_bans->setItem(r, c, new QTableWidgetItem(cells.at(c)));
        }
        for (QWidget* w : m_pages->widget(VarnishPage)->findChildren<QPushButton*>())
            w->setEnabled(writable);
    } else {
        m_pages->setCurrentIndex(HAProxyPage);
        m_stores->setRowCount(int(policy.stores.size()));
        for (int r = 0; r < policy.stores.size(); ++r) {
            const CacheStore& s = policy.stores.at(r);
            const QString ratio = s.lookups > 0
                ? QStringLiteral("%1 %").arg(100.0 * double(s.hits) / double(s.lookups), 0, 'f', 1)
                : QStringLiteral("–");
            const QStringList cells { s.name, QString::number(s.entries), QString::number(s.availableBlocks),
                QString::number(s.lookups), QString::number(s.hits), ratio, s.backends.join(QStringLiteral(", ")) };
            for (int c = 0; c < cells.size(); ++c)
                m_stores->setItem(r, c, new QTableWidgetItem(cells.at(c)));
        }
        if (policy.stores.isEmpty())
            note += tr(" This gateway has no cache section.");
    }
    m_note->setText(note);
}

PolicyChange CachePolicyDialog::ruleFromForm() const
{
    PolicyChange c;
    c.kind = PolicyChange::Kind::SetRule;
    c.gateway = gateway();
    c.server = m_server->currentText();
    c.path = m_path->text().trimmed();
    c.control.visibility = CacheControl::Visibility(m_visibility->currentData().toInt());
    c.control.maxAge = m_maxAge->value();
    c.control.sMaxAge = m_sMaxAge->value();
    c.control.staleWhileRevalidate = m_swr->value();
    c.control.noStore = m_noStore->isChecked();
    c.baseVersion = m_policy.configVersion;
    return c;
}

void CachePolicyDialog::updateRuleChecks()
{
    const PolicyChange c = ruleFromForm();
    m_preview->setText(QStringLiteral("Cache-Control: %1").arg(c.control.toHeader()));
    const auto problems = validatePolicyChange(c);
    QStringList lines;
    for (auto p = problems.cbegin(); p != problems.cend(); ++p)
        lines << QStringLiteral("%1: %2").arg(p.key(), p.value());
    m_ruleError->setText(lines.join(QLatin1Char('\n')));
    m_ruleError->setVisible(!lines.isEmpty());
}

void CachePolicyDialog::pushRule(bool remove)
{
    PolicyChange c = ruleFromForm();
    if (remove)
        c.kind = PolicyChange::Kind::RemoveRule;
    const auto problems = validatePolicyChange(c);
    if (!problems.isEmpty()) {
        updateRuleChecks();
        m_ruleError->setVisible(true);
        m_status->setText(tr("Nothing sent: fix the fields in red first."));
        return;
    }
    if (remove && !m_policy.rule(c.server, c.path)) {
        m_status->setText(tr("There is no rule on %1 to remove.").arg(c.path.isEmpty() ? tr("every path") : c.path));
        return;
    }
    review({ c }, m_policy.reviewNote);
}

void CachePolicyDialog::pushParameters()
{
    QList<PolicyChange> changes;
    const std::pair<const char*, double> values[] = { { "default_ttl", m_ttl->value() },
        { "default_grace", m_grace->value() }, { "default_keep", m_keep->value() } };
    for (const auto& [name, value] : values) {
        const QString parameter = QLatin1String(name);
        if (std::abs(m_policy.parameter(parameter) - value) < 0.0005)
            continue;
        PolicyChange c;
        c.kind = PolicyChange::Kind::SetParameter;
        c.gateway = gateway();
        c.parameter = parameter;
        c.value = value;
        changes.append(c);
    }
    if (changes.isEmpty()) {
        m_status->setText(tr("Nothing to push: the values are the gateway's."));
        return;
    }
    review(changes, tr("Applies to objects fetched from now on; cached objects keep their TTL until a ban or expiry."));
}

void CachePolicyDialog::pushBan()
{
    PolicyChange c;
    c.kind = PolicyChange::Kind::Ban;
    c.gateway = gateway();
    c.banUrlRegex = m_banUrl->text().trimmed();
    c.banHost = m_banHost->text().trimmed();
    const auto problems = validatePolicyChange(c);
    if (!problems.isEmpty()) {
        QStringList lines;
        for (auto p = problems.cbegin(); p != problems.cend(); ++p)
            lines << QStringLiteral("%1: %2").arg(p.key(), p.value());
        m_banError->setText(lines.join(QLatin1Char('\n')));
        m_banError->show();
        return;
    }
    m_banError->hide();
    // Destructive: name what goes, and ask twice when it is everything.
    if (QMessageBox::warning(this, tr("Ban cached objects"),
            tr("Ban on %1: every cached object matching\n\n%2\n\nbecomes a miss. This cannot be undone.")
                .arg(c.gateway, c.banExpression()),
            QMessageBox::Ok | QMessageBox::Cancel, QMessageBox::Cancel)
        != QMessageBox::Ok)
        return;
    if (c.bansEverything()
        && QMessageBox::warning(this, tr("Ban everything"),
               tr("\"%1\" matches every URL: the whole cache of %2 empties and every request goes to the backends. "
                  "Really ban everything?")
                   .arg(c.banUrlRegex, c.gateway),
               QMessageBox::Yes | QMessageBox::No, QMessageBox::No)
            != QMessageBox::Yes)
        return;
    m_push = m_fleet->changeCachePolicy({ c });
    m_status->setText(tr("Sent: %1").arg(c.describe()));
}

void CachePolicyDialog::review(const QList<PolicyChange>& changes, const QString& note)
{
    QList<ReviewDialog::Row> rows;
    for (const PolicyChange& c : changes) {
        const QString after = c.kind == PolicyChange::Kind::SetRule
            ? QStringLiteral("Cache-Control \"%1\"").arg(c.control.toHeader())
            : c.kind == PolicyChange::Kind::RemoveRule ? tr("no rule")
            : c.kind == PolicyChange::Kind::UseVcl     ? tr("active VCL %1").arg(c.parameter)
                                                       : QStringLiteral("%1 %2 s").arg(c.parameter).arg(c.value);
        const QString object = c.kind == PolicyChange::Kind::SetParameter ? c.parameter
            : c.kind == PolicyChange::Kind::UseVcl
            ? tr("VCL")
            : QStringLiteral("%1 %2").arg(c.server, c.path.isEmpty() ? tr("(every path)") : c.path);
        rows.append({ c.gateway, object, describePolicyState(m_policy, c), after });
    }
    auto* dialog = new ReviewDialog(rows, note, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, changes] {
        m_push = m_fleet->changeCachePolicy(changes);
        m_status->setText(tr("Sent; verifying…"));
    });
    dialog->open();
}

} // namespace Fleetdeck
