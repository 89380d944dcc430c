#include "overviewpage.h"
#include "statecolours.h"

#include <cmath>
#include <limits>

#include <QDateTime>
#include <QGridLayout>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollArea>
#include <QTimer>

#include "alerts.h"
#include "fleetstore.h"
#include "metricstore.h"
#include "serieskeys.h"

namespace Fleetdeck {

namespace {
constexpr int kTileWidth = 270;
constexpr int kTileHeight = 128;
constexpr qint64 kSparkWindowMs = 5 * 60 * 1000;

// The mean of a series over the last minute: a 5xx share from one-second samples is mostly noise. Fewer than
// minSamples samples give NaN: too little to judge by.
double minuteMean(const MetricStore* metrics, const QString& key, int minSamples = 1)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    double sum = 0;
    int n = 0;
    for (const auto& b : metrics->range(key, now - 60000, now)) {
        if (!b.isGap()) {
            sum += b.mean;
            ++n;
        }
    }
    return n < qMax(1, minSamples) ? std::numeric_limits<double>::quiet_NaN() : sum / n;
}

QColor troubleColour(GatewayTile::Trouble t)
{
    switch (t) {
    case GatewayTile::Trouble::Critical:
        return StateColours::of(StateColours::Role::Bad);
    case GatewayTile::Trouble::Warning:
        return StateColours::of(StateColours::Role::Warning);
    case GatewayTile::Trouble::None:
        break;
    }
    return StateColours::of(StateColours::Role::Good);
}
} // namespace

OverviewPage::OverviewPage(const FleetStore* store, const MetricStore* metrics, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_metrics(metrics)
{
    setObjectName(QStringLiteral("overviewPage"));
    setAccessibleName(tr("Overview: one tile per gateway"));
    m_grid = new QWidget;
    m_layout = new QGridLayout(m_grid);
    m_layout->setSpacing(8);
    m_layout->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_scroll = new QScrollArea;
    m_scroll->setWidget(m_grid);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_scroll);

    // Tiles are rebuilt once for a fleet file's thousand gateways, not once per gateway added (that was quadratic:
    // 45 s of a busy UI thread at 1,000). A removal shifts the indexes tiles read: rebuilt at once.
    connect(store, &FleetStore::gatewayAdded, this, [this] { m_rebuildSoon.request(); });
    connect(store, &FleetStore::gatewayRemoved, this, &OverviewPage::rebuild);
    // Tiles repaint together once a second: only the visible ones do any work.
    m_repaint = new QTimer(this);
    m_repaint->setInterval(1000);
    connect(m_repaint, &QTimer::timeout, this, [this] {
        if (isVisible())
            m_grid->update();
    });
    m_repaint->start();
    rebuild();
}

void OverviewPage::rebuild()
{
    m_rebuildSoon.cancel();
    qDeleteAll(m_tiles);
    m_tiles.clear();
    for (int i = 0; i < m_store->gatewayCount(); ++i) {
        auto* tile = new GatewayTile(m_store, m_metrics, i, m_grid);
        tile->setAlerts(m_alerts);
        tile->setObjectName(QStringLiteral("tile_") + m_store->entry(i).config.name);
        connect(tile, &GatewayTile::activated, this, &OverviewPage::gatewayActivated);
        m_tiles.append(tile);
    }
    m_columns = 0;
    relayout();
}

void OverviewPage::setAlerts(const AlertBoard* alerts)
{
    m_alerts = alerts;
    for (GatewayTile* t : std::as_const(m_tiles))
        t->setAlerts(alerts);
    if (m_alerts)
        connect(m_alerts, &AlertBoard::changed, m_grid, qOverload<>(&QWidget::update));
}

