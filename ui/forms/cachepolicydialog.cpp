#include "cachepolicydialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include "fleetactions.h"
#include "fleetstore.h"
#include "forms/cachesections.h"
#include "forms/serverformdialog.h"

namespace Fleetdeck {

CachePolicyDialog::CachePolicyDialog(
    const FleetStore* store, FleetActions* fleet, const QString& gateway, QWidget* parent)
    : QDialog(parent)
    , m_store(store)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("cachePolicyDialog"));
    setWindowTitle(tr("Cache policy"));
    resize(780, 640);
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
    auto* parts = new QWidget;
    auto* partsLayout = new QVBoxLayout(parts);
    m_sections = { new RulesSection, new LifetimesSection, new PurgeSection, new SettingsSection, new StoresSection };
    for (PolicySection* section : std::as_const(m_sections)) {
        section->hide();
        partsLayout->addWidget(section);
        connect(section, &PolicySection::reviewRequested, this, &CachePolicyDialog::review);
        connect(section, &PolicySection::sendRequested, this, &CachePolicyDialog::send);
        connect(section, &PolicySection::status, this, [this](const QString& text) { m_status->setText(text); });
    }
    partsLayout->addStretch();
    auto* scroll = new QScrollArea;
    scroll->setWidget(parts);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_status = new QLabel(tr("Reading…"));
    m_status->setObjectName(QStringLiteral("cacheStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_note);
    layout->addWidget(scroll, 1);
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
    if (note.isEmpty())
        note = policy.note;
    bool any = false;
    for (PolicySection* section : std::as_const(m_sections)) {
        const bool shown = section->showPolicy(policy, gateway(), writable);
        section->setVisible(shown);
        any = any || shown;
    }
    if (policy.stores.isEmpty() && !policy.readOnlyReason.isEmpty())
        note += tr(" This gateway has no cache section.");
    m_note->setText(note);
    // A wrapped label in a dialog's layout is given its one-line height; ask for the height its text needs at the
    // width it has, so a long note is not cut off by the sections below it.
    m_note->setMinimumHeight(m_note->heightForWidth(qMax(300, width() - 40)));
    // What the last push did stays in view after the reload that follows it.
    if (!any)
        m_status->setText(tr("This gateway has no cache policy Fleetdeck can show."));
    else if (m_status->text() == tr("Reading…"))
        m_status->clear();
}

void CachePolicyDialog::review(const QList<Change>& changes, const QString& note)
{
    GatewayState now;
    now.cache = m_policy;
    QList<ReviewDialog::Row> rows;
    for (const Change& c : changes)
        rows.append({ c.gateway(), c.object(), c.stateText(now), c.wantedText() });
    auto* dialog = new ReviewDialog(rows, note, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, changes] { send(changes); });
    dialog->open();
}

void CachePolicyDialog::send(const QList<Change>& changes)
{
    m_push = m_fleet->changePolicy(changes);
    m_status->setText(tr("Sent; verifying…"));
}

} // namespace Fleetdeck
