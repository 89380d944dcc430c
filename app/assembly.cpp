#include "assembly.h"

#include "bigfleetmodel.h"
#include "bigfleetservice.h"
#include "credentialstore.h"

#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "historycache.h"
#include "journal.h"
#include "journalmodel.h"
#include "metricstore.h"
#include "registry.h"

namespace Fleetdeck {

Assembly::Assembly()
    : Assembly(Options {})
{ }

Assembly::Assembly(const Options& options)
    : m_registry(options.products ? options.products : &Drivers::ProductRegistry::builtIn())
    , m_products(m_registry->catalog())
    , m_store(std::make_unique<FleetStore>())
    , m_metrics(std::make_unique<MetricStore>())
    , m_events(std::make_unique<EventLog>())
    , m_history(std::make_unique<HistoryCache>())
    , m_journalModel(std::make_unique<JournalModel>())
    , m_controller(std::make_unique<FleetController>(m_store.get(), m_metrics.get(), nullptr, m_registry))
{
    m_controller->setEventLog(m_events.get());
    m_controller->setCredentialStore(options.credentials);
    if (!options.readOnlyReason.isEmpty())
        m_controller->setReadOnly(options.readOnlyReason);
    if (!options.teamJournal.url.isEmpty()) {
        m_journal = std::make_unique<Journal>();
        QObject::connect(m_journal.get(), &Journal::appended, m_journalModel.get(), &JournalModel::append);
        QObject::connect(m_journal.get(), &Journal::appended, m_events.get(),
            [this](const JournalEntry& entry) { showColleagueChange(entry); });
        m_controller->setJournal(m_journal.get());
        openTeamJournal(options.teamJournal, options.credentials);
    } else if (options.journal) {
        // Without a journal no change may be made, since none could be recorded.
        m_journal = std::make_unique<Journal>();
        const QString path = options.journalPath.isEmpty() ? Journal::defaultPath() : options.journalPath;
        if (const auto opened = m_journal->open(path); opened) {
            m_journalModel->setEntries(m_journal->readAll());
            QObject::connect(m_journal.get(), &Journal::appended, m_journalModel.get(), &JournalModel::append);
            m_controller->setJournal(m_journal.get());
        } else {
            m_journalError = opened.error();
            m_controller->setReadOnly(m_journalError);
        }
    }
    // History from the fleet's Prometheus, or else from the one its gateways are discovered through.
    if (const QUrl prometheus = options.prometheus.isEmpty() ? options.discovery.prometheus : options.prometheus;
        !prometheus.isEmpty()) {
        m_controller->setPrometheus(prometheus, m_history.get());
        m_hasPrometheus = true;
    }
    if (!options.discovery.isEmpty()) {
        const ProductInfo* product = m_products.find(options.discovery.product);
        m_bigFleetModel = std::make_unique<BigFleetModel>();
        m_bigFleetService = std::make_unique<BigFleetService>(
            options.discovery, product ? product->fleetFigures : QMap<QString, QString> {}, m_bigFleetModel.get());
        m_bigFleetService->start();
    }
}

void Assembly::openTeamJournal(TeamJournalSettings settings, CredentialStore* credentials)
{
    const std::weak_ptr<bool> alive = m_alive;
    auto open = [this, alive, settings](const QString& password, const QString& credentialProblem) mutable {
        if (alive.expired())
            return;
        if (settings.password.isEmpty())
            settings.password = password;
        if (const auto opened = m_journal->openTeam(settings); !opened) {
            m_journalError = credentialProblem.isEmpty()
                ? opened.error()
                : QStringLiteral("%1 (%2)").arg(opened.error(), credentialProblem);
            m_controller->setReadOnly(m_journalError);
            return;
        }
        m_journalModel->setEntries(m_journal->readAll());
    };
    if (!settings.password.isEmpty() || !credentials) {
        open({}, {});
        return;
    }
    TeamJournal probe(settings);
    credentials->read(probe.describe(), [open, reference = probe.describe()](Result<QString> secret) mutable {
        open(secret ? secret.value() : QString(),
            secret ? QString()
                   : QStringLiteral("no password for %1 in the credential store: %2").arg(reference, secret.error()));
    });
}

void Assembly::showColleagueChange(const JournalEntry& e)
{
    if (!e.colleague || e.kind != QLatin1String("result"))
        return;
    m_events->add(FleetEvent { e.timeMs, FleetEvent::Kind::Change, e.gateway, e.object,
        QObject::tr("%1 changed it from Fleetdeck: %2 → %3, %4").arg(e.who(), e.before, e.after, e.result),
        e.result != QLatin1String("verified") });
}

Assembly::~Assembly()
{
    // The controller goes first: its drivers' callbacks refer to the stores.
    m_controller.reset();
    m_bigFleetService.reset();
}

Journal* Assembly::journal() const
{
    return m_journal && m_journalError.isEmpty() ? m_journal.get() : nullptr;
}

FleetContext Assembly::context()
{
    FleetContext c;
    c.store = m_store.get();
    c.metrics = m_metrics.get();
    c.events = m_events.get();
    c.fleet = m_controller.get();
    c.products = m_products;
    c.journal = m_journal ? m_journalModel.get() : nullptr;
    c.history = m_hasPrometheus ? m_history.get() : nullptr;
    c.bigFleet = m_bigFleetModel.get();
    if (m_bigFleetService)
        c.discovery = m_bigFleetService->discovery();
    return c;
}

void Assembly::addGateways(const QList<GatewayConfig>& gateways)
{
    for (const GatewayConfig& g : gateways)
        m_controller->addGateway(g);
}

} // namespace Fleetdeck
