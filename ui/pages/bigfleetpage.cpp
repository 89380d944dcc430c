#include "bigfleetpage.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTreeView>
#include <QVBoxLayout>

#include "bigfleetmodel.h"
#include "fleetactions.h"
#include "fleetstore.h"
#include "printable.h"
#include "statecolours.h"

namespace Fleetdeck {

BigFleetPage::BigFleetPage(BigFleetModel* model, const FleetDiscovery& discovery, const FleetStore* store,
    FleetActions* fleet, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new BigFleetFilter(this))
    , m_discovery(discovery)
    , m_store(store)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("bigFleetPage"));
    m_filter->setSourceModel(model);
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("bigFleetSearch"));
    m_search->setPlaceholderText(tr("Search gateways and labels (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_filter, &BigFleetFilter::setSearchText);
    m_groupBy = new QComboBox;
    m_groupBy->setObjectName(QStringLiteral("bigFleetGroupBy"));
    m_groupBy->setEditable(true);
    m_groupBy->setMinimumContentsLength(18);
    m_groupBy->setToolTip(tr("Labels to group the gateways by, in order, separated by commas; empty: one group"));
    m_groupBy->addItem(discovery.groupBy.join(QStringLiteral(", ")));
    m_groupBy->addItem(QString());
    connect(m_groupBy, &QComboBox::textActivated, this, &BigFleetPage::setGroupBy);
    auto* worst = new QPushButton(tr("&Worst first"));
    worst->setToolTip(tr("Sort groups and gateways by trouble, the worst on top"));
    auto* expand = new QPushButton(tr("E&xpand all"));
    auto* collapse = new QPushButton(tr("C&ollapse all"));
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_search, 3);
    auto* groupLabel = new QLabel(tr("&Group by"));
    groupLabel->setBuddy(m_groupBy);
    bar->addWidget(groupLabel);
    bar->addWidget(m_groupBy, 1);
    bar->addWidget(worst);
    bar->addWidget(expand);
    bar->addWidget(collapse);

    m_view = new QTreeView;
    m_view->setObjectName(QStringLiteral("bigFleetView"));
    m_view->setAccessibleName(tr("Discovered gateways"));
    // Rows of one height: the view lays out only what is on screen, however many thousand gateways there are.
    m_view->setUniformRowHeights(true);
    m_view->setModel(m_filter);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(BigFleetModel::TroubleColumn, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(true);
    m_view->header()->resizeSection(BigFleetModel::NameColumn, fontMetrics().horizontalAdvance(QLatin1Char('x')) * 40);
    m_view->header()->resizeSection(
        BigFleetModel::TroubleColumn, fontMetrics().horizontalAdvance(QLatin1Char('x')) * 24);
    connect(worst, &QPushButton::clicked, this,
        [this] { m_view->sortByColumn(BigFleetModel::TroubleColumn, Qt::DescendingOrder); });
    auto chooseAll = [this](bool expanded) {
        for (int r = 0; r < m_filter->rowCount(); ++r)
            m_expandedByOperator.insert(m_filter->index(r, 0).data(BigFleetModel::SortRole).toString(), expanded);
        restoreExpansion();
    };
    connect(expand, &QPushButton::clicked, this, [chooseAll] { chooseAll(true); });
    connect(collapse, &QPushButton::clicked, this, [chooseAll] { chooseAll(false); });
    auto chosen = [this](const QModelIndex& group, bool expanded) {
        if (!m_restoring)
            m_expandedByOperator.insert(group.data(BigFleetModel::SortRole).toString(), expanded);
    };
    connect(m_view, &QTreeView::collapsed, this, [chosen](const QModelIndex& group) { chosen(group, false); });
    connect(m_view, &QTreeView::expanded, this, [chosen](const QModelIndex& group) { chosen(group, true); });
    connect(m_filter, &QAbstractItemModel::modelReset, this, &BigFleetPage::restoreExpansion);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &BigFleetPage::restoreExpansion);
    connect(m_search, &QLineEdit::textChanged, this, &BigFleetPage::restoreExpansion);
    connect(m_view, &QTreeView::activated, this, [this](const QModelIndex& index) {
        if (!index.data(BigFleetModel::IsGroupRole).toBool())
            open(index.data(BigFleetModel::NameRole).toString());
    });

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("bigFleetStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText); // it carries Prometheus' words: never markup
    auto showStatus = [this] {
        m_status->setText(m_model->refreshStatus().isEmpty()
                ? tr("Asking the fleet's Prometheus…")
                : printableLines(m_model->refreshStatus(), kMaxMessageLength));
        QPalette p = m_status->palette();
        p.setColor(QPalette::WindowText,
            m_model->refreshFailed() ? StateColours::of(StateColours::Role::Bad)
                                     : palette().color(QPalette::WindowText));
        m_status->setPalette(p);
    };
    connect(model, &BigFleetModel::refreshStatusChanged, this, showStatus);
    showStatus();
    m_openedLabel = new QLabel;
    m_openedLabel->setTextFormat(Qt::PlainText);
    m_close = new QPushButton(tr("&Stop polling it"));
    m_close->setToolTip(tr("Close the admin channel of the gateway opened from here"));
    connect(m_close, &QPushButton::clicked, this, &BigFleetPage::closeOpened);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_status, 1);
    bottom->addWidget(m_openedLabel);
    bottom->addWidget(m_close);
    m_openedLabel->hide();
    m_close->hide();
    if (m_fleet)
        connect(m_fleet, &FleetActions::actionFinished, this, &BigFleetPage::closeFinished);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);
    restoreExpansion();
}

