#include "gatewaystatuswidget.h"
#include "statecolours.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>

#include "fleetstore.h"
#include "printable.h"

namespace Fleetdeck {

GatewayStatusWidget::GatewayStatusWidget(const FleetStore* store, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_layout(new QHBoxLayout(this))
{
    setObjectName(QStringLiteral("gatewayStatus"));
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(6);
    connect(store, &FleetStore::gatewayAdded, this, &GatewayStatusWidget::rebuild);
    connect(store, &FleetStore::gatewayRemoved, this, &GatewayStatusWidget::rebuild);
    connect(store, &FleetStore::statusChanged, this, &GatewayStatusWidget::update);
    connect(store, &FleetStore::snapshotApplied, this, [this](int index, bool) {
        // Notices come and go with snapshots; repaint only when they change.
        const auto& e = m_store->entry(index);
        const QString now = e.snapshot ? e.snapshot->noticeText() : QString();
        if (m_notices.value(index) != now) {
            m_notices[index] = now;
            update(index);
        }
    });
    // "unreachable for 42 s" must keep counting while nothing else happens.
    m_tick = new QTimer(this);
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, [this] {
        for (int i = 0; i < m_badges.size(); ++i) {
            if (m_store->entry(i).status.connection != Connection::Up)
                update(i);
        }
    });
    m_tick->start();
    rebuild();
}

void GatewayStatusWidget::rebuild()
{
    qDeleteAll(m_badges);
    m_badges.clear();
    if (!m_summary) {
        m_summary = new QLabel;
        m_summary->setObjectName(QStringLiteral("gatewaySummary"));
        m_layout->insertWidget(0, m_summary);
    }
    updateSummary();
    for (int i = 0; i < m_store->gatewayCount(); ++i) {
        auto* label = new QLabel;
        label->setObjectName(QStringLiteral("gatewayBadge_") + m_store->entry(i).config.name);
        m_layout->addWidget(label);
        m_badges.append(label);
        update(i);
    }
}

QString GatewayStatusWidget::badgeText(int gateway) const
{
    const FleetStore::Entry& e = m_store->entry(gateway);
    const QString name = printableShort(e.config.name, 40); // the whole name is in the tooltip
    switch (e.status.connection) {
    case Connection::Up:
        if (e.snapshot && !e.snapshot->configState().isEmpty())
            return QStringLiteral("%1: up, %2").arg(name, e.snapshot->configState());
        return QStringLiteral("%1: up").arg(name);
    case Connection::Connecting:
        return QStringLiteral("%1: connecting").arg(name);
    case Connection::Unreachable:
    case Connection::TooLarge:
        if (e.status.lastSeenMs == 0)
            return QStringLiteral("%1: %2, never seen").arg(name, label(e.status.connection));
        return QStringLiteral("%1: %2, last seen %3 (%4 s ago)")
            .arg(name, label(e.status.connection),
                QDateTime::fromMSecsSinceEpoch(e.status.lastSeenMs).toString(QStringLiteral("HH:mm:ss")))
            .arg((QDateTime::currentMSecsSinceEpoch() - e.status.lastSeenMs) / 1000);
    }
    return {};
}

void GatewayStatusWidget::updateSummary()
{
    // Past a handful of gateways one badge each does not fit: count them, and badge only the ones in trouble.
    int up = 0, down = 0, connecting = 0;
    for (int i = 0; i < m_store->gatewayCount(); ++i) {
        switch (m_store->entry(i).status.connection) {
        case Connection::Up:
            ++up;
            break;
        case Connection::Unreachable:
        case Connection::TooLarge:
            ++down;
            break;
        case Connection::Connecting:
            ++connecting;
            break;
        }
    }
    const bool compact = m_store->gatewayCount() > kBadgeLimit;
    m_summary->setVisible(compact);
    m_summary->setText(tr("%1 gateways: %2 up, %3 unreachable, %4 connecting")
                           .arg(m_store->gatewayCount())
                           .arg(up)
                           .arg(down)
                           .arg(connecting));
    for (int i = 0; i < m_badges.size(); ++i)
        m_badges.at(i)->setVisible(!compact || m_store->entry(i).status.connection != Connection::Up
            || m_store->entry(i).config.plaintextOverNetwork());
}

void GatewayStatusWidget::update(int gateway)
{
    if (gateway < 0 || gateway >= m_badges.size())
        return;
    updateSummary();
    const FleetStore::Entry& e = m_store->entry(gateway);
    QLabel* label = m_badges.at(gateway);
    using StateColours::Role;
    const bool configTrouble = e.snapshot && !e.snapshot->configState().isEmpty();
    // The badge's marks are icons from the resources, not font glyphs (a font without them draws empty boxes).
    const QString dot = e.status.connection == Connection::Up && !configTrouble ? QStringLiteral("state-good")
        : e.status.connection == Connection::Up || e.status.connection == Connection::Connecting
        ? QStringLiteral("state-warning")
        : QStringLiteral("state-bad");
    auto icon = [](const QString& name) {
        return QStringLiteral("<img src=':/icons/%1.svg' width='12' height='12' style='vertical-align: middle'>")
            .arg(name);
    };
    // A plaintext admin channel across the network gets a warning badge and one line of advice.
    const QString plaintext = e.config.plaintextOverNetwork()
        ? QStringLiteral(" %1<span style='color:%2'> plaintext</span>")
              .arg(icon(QStringLiteral("warning")), StateColours::css(Role::Bad))
        : QString();
    const QString notices = e.snapshot ? e.snapshot->noticeText() : QString();
    const QString notice = notices.isEmpty() ? QString() : QLatin1Char(' ') + icon(QStringLiteral("notice"));
    label->setText(QStringLiteral("%1 %2%3%4").arg(icon(dot), badgeText(gateway).toHtmlEscaped(), plaintext, notice));
    QString tip = e.status.lastError.isEmpty() ? e.config.admin.toString() : e.status.lastError;
    if (configTrouble)
        tip += QLatin1Char('\n') + e.snapshot->configDetail();
    // A name the badge cut short (or had to escape) is given whole here.
    if (printableShort(e.config.name, 40) != e.config.name)
        tip = printable(e.config.name, kMaxMessageLength) + QLatin1Char('\n') + tip;
    if (!notices.isEmpty())
        tip += QLatin1Char('\n') + notices;
    if (e.config.plaintextOverNetwork())
        tip += tr("\nThe admin channel to %1 has no encryption and crosses the network: reach it through an SSH port "
                  "forward (ssh -L 9999:127.0.0.1:9999 host) and point Fleetdeck at 127.0.0.1.")
                   .arg(e.config.admin.host());
    if (!e.config.sshForward.isEmpty())
        tip += tr("\nThe fleet file names this tunnel for it: %1").arg(e.config.sshForward);
    label->setToolTip(tip);
}

} // namespace Fleetdeck
