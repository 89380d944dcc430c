#include "rollingdialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "fleetactions.h"

namespace Fleetdeck {

RollingDialog::RollingDialog(FleetActions* fleet, const QList<ServerRef>& targets, AdminState state, QWidget* parent)
    : QDialog(parent)
    , m_fleet(fleet)
    , m_targets(targets)
    , m_state(state)
{
    setObjectName(QStringLiteral("rollingDialog"));
    setWindowTitle(tr("Rolling %1 of %n server(s)", nullptr, int(targets.size())).arg(label(state)));
    m_batch = new QSpinBox;
    m_batch->setObjectName(QStringLiteral("batchSpin"));
    m_batch->setRange(1, qMax(1, int(targets.size())));
    m_batch->setValue(qMax(1, int(targets.size()) / 4));
    m_gate = new QDoubleSpinBox;
    m_gate->setObjectName(QStringLiteral("gateSpin"));
    m_gate->setRange(0.1, 100);
    m_gate->setValue(5);
    m_gate->setSuffix(tr(" % 5xx at most"));
    m_pause = new QSpinBox;
    m_pause->setObjectName(QStringLiteral("pauseSpin"));
    m_pause->setRange(0, 600);
    m_pause->setValue(10);
    m_pause->setSuffix(tr(" s between batches"));
    auto* form = new QFormLayout;
    form->addRow(tr("Batch size:"), m_batch);
    form->addRow(tr("Health gate:"), m_gate);
    form->addRow(tr("Pause:"), m_pause);
    form->addRow(QString(),
        new QLabel(tr("Before each next batch, every server in service on the touched gateways must be up.")));

    m_table = new QTableWidget(int(targets.size()), 2);
    m_table->setObjectName(QStringLiteral("rollingTable"));
    m_table->setHorizontalHeaderLabels({ tr("Server"), tr("Status") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int i = 0; i < targets.size(); ++i) {
        m_table->setItem(i, 0, new QTableWidgetItem(targets.at(i).displayName()));
        m_table->setItem(i, 1, new QTableWidgetItem(tr("waiting")));
    }
    m_progress = new QProgressBar;
    m_progress->setRange(0, int(targets.size()));
    m_progress->setValue(0);
    m_status = new QLabel(tr("Not started."));
    m_status->setObjectName(QStringLiteral("rollingStatus"));
    m_status->setWordWrap(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_start = buttons->addButton(tr("&Start"), QDialogButtonBox::ActionRole);
    m_start->setObjectName(QStringLiteral("rollingStart"));
    m_hold = buttons->addButton(tr("&Pause"), QDialogButtonBox::ActionRole);
    m_hold->setObjectName(QStringLiteral("rollingPause"));
    m_hold->setEnabled(false);
    m_abort = buttons->addButton(tr("&Abort"), QDialogButtonBox::ActionRole);
    m_abort->setObjectName(QStringLiteral("rollingAbort"));
    m_abort->setEnabled(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_start, &QPushButton::clicked, this, &RollingDialog::start);
    connect(m_hold, &QPushButton::clicked, this, [this] {
        m_held = !m_held;
        if (m_held)
            m_fleet->pauseRolling(m_id);
        else
            m_fleet->resumeRolling(m_id);
        m_hold->setText(m_held ? tr("&Resume") : tr("&Pause"));
    });
    connect(m_abort, &QPushButton::clicked, this, [this] { m_fleet->cancel(m_id); });
    connect(fleet, &FleetActions::rollingProgress, this, [this](quint64 id, int done, int, const QString& status) {
        if (id != m_id)
            return;
        m_progress->setValue(done);
        m_status->setText(status);
    });
    connect(fleet, &FleetActions::actionFinished, this, [this](const ActionReport& report) {
        if (report.id != m_id)
            return;
        for (int i = 0; i < report.outcomes.size() && i < m_table->rowCount(); ++i)
            m_table->item(i, 1)->setText((report.outcomes.at(i).ok ? QStringLiteral("✔ ") : QStringLiteral("✘ "))
                + report.outcomes.at(i).message);
        m_hold->setEnabled(false);
        m_abort->setEnabled(false);
    });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(620, 480);
}

void RollingDialog::start()
{
    m_id
        = m_fleet->rollingState(m_targets, m_state, m_batch->value(), m_gate->value() / 100.0, m_pause->value() * 1000);
    m_start->setEnabled(false);
    m_batch->setEnabled(false);
    m_gate->setEnabled(false);
    m_pause->setEnabled(false);
    m_hold->setEnabled(true);
    m_abort->setEnabled(true);
}

} // namespace Fleetdeck