void BigFleetPage::focusSearch()
{
    m_search->setFocus();
    m_search->selectAll();
}

void BigFleetPage::setGroupBy(const QString& labels)
{
    QStringList names = labels.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    m_model->setGroupBy(names);
    if (m_groupBy->currentText() != labels)
        m_groupBy->setEditText(labels);
    restoreExpansion();
}

void BigFleetPage::restoreExpansion()
{
    // Groups open by default while they are few; past that the groups themselves, worst first, are the overview.
    const bool byDefault = m_filter->rowCount() <= kOpenGroupsUpTo;
    m_restoring = true;
    for (int r = 0; r < m_filter->rowCount(); ++r) {
        const QModelIndex group = m_filter->index(r, 0);
        const bool expanded = m_expandedByOperator.value(group.data(BigFleetModel::SortRole).toString(), byDefault);
        if (m_view->isExpanded(group) != expanded)
            m_view->setExpanded(group, expanded);
    }
    m_restoring = false;
}

void BigFleetPage::open(const QString& name)
{
    const DiscoveredGateway* gateway = m_model->gateway(name);
    if (!gateway)
        return;
    if (m_closeWhenDone.remove(name)) {
        // Kept open for a change and looked at again: the one this page polls.
        if (name != m_opened)
            closeOpened();
        m_opened = name;
        showOpened();
    } else if (m_store->indexOf(name) < 0 && m_fleet) {
        const auto config = m_discovery.gatewayFor(*gateway);
        if (!config) {
            m_status->setText(printableLines(config.error(), kMaxMessageLength));
            return;
        }
        closeOpened();
        m_fleet->addGateway(config.value());
        m_opened = name;
        showOpened();
    }
    Q_EMIT gatewayActivated(name);
}

void BigFleetPage::closeOpened()
{
    if (!m_opened.isEmpty() && m_fleet && m_store->indexOf(m_opened) >= 0) {
        // Closing its channel now would lose the change's answer and verification: it is closed once that is done.
        if (m_fleet->changeUnderWay(m_opened))
            m_closeWhenDone.insert(m_opened);
        else
            m_fleet->removeGateway(m_opened);
    }
    m_opened.clear();
    showOpened();
}

void BigFleetPage::closeFinished()
{
    for (auto it = m_closeWhenDone.begin(); it != m_closeWhenDone.end();) {
        if (m_fleet->changeUnderWay(*it)) {
            ++it;
            continue;
        }
        if (m_store->indexOf(*it) >= 0)
            m_fleet->removeGateway(*it);
        it = m_closeWhenDone.erase(it);
    }
    showOpened();
}

QStringList BigFleetPage::closingWhenDone() const
{
    QStringList names(m_closeWhenDone.cbegin(), m_closeWhenDone.cend());
    names.sort();
    return names;
}

void BigFleetPage::showOpened()
{
    QStringList said;
    if (!m_opened.isEmpty())
        said.append(tr("Polling %1 while you look at it").arg(printable(m_opened, kShownName)));
    if (!m_closeWhenDone.isEmpty())
        said.append(tr("%1 stays open until the change on it is done", nullptr, int(m_closeWhenDone.size()))
                        .arg(printable(closingWhenDone().join(QStringLiteral(", ")), kMaxMessageLength)));
    m_openedLabel->setText(said.join(QStringLiteral("; ")));
    m_openedLabel->setVisible(!said.isEmpty());
    m_close->setVisible(!m_opened.isEmpty());
}

} // namespace Fleetdeck
