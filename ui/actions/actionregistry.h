#pragma once

#include <functional>

#include <QHash>
#include <QKeySequence>
#include <QList>
#include <QObject>
#include <QString>

class QAction;
class QMenu;
class QMenuBar;
class QToolBar;
class QWidget;

namespace Fleetdeck {

// Every action of the window, registered once by id (in the spirit of Tiled's ActionManager): its text, shortcut
// and tip, where it appears (a menu, the tool bar, a context menu), what it does, and the rule that enables it.
// Menus, the tool bar and context menus are built from the registrations; refresh() re-evaluates every rule and
// puts the reason an action is off in its tooltip and status tip.
class ActionRegistry final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ActionRegistry)

public:
    struct Spec
    {
        QString id; // "server.drain": the group before the dot names its menu, unless `menu` says another
        QString text;
        QKeySequence shortcut = {};
        QString tip = {};
        bool toolBar = false;
        QStringList contexts = {}; // context menus it appears in ("servers", "tree")
        bool separatorBefore = false; // in its menu
        QString menu = {}; // the menu it goes in, when not its id's group ("app.quit" in the fleet menu)
        std::function<void()> run = {};
        // Why the action is off now; empty: it is on. Null: always on.
        std::function<QString()> whyNot = {};
        // The tip while on, when it depends on the selection (null: `tip`).
        std::function<QString()> liveTip = {};
    };

    // window: where shortcuts are live wherever the focus is.
    explicit ActionRegistry(QWidget* window);

    QAction* add(const Spec& spec);
    // An action made elsewhere (undo, a dock's toggle), placed and kept by id like the others.
    QAction* adopt(QAction* action, const Spec& spec);
    QAction* action(const QString& id) const { return m_actions.value(id); }
    // Re-evaluates every enable rule.
    void refresh();
    // The menus, in the order of `menus` (id prefix, title), each with its actions in registration order.
    void buildMenus(QMenuBar* bar, const QList<QPair<QString, QString>>& menus);
    void buildToolBar(QToolBar* bar);
    QList<QAction*> contextActions(const QString& context) const;

private:
    struct Entry
    {
        Spec spec;
        QAction* action = nullptr;
    };
    QWidget* m_window;
    QList<Entry> m_entries;
    QHash<QString, QAction*> m_actions;
};

} // namespace Fleetdeck
