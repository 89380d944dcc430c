#pragma once

#include <memory>

#include <QList>
#include <QString>
#include <QUrl>

#include "fleetcontext.h"
#include "fleettypes.h"
#include "teamjournal.h"

namespace Fleetdeck {

class BigFleetModel;
class BigFleetService;
class CredentialStore;
class EventLog;
class FleetController;
class FleetStore;
class HistoryCache;
class Journal;
class JournalModel;
class MetricStore;
namespace Drivers {
class ProductRegistry;
}

// The composition root below the window: the stores, the controller, the journal, the credentials, the history
// cache and the registered products, wired together. main.cpp, the tests and the benches all build the program here.
class Assembly final
{
    Q_DISABLE_COPY_MOVE(Assembly)

public:
    struct Options
    {
        const Drivers::ProductRegistry* products = nullptr; // null: the products Fleetdeck ships with
        CredentialStore* credentials = nullptr; // where secrets are kept (the keychain); null: this session only
        bool journal = false; // keep the change journal (SQLite)
        QString journalPath; // with journal: where (empty: the default place)
        QString readOnlyReason; // non-empty: every change is refused, with this reason
        QUrl prometheus; // the fleet's Prometheus, for history older than the local store
        // A team's journal in PostgreSQL instead of the SQLite file (url empty: none). Its password is read from
        // `credentials` under TeamJournal::describe() unless given; until it is open, changes are refused.
        TeamJournalSettings teamJournal;
        // A fleet too large to poll, found and followed through its Prometheus (empty: none).
        FleetDiscovery discovery;
    };

    explicit Assembly(const Options& options);
    Assembly();
    ~Assembly();

    FleetStore& store() { return *m_store; }
    MetricStore& metrics() { return *m_metrics; }
    EventLog& events() { return *m_events; }
    HistoryCache& history() { return *m_history; }
    FleetController& controller() { return *m_controller; }
    JournalModel& journalModel() { return *m_journalModel; }
    BigFleetService* bigFleet() const { return m_bigFleetService.get(); } // null: no discovery
    Journal* journal() const; // null: none asked for, or it could not be opened
    // Why the journal could not be opened, in which case every change is refused; empty otherwise.
    QString journalError() const { return m_journalError; }
    const Drivers::ProductRegistry& registry() const { return *m_registry; }
    const ProductCatalog& products() const { return m_products; }
    // What the window is built from.
    FleetContext context();
    void addGateways(const QList<GatewayConfig>& gateways);

private:
    const Drivers::ProductRegistry* m_registry;
    ProductCatalog m_products;
    std::unique_ptr<FleetStore> m_store;
    std::unique_ptr<MetricStore> m_metrics;
    std::unique_ptr<EventLog> m_events;
    std::unique_ptr<HistoryCache> m_history;
    std::unique_ptr<Journal> m_journal;
    std::unique_ptr<JournalModel> m_journalModel;
    std::unique_ptr<FleetController> m_controller;
    std::unique_ptr<BigFleetModel> m_bigFleetModel;
    std::unique_ptr<BigFleetService> m_bigFleetService;
    void openTeamJournal(TeamJournalSettings settings, CredentialStore* credentials);
    // Colleagues' changes (team journal) on the timeline and the charts.
    void showColleagueChange(const JournalEntry& entry);

    QString m_journalError;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    bool m_hasPrometheus = false;
};

} // namespace Fleetdeck
