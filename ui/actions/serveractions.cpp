#include "serveractions.h"

#include <limits>

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSet>
#include <QStatusBar>
#include <QTableView>
#include <QTreeView>

#include "actions/actionregistry.h"
#include "actions/fleetselection.h"
#include "dialogs/rollingdialog.h"
#include "dialogs/securityprompter.h"
#include "fleetactions.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"
#include "pages/poolpage.h"
#include "upstreamtablemodel.h"

namespace Fleetdeck {

ServerActions::ServerActions(ActionRegistry* actions, FleetSelection* selection, const FleetStore* store,
    FleetActions* fleet, SecurityPrompter* prompter, QWidget* window, QStatusBar* status)
    : QObject(window)
    , m_selection(selection)
    , m_store(store)
    , m_fleet(fleet)
    , m_prompter(prompter)
    , m_window(window)
    , m_status(status)
{
    registerActions(actions);
    connect(fleet, &FleetActions::actionFinished, this, &ServerActions::finished);
}

void ServerActions::registerActions(ActionRegistry* actions)
{
    using Spec = ActionRegistry::Spec;
    auto feature = [this](Feature f) { return [this, f] { return whyNot(f); }; };
    auto withHow = [this](const QString& tip, Feature f) {
        return [this, tip, f] { return how(f).isEmpty() ? tip : QStringLiteral("%1 (%2)").arg(tip, how(f)); };
    };
    const QStringList inTable { QStringLiteral("servers") };
    const QString drainTip = tr("Drain the selected servers: no new sessions, current ones finish");
    const QString readyTip = tr("Put the selected servers back in service");
    actions->add(Spec { QStringLiteral("server.drain"), tr("&Drain"), QKeySequence(Qt::CTRL | Qt::Key_D), drainTip,
        true, inTable, false, {}, [this] { setState(AdminState::Drain, tr("Draining")); }, feature(Feature::Drain),
        withHow(drainTip, Feature::Drain) });
    actions->add(Spec { QStringLiteral("server.ready"), tr("&Ready"), QKeySequence(Qt::CTRL | Qt::Key_R), readyTip,
        true, inTable, false, {}, [this] { setState(AdminState::Ready, {}); }, feature(Feature::Ready),
        withHow(readyTip, Feature::Ready) });
    actions->add(
        Spec { QStringLiteral("server.forceup"), tr("&Force up"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U),
            tr("Declare the selected servers healthy whatever their health checks say"), true, inTable, false, {},
            [this] { setState(AdminState::ForcedUp, {}); }, feature(Feature::ForceUp) });
    actions->add(Spec { QStringLiteral("server.maint"), tr("&Maintenance"), QKeySequence(Qt::CTRL | Qt::Key_M),
        tr("Put the selected servers in maintenance: no traffic, no health checks"), true, inTable, false, {},
        [this] { setState(AdminState::Maint, tr("Putting in maintenance")); }, feature(Feature::Maint) });
    actions->add(Spec { QStringLiteral("server.weight"), tr("Set &weight…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), tr("Set the load-balancing weight of the selected servers"),
        true, inTable, false, {}, [this] { setWeight(); }, feature(Feature::Weight) });
    actions->add(Spec { QStringLiteral("server.options"), tr("Server &options…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
        tr("The selected server's own parameters, as its product names them (a backup flag, failure thresholds)"),
        false, inTable, false, {}, [this] { editOptions(); },
        [this]() -> QString {
            const QList<ServerRef> selected = m_selection->servers();
            if (selected.size() != 1)
                return tr("Select exactly one server.");
            const int g = m_store->indexOf(selected.first().gateway);
            if (g < 0)
                return tr("Select a server in the table first.");
            const FleetStore::Entry& e = m_store->entry(g);
            if (m_fleet->isReadOnly())
                return tr("Read-only: %1.").arg(m_fleet->readOnlyReason());
            if (e.config.readOnly)
                return tr("%1 is read-only in the fleet.").arg(e.config.name);
            if (e.capabilities.memberOptions.isEmpty())
                return tr("%1 (%2) has no member parameters Fleetdeck can change.").arg(e.config.name, e.productName);
            return {};
        } });
    actions->add(Spec { QStringLiteral("server.everywhere"), tr("Select this upstream &everywhere"),
        QKeySequence(Qt::CTRL | Qt::Key_E),
        tr("Select every server, on every gateway and pool, with the same address as the selected one"), false, inTable,
        true, {}, [this] { selectEverywhere(); },
        [this] { return m_selection->servers().isEmpty() ? tr("Select a server in the table first.") : QString(); } });
    actions->add(
        Spec { QStringLiteral("server.rolling"), tr("Ro&lling drain…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
            tr("Drain the selected servers in batches, with a health gate between batches"), false, {}, false, {},
            [this] { rolling(); },
            [this] {
                const QString why = whyNot(Feature::Drain);
                return !why.isEmpty() || m_selection->servers().size() > 1 ? why : tr("Select two servers or more.");
            } });
    actions->add(Spec { QStringLiteral("server.add"), tr("&Add server…"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), tr("Add a server to a pool: validate, review, push, verify"),
        true, inTable, false, {}, [this] { addServer(); },
        [this] {
            if (m_fleet->isReadOnly())
                return tr("Read-only: %1.").arg(m_fleet->readOnlyReason());
            for (int i = 0; i < m_store->gatewayCount(); ++i) {
                if (m_store->entry(i).snapshot && m_store->entry(i).capabilities.can(Feature::AddMember))
                    return QString();
            }
            return tr("No gateway in the fleet can add a member at runtime.");
        } });
    actions->add(Spec { QStringLiteral("server.remove"), tr("Re&move server…"), QKeySequence(Qt::Key_Delete),
        tr("Remove the selected server safely: drain, wait for its sessions, maintenance, delete (where the product "
           "has no drain: at once)"),
        false, inTable, false, {}, [this] { removeServer(); },
        [this] {
            const QString why = whyNot(Feature::RemoveMember);
            return !why.isEmpty() || m_selection->servers().size() == 1 ? why
                                                                        : tr("Select exactly one server to remove.");
        } });
}

QString ServerActions::whyNot(Feature feature) const
{
    if (m_fleet->isReadOnly())
        return tr("Read-only: %1.").arg(m_fleet->readOnlyReason());
    const QList<ServerRef> selected = m_selection->servers();
    if (selected.isEmpty())
        return tr("Select one or more servers in the table first.");
    for (const ServerRef& s : selected) {
        const int g = m_store->indexOf(s.gateway);
        if (g < 0)
            continue;
        const FleetStore::Entry& e = m_store->entry(g);
        if (e.config.readOnly)
            return tr("%1 is read-only in the fleet.").arg(s.gateway);
        if (e.status.stale())
            return tr("%1 is %2.").arg(s.gateway, label(e.status.connection));
        // The product's own words for what it cannot do.
        if (!e.capabilities.can(feature))
            return tr("%1 (%2) has no %3 at runtime: %4.")
                .arg(s.gateway, e.productName, label(feature).toLower(), e.capabilities.whyNot(feature));
    }
    return {};
}

QString ServerActions::how(Feature feature) const
{
    const QList<ServerRef> selected = m_selection->servers();
    const int g = selected.isEmpty() ? -1 : m_store->indexOf(selected.first().gateway);
    return g < 0 ? QString() : m_store->entry(g).capabilities.how(feature).remove(QLatin1Char('`'));
}

bool ServerActions::confirmPersistent(
    const QList<ServerRef>& targets, const QString& what, std::optional<Feature> feature)
{
    // Products whose changes are their stored configuration (nginx's file, edited, tested and reloaded; Kong's
    // database) say so before anything is sent: the change outlives a restart, and the product's own caveats (nginx:
    // no graceful drain) are read first.
    QStringList lines;
    QSet<QString> seen;
    for (const ServerRef& s : targets) {
        const int g = m_store->indexOf(s.gateway);
        if (g < 0 || seen.contains(s.gateway) || m_store->entry(g).capabilities.runtimeOnly)
            continue;
        seen.insert(s.gateway);
        const Capabilities& caps = m_store->entry(g).capabilities;
        if (feature)
            lines.append(
                tr("%1 (%2): %3.")
                    .arg(s.gateway, m_store->entry(g).productName, caps.how(*feature).remove(QLatin1Char('`'))));
        if (seen.size() == 1)
            lines.append(QString(caps.note).remove(QLatin1Char('`')));
    }
    if (lines.isEmpty())
        return true;
    // Each member by gateway, pool and name, with the line that defines it where the product says.
    QStringList members;
    for (const ServerRef& s : targets) {
        if (members.size() == 8) {
            members.append(tr("… and %n more", nullptr, int(targets.size()) - 8));
            break;
        }
        const int g = m_store->indexOf(s.gateway);
        const ServerSnapshot* m
            = g >= 0 && m_store->entry(g).snapshot ? m_store->entry(g).snapshot->server(s.backend, s.server) : nullptr;
        members.append(m && !m->definedAt.isEmpty()
                ? tr("%1 in pool %2 on %3 (%4)").arg(s.server, s.backend, s.gateway, m->definedAt)
                : tr("%1 in pool %2 on %3").arg(s.server, s.backend, s.gateway));
    }
    QMessageBox box(QMessageBox::Question, tr("Change the configuration"),
        tr("%1 changes the stored configuration of %n gateway(s) (its file, or its database); the change persists.",
            nullptr, int(seen.size()))
                .arg(what)
            + QStringLiteral("\n\n") + members.join(QLatin1Char('\n')) + QStringLiteral("\n\n")
            + lines.join(QLatin1Char('\n')),
        QMessageBox::Ok | QMessageBox::Cancel, m_window);
    box.setObjectName(QStringLiteral("persistentConfirm"));
    box.setDefaultButton(QMessageBox::Cancel);
    return box.exec() == QMessageBox::Ok;
}

FleetActions::Shown ServerActions::shownNow(const QList<ServerRef>& targets) const
{
    FleetActions::Shown shown;
    for (const ServerRef& t : targets) {
        const int g = m_store->indexOf(t.gateway);
        if (g >= 0 && m_store->entry(g).snapshot && !shown.contains(t.gateway))
            shown[t.gateway].pool = *m_store->entry(g).snapshot;
    }
    return shown;
}

void ServerActions::setState(AdminState state, const QString& verb)
{
    const QList<ServerRef> targets = m_selection->servers();
    const FleetActions::Shown shown = shownNow(targets);
    const Feature feature = state == AdminState::Drain ? Feature::Drain
        : state == AdminState::Maint                   ? Feature::Maint
        : state == AdminState::ForcedUp                ? Feature::ForceUp
                                                       : Feature::Ready;
    // Taking servers out of service asks first when it would leave a pool with none.
    if ((verb.isEmpty() || m_prompter->confirmLastHealthy(targets, verb))
        && m_prompter->confirmAfterColleagues(targets, tr("Make it %1").arg(label(state)))
        && confirmPersistent(targets, label(state), feature))
        m_fleet->setServerState(targets, state, shown);
}

void ServerActions::setWeight()
{
    const QList<ServerRef> selected = m_selection->servers();
    if (selected.isEmpty())
        return;
    const FleetActions::Shown shown = shownNow(selected);
    // The range every selected product takes (nginx 1..1000, HAProxy 0..256).
    int lo = std::numeric_limits<int>::min();
    int hi = std::numeric_limits<int>::max();
    for (const ServerRef& s : selected) {
        if (const int g = m_store->indexOf(s.gateway); g >= 0) {
            lo = qMax(lo, m_store->entry(g).capabilities.rules.weightMin);
            hi = qMin(hi, m_store->entry(g).capabilities.rules.weightMax);
        }
    }
    if (lo > hi || lo == std::numeric_limits<int>::min())
        return;
    int current = qBound(lo, 1, hi);
    if (const auto it = shown.constFind(selected.first().gateway); it != shown.constEnd()) {
        if (const auto* s = it->pool->server(selected.first().backend, selected.first().server))
            current = s->weight;
    }
    const QString who = selected.size() == 1 ? selected.first().displayName()
                                             : tr("%n selected server(s)", nullptr, int(selected.size()));
    const QString range = lo <= 0 ? tr("%1..%2; 0 takes no new traffic").arg(lo).arg(hi) : tr("%1..%2").arg(lo).arg(hi);
    bool ok = false;
    const int weight = QInputDialog::getInt(
        m_window, tr("Set weight"), tr("Weight for %1 (%2):").arg(who, range), current, lo, hi, 1, &ok);
    if (ok && m_prompter->confirmAfterColleagues(selected, tr("Set weight %1").arg(weight))
        && confirmPersistent(selected, tr("Weight %1").arg(weight), Feature::Weight))
        m_fleet->setServerWeight(selected, weight, shown);
}

void ServerActions::selectEverywhere()
{
    // A fleet-wide action starts from one upstream: the whole fleet is shown, and every row with its address is
    // selected, ready for Drain or Ready.
    QTableView* table = m_selection->page()->table();
    const QModelIndexList rows = table->selectionModel()->selectedRows(UpstreamTableModel::AddressColumn);
    if (rows.isEmpty())
        return;
    const QString address = rows.first().data().toString();
    m_selection->tree()->clearSelection();
    m_selection->page()->setScope({}, {});
    QItemSelection selection;
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        const QModelIndex cell = table->model()->index(r, UpstreamTableModel::AddressColumn);
        if (cell.data().toString() == address)
            selection.select(cell.siblingAtColumn(0), cell.siblingAtColumn(UpstreamTableModel::ColumnCount - 1));
    }
    table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_status->showMessage(
        tr("%n server(s) with address %1 selected", nullptr, int(selection.size())).arg(address), 8000);
}

void ServerActions::editOptions()
{
    const QList<ServerRef> selected = m_selection->servers();
    const int g = selected.size() == 1 ? m_store->indexOf(selected.first().gateway) : -1;
    if (g < 0 || !m_store->entry(g).snapshot)
        return;
    const ServerRef target = selected.first();
    // Copies of what the dialog shows: its event loop runs polls that replace every snapshot, so nothing after
    // exec() may point into the one read here.
    GatewayState shown;
    shown.pool = *m_store->entry(g).snapshot;
    const ServerSnapshot* server = shown.pool->server(target.backend, target.server);
    if (!server)
        return;
    const QMap<QString, QString> before = server->options;
    const Capabilities caps = m_store->entry(g).capabilities;
    const QString productName = m_store->entry(g).productName;
    QDialog dialog(m_window);
    dialog.setObjectName(QStringLiteral("serverOptionsDialog"));
    dialog.setWindowTitle(tr("Options of %1").arg(target.displayName()));
    auto* form = new QFormLayout(&dialog);
    struct Field
    {
        MemberOption option;
        QString shown; // what the editor showed when the dialog opened
        std::function<QString()> value;
    };
    QList<Field> fields;
    for (const MemberOption& o : caps.memberOptions) {
        const QString now = before.value(o.key);
        QWidget* editor = nullptr;
        if (o.kind == MemberOption::Kind::Flag) {
            auto* box = new QCheckBox(&dialog);
            box->setChecked(now == QLatin1String("on"));
            fields.append({ o, box->isChecked() ? QStringLiteral("on") : QStringLiteral("off"),
                [box] { return box->isChecked() ? QStringLiteral("on") : QStringLiteral("off"); } });
            editor = box;
        } else {
            auto* line = new QLineEdit(now, &dialog);
            line->setPlaceholderText(tr("default"));
            fields.append({ o, line->text().trimmed(), [line] { return line->text().trimmed(); } });
            editor = line;
        }
        editor->setObjectName(QStringLiteral("option_") + o.key);
        editor->setToolTip(o.help);
        editor->setAccessibleName(o.label);
        form->addRow(o.label + QLatin1Char(':'), editor);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return;
    // Only what the operator changed in the form, each expecting the value the form showed: a change made by anyone
    // else while the dialog was open is a conflict, not overwritten.
    QList<Change> changes;
    QStringList problems;
    for (const Field& field : std::as_const(fields)) {
        const QString v = field.value();
        if (v == field.shown)
            continue;
        Change c(MemberOptionChange { target, field.option.key, v }, shown.pool->configVersion);
        c.expectedState = c.stateText(shown);
        if (const auto p = c.validate(caps); !p.isEmpty())
            problems.append(problemsText(p));
        changes.append(c);
    }
    if (!problems.isEmpty()) {
        QMessageBox::warning(m_window, tr("Server options"), problems.join(QLatin1Char('\n')));
        return;
    }
    if (changes.isEmpty())
        return;
    // The member as it is now: it may have gone while the dialog was open.
    const int gNow = m_store->indexOf(target.gateway);
    if (gNow < 0 || !m_store->entry(gNow).snapshot
        || !m_store->entry(gNow).snapshot->server(target.backend, target.server)) {
        QMessageBox::warning(m_window, tr("Server options"),
            tr("%1 (%2) is no longer in the pool; nothing was sent.").arg(target.displayName(), productName));
        return;
    }
    if (!confirmPersistent({ target }, tr("Changing its options"), std::nullopt))
        return;
    m_fleet->apply(changes, tr("options of %1").arg(target.displayName()), true);
}

void ServerActions::rolling()
{
    const QList<ServerRef> selected = m_selection->servers();
    if (selected.isEmpty())
        return;
    auto* dialog = new RollingDialog(m_fleet, selected, AdminState::Drain, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void ServerActions::addServer()
{
    ServerSpec initial = m_lastSpec;
    if (initial.gateway.isEmpty()) {
        // Start from what is selected: its gateway and backend.
        initial.gateway = m_selection->gateway();
        initial.backend = m_selection->backend();
    }
    auto* form = new ServerFormDialog(m_store, initial, m_window);
    form->setAttribute(Qt::WA_DeleteOnClose);
    connect(form, &ServerFormDialog::reviewRequested, this, [this, form](const ServerSpec& spec) {
        const int g = m_store->indexOf(spec.gateway);
        const Capabilities caps = g >= 0 ? m_store->entry(g).capabilities : Capabilities {};
        auto* review = new ReviewDialog(
            { { spec.gateway, spec.backend + QLatin1Char('/') + spec.name, tr("absent"), spec.describe(caps) } },
            QString(caps.note).remove(QLatin1Char('`')), form);
        review->setAttribute(Qt::WA_DeleteOnClose);
        connect(review, &QDialog::accepted, this, [this, form, spec] {
            m_lastSpec = spec; // kept until the push is verified
            m_addRequest = m_fleet->addServer(spec);
            form->accept();
        });
        review->open();
    });
    form->open();
}

void ServerActions::finished(const ActionReport& report)
{
    if (report.id != m_addRequest)
        return;
    if (report.ok())
        m_lastSpec = ServerSpec {};
    m_addRequest = 0;
}

void ServerActions::removeServer()
{
    const QList<ServerRef> selected = m_selection->servers();
    if (selected.size() != 1)
        return;
    const ServerRef target = selected.first();
    const FleetActions::Shown shown = shownNow(selected);
    const int g = m_store->indexOf(target.gateway);
    if (g < 0 || !shown.contains(target.gateway))
        return;
    // The product's own words for what a removal does, taken before any dialog runs the event loop.
    const Capabilities caps = m_store->entry(g).capabilities;
    const QString product = m_store->entry(g).productName;
    const ServerSnapshot* member = shown.value(target.gateway).pool->server(target.backend, target.server);
    const QString definedAt = member ? member->definedAt : QString();
    if (!m_prompter->confirmLastHealthy(selected, tr("Removing"))
        || !m_prompter->confirmAfterColleagues(selected, tr("Remove it")))
        return;
    QString steps;
    if (caps.can(Feature::Drain) && caps.drainBeforeRemove)
        steps = caps.can(Feature::Maint)
            ? tr("Fleetdeck drains it, waits up to 30 s for its sessions to end, puts it in maintenance and deletes "
                 "it. You can cancel at every step.")
            : tr("Fleetdeck drains it, waits up to 30 s for its sessions to end and deletes it. You can cancel at "
                 "every step.");
    else
        steps = tr("%1 has no drain before a removal: %2.")
                    .arg(product, caps.how(Feature::RemoveMember).remove(QLatin1Char('`')));
    const QString lasting = caps.runtimeOnly
        ? tr("The change lives in the running %1 until its next reload or restart.").arg(product)
        : tr("The change persists in %1's configuration.").arg(product);
    QMessageBox confirm(QMessageBox::Question, tr("Remove server"),
        tr("Remove %1 from pool %2 on %3?").arg(target.server, target.backend, target.gateway)
            + (definedAt.isEmpty() ? QString() : QLatin1Char('\n') + tr("Defined at %1.").arg(definedAt))
            + QStringLiteral("\n\n") + steps + QLatin1Char(' ') + lasting,
        QMessageBox::Yes | QMessageBox::No, m_window);
    confirm.setObjectName(QStringLiteral("removeConfirm"));
    if (confirm.exec() != QMessageBox::Yes)
        return;
    auto* progress
        = new QProgressDialog(tr("Removing %1…").arg(target.displayName()), tr("Cancel"), 0, 30000, m_window);
    progress->setObjectName(QStringLiteral("removalProgress"));
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(0);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    const quint64 id = m_fleet->removeServer(target, 30000, shown);
    connect(m_fleet, &FleetActions::removalProgress, progress,
        [progress, id, target](quint64 rid, const QString& stage, int sessions, int elapsedMs) {
            if (rid != id)
                return;
            progress->setValue(qMin(elapsedMs, 29999));
            progress->setLabelText(sessions >= 0
                    ? QObject::tr("%1: %2, %3 session(s) open").arg(target.displayName(), stage).arg(sessions)
                    : QObject::tr("%1: %2").arg(target.displayName(), stage));
        });
    connect(progress, &QProgressDialog::canceled, this, [this, id] { m_fleet->cancel(id); });
    connect(m_fleet, &FleetActions::actionFinished, progress, [progress, id](const ActionReport& r) {
        if (r.id == id)
            progress->close();
    });
    progress->show();
}

} // namespace Fleetdeck
