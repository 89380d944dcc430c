#include "actionregistry.h"

#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QToolBar>
#include <QWidget>

namespace Fleetdeck {

ActionRegistry::ActionRegistry(QWidget* window)
    : QObject(window)
    , m_window(window)
{ }

QAction* ActionRegistry::add(const Spec& spec)
{
    auto* a = new QAction(spec.text, m_window);
    if (!spec.shortcut.isEmpty())
        a->setShortcut(spec.shortcut);
    if (spec.run)
        connect(a, &QAction::triggered, this, spec.run);
    return adopt(a, spec);
}

QAction* ActionRegistry::adopt(QAction* a, const Spec& spec)
{
    a->setObjectName(QStringLiteral("action_") + QString(spec.id).replace(QLatin1Char('.'), QLatin1Char('_')));
    const QKeySequence shortcut = a->shortcut();
    const QString tip = shortcut.isEmpty()
        ? spec.tip
        : QStringLiteral("%1 (%2)").arg(spec.tip, shortcut.toString(QKeySequence::NativeText));
    a->setToolTip(tip);
    a->setStatusTip(spec.tip);
    m_window->addAction(a); // shortcuts work wherever the focus is in the window
    m_entries.append({ spec, a });
    m_actions.insert(spec.id, a);
    return a;
}

void ActionRegistry::refresh()
{
    for (const Entry& e : std::as_const(m_entries)) {
        if (!e.spec.whyNot)
            continue;
        const QString why = e.spec.whyNot();
        const QString tip = e.spec.liveTip ? e.spec.liveTip() : e.spec.tip;
        e.action->setEnabled(why.isEmpty());
        e.action->setToolTip(why.isEmpty() ? tip : why);
        e.action->setStatusTip(why.isEmpty() ? tip : why);
    }
}

void ActionRegistry::buildMenus(QMenuBar* bar, const QList<QPair<QString, QString>>& menus)
{
    for (const auto& [prefix, title] : menus) {
        QMenu* menu = bar->addMenu(title);
        menu->setObjectName(prefix + QStringLiteral("Menu"));
        for (const Entry& e : std::as_const(m_entries)) {
            const QString group = e.spec.menu.isEmpty() ? e.spec.id.section(QLatin1Char('.'), 0, 0) : e.spec.menu;
            if (group != prefix)
                continue;
            if (e.spec.separatorBefore)
                menu->addSeparator();
            menu->addAction(e.action);
        }
    }
}

void ActionRegistry::buildToolBar(QToolBar* bar)
{
    // A separator between groups ("fleet", "server").
    QString group;
    for (const Entry& e : std::as_const(m_entries)) {
        if (!e.spec.toolBar)
            continue;
        const QString now = e.spec.id.section(QLatin1Char('.'), 0, 0);
        if (!group.isEmpty() && now != group)
            bar->addSeparator();
        group = now;
        bar->addAction(e.action);
    }
}

QList<QAction*> ActionRegistry::contextActions(const QString& context) const
{
    QList<QAction*> out;
    for (const Entry& e : m_entries) {
        if (e.spec.contexts.contains(context))
            out.append(e.action);
    }
    return out;
}

} // namespace Fleetdeck