void OverviewPage::relayout()
{
    const int columns = qMax(1, (m_scroll->viewport()->width() - 8) / (kTileWidth + 8));
    if (columns == m_columns)
        return;
    m_columns = columns;
    for (GatewayTile* t : std::as_const(m_tiles))
        m_layout->removeWidget(t);
    for (int i = 0; i < m_tiles.size(); ++i)
        m_layout->addWidget(m_tiles.at(i), i / columns, i % columns);
}

void OverviewPage::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    relayout();
}

GatewayTile::GatewayTile(const FleetStore* store, const MetricStore* metrics, int gateway, QWidget* parent)
    : QWidget(parent)
    , m_store(store)
    , m_metrics(metrics)
    , m_gateway(gateway)
{
    setFixedSize(kTileWidth, kTileHeight);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Click to see this gateway's servers"));
}

QSize GatewayTile::sizeHint() const
{
    return { kTileWidth, kTileHeight };
}

QString GatewayTile::gatewayName() const
{
    return m_gateway < m_store->gatewayCount() ? m_store->entry(m_gateway).config.name : QString();
}

GatewayTile::Trouble GatewayTile::trouble() const
{
    if (m_gateway >= m_store->gatewayCount())
        return Trouble::None;
    const FleetStore::Entry& e = m_store->entry(m_gateway);
    if (e.status.stale())
        return Trouble::Critical;
    if (!e.snapshot)
        return Trouble::None;
    // A configuration nginx -t refuses, or one edited and not loaded: what runs is not what the file says.
    Trouble worst = e.snapshot->configState().isEmpty() ? Trouble::None : Trouble::Warning;
    for (const BackendSnapshot& b : e.snapshot->backends) {
        // Servers the gateway's own configuration disables, and backups, are not meant to serve: not trouble.
        const int meant = b.meantToServe();
        if (meant == 0)
            continue;
        const int up = b.serving();
        if (up == 0)
            return Trouble::Critical; // a pool with nothing left to serve
        if (up < meant)
            worst = Trouble::Warning;
    }
    const Figures alerting = figures();
    if (alerting.paging)
        return Trouble::Critical; // Alertmanager pages for it
    if (alerting.alerts > 0)
        worst = Trouble::Warning;
    const QString gw = SeriesKeys::subject(e.config.name);
    // A 5xx share over 5 % in the last minute is trouble, once there are 20 samples to say so.
    const double req = minuteMean(m_metrics, SeriesKeys::requestRate(gw), 20);
    const double err = minuteMean(m_metrics, SeriesKeys::errorRate(gw), 20);
    if (!std::isnan(req) && !std::isnan(err) && req > 0 && err / req > 0.05)
        return Trouble::Critical;
    return worst;
}

double GatewayTile::Figures::errorShare() const
{
    if (std::isnan(minuteRequests) || std::isnan(minuteErrors) || minuteRequests <= 0)
        return std::numeric_limits<double>::quiet_NaN();
    return 100.0 * minuteErrors / minuteRequests;
}

GatewayTile::Figures GatewayTile::figures() const
{
    const FleetStore::Entry& e = m_store->entry(m_gateway);
    const QString gw = SeriesKeys::subject(e.config.name);
    Figures f;
    f.requestRate = m_metrics->latest(SeriesKeys::requestRate(gw));
    f.minuteRequests = minuteMean(m_metrics, SeriesKeys::requestRate(gw));
    f.minuteErrors = minuteMean(m_metrics, SeriesKeys::errorRate(gw));
    f.up = e.snapshot ? e.snapshot->serving() : 0;
    f.disabled = e.snapshot ? e.snapshot->serversDisabledByConfig() : 0;
    f.total = e.snapshot ? e.snapshot->meantToServe() : 0;
    f.tcpOnly = e.snapshot && e.snapshot->tcpOnly();
    if (m_alerts && m_alerts->configured()) {
        for (const Alert& a : m_alerts->alertsFor(e.config.name)) {
            if (a.silenced())
                continue;
            f.alerts += 1;
            f.paging = f.paging || a.severity == QLatin1String("page") || a.severity == QLatin1String("critical");
        }
    }
    if (e.snapshot && e.snapshot->load.latencyMs() >= 0) {
        const double latest = m_metrics->latest(SeriesKeys::latency(gw));
        f.latencyMs = std::isnan(latest) ? -1 : latest;
        f.latencyLabel = e.snapshot->load.p95Ms >= 0 ? tr("p95") : tr("avg");
    }
    return f;
}

