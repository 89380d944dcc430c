// MainWindow, part two: the gateways (adding one with its credential, certificates to trust, Caddy metrics to
// switch on) and which actions the selection allows, with the reason when not.
#include "mainwindow.h"

#include <QAction>
#include <QHash>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTreeView>
#include <QItemSelectionModel>

#include "cachepolicy.h"
#include "dialogs/addgatewaydialog.h"
#include "dialogs/certificateprompt.h"
#include "dialogs/credentialdialog.h"
#include "fleetactions.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"
#include "pages/poolpage.h"

namespace Fleetdeck {

void MainWindow::offerCertificate(int index)
{
    const FleetStore::Entry& e = m_store->entry(index);
    const QString fingerprint = e.status.certificateToTrust;
    // Once per gateway and certificate: a gateway retried every few seconds does not pile up prompts.
    const QString key = e.config.name + QLatin1Char(' ') + fingerprint;
    if (fingerprint.isEmpty() || m_certificatesOffered.contains(key))
        return;
    m_certificatesOffered.insert(key);
    auto* prompt
        = new CertificatePrompt(e.config.name, e.config.admin.toString(), fingerprint, e.status.lastError, this);
    prompt->setAttribute(Qt::WA_DeleteOnClose);
    connect(prompt, &CertificatePrompt::trusted, m_fleet, &FleetActions::trustCertificate);
    prompt->open();
}

void MainWindow::offerCredential(int index)
{
    const FleetStore::Entry& e = m_store->entry(index);
    const QString reference = e.status.credentialMissing;
    const QString key = e.config.name + QLatin1Char(' ') + reference;
    if (reference.isEmpty() || m_credentialsOffered.contains(key))
        return;
    m_credentialsOffered.insert(key);
    openCredentialDialog(e.config.name, reference, true);
}

void MainWindow::openCredentialDialog(const QString& gateway, const QString& reference, bool missing)
{
    auto* dialog = new CredentialDialog(gateway, reference, missing, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString reference = dialog->reference();
        auto report = [this, reference](const QString& what) {
            return [this, reference, what](Result<bool> r) {
                statusBar()->showMessage(
                    r ? what.arg(reference) : tr("Credential %1: %2").arg(reference, r.error()), 10000);
            };
        };
        switch (dialog->choice()) {
        case CredentialDialog::Choice::Keychain:
            m_fleet->storeCredential(
                reference, dialog->secret(), false, report(tr("Credential %1 kept in the keychain")));
            break;
        case CredentialDialog::Choice::SessionOnly:
            m_fleet->storeCredential(
                reference, dialog->secret(), true, report(tr("Credential %1 kept for this session")));
            break;
        case CredentialDialog::Choice::Forget:
            m_fleet->forgetCredential(reference, report(tr("Credential %1 forgotten")));
            break;
        case CredentialDialog::Choice::Cancel:
            break;
        }
    });
    dialog->open();
}

void MainWindow::applyRemediesInteractively()
{
    // Every notice that comes with its fix: one reviewed request per gateway.
    QHash<QString, QList<Change>> byGateway;
    QList<ReviewDialog::Row> rows;
    for (int i = 0; i < m_store->gatewayCount(); ++i) {
        const FleetStore::Entry& e = m_store->entry(i);
        if (!e.snapshot)
            continue;
        for (const Notice& n : e.snapshot->notices) {
            if (!n.remedy)
                continue;
            SettingChange fix = *n.remedy;
            fix.gateway = e.config.name;
            byGateway[fix.gateway].append(Change(fix, e.snapshot->configVersion));
            rows.append({ fix.gateway, fix.object(), n.text, fix.wantedText() });
        }
    }
    if (byGateway.isEmpty()) {
        statusBar()->showMessage(tr("No gateway suggests a fix."), 8000);
        return;
    }
    auto* dialog = new ReviewDialog(rows, tr("Each fix is sent, then verified by reading the gateway back."), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, byGateway] {
        for (auto it = byGateway.cbegin(); it != byGateway.cend(); ++it)
            m_fleet->changePolicy(it.value());
    });
    dialog->open();
}

