#pragma once

#include <QHash>
#include <QSet>
#include <QWidget>

#include "fleetdiscovery.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeView;

namespace Fleetdeck {

class BigFleetFilter;
class BigFleetModel;
class FleetActions;
class FleetStore;

// A fleet too large to poll, as its Prometheus sees it: every discovered gateway in a virtualised tree grouped by
// labels, searched, worst first. Opening a gateway (Enter, double-click) polls its admin channel directly while the
// operator looks at it: the one opened before from here is closed again.
class BigFleetPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BigFleetPage)

public:
    BigFleetPage(BigFleetModel* model, const FleetDiscovery& discovery, const FleetStore* store, FleetActions* fleet,
        QWidget* parent = nullptr);

    QTreeView* view() const { return m_view; }
    BigFleetFilter* filter() const { return m_filter; }
    void focusSearch();
    void setGroupBy(const QString& labels); // "site, role"; empty: one group
    // Polls a discovered gateway's admin channel (unless the fleet already polls it) and shows it.
    void open(const QString& name);
    QString opened() const { return m_opened; } // the gateway this page polls, if any
    // Opened here before, left open while a change on it is under way: closed once the change is done.
    QStringList closingWhenDone() const;

Q_SIGNALS:
    void gatewayActivated(const QString& name);

private:
    void closeOpened();
    void closeFinished(); // those kept open for a change that is now done
    void showOpened();
    void restoreExpansion();

    BigFleetModel* m_model;
    BigFleetFilter* m_filter;
    FleetDiscovery m_discovery;
    const FleetStore* m_store;
    FleetActions* m_fleet;
    QTreeView* m_view;
    QLineEdit* m_search;
    QComboBox* m_groupBy;
    QLabel* m_status;
    QLabel* m_openedLabel;
    QPushButton* m_close;
    static constexpr int kOpenGroupsUpTo = 12;
    QHash<QString, bool> m_expandedByOperator; // group title -> expanded, as the operator left it
    bool m_restoring = false;
    QString m_opened;
    QSet<QString> m_closeWhenDone;
};

} // namespace Fleetdeck