QString GatewayTile::Figures::rateUnit() const
{
    return tcpOnly ? tr("conn/s") : tr("req/s");
}

QString GatewayTile::summary() const
{
    if (m_gateway >= m_store->gatewayCount())
        return {};
    const FleetStore::Entry& e = m_store->entry(m_gateway);
    const Figures f = figures();
    QString state = label(e.status.connection);
    if (e.snapshot && !e.snapshot->configState().isEmpty())
        state += tr(", %1").arg(e.snapshot->configState());
    if (e.status.stale() && e.status.lastSeenMs > 0)
        state += tr(" since %1")
                     .arg(QDateTime::fromMSecsSinceEpoch(e.status.lastSeenMs).toString(QStringLiteral("HH:mm:ss")));
    const QString rate = std::isnan(f.requestRate) ? QStringLiteral("–") : formatRate(f.requestRate);
    const QString share
        = std::isnan(f.errorShare()) ? QStringLiteral("–") : QString::number(f.errorShare(), 'f', 1) + QLatin1Char('%');
    QString text = tr("%1 · %2 · %3 %4").arg(e.config.name, state, rate, f.rateUnit());
    if (!f.tcpOnly)
        text += tr(" · 5xx %1").arg(share);
    if (f.latencyMs >= 0)
        text += tr(" · %1 %2").arg(f.latencyLabel, formatLatency(f.latencyMs));
    text += tr(" · %1/%2 servers serving").arg(f.up).arg(f.total);
    if (f.alerts > 0)
        text += f.alerts == 1 ? tr(" · 1 alert firing") : tr(" · %1 alerts firing").arg(f.alerts);
    if (f.disabled > 0)
        text += tr(" (%1 disabled by config)").arg(f.disabled);
    return text;
}

