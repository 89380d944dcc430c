#include "alertsdock.h"
#include "statecolours.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include "alerts.h"
#include "fleetactions.h"
#include "printable.h"

namespace Fleetdeck {

namespace {
enum Column { SinceColumn, GatewayColumn, ObjectColumn, AlertColumn, SeverityColumn, StateColumn, SummaryColumn };
constexpr int kFingerprintRole = Qt::UserRole + 1;
} // namespace

AlertsDock::AlertsDock(const AlertBoard* alerts, FleetActions* fleet, QWidget* parent)
    : QDockWidget(tr("Alerts"), parent)
    , m_alerts(alerts)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("alertsDock"));
    m_model = new QStandardItemModel(this);
    m_model->setHorizontalHeaderLabels(
        { tr("Since"), tr("Gateway"), tr("Object"), tr("Alert"), tr("Severity"), tr("State"), tr("Summary") });
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("alertsTable"));
    m_table->setAccessibleName(tr("Alerts from Alertmanager"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("alertsStatus"));
    m_status->setWordWrap(true);
    m_silence = new QPushButton(tr("&Silence…"));
    m_silence->setObjectName(QStringLiteral("silenceButton"));
    m_silence->setToolTip(tr("Silence the selected alert in Alertmanager, after a review"));
    m_expire = new QPushButton(tr("E&xpire silence"));
    m_expire->setObjectName(QStringLiteral("expireButton"));
    m_expire->setToolTip(tr("Undo the selected alert's silence: expire it in Alertmanager"));
    connect(m_silence, &QPushButton::clicked, this, &AlertsDock::silenceSelected);
    connect(m_expire, &QPushButton::clicked, this, &AlertsDock::expireSelected);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_silence);
    buttons->addWidget(m_expire);
    auto* body = new QWidget;
    auto* layout = new QVBoxLayout(body);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    setWidget(body);

    auto updateButtons = [this] {
        const Alert* a = selectedAlert();
        const bool readOnly = m_fleet && m_fleet->isReadOnly();
        m_silence->setEnabled(a && !a->silenced() && !readOnly);
        m_expire->setEnabled(a && a->silenced() && !readOnly);
    };
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, updateButtons);
    if (m_alerts)
        connect(m_alerts, &AlertBoard::changed, this, [this, updateButtons] {
            rebuild();
            updateButtons();
        });
    if (m_fleet)
        connect(m_fleet, &FleetActions::silenceFinished, this,
            [this](quint64, bool ok, const QString& message, const QString&) {
                m_status->setText(ok ? message : tr("Not done: %1").arg(message));
                m_status->setStyleSheet(
                    ok ? QString() : QStringLiteral("color: %1").arg(StateColours::css(StateColours::Role::Bad)));
            });
    rebuild();
    updateButtons();
}

void AlertsDock::rebuild()
{
    // Keep the selected alert selected across the rebuild.
    const Alert* before = selectedAlert();
    const QString keep = before ? before->fingerprint : QString();
    m_model->removeRows(0, m_model->rowCount());
    if (!m_alerts || !m_alerts->configured()) {
        m_status->setText(tr("No Alertmanager: name one in the fleet file (\"alertmanager\": \"http://…\")."));
        return;
    }
    int row = 0;
    for (const Alert& a : m_alerts->alerts()) {
        QList<QStandardItem*> items;
        auto add = [&items](const QString& text) { items.append(new QStandardItem(printable(text, kShownName))); };
        add(a.startsAtMs > 0 ? QDateTime::fromMSecsSinceEpoch(a.startsAtMs).toString(QStringLiteral("HH:mm:ss"))
                             : QString());
        add(a.gateway.isEmpty() ? tr("(none of the fleet)") : a.gateway);
        add(a.object());
        add(a.name);
        add(a.severity);
        add(a.silenced() ? tr("silenced") : tr("firing"));
        add(a.summary);
        const QColor colour = a.silenced() ? QColor(0x80, 0x80, 0x80) : StateColours::of(StateColours::Role::Bad);
        items.at(StateColumn)->setForeground(colour);
        items.at(SinceColumn)->setData(a.fingerprint, kFingerprintRole);
        QStringList labels;
        for (auto it = a.labels.cbegin(); it != a.labels.cend(); ++it)
            labels.append(QStringLiteral("%1=%2").arg(it.key(), it.value()));
        for (QStandardItem* item : std::as_const(items))
            item->setToolTip(printable(labels.join(QLatin1Char('\n')), kMaxMessageLength));
        m_model->appendRow(items);
        if (a.fingerprint == keep)
            m_table->selectRow(row);
        ++row;
    }
    const QString leftOut = tr("Showing the %1 that matter most of the %2 alerts Alertmanager lists")
                                .arg(m_alerts->alerts().size())
                                .arg(m_alerts->listed());
    if (!m_alerts->error().isEmpty())
        m_status->setText(tr("Alertmanager not read: %1 (the alerts shown are the last read)")
                              .arg(printable(m_alerts->error(), kMaxMessageLength)));
    else if (m_alerts->listed() > m_alerts->alerts().size())
        m_status->setText(leftOut + tr(" (the fleet's first, then the firing, the most severe, the newest)"));
    else if (m_status->text().startsWith(tr("Alertmanager not read"))
        || m_status->text().startsWith(tr("No Alertmanager")) || m_status->text().startsWith(tr("Showing the ")))
        m_status->clear();
}