void MainWindow::addGatewayInteractively()
{
    QStringList taken;
    for (int i = 0; i < m_store->gatewayCount(); ++i)
        taken.append(m_store->entry(i).config.name);
    AddGatewayDialog dialog(m_products, taken, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const GatewayConfig config = dialog.config();
    const QString secret = dialog.secret();
    if (secret.isEmpty()) {
        m_fleet->addGateway(config);
        return;
    }
    // The secret goes to the keychain first; the gateway is added once it is there, so its first poll finds it.
    m_fleet->storeCredential(config.credential, secret, false, [this, config, secret](Result<bool> stored) {
        if (stored) {
            statusBar()->showMessage(tr("Credential %1 kept in the keychain").arg(config.credential), 8000);
            m_fleet->addGateway(config);
            return;
        }
        // No keychain: say so plainly; the operator chooses this session only (memory) or nothing. Never a file.
        QMessageBox box(QMessageBox::Warning, tr("Keychain unavailable"),
            tr("The secret for %1 could not be stored: %2\n\nUse it for this session only (kept in memory, "
               "gone when Fleetdeck quits), or cancel and add the gateway later?")
                .arg(config.name, stored.error()),
            QMessageBox::Cancel, this);
        box.setObjectName(QStringLiteral("keychainUnavailableBox"));
        QPushButton* session = box.addButton(tr("This &session only"), QMessageBox::AcceptRole);
        box.exec();
        if (box.clickedButton() != session)
            return;
        m_fleet->storeCredential(
            config.credential, secret, true, [this, config](Result<bool>) { m_fleet->addGateway(config); });
    });
}

void MainWindow::updateActionStates()
{
    const QList<ServerRef> selected = m_page->selectedServers();
    // One reason per action: what the operator reads on a disabled action (status bar and tooltip).
    QString why;
    if (m_fleet->isReadOnly())
        why = tr("Read-only: %1.").arg(m_fleet->readOnlyReason());
    else if (selected.isEmpty())
        why = tr("Select one or more servers in the table first.");
    QString whyDrain = why, whyMaint = why, whyWeight = why, whyForce = why, whyRemove = why;
    QString drainMeans;
    for (const ServerRef& s : selected) {
        if (!why.isEmpty())
            break;
        const int g = m_store->indexOf(s.gateway);
        if (g < 0)
            continue;
        const FleetStore::Entry& e = m_store->entry(g);
        QString all;
        if (e.config.readOnly)
            all = tr("%1 is read-only in the fleet.").arg(s.gateway);
        else if (e.status.connection == Connection::Unreachable)
            all = tr("%1 is unreachable.").arg(s.gateway);
        if (!all.isEmpty()) {
            whyDrain = whyMaint = whyWeight = whyForce = whyRemove = all;
            break;
        }
        // The product's own words for what it cannot do.
        auto whyNot = [&](Feature f, QString& why) {
            if (!e.capabilities.can(f) && why.isEmpty())
                why = tr("%1 (%2) has no %3 at runtime: %4.")
                          .arg(s.gateway, e.productName, label(f).toLower(), e.capabilities.whyNot(f));
        };
        whyNot(Feature::Drain, whyDrain);
        whyNot(Feature::Maint, whyMaint);
        whyNot(Feature::Weight, whyWeight);
        whyNot(Feature::ForceUp, whyForce);
        whyNot(Feature::RemoveMember, whyRemove);
        drainMeans = e.capabilities.how(Feature::Drain).remove(QLatin1Char('`'));
    }
    if (whyRemove.isEmpty() && selected.size() != 1)
        whyRemove = tr("Select exactly one server to remove.");
    auto set = [this](const char* id, const QString& whyNot, const QString& tip) {
        QAction* a = action(QLatin1String(id));
        a->setEnabled(whyNot.isEmpty());
        a->setStatusTip(whyNot.isEmpty() ? tip : whyNot);
        a->setToolTip(whyNot.isEmpty() ? tip : whyNot);
    };
    set("server.drain", whyDrain,
        drainMeans.isEmpty()
            ? tr("Drain the selected servers: no new sessions, current ones finish")
            : tr("Drain the selected servers: no new sessions, current ones finish (%1)").arg(drainMeans));
    set("server.ready", whyDrain, tr("Put the selected servers back in service"));
    set("server.forceup", whyForce, tr("Declare the selected backends healthy whatever their probe says"));
    set("server.maint", whyMaint, tr("Put the selected servers in maintenance: no traffic, no health checks"));
    set("server.weight", whyWeight, tr("Set the load-balancing weight of the selected servers"));
    action(QStringLiteral("fleet.remove"))->setEnabled(m_tree->selectionModel()->hasSelection());
    bool anyRemedy = false;
    for (int i = 0; i < m_store->gatewayCount() && !anyRemedy; ++i) {
        const FleetStore::Entry& e = m_store->entry(i);
        for (const Notice& n : e.snapshot ? e.snapshot->notices : QList<Notice> {})
            anyRemedy = anyRemedy || n.remedy.has_value();
    }
    action(QStringLiteral("fleet.remedies"))->setEnabled(anyRemedy && !m_fleet->isReadOnly());
    bool anyPool = false;
    for (int i = 0; i < m_store->gatewayCount(); ++i)
        anyPool = anyPool || (m_store->entry(i).snapshot && m_store->entry(i).capabilities.can(Feature::AddMember));
    action(QStringLiteral("server.add"))->setEnabled(!m_fleet->isReadOnly() && anyPool);
    set("server.remove", whyRemove,
        tr("Remove the selected server safely: drain, wait for its sessions, maintenance, delete (where the product "
           "has no drain: at once)"));
    action(QStringLiteral("server.everywhere"))->setEnabled(!selected.isEmpty());
    action(QStringLiteral("server.rolling"))->setEnabled(whyDrain.isEmpty() && selected.size() > 1);
    m_selectionLabel->setText(selected.isEmpty() ? why : tr("%n server(s) selected", nullptr, int(selected.size())));
}

} // namespace Fleetdeck
