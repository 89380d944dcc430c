#include "serverformdialog.h"
#include "statecolours.h"

#include <limits>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "dialogs/colleaguechanges.h"
#include "fleetstore.h"

namespace Fleetdeck {

namespace {
QLabel* errorLabel(const QString& field)
{
    auto* label = new QLabel;
    label->setObjectName(field + QStringLiteral("Error"));
    label->setStyleSheet(QStringLiteral("color: %1;").arg(StateColours::css(StateColours::Role::Bad)));
    label->setWordWrap(true);
    label->hide();
    return label;
}

QLineEdit* edit(const QString& name, const QString& placeholder)
{
    auto* e = new QLineEdit;
    e->setObjectName(name);
    e->setPlaceholderText(placeholder);
    return e;
}

// A number field: the typed text, or INT_MIN when it is not a whole number (validation says so).
int number(const QLineEdit* e, int emptyValue)
{
    const QString text = e->text().trimmed();
    if (text.isEmpty())
        return emptyValue;
    bool ok = false;
    const int v = text.toInt(&ok);
    return ok ? v : std::numeric_limits<int>::min();
}
} // namespace

ServerFormDialog::ServerFormDialog(const FleetStore* store, const ServerSpec& initial, QWidget* parent)
    : QDialog(parent)
    , m_store(store)
{
    setObjectName(QStringLiteral("serverForm"));
    setWindowTitle(tr("Add a server to a pool"));
    m_gateway = new QComboBox;
    m_gateway->setObjectName(QStringLiteral("gatewayCombo"));
    for (int i = 0; i < store->gatewayCount(); ++i) {
        if (store->entry(i).snapshot)
            m_gateway->addItem(store->entry(i).config.name);
    }
    m_backend = new QComboBox;
    m_backend->setObjectName(QStringLiteral("backendCombo"));
    m_name = edit(QStringLiteral("serverNameEdit"), tr("web-4"));
    m_host = edit(QStringLiteral("hostEdit"), tr("10.0.0.14, 2001:db8::14 or api-4.internal"));
    m_port = edit(QStringLiteral("portEdit"), tr("8080"));
    m_weight = edit(QStringLiteral("weightEdit"), tr("1"));
    m_maxconn = edit(QStringLiteral("maxconnEdit"), tr("0 (no limit)"));
    m_check = new QCheckBox(tr("Health-check it (the backend's own check)"));
    m_check->setObjectName(QStringLiteral("checkBox"));
    m_check->setChecked(initial.check);

    auto* form = new QFormLayout;
    // A row's label is the buddy of its field: the '&' is its mnemonic, never text on the screen.
    auto row = [&](const QString& title, QWidget* field, const QString& key) {
        auto* box = new QVBoxLayout;
        box->addWidget(field);
        QLabel* error = errorLabel(key);
        m_errors.insert(key, error);
        box->addWidget(error);
        auto* label = new QLabel(title);
        label->setObjectName(key + QStringLiteral("Label"));
        label->setBuddy(field);
        form->addRow(label, box);
    };
    form->addRow(tr("&Gateway:"), m_gateway);
    row(tr("&Pool:"), m_backend, QStringLiteral("backend"));
    row(tr("&Name:"), m_name, QStringLiteral("name"));
    row(tr("&Address:"), m_host, QStringLiteral("host"));
    row(tr("&Port:"), m_port, QStringLiteral("port"));
    row(tr("&Weight:"), m_weight, QStringLiteral("weight"));
    row(tr("&Max. connections:"), m_maxconn, QStringLiteral("maxconn"));
    form->addRow(QString(), m_check);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    m_review = buttons->addButton(tr("&Review…"), QDialogButtonBox::AcceptRole);
    m_review->setObjectName(QStringLiteral("reviewButton"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_review, &QPushButton::clicked, this, [this] {
        validate();
        if (m_problems.isEmpty())
            Q_EMIT reviewRequested(spec());
    });
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    // What was typed before (a failed push) comes back.
    if (const int g = m_gateway->findText(initial.gateway); g >= 0)
        m_gateway->setCurrentIndex(g);
    fillBackends();
    if (const int b = m_backend->findText(initial.backend); b >= 0)
        m_backend->setCurrentIndex(b);
    m_name->setText(initial.name);
    m_host->setText(initial.host);
    m_port->setText(initial.port > 0 ? QString::number(initial.port) : QString());
    m_weight->setText(QString::number(initial.weight));
    m_maxconn->setText(initial.maxconn > 0 ? QString::number(initial.maxconn) : QString());
    followProduct();

    connect(m_gateway, &QComboBox::currentIndexChanged, this, [this] {
        fillBackends();
        followProduct();
        validate();
    });
    // A product that names members by their address: the name is the address, not typed.
    for (QLineEdit* e : { m_host, m_port })
        connect(e, &QLineEdit::textChanged, this, &ServerFormDialog::followProduct);
    connect(m_backend, &QComboBox::currentIndexChanged, this, &ServerFormDialog::validate);
    for (QLineEdit* e : { m_name, m_host, m_port, m_weight, m_maxconn })
        connect(e, &QLineEdit::textChanged, this, &ServerFormDialog::validate);
    validate();
}

void ServerFormDialog::followProduct()
{
    const int g = m_store->indexOf(m_gateway->currentText());
    const Capabilities caps = g >= 0 ? m_store->entry(g).capabilities : Capabilities {};
    const bool byAddress = caps.rules.membersNamedByAddress;
    m_name->setReadOnly(byAddress);
    if (byAddress) {
        ServerSpec s;
        s.host = m_host->text().trimmed();
        s.port = number(m_port, 0);
        m_name->setText(s.host.isEmpty() || s.port <= 0 ? QString() : s.address());
        m_name->setToolTip(tr("%1 names a member by its address").arg(m_store->entry(g).productName));
    } else {
        m_name->setToolTip({});
    }
    // No check box where the product has no health checks for a member it adds (nginx open source).
    m_check->setVisible(caps.rules.memberHealthChecks);
    m_weight->setPlaceholderText(
        caps.rules.weightMax > 0 ? tr("1 (%1..%2)").arg(caps.rules.weightMin).arg(caps.rules.weightMax) : tr("1"));
}

void ServerFormDialog::fillBackends()
{
    const QSignalBlocker block(m_backend);
    m_backend->clear();
    const int g = m_store->indexOf(m_gateway->currentText());
    if (g < 0 || !m_store->entry(g).snapshot)
        return;
    for (const BackendSnapshot& b : m_store->entry(g).snapshot->backends) {
        if (!b.servers.isEmpty())
            m_backend->addItem(b.name);
    }
}

ServerSpec ServerFormDialog::spec() const
{
    ServerSpec s;
    s.gateway = m_gateway->currentText();
    s.backend = m_backend->currentText();
    s.name = m_name->text().trimmed();
    s.host = m_host->text().trimmed();
    s.port = number(m_port, 0);
    s.weight = number(m_weight, 1);
    s.maxconn = number(m_maxconn, 0);
    const int g = m_store->indexOf(s.gateway);
    s.check = m_check->isChecked() && (g < 0 || m_store->entry(g).capabilities.rules.memberHealthChecks);
    return s;
}

void ServerFormDialog::validate()
{
    const ServerSpec s = spec();
    const int g = m_store->indexOf(s.gateway);
    const BackendSnapshot* pool
        = g >= 0 && m_store->entry(g).snapshot ? m_store->entry(g).snapshot->backend(s.backend) : nullptr;
    const Capabilities caps = g >= 0 ? m_store->entry(g).capabilities : Capabilities {};
    m_problems = validateServerSpec(s, pool, caps);
    // Text that is not a number at all gets its own words.
    if (s.port == std::numeric_limits<int>::min())
        m_problems.insert(QStringLiteral("port"), tr("\"%1\" is not a number.").arg(m_port->text()));
    if (s.weight == std::numeric_limits<int>::min())
        m_problems.insert(QStringLiteral("weight"), tr("\"%1\" is not a number.").arg(m_weight->text()));
    if (s.maxconn == std::numeric_limits<int>::min())
        m_problems.insert(QStringLiteral("maxconn"), tr("\"%1\" is not a number.").arg(m_maxconn->text()));
    const QMap<QString, QLineEdit*> typed { { QStringLiteral("name"), m_name }, { QStringLiteral("host"), m_host },
        { QStringLiteral("port"), m_port } };
    for (auto it = m_errors.cbegin(); it != m_errors.cend(); ++it) {
        // Do not scold a field the operator has not reached yet.
        const QLineEdit* field = typed.value(it.key());
        const QString message = field && field->text().isEmpty() ? QString() : m_problems.value(it.key());
        it.value()->setText(message);
        it.value()->setVisible(!message.isEmpty());
    }
    m_review->setEnabled(m_problems.isEmpty());
}

namespace {
const JournalModel* reviewJournal = nullptr;
}

ReviewDialog::ReviewDialog(const QList<Row>& rows, const QString& note, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("reviewDialog"));
    setWindowTitle(tr("Review before pushing"));
    auto* table = new QTableWidget(int(rows.size()), 4);
    table->setObjectName(QStringLiteral("reviewTable"));
    table->setHorizontalHeaderLabels({ tr("Gateway"), tr("Object"), tr("Before"), tr("After") });
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int r = 0; r < rows.size(); ++r) {
        const Row& row = rows.at(r);
        const QStringList cells { row.gateway, row.object, row.before, row.after };
        for (int c = 0; c < 4; ++c)
            table->setItem(r, c, new QTableWidgetItem(cells.at(c)));
    }
    table->resizeColumnsToContents();
    auto* noteLabel = new QLabel(note);
    noteLabel->setObjectName(QStringLiteral("reviewNote"));
    noteLabel->setWordWrap(true);
    QList<std::pair<QString, QString>> objects;
    for (const Row& row : rows)
        objects.append({ row.gateway, row.object });
    const QString colleagues = colleagueChangesText(reviewJournal, objects, QDateTime::currentMSecsSinceEpoch());
    auto* colleaguesLabel = new QLabel(tr("A colleague changed this in the last minutes:\n%1").arg(colleagues));
    colleaguesLabel->setObjectName(QStringLiteral("reviewColleagues"));
    colleaguesLabel->setWordWrap(true);
    colleaguesLabel->setVisible(!colleagues.isEmpty());
    colleaguesLabel->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }")
                                       .arg(StateColours::of(StateColours::Role::Warning).name()));
    auto* buttons = new QDialogButtonBox;
    QPushButton* push = buttons->addButton(tr("&Push"), QDialogButtonBox::AcceptRole);
    push->setObjectName(QStringLiteral("pushButton"));
    QPushButton* back = buttons->addButton(tr("&Back"), QDialogButtonBox::RejectRole);
    back->setObjectName(QStringLiteral("backButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("Nothing has been sent yet. These changes will be pushed, then verified by reading the "
                      "gateway back:")));
    layout->addWidget(table);
    layout->addWidget(noteLabel);
    layout->addWidget(colleaguesLabel);
    layout->addWidget(buttons);
    resize(640, colleagues.isEmpty() ? 260 : 340);
}

void ReviewDialog::setJournal(const JournalModel* journal)
{
    reviewJournal = journal;
}

} // namespace Fleetdeck
