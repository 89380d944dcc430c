#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include "fleettypes.h"

namespace Fleetdeck::Test {

// The running lab, as tests/lab/fleetlab.py described it in its state file.
struct LabHAProxy
{
    int index = 0;
    QString name;
    int adminPort = 0;
    QString socketPath;
    int frontendPort = 0;
    qint64 pid = 0;
    QStringList backends;
};

struct LabCaddy
{
    QString name;
    int adminPort = 0;
    int listenPort = 0;
};

struct LabVarnish
{
    QString name;
    int adminPort = 0;
    int listenPort = 0;
    int exporterPort = 0;
    QString secretFile;
};

// A lab Redis (lab --redis): its port and the file holding the credential ("fleet:password").
struct LabRedis
{
    QString name;
    int port = 0;
    QString secretFile;
    QString config; // its redis.conf
    int tlsPort = 0; // the first, with lab --tls: TLS with the lab's CA (0: none)
};

// The nginx TLS front of the first Caddy's admin API (lab --tls).
struct LabTls
{
    QString caFile;
    QString wrongCaFile;
    QString clientCert;
    QString clientKey;
    int port = 0; // server certificate signed by the lab CA
    int changedPort = 0; // another certificate from the same CA
    int mtlsPort = 0; // wants a client certificate
    QString serverSha256;
    QString changedSha256;
    int authPort = 0; // HTTP basic authentication in front
    QString authUser;
    QString authPassword;
    int bearerPort = 0; // a bearer token in front
    QString bearerToken;
    QString clientKeyEncrypted; // clientKey under a pass phrase
    QString clientKeyPassphrase;
};

// The lab's signals HAProxy (lab --signals): a slow pool behind a server maxconn of 2 (path /lag/, 300 ms per
// request), a pool with connection reuse, a server disabled in the configuration, a TCP proxy and a stats-only
// listen section.
struct LabSignals
{
    GatewayConfig gateway;
    int adminPort = 0;
    int frontendPort = 0; // HTTP: /lag/ goes to the "slow" pool, the rest to "pooled"
    int tcpPort = 0; // TCP: "tcp_in" to "tcp_pool"
    QString fleetFile;
    bool present() const { return adminPort > 0; }
};

// An nginx load balancer of the lab (lab --nginx), reached over the lab's private sshd.
struct LabNginx
{
    GatewayConfig gateway; // as the fleet file has it (ssh://lab-nginx, its sshConfig, nginx command, logs)
    QString dir;
    int frontPort = 0; // HTTP: / to "api", /static/ to "static"
    int tcpPort = 0; // TCP: to "tcp_api"
    QString config; // nginx.conf
    QString upstreams; // conf.d/upstreams.conf: "api" and "static"
    QString stream; // stream.conf: "tcp_api"
    QString errorLog;
    QString accessLog;
    QString nginxCommand; // "nginx -p DIR -c nginx.conf"
};

// The lab's PostgreSQL (lab --postgres): the team journal's database, its two operators and their passwords.
struct LabPostgres
{
    QString url; // postgresql://ops-1@127.0.0.1:PORT/fleetdeck?sslmode=verify-full&sslrootcert=CA
    int port = 0;
    QString socketDir; // its UNIX socket, where the owner ("postgres") logs in without a password
    QString caFile;
    QString wrongCaFile;
    QStringList operators; // ops-1, ops-2
    QStringList passwords;
    bool present() const { return port > 0; }
    // The URL as operator `index` (0: ops-1).
    QString urlFor(int index) const;
};

struct Lab
{
    QString fleetFile;
    QList<GatewayConfig> gateways; // as the fleet file lists them
    QList<LabHAProxy> haproxy;
    QList<int> upstreamPorts; // nginx
    QList<int> caddyAdminPorts;
    QList<LabCaddy> caddy;
    QList<LabVarnish> varnish;
    QList<LabRedis> redis; // the second replicates the first
    LabTls tls;
    LabSignals signalsHAProxy;
    QString alertmanagerUrl; // lab --alertmanager: http://127.0.0.1:PORT
    QList<LabNginx> nginx;
    QString sshConfig; // the lab's ssh client config (host "lab-nginx"), for nginx
    QString sshDir; // its keys and known_hosts
    LabPostgres postgres;
    QString error;

    static Lab load(); // from $FLEETDECK_LAB_STATE
    // Runs fleetlab.py with the given command (kill-haproxy, start-haproxy) on instance index.
    bool control(const QString& command, int index) const;
    // Stops ("stop") or starts again ("start") the lab's PostgreSQL.
    bool controlPostgres(const QString& action) const;
    // Makes the nginx upstream at index pass or fail its health checks.
    bool setUpstreamHealthy(int index, bool healthy) const;
    // Loads a rule file (fleetdeck --recording-rules) into the lab's Prometheus, which evaluates it from then on.
    bool loadRecordingRules(const QString& ruleFile) const;

private:
    // Runs fleetlab.py <command> --state <the lab's> <arguments>; true when it succeeded within timeoutMs.
    static bool run(const QString& command, const QStringList& arguments, int timeoutMs);
};

// What an independent reader saw: the thing is there (with its value), it is not, or the reader could not tell
// (it failed, or the answer was not the one asked for) — which proves nothing either way. Tests prove an absence
// only with Absent, never with an empty value.
struct Seen
{
    enum class Presence { Present, Absent, Unknown };
    Presence presence = Presence::Unknown;
    QString value; // Present: the value; Unknown: why the reader could not tell

    bool present() const { return presence == Presence::Present; }
    bool absent() const { return presence == Presence::Absent; }
    QString describe() const; // for failure messages
};

// Asks HAProxy directly, through socat and not through Fleetdeck's own client, so tests check the gateway's
// real state with an independent reader.
QByteArray haproxyCommand(int adminPort, const QByteArray& command);
// A column of "show stat" for backend/server ("status": "UP", "DRAIN", "MAINT", ...).
Seen haproxyServer(int adminPort, const QString& backend, const QString& server, const QString& column);
// The same as text: the value, "(absent)" when there is no such server, "(could not ask: why)" when the reader
// failed; so a comparison with an expected value fails with a readable message.
QString haproxyServerField(int adminPort, const QString& backend, const QString& server, const QString& column);

// An HTTP request straight to a lab port (curl, independent of Fleetdeck): the status, headers and body as curl
// prints them with -i. Empty on failure.
QByteArray httpGet(int port, const QString& path, const QStringList& extraCurlArgs = {});
// A response header of a 200 answer to GET path (asked up to `attempts` times, past the lab's deliberate 500s):
// present with its value, absent when the 200 answer has none, unknown when no 200 answer came.
Seen responseHeader(int port, const QString& path, const QByteArray& header, int attempts = 6);
// Sends one raw HTTP request to a Caddy admin API with curl; returns "<status> <body>".
QByteArray caddyAdmin(int adminPort, const QString& method, const QString& path, const QByteArray& body = {});

QString testDataPath(const QString& relative);
// The bytes of a file under tests/data; stops the test run when it is missing.
QByteArray readTestData(const QString& relative);

} // namespace Fleetdeck::Test
