#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include "result.h"

namespace Fleetdeck::Drivers::Nginx {

// stub_status's page.
struct StubStatus
{
    qint64 active = 0;
    qint64 accepted = 0;
    qint64 handled = 0;
    qint64 requests = 0;
    qint64 reading = 0;
    qint64 writing = 0;
    qint64 waiting = 0;
};
Result<StubStatus> parseStubStatus(const QByteArray& page);

// What the access log says of one upstream server (by address), since Fleetdeck began reading it.
struct UpstreamTally
{
    qint64 requests = 0; // tries sent to it (a retried request counts once per server tried)
    qint64 errors5xx = 0; // tries it answered with 5xx, or failed (502/504 of its own)
    QList<float> recentMs; // its last response times, at most kRecentTimes
    static constexpr int kRecentTimes = 256;
    double averageMs() const;
};

// What the access log says of one pool: the requests proxied through it (its name in "proxy_host"), with the 5xx
// the client got (nginx's own 502 "no live upstreams" included).
struct PoolTally
{
    qint64 requests = 0;
    qint64 responses5xx = 0;
};

// The access log, read incrementally: JSON lines with the variables' names as keys ("status", "upstream_addr",
// "upstream_status", "upstream_response_time", and "proxy_host" to tell pools apart). Lines it cannot read are
// counted, not guessed at.
struct AccessLog
{
    // "127.0.0.1:8081" (every pool's tries to that address); with "proxy_host", also "api|127.0.0.1:8081".
    QHash<QString, UpstreamTally> byAddress;
    QHash<QString, PoolTally> byPool; // by "proxy_host": the pool's name as proxy_pass (or its map) gave it
    bool poolNamed = false; // the lines carry "proxy_host": figures are the pool's own, not its addresses'
    // At most this many addresses and pools are tallied (a log naming endless hosts does not grow Fleetdeck);
    // lines past it still count in the totals, and `untallied` says how many tries were left out.
    static constexpr int kMaxKeys = 20000;
    qint64 untallied = 0;
    qint64 requests = 0;
    qint64 responses5xx = 0;
    qint64 unreadable = 0;

    // Reads whole lines of `chunk`; returns how many bytes it used (up to the last line break).
    qsizetype read(const QByteArray& chunk);
};

// One error-log line that concerns upstreams.
struct ErrorLine
{
    qint64 timeMs = 0; // local time, as nginx writes it
    QString level; // emerg, alert, crit, error, warn, notice, info
    QString message; // "connect() failed (111: Connection refused) while connecting to upstream"
    QString upstream; // the server's address ("127.0.0.1:8081") or the pool's name ("api"), as nginx names it
    bool disabled = false; // "upstream server temporarily disabled": nginx took it out for fail_timeout
    bool noLiveUpstreams = false;
};
// Lines that name an upstream, and every emerg/alert/crit line (upstream empty); others are skipped.
QList<ErrorLine> parseErrorLog(const QByteArray& chunk, qsizetype* used);

// "10s", "1m", "500ms", "1h30s" as nginx reads a time, in ms (-1: not a time).
qint64 nginxTimeMs(const QString& text);

} // namespace Fleetdeck::Drivers::Nginx
