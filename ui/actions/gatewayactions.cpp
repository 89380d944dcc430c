#include "gatewayactions.h"

#include "recentfiles.h"

#include <QApplication>
#include <QFile>
#include <QFileDialog>
#include <QHash>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>

#include "actions/actionregistry.h"
#include "actions/fleetselection.h"
#include "dialogs/addgatewaydialog.h"
#include "dialogs/securityprompter.h"
#include "fleetactions.h"
#include "fleetfile.h"
#include "fleetstore.h"
#include "forms/cachepolicydialog.h"
#include "forms/ratelimitdialog.h"
#include "forms/serverformdialog.h"

namespace Fleetdeck {

GatewayActions::GatewayActions(ActionRegistry* actions, const ProductCatalog& products, FleetSelection* selection,
    const FleetStore* store, FleetActions* fleet, SecurityPrompter* prompter, QWidget* window, QStatusBar* status)
    : QObject(window)
    , m_products(products)
    , m_selection(selection)
    , m_store(store)
    , m_fleet(fleet)
    , m_prompter(prompter)
    , m_window(window)
    , m_status(status)
{
    registerActions(actions);
}

void GatewayActions::registerActions(ActionRegistry* actions)
{
    using Spec = ActionRegistry::Spec;
    const QStringList inTree { QStringLiteral("tree") };
    auto open = [this](auto make) {
        return [this, make] {
            QDialog* dialog = make();
            dialog->setAttribute(Qt::WA_DeleteOnClose);
            dialog->open();
        };
    };
    actions->add(Spec { QStringLiteral("fleet.add"), tr("&Add gateway…"), QKeySequence(Qt::CTRL | Qt::Key_N),
        tr("Add a gateway to the fleet by its admin API address"), true, {}, false, {}, [this] { addGateway(); } });
    actions->add(Spec { QStringLiteral("fleet.open"), tr("&Open fleet file…"), QKeySequence::Open,
        tr("Add the gateways listed in a fleet file"), false, {}, false, {}, [this] { openFleetFile(); } });
    actions->add(Spec { QStringLiteral("fleet.export"), tr("&Export fleet file…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S),
        tr("Write the fleet's gateways to a file to share: addresses only, never secrets"), false, {}, false, {},
        [this] { exportFleetFile(); } });
    actions->add(Spec { QStringLiteral("fleet.remove"), tr("&Remove gateway"), {},
        tr("Remove the selected gateway from the fleet"), false, inTree, false, {}, [this] { removeGateway(); },
        [this] {
            return m_selection->gateway().isEmpty() ? tr("Select a gateway in the fleet tree first.") : QString();
        } });
    actions->add(Spec { QStringLiteral("fleet.ratelimits"), tr("Rate &limits…"), QKeySequence(Qt::CTRL | Qt::Key_L),
        tr("Edit the gateways' rate limits: per key and per client IP"), false, {}, true, {},
        open([this] { return new RateLimitDialog(m_store, m_fleet, m_window); }) });
    actions->add(
        Spec { QStringLiteral("fleet.cache"), tr("&Cache policy…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C),
            tr("Cache rules, lifetimes, purges, settings and cache stores, as the gateway's product has them"), false,
            {}, false, {},
            open([this] { return new CachePolicyDialog(m_store, m_fleet, m_selection->gateway(), m_window); }) });
    actions->add(Spec { QStringLiteral("fleet.remedies"), tr("Apply suggested &fixes…"), {},
        tr("Review and apply the fixes the gateways suggest for what they report (e.g. metrics that are off)"), false,
        {}, false, {}, [this] { applyRemedies(); },
        [this] {
            if (m_fleet->isReadOnly())
                return tr("Read-only: %1.").arg(m_fleet->readOnlyReason());
            for (int i = 0; i < m_store->gatewayCount(); ++i) {
                for (const Notice& n :
                    m_store->entry(i).snapshot ? m_store->entry(i).snapshot->notices : QList<Notice> {})
                    if (n.remedy)
                        return QString();
            }
            return tr("No gateway suggests a fix.");
        } });
    actions->add(Spec { QStringLiteral("fleet.credential"), tr("Gateway c&redential…"), {},
        tr("Change or forget the secret the selected gateway's credential names"), false, {}, false, {},
        [this] { changeCredential(); } });
    actions->add(Spec { QStringLiteral("fleet.refresh"), tr("Re&fresh now"), QKeySequence(Qt::Key_F5),
        tr("Poll every gateway now"), true, inTree, true, {}, [this] { m_fleet->refreshNow(); } });
    actions->add(Spec { QStringLiteral("app.quit"), tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q),
        tr("Quit Fleetdeck"), false, {}, true, QStringLiteral("fleet"), [this] { m_window->close(); } });
    actions->add(Spec { QStringLiteral("help.about"), tr("&About Fleetdeck"), {}, tr("About Fleetdeck"), false, {},
        false, {}, [this] { about(); } });
}

void GatewayActions::addGateway()
{
    QStringList taken;
    for (int i = 0; i < m_store->gatewayCount(); ++i)
        taken.append(m_store->entry(i).config.name);
    AddGatewayDialog dialog(m_products, taken, m_window);
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
            m_status->showMessage(tr("Credential %1 kept in the keychain").arg(config.credential), 8000);
            m_fleet->addGateway(config);
            return;
        }
        // No keychain: say so plainly; the operator chooses this session only (memory) or nothing. Never a file.
        QMessageBox box(QMessageBox::Warning, tr("Keychain unavailable"),
            tr("The secret for %1 could not be stored: %2\n\nUse it for this session only (kept in memory, "
               "gone when Fleetdeck quits), or cancel and add the gateway later?")
                .arg(config.name, stored.error()),
            QMessageBox::Cancel, m_window);
        box.setObjectName(QStringLiteral("keychainUnavailableBox"));
        QPushButton* session = box.addButton(tr("This &session only"), QMessageBox::AcceptRole);
        box.exec();
        if (box.clickedButton() != session)
            return;
        m_fleet->storeCredential(
            config.credential, secret, true, [this, config](Result<bool>) { m_fleet->addGateway(config); });
    });
}

