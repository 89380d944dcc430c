#pragma once

#include <optional>

#include "driver.h"
#include "nginxconfig.h"
#include "nginxlogs.h"

class QNetworkAccessManager;

namespace Fleetdeck::Wire {
class CommandChannel;
}

namespace Fleetdeck::Drivers::Nginx {

// Open-source nginx, agentlessly: over SSH (or on this machine). Pools are the upstream blocks of the effective
// configuration (`nginx -T`), figures come from stub_status and the access log, passive failures from the error
// log. nginx has no runtime API for upstreams: a change is a minimal edit of the file that holds the upstream,
// checked against the file as the operator saw it, backed up, written next to it and renamed into place, tested
// with `nginx -t` (restored when refused), reloaded, and confirmed by new worker processes and an error log without
// a new [emerg] (restored and reloaded again when the reload did not take).
class NginxDriver final : public Driver
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NginxDriver)

public:
    explicit NginxDriver(const GatewayConfig& config, QObject* parent = nullptr);
    ~NginxDriver() override;

    void fetchSnapshot(SnapshotCallback callback) override;

    // The fleet entry's settings, with nginx's defaults.
    QStringList nginxCommand() const;
    QStringList reloadCommand() const;

protected:
    void sendChange(const Change& change, const GatewayState& current, ActionCallback callback) override;

private:
    using Editor = std::function<Result<QByteArray>(const QByteArray& file, const Upstream& upstream)>;
    // Reads the configuration, edits the file that holds `pool`, and commits the edit.
    void edit(
        const QString& pool, const QString& baseVersion, const QString& what, Editor editor, ActionCallback callback);
    void editFrom(const NginxConfig& now, const QString& version, const QString& pool, const QString& baseVersion,
        const QString& what, const Editor& editor, const ActionCallback& callback);
    void commit(const QString& file, const QByteArray& before, const QByteArray& after, const QString& what,
        ActionCallback callback);
    GatewaySnapshot build(const QByteArray& dump, const QList<QByteArray>& sections, qint64 takenAtMs, bool full);
    // Reads a dump, naming its members as the last configuration named them (stable across removals).
    Result<NginxConfig> readDump(const QByteArray& dump) const;
    // The per-server and per-pool figures from the access log.
    void countFigures(GatewaySnapshot& snap) const;
    QString option(const QString& key) const { return config().options.value(key); }
    QString pidFile() const;
    QString errorLogPath() const;

    Wire::CommandChannel* m_channel;
    QNetworkAccessManager* m_network;
    std::optional<NginxConfig> m_config; // the last configuration read whole
    QString m_configVersion;
    // The files of the last few versions read, so a conflict can name the files that changed since the operator's.
    QMap<QString, QList<DumpedFile>> m_versions;
    QStringList m_versionOrder;
    // The logs, read from where the last poll stopped (-1: not yet, start at the end); a new inode starts over.
    qint64 m_lastFullPollMs = 0;
    QByteArray m_freshDump; // `nginx -T` as a change left it, for the re-read that verifies it (once)
    qint64 m_freshDumpMs = 0;
    qint64 m_configReadMs = 0; // when m_config was read
    qint64 m_accessOffset = -1;
    qint64 m_errorOffset = -1;
    QString m_accessInode;
    QString m_errorInode;
    AccessLog m_access;
    qint64 m_accessBehind = 0; // bytes skipped because the log grew faster than one read takes
    QHash<QString, qint64> m_disabledUntil; // address -> until when nginx said it took the server out
    QHash<QString, QString> m_disabledWhy;
    // Names asked for by members being added ("pool|address" -> name), for carryNames to give the new lines.
    QHash<QString, QString> m_wantedNames;
    // Without "proxy_host" in the log, a pool's counts are its members' addresses' counts added up as they grow,
    // so a member added or removed neither jumps nor drops the pool's total: pool -> totals and each address's last.
    struct PoolCount
    {
        qint64 requests = 0;
        qint64 errors = 0;
        QHash<QString, std::pair<qint64, qint64>> last;
    };
    mutable QHash<QString, PoolCount> m_poolCounts;
    // The last stub_status read, and when: a configuration-only re-read carries it and its time.
    std::optional<StubStatus> m_lastStatus;
    QString m_lastStatusError;
    qint64 m_countersReadMs = 0;
    QString m_configNotLoaded; // as the last full poll found it (a light one does not look)
};

} // namespace Fleetdeck::Drivers::Nginx
