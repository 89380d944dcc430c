#include "ratelimitdialog.h"
#include "statecolours.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "fleetactions.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"

namespace Fleetdeck {

RateLimitDialog::RateLimitDialog(const FleetStore* store, FleetActions* fleet, QWidget* parent)
    : QDialog(parent)
    , m_store(store)
    , m_fleet(fleet)
{
    setObjectName(QStringLiteral("rateLimitDialog"));
    setWindowTitle(tr("Rate limits"));
    m_gateway = new QComboBox;
    m_gateway->setObjectName(QStringLiteral("rateGatewayCombo"));
    for (int i = 0; i < store->gatewayCount(); ++i) {
        if (store->entry(i).capabilities.can(Feature::RateLimits))
            m_gateway->addItem(store->entry(i).config.name);
    }
    auto* reloadButton = new QPushButton(tr("Re&load"));
    m_table = new QTableWidget(0, 5);
    m_table->setObjectName(QStringLiteral("rateTable"));
    m_table->setHorizontalHeaderLabels(
        { tr("API key"), tr("Limit"), tr("Requests in window"), tr("Requests seen"), tr("Refused (429)") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);

    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("rateKeyEdit"));
    m_key->setPlaceholderText(tr("API key, e.g. key-partner-7"));
    m_keyError = new QLabel;
    m_keyError->setObjectName(QStringLiteral("rateKeyError"));
    m_keyError->setStyleSheet(QStringLiteral("color: %1;").arg(StateColours::css(StateColours::Role::Bad)));
    m_keyError->hide();
    m_limit = new QSpinBox;
    m_limit->setObjectName(QStringLiteral("rateLimitSpin"));
    m_limit->setRange(1, 1000000000);
    m_limit->setValue(100);
    auto* stageKey = new QPushButton(tr("Stage limit"));
    stageKey->setObjectName(QStringLiteral("stageKeyButton"));
    auto* stageDelete = new QPushButton(tr("Stage delete of selected"));
    m_ipLimit = new QSpinBox;
    m_ipLimit->setObjectName(QStringLiteral("ipLimitSpin"));
    m_ipLimit->setRange(1, 1000000000);
    auto* stageIp = new QPushButton(tr("Stage per-IP limit"));
    m_stagedList = new QListWidget;
    m_stagedList->setObjectName(QStringLiteral("stagedList"));
    m_stagedList->setMaximumHeight(90);
    m_note = new QLabel;
    m_note->setWordWrap(true);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("rateStatus"));
    m_status->setWordWrap(true);

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Gateway:")));
    top->addWidget(m_gateway, 1);
    top->addWidget(reloadButton);
    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 2);
    keyRow->addWidget(m_limit, 1);
    keyRow->addWidget(stageKey);
    keyRow->addWidget(stageDelete);
    auto* ipRow = new QHBoxLayout;
    ipRow->addWidget(new QLabel(tr("Per client IP (no API key):")));
    ipRow->addWidget(m_ipLimit);
    ipRow->addWidget(stageIp);
    ipRow->addStretch(1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* reviewButton = buttons->addButton(tr("&Review and push…"), QDialogButtonBox::ActionRole);
    reviewButton->setObjectName(QStringLiteral("rateReviewButton"));
    QPushButton* exportButton = buttons->addButton(tr("&Export the limits…"), QDialogButtonBox::ActionRole);
    exportButton->setObjectName(QStringLiteral("rateExportButton"));
    exportButton->setEnabled(false); // until the limits are read and name a file
    m_export = exportButton;
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    layout->addLayout(keyRow);
    layout->addWidget(m_keyError);
    layout->addLayout(ipRow);
    layout->addWidget(new QLabel(tr("Staged (nothing is sent until reviewed):")));
    layout->addWidget(m_stagedList);
    layout->addWidget(m_note);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(720, 560);

    connect(m_key, &QLineEdit::textChanged, this, [this, stageKey](const QString& text) {
        const QString problem = text.isEmpty() ? QString() : validateRateLimitKey(text);
        m_keyError->setText(problem);
        m_keyError->setVisible(!problem.isEmpty());
        stageKey->setEnabled(!text.isEmpty() && problem.isEmpty());
    });
    stageKey->setEnabled(false);
    connect(stageKey, &QPushButton::clicked, this, [this] {
        stage({ m_gateway->currentText(), RateScope::Key, m_key->text(), m_limit->value() });
    });
    connect(stageDelete, &QPushButton::clicked, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        for (const QModelIndex& r : rows)
            stage({ m_gateway->currentText(), RateScope::Key, m_table->item(r.row(), 0)->text(), -1 });
    });
    connect(stageIp, &QPushButton::clicked, this, [this] {
        stage({ m_gateway->currentText(), RateScope::Ip, QString(), m_ipLimit->value() });
    });
    connect(reloadButton, &QPushButton::clicked, this, &RateLimitDialog::reload);
    connect(m_gateway, &QComboBox::currentIndexChanged, this, [this] {
        m_staged.clear();
        m_stagedList->clear();
        m_export->setEnabled(false);
        reload();
    });
    connect(reviewButton, &QPushButton::clicked, this, &RateLimitDialog::review);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        if (m_limits.exportName.isEmpty())
            return;
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the limits"), m_limits.exportName);
        if (path.isEmpty())
            return;
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(m_limits.exportContent.toUtf8()) < 0)
            QMessageBox::warning(
                this, tr("Export the limits"), tr("Could not write %1: %2").arg(path, f.errorString()));
    });
    connect(fleet, &FleetActions::rateLimitsReceived, this, [this](const QString& gateway, const RateLimits& limits) {
        if (gateway == m_gateway->currentText())
            show(limits);
    });
    connect(fleet, &FleetActions::rateLimitsFailed, this, [this](const QString& gateway, const QString& error) {
        if (gateway != m_gateway->currentText())
            return;
        m_status->setText(error);
        m_export->setEnabled(false); // what was read before belongs to no gateway shown now
    });
    connect(fleet, &FleetActions::actionFinished, this, [this](const ActionReport& report) {
        if (report.id != m_push)
            return;
        m_push = 0;
        QStringList lines;
        for (const ActionOutcome& o : report.outcomes)
            lines.append((o.ok ? QStringLiteral("✔ ") : QStringLiteral("✘ ")) + o.change.describe()
                + QStringLiteral(": ") + o.message);
        m_status->setText(lines.join(QLatin1Char('\n')));
        if (report.ok()) {
            m_staged.clear();
            m_stagedList->clear();
        }
        reload();
    });
    reload();
}

