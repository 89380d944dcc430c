#include "lasthealthy.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHash>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

#include "fleetstore.h"

namespace Fleetdeck {

bool confirmLastHealthy(QWidget* parent, const FleetStore* store, const QList<ServerRef>& targets, const QString& verb)
{
    // Pools this would leave with no primary member serving (ServerSnapshot::serving: the same rule for every
    // product, so nginx's `down`, a drained HAProxy server and a backup count alike).
    QStringList emptied;
    QHash<QString, int> taken; // "gateway/backend" -> serving members among the targets
    for (const ServerRef& t : targets) {
        const int g = store->indexOf(t.gateway);
        if (g < 0 || !store->entry(g).snapshot)
            continue;
        const ServerSnapshot* s = store->entry(g).snapshot->server(t.backend, t.server);
        if (s && s->serving())
            taken[t.gateway + QLatin1Char('/') + t.backend] += 1;
    }
    for (auto it = taken.cbegin(); it != taken.cend(); ++it) {
        const QString gateway = it.key().section(QLatin1Char('/'), 0, 0);
        const QString backend = it.key().section(QLatin1Char('/'), 1);
        const int g = store->indexOf(gateway);
        const BackendSnapshot* b = store->entry(g).snapshot->backend(backend);
        if (!b || b->serving() - it.value() > 0)
            continue;
        emptied.append(b->backups() > 0
                ? QObject::tr("%1 on %2 (only its %n backup(s) left)", nullptr, b->backups()).arg(backend, gateway)
                : QObject::tr("%1 on %2").arg(backend, gateway));
    }
    if (emptied.isEmpty())
        return true;
    QMessageBox first(QMessageBox::Warning, QObject::tr("Last healthy server"),
        QObject::tr("%1 the selected server(s) leaves %2 with no server in service: its traffic will fail.")
            .arg(verb, emptied.join(QObject::tr(", "))),
        QMessageBox::Cancel, parent);
    first.setObjectName(QStringLiteral("lastHealthyWarning"));
    QPushButton* onward = first.addButton(QObject::tr("Continue…"), QMessageBox::AcceptRole);
    onward->setObjectName(QStringLiteral("lastHealthyContinue"));
    first.setDefaultButton(QMessageBox::Cancel);
    first.exec();
    if (first.clickedButton() != onward)
        return false;
    // The second choice is explicit: a box to tick, then the button.
    QDialog second(parent);
    second.setObjectName(QStringLiteral("lastHealthyConfirm"));
    second.setWindowTitle(QObject::tr("Confirm: no server in service"));
    auto* check = new QCheckBox(
        QObject::tr("I understand that %1 will have no server in service.").arg(emptied.join(QObject::tr(", "))));
    check->setObjectName(QStringLiteral("lastHealthyCheck"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    QPushButton* proceed = buttons->addButton(QObject::tr("%1 anyway").arg(verb), QDialogButtonBox::AcceptRole);
    proceed->setObjectName(QStringLiteral("lastHealthyProceed"));
    proceed->setEnabled(false);
    QObject::connect(check, &QCheckBox::toggled, proceed, &QPushButton::setEnabled);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &second, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &second, &QDialog::reject);
    auto* layout = new QVBoxLayout(&second);
    layout->addWidget(check);
    layout->addWidget(buttons);
    return second.exec() == QDialog::Accepted;
}

} // namespace Fleetdeck
