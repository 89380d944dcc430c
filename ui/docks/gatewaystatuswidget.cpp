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
    , m_tick(new QTimer(this))
{
    setObjectName(QStringLiteral("gatewayStatus"));
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(6);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("gatewaySummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_layout->addWidget(m_summary);
    connect(store, &FleetStore::gatewayAdded, this, &GatewayStatusWidget::refreshSoon);
    // A removal shifts the indexes the badges show: at once, so no badge reads a gateway that is gone.
    connect(store, &FleetStore::gatewayRemoved, this, &GatewayStatusWidget::refresh);
    connect(store, &FleetStore::statusChanged, this, &GatewayStatusWidget::refreshSoon);
    connect(store, &FleetStore::snapshotApplied, this, [this](int index, bool) {
        // Notices come and go with snapshots; shown again only when they change.
        const auto& e = m_store->entry(index);
        const QString now = e.snapshot ? e.snapshot->noticeText() : QString();
        if (m_notices.value(e.config.name) != now) {
            m_notices[e.config.name] = now;
            refreshSoon();
        }
    });
    // "unreachable for 42 s" must keep counting while nothing else happens.
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, [this] {
        for (int i = 0; i < m_store->gatewayCount(); ++i) {
            if (m_store->entry(i).status.connection != Connection::Up) {
                refresh();
                return;
            }
        }
    });
    m_tick->start();
    refresh();
}

void GatewayStatusWidget::refreshSoon()
{
    m_soon.request();
}

void GatewayStatusWidget::refresh()
{
    m_soon.cancel();
    const int count = m_store->gatewayCount();
    const bool compact = count > kBadgeLimit;
    int up = 0, down = 0, connecting = 0, trouble = 0;
    QList<int> shown;
    for (int i = 0; i < count; ++i) {
        const FleetStore::Entry& e = m_store->entry(i);
        switch (e.status.connection) {
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
        // Past the limit, only trouble is badged: not up, or plaintext across the network.
        if (compact && e.status.connection == Connection::Up && !e.config.plaintextOverNetwork())
            continue;
        ++trouble;
        if (shown.size() < kBadgeLimit)
            shown.append(i);
    }
    m_summary->setVisible(compact);
    QString summary
        = tr("%1 gateways: %2 up, %3 unreachable, %4 connecting").arg(count).arg(up).arg(down).arg(connecting);
    if (trouble > shown.size())
        summary += tr("; badges for the first %1 of %2 in trouble").arg(shown.size()).arg(trouble);
    m_summary->setText(summary);
    while (m_badges.size() > shown.size())
        delete m_badges.takeLast();
    while (m_badges.size() < shown.size()) {
        auto* label = new QLabel;
        m_layout->addWidget(label);
        m_badges.append(label);
    }
    for (qsizetype i = 0; i < shown.size(); ++i)
        render(m_badges.at(i), shown.at(i));
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

void GatewayStatusWidget::render(QLabel* label, int gateway)
{
    const FleetStore::Entry& e = m_store->entry(gateway);
    label->setObjectName(QStringLiteral("gatewayBadge_") + e.config.name);
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