const Alert* AlertsDock::selectedAlert() const
{
    if (!m_alerts)
        return nullptr;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows(SinceColumn);
    if (rows.isEmpty())
        return nullptr;
    return m_alerts->find(rows.first().data(kFingerprintRole).toString());
}

void AlertsDock::silenceSelected()
{
    const Alert* found = selectedAlert();
    if (!found || !m_fleet)
        return;
    const Alert alert = *found;
    // The review: exactly what Alertmanager is sent, and for how long.
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("silenceDialog"));
    dialog.setWindowTitle(tr("Silence %1").arg(alert.name));
    auto* form = new QFormLayout;
    auto* duration = new QComboBox;
    duration->setObjectName(QStringLiteral("silenceDuration"));
    for (const auto& [text, minutes] : { std::pair { tr("15 minutes"), 15 }, std::pair { tr("1 hour"), 60 },
             std::pair { tr("4 hours"), 240 }, std::pair { tr("24 hours"), 1440 } })
        duration->addItem(text, minutes);
    duration->setCurrentIndex(1);
    auto* comment = new QLineEdit;
    comment->setObjectName(QStringLiteral("silenceComment"));
    comment->setPlaceholderText(tr("Why (required): e.g. \"known, fixing the upstream\""));
    QStringList matchers;
    for (auto it = alert.labels.cbegin(); it != alert.labels.cend(); ++it)
        matchers.append(QStringLiteral("%1 = \"%2\"").arg(it.key(), it.value()));
    auto* what = new QPlainTextEdit(printable(matchers.join(QLatin1Char('\n')), kMaxMessageLength));
    what->setReadOnly(true);
    what->setMaximumHeight(140);
    form->addRow(tr("Alert:"), new QLabel(printable(alert.describe(), kShownName)));
    form->addRow(tr("Where:"),
        new QLabel(alert.gateway.isEmpty() ? tr("(none of the fleet's gateways)")
                                           : printable(alert.gateway + QLatin1Char(' ') + alert.object(), kShownName)));
    form->addRow(tr("Matchers sent:"), what);
    form->addRow(tr("For:"), duration);
    form->addRow(tr("Comment:"), comment);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    QPushButton* send = buttons->addButton(tr("Silence"), QDialogButtonBox::AcceptRole);
    send->setObjectName(QStringLiteral("silenceSend"));
    send->setEnabled(false);
    connect(
        comment, &QLineEdit::textChanged, send, [send](const QString& t) { send->setEnabled(!t.trimmed().isEmpty()); });
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Alertmanager will stop notifying for this alert until the silence ends or is "
                                    "expired (Expire silence). The silence is journaled and read back to verify it.")));
    layout->addLayout(form);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_status->setText(tr("Silencing %1…").arg(alert.name));
    m_fleet->silenceAlert(alert.fingerprint, duration->currentData().toInt(), comment->text());
}

void AlertsDock::expireSelected()
{
    const Alert* a = selectedAlert();
    if (!a || !m_fleet || a->silencedBy.isEmpty())
        return;
    const QString id = a->silencedBy.first();
    if (QMessageBox::question(this, tr("Expire silence"),
            tr("Expire silence %1 on %2? Alertmanager notifies for it again.").arg(id, a->name))
        != QMessageBox::Yes)
        return;
    m_status->setText(tr("Expiring silence %1…").arg(id));
    m_fleet->expireSilence(id);
}

} // namespace Fleetdeck