void RateLimitDialog::reload()
{
    if (!m_gateway->currentText().isEmpty())
        m_fleet->requestRateLimits(m_gateway->currentText());
}

void RateLimitDialog::show(const RateLimits& limits)
{
    m_limits = limits;
    m_table->setRowCount(int(limits.entries.size()));
    for (int r = 0; r < limits.entries.size(); ++r) {
        const RateLimitEntry& e = limits.entries.at(r);
        const QStringList cells { e.key, tr("%1 per %2 s").arg(e.limit).arg(limits.windowSeconds),
            e.requestRate < 0 ? QStringLiteral("–") : QString::number(e.requestRate),
            e.requestCount < 0 ? QStringLiteral("–") : QString::number(e.requestCount),
            e.refused < 0 ? QStringLiteral("–") : QString::number(e.refused) };
        for (int c = 0; c < 5; ++c)
            m_table->setItem(r, c, new QTableWidgetItem(cells.at(c)));
    }
    if (limits.ipLimit > 0)
        m_ipLimit->setValue(int(qMin<qint64>(limits.ipLimit, 1000000000)));
    m_export->setEnabled(!limits.exportName.isEmpty());
    m_export->setToolTip(limits.exportName.isEmpty()
            ? tr("This gateway keeps its limits in no file Fleetdeck can write out")
            : tr("Write the per-key limits as the gateway reads them from %1, to save over it").arg(limits.exportName));
    m_note->setText(tr("Limits are requests per %1 s window, per key (%2) and per client IP (%3). Changes made here "
                       "live %4.")
                        .arg(limits.windowSeconds)
                        .arg(limits.keyStore, limits.ipStore, limits.persistNote));
}

void RateLimitDialog::stage(const RateLimitChange& change)
{
    m_staged.append(change);
    m_stagedList->addItem(change.describe());
}

void RateLimitDialog::review()
{
    if (m_staged.isEmpty())
        return;
    QList<ReviewDialog::Row> rows;
    GatewayState now;
    now.limits = m_limits;
    for (const RateLimitChange& c : std::as_const(m_staged)) {
        const Change change = c;
        rows.append({ c.gateway, c.scope == RateScope::Ip ? tr("per-IP limit") : tr("key %1").arg(c.key),
            change.stateText(now), change.wantedText() });
    }
    auto* dialog = new ReviewDialog(rows, tr("Runtime changes: they live %1.").arg(m_limits.persistNote), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this] { m_push = m_fleet->changeRateLimits(m_staged); });
    dialog->open();
}

} // namespace Fleetdeck