void GatewayActions::openFleetFile()
{
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Open fleet file"), {}, tr("Fleet files (*.json)"));
    if (!path.isEmpty())
        openFleetFile(path);
}

void GatewayActions::openFleetFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(m_window, tr("Open fleet file"), tr("Cannot read %1: %2").arg(path, file.errorString()));
        return;
    }
    const auto fleet = parseFleetFile(file.read(16 * 1024 * 1024), m_products);
    if (!fleet) {
        QMessageBox::warning(m_window, tr("Open fleet file"), tr("%1: %2").arg(path, fleet.error()));
        return;
    }
    RecentFiles::add(path);
    for (const GatewayConfig& c : fleet.value().gateways)
        m_fleet->addGateway(c);
}

void GatewayActions::addRecentMenu(QMenuBar* bar, QAction* open)
{
    for (QMenu* menu : bar->findChildren<QMenu*>()) {
        const qsizetype at = menu->actions().indexOf(open);
        if (at < 0)
            continue;
        auto* recent = new QMenu(tr("Open &recent"), menu);
        recent->setObjectName(QStringLiteral("recentMenu"));
        menu->insertMenu(menu->actions().value(at + 1), recent);
        connect(recent, &QMenu::aboutToShow, this, [this, recent] {
            recent->clear();
            const QStringList files = RecentFiles::list();
            for (qsizetype i = 0; i < files.size(); ++i) {
                QAction* a = recent->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(files.at(i)));
                connect(a, &QAction::triggered, this, [this, path = files.at(i)] { openFleetFile(path); });
            }
            if (files.isEmpty())
                recent->addAction(tr("No fleet file opened yet"))->setEnabled(false);
        });
        break;
    }
}

void GatewayActions::exportFleetFile()
{
    const QString path = QFileDialog::getSaveFileName(
        m_window, tr("Export fleet file"), QStringLiteral("fleet.json"), tr("Fleet files (*.json)"));
    if (path.isEmpty())
        return;
    FleetFile fleet;
    fleet.name = m_window->windowTitle();
    fleet.gateways = m_store->configs();
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(serializeFleetFile(fleet)) < 0)
        QMessageBox::warning(
            m_window, tr("Export fleet file"), tr("Could not write %1: %2").arg(path, file.errorString()));
    else
        m_status->showMessage(
            tr("Fleet written to %1 (%n gateway(s), no secrets)", nullptr, int(fleet.gateways.size())).arg(path), 8000);
}

void GatewayActions::removeGateway()
{
    const QString gateway = m_selection->gateway();
    if (gateway.isEmpty())
        return;
    if (QMessageBox::question(m_window, tr("Remove gateway"),
            tr("Remove %1 from the fleet? Fleetdeck stops polling it; the gateway itself is not changed.").arg(gateway))
        == QMessageBox::Yes)
        m_fleet->removeGateway(gateway);
}

void GatewayActions::applyRemedies()
{
    // Every notice that comes with its fix: one reviewed request per gateway.
    QHash<QString, QList<Change>> byGateway;
    QList<ReviewDialog::Row> rows;
    for (int i = 0; i < m_store->gatewayCount(); ++i) {
        const FleetStore::Entry& e = m_store->entry(i);
        for (const Notice& n : e.snapshot ? e.snapshot->notices : QList<Notice> {}) {
            if (!n.remedy)
                continue;
            SettingChange fix = *n.remedy;
            fix.gateway = e.config.name;
            byGateway[fix.gateway].append(Change(fix, e.snapshot->configVersion));
            rows.append({ fix.gateway, fix.object(), n.text, fix.wantedText() });
        }
    }
    if (byGateway.isEmpty()) {
        m_status->showMessage(tr("No gateway suggests a fix."), 8000);
        return;
    }
    auto* dialog = new ReviewDialog(rows, tr("Each fix is sent, then verified by reading the gateway back."), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, byGateway] {
        for (auto it = byGateway.cbegin(); it != byGateway.cend(); ++it)
            m_fleet->changePolicy(it.value());
    });
    dialog->open();
}

void GatewayActions::changeCredential()
{
    const int index = m_store->indexOf(m_selection->gateway());
    if (index < 0) {
        m_status->showMessage(tr("Select a gateway in the fleet tree first."), 8000);
        return;
    }
    const GatewayConfig& c = m_store->entry(index).config;
    if (c.credential.isEmpty()) {
        m_status->showMessage(tr("%1 names no credential (its fleet entry has no \"credential\").").arg(c.name), 8000);
        return;
    }
    m_prompter->openCredentialDialog(c.name, c.credential, false);
}

void GatewayActions::about()
{
    QMessageBox::about(m_window, tr("About Fleetdeck"),
        tr("<b>Fleetdeck %1</b><p>A desktop control panel for API fleets. What each product can do at runtime, over "
           "its own admin API:</p>%2")
            .arg(QApplication::applicationVersion(), m_products.capabilitiesHtml()));
}

} // namespace Fleetdeck