void GatewayTile::paintEvent(QPaintEvent*)
{
    if (m_gateway >= m_store->gatewayCount())
        return;
    const FleetStore::Entry& e = m_store->entry(m_gateway);
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF box = QRectF(rect()).adjusted(1, 1, -1, -1);
    const QColor colour = troubleColour(trouble());
    p.setPen(QPen(colour, 2));
    p.setBrush(palette().base());
    p.drawRoundedRect(box, 6, 6);
    p.fillRect(QRectF(box.left() + 1, box.top() + 6, 5, box.height() - 12), colour);

    const QString gw = SeriesKeys::subject(e.config.name);
    const Figures f = figures();
    const double req = f.requestRate;
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(palette().text().color());
    p.drawText(QRectF(14, 6, width() - 20, 20), Qt::AlignLeft | Qt::AlignVCenter, e.config.name);
    p.setFont(font());
    const QString config = e.snapshot ? e.snapshot->configState() : QString();
    p.setPen(e.status.connection != Connection::Up ? StateColours::of(StateColours::Role::Bad)
            : config.isEmpty()                     ? StateColours::of(StateColours::Role::Good)
                                                   : StateColours::of(StateColours::Role::Warning));
    const QString connection
        = config.isEmpty() ? label(e.status.connection) : tr("%1, %2").arg(label(e.status.connection), config);
    p.drawText(QRectF(14, 6, width() - 24, 20), Qt::AlignRight | Qt::AlignVCenter, connection);
    if (f.alerts > 0) {
        // The alert badge, left of the connection state.
        const QString badge = f.alerts == 1 ? tr("1 alert") : tr("%1 alerts").arg(f.alerts);
        const int w = fontMetrics().horizontalAdvance(badge) + 10;
        const QRectF pill(width() - 10 - fontMetrics().horizontalAdvance(connection) - 8 - w, 8, w, 16);
        p.setPen(Qt::NoPen);
        p.setBrush(
            f.paging ? StateColours::of(StateColours::Role::Bad) : StateColours::of(StateColours::Role::Warning));
        p.drawRoundedRect(pill, 8, 8);
        p.setPen(Qt::white);
        p.drawText(pill, Qt::AlignCenter, badge);
        p.setBrush(Qt::NoBrush);
    }

    QFont big = font();
    big.setPointSizeF(font().pointSizeF() * 1.6);
    p.setFont(big);
    p.setPen(palette().text().color());
    p.drawText(QRectF(14, 28, 120, 30), Qt::AlignLeft | Qt::AlignVCenter,
        std::isnan(req) ? QStringLiteral("–") : formatRate(req));
    p.setFont(font());
    p.drawText(QRectF(14, 56, 120, 16), Qt::AlignLeft | Qt::AlignVCenter, f.rateUnit());
    const QRectF right(140, 26, width() - 150, 16);
    const double share = std::isnan(f.errorShare()) ? 0 : f.errorShare();
    p.setPen(share > 1 ? StateColours::of(StateColours::Role::Bad) : palette().text().color());
    // A TCP gateway has no HTTP status: "n/a", not a reassuring 0 %.
    p.drawText(right, Qt::AlignRight | Qt::AlignVCenter,
        f.tcpOnly ? tr("5xx n/a (TCP)") : tr("5xx %1% (1 min)").arg(share, 0, 'f', 1));
    p.setPen(palette().text().color());
    p.drawText(right.translated(0, 17), Qt::AlignRight | Qt::AlignVCenter,
        f.latencyMs >= 0 ? tr("%1 %2").arg(f.latencyLabel, formatLatency(f.latencyMs)) : tr("latency –"));
    p.setPen(f.up < f.total ? StateColours::of(StateColours::Role::Warning) : palette().text().color());
    p.drawText(right.translated(0, 34), Qt::AlignRight | Qt::AlignVCenter,
        f.disabled > 0 ? tr("%1/%2 serving, %3 off").arg(f.up).arg(f.total).arg(f.disabled)
                       : tr("%1/%2 serving").arg(f.up).arg(f.total));

    // Sparkline of the last five minutes of req/s, min/max per pixel.
    const QRectF spark(14, 78, width() - 28, height() - 90);
    p.setPen(palette().mid().color());
    p.drawLine(spark.bottomLeft(), spark.bottomRight());
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Five minutes, or the history so far (at least one minute) while it is shorter.
    const qint64 oldest = m_metrics->oldestTimeMs(SeriesKeys::requestRate(gw));
    const qint64 span = oldest == 0 ? kSparkWindowMs : qBound<qint64>(60000, now - oldest, kSparkWindowMs);
    const auto points
        = decimateToPixels(m_metrics->range(SeriesKeys::requestRate(gw), now - span, now, int(spark.width()) * 4),
            now - span, now, int(spark.width()));
    double top = 1;
    for (const ChartPoint& pt : points)
        top = std::isnan(pt.y) ? top : qMax(top, pt.y);
    QPainterPath path;
    bool open = false;
    for (const ChartPoint& pt : points) {
        if (std::isnan(pt.y)) {
            open = false;
            continue;
        }
        const QPointF at(spark.left() + (pt.x - double(now - span)) / double(span) * spark.width(),
            spark.bottom() - pt.y / (top * 1.1) * spark.height());
        if (open)
            path.lineTo(at);
        else
            path.moveTo(at);
        open = true;
    }
    p.setPen(QPen(QColor(0x00, 0x72, 0xb2), 1.2));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
}

void GatewayTile::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        Q_EMIT activated(gatewayName());
}

} // namespace Fleetdeck
