#include "changecommand.h"

#include <QUndoCommand>

#include "fleetactions.h"
#include "serverspec.h"

namespace Fleetdeck {

namespace {
// One applied change on the undo stack, of any kind: undo sends what puts things back (the inverse state or weight,
// the removal of an added server, the re-add of a removed one, the previous rate limit), redo sends the change
// again. Each is a request of its own, re-read, verified and journaled.
class ServerChangeCommand final : public QUndoCommand
{
public:
    ServerChangeCommand(FleetActions* fleet, QSet<quint64>* requests, const ActionReport& report)
        : m_fleet(fleet)
        , m_requests(requests)
    {
        for (const ActionOutcome& o : report.outcomes) {
            if (!o.ok)
                continue;
            const ServerAction& a = o.action;
            switch (a.kind) {
            case ServerAction::Kind::SetState:
            case ServerAction::Kind::SetWeight:
                if (o.knewBefore) {
                    m_forward.append(a);
                    m_back.append(o.inverse());
                }
                break;
            case ServerAction::Kind::AddServer:
                m_added.append(specOf(a));
                break;
            case ServerAction::Kind::RemoveServer:
                if (o.knewBefore && !o.addressBefore.isEmpty()) {
                    ServerSpec spec;
                    spec.gateway = a.target.gateway;
                    spec.backend = a.target.backend;
                    spec.name = a.target.server;
                    const qsizetype colon = o.addressBefore.lastIndexOf(QLatin1Char(':'));
                    spec.host = o.addressBefore.left(colon).remove(QLatin1Char('[')).remove(QLatin1Char(']'));
                    spec.port = o.addressBefore.mid(colon + 1).toInt();
                    spec.weight = o.weightBefore;
                    spec.check = o.checkedBefore;
                    m_removed.append(spec);
                }
                break;
            case ServerAction::Kind::CachePolicy:
                // A ban cannot be taken back: the whole command then has no undo for it.
                if (a.payload.canConvert<PolicyChange>() && o.undo.canConvert<PolicyChange>()) {
                    m_policyForward.append(a.payload.value<PolicyChange>());
                    m_policyBack.prepend(o.undo.value<PolicyChange>());
                }
                break;
            case ServerAction::Kind::RateLimit: {
                const QString key = a.target.server == QLatin1String("per-ip") ? QString() : a.target.server;
                m_limitsForward.append({ a.target.gateway, key, a.weight });
                m_limitsBack.append({ a.target.gateway, key, o.knewBefore ? qint64(o.weightBefore) : qint64(-1) });
                break;
            }
            }
        }
        setText(report.description);
    }
    bool isEmpty() const
    {
        return m_forward.isEmpty() && m_added.isEmpty() && m_removed.isEmpty() && m_limitsForward.isEmpty()
            && m_policyForward.isEmpty();
    }
    void undo() override
    {
        const QString what = QObject::tr("undo: %1").arg(text());
        if (!m_back.isEmpty())
            m_requests->insert(m_fleet->applyActions(m_back, what));
        for (const ServerSpec& s : std::as_const(m_added))
            m_requests->insert(m_fleet->removeServer({ s.gateway, s.backend, s.name }, 30000));
        for (const ServerSpec& s : std::as_const(m_removed))
            m_requests->insert(m_fleet->addServer(s));
        if (!m_limitsBack.isEmpty())
            m_requests->insert(m_fleet->changeRateLimits(m_limitsBack));
        if (!m_policyBack.isEmpty())
            m_requests->insert(m_fleet->changeCachePolicy(m_policyBack));
    }
    void redo() override
    {
        if (m_first) { // already applied when pushed
            m_first = false;
            return;
        }
        const QString what = QObject::tr("redo: %1").arg(text());
        if (!m_forward.isEmpty())
            m_requests->insert(m_fleet->applyActions(m_forward, what));
        for (const ServerSpec& s : std::as_const(m_added))
            m_requests->insert(m_fleet->addServer(s));
        for (const ServerSpec& s : std::as_const(m_removed))
            m_requests->insert(m_fleet->removeServer({ s.gateway, s.backend, s.name }, 30000));
        if (!m_limitsForward.isEmpty())
            m_requests->insert(m_fleet->changeRateLimits(m_limitsForward));
        if (!m_policyForward.isEmpty()) {
            QList<PolicyChange> again = m_policyForward;
            for (PolicyChange& c : again)
                c.baseVersion.clear(); // against the config as it is when redoing
            m_requests->insert(m_fleet->changeCachePolicy(again));
        }
    }

private:
    static ServerSpec specOf(const ServerAction& a)
    {
        ServerSpec spec;
        spec.gateway = a.target.gateway;
        spec.backend = a.target.backend;
        spec.name = a.target.server;
        spec.host = a.host;
        spec.port = a.port;
        spec.weight = a.weight;
        spec.maxconn = a.maxconn;
        spec.check = a.check;
        return spec;
    }

    FleetActions* m_fleet;
    QSet<quint64>* m_requests;
    QList<ServerAction> m_forward;
    QList<ServerAction> m_back;
    QList<ServerSpec> m_added;
    QList<ServerSpec> m_removed;
    QList<RateLimitChange> m_limitsForward;
    QList<RateLimitChange> m_limitsBack;
    QList<PolicyChange> m_policyForward;
    QList<PolicyChange> m_policyBack;
    bool m_first = true;
};
} // namespace

QUndoCommand* makeChangeCommand(FleetActions* fleet, QSet<quint64>* requests, const ActionReport& report)
{
    auto* command = new ServerChangeCommand(fleet, requests, report);
    if (command->isEmpty()) {
        delete command;
        return nullptr;
    }
    return command;
}

} // namespace Fleetdeck
