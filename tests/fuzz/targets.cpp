// The fuzz targets: each hands the input to one parser or frame reader and looks at the result, so that a parser
// that returns nonsense quietly is still exercised all the way. A crash, a sanitizer report or a hang is a finding.
#include "targets.h"

#include <cstring>
#include <limits>

#include <QBuffer>

#include "caddy/caddyparsers.h"
#include "fleetfile.h"
#include "haproxy/haproxyparsers.h"
#include "metricstore.h"
#include "nginx/nginxconfig.h"
#include "nginx/nginxlogs.h"
#include "registry.h"
#include "varnish/varnishcli.h"
#include "varnish/varnishparsers.h"
#include "wire/prometheusapi.h"
#include "wire/prometheustext.h"

namespace Fleetdeck::Fuzz {

namespace {
using namespace Drivers;

// Touches what a parse produced, so the optimiser keeps it and the sanitizers see it read.
template <typename T> void consume(const Result<T>& result)
{
    volatile qsizetype sink = result ? 1 : result.error().size();
    (void)sink;
}

void touchSnapshot(const GatewaySnapshot& snap)
{
    // Unsigned, so the sum may wrap: the harness must not have undefined behaviour of its own.
    quint64 sum = 0;
    for (const BackendSnapshot& b : snap.backends) {
        sum += quint64(b.name.size()) + quint64(b.requestsTotal);
        for (const ServerSnapshot& s : b.servers)
            sum += quint64(s.name.size()) + quint64(s.sessions) + quint64(s.requestsTotal)
                + quint64(s.secondsSinceChange);
    }
    for (const FrontendSnapshot& f : snap.frontends)
        sum += quint64(f.requestsTotal) + quint64(f.responses5xxTotal);
    volatile quint64 sink = sum;
    (void)sink;
}

// The Varnish CLI reader fed the input in pieces whose sizes the input's own bytes choose, as a socket would.
void varnishFrames(const QByteArray& input)
{
    Varnish::CliFrameReader reader;
    qsizetype at = 0;
    while (at < input.size()) {
        const qsizetype step = 1 + (quint8(input.at(at)) % 97);
        const auto replies = reader.feed(input.mid(at, step));
        if (!replies)
            return; // the stream is unusable from here, as the reader says
        for (const auto& r : replies.value()) {
            volatile qsizetype sink = r.status + r.body.size();
            (void)sink;
        }
        at += step;
    }
}

const ProductCatalog& catalog()
{
    static const ProductCatalog products = ProductRegistry::builtIn().catalog();
    return products;
}
} // namespace

QPair<QByteArray, QByteArray> splitAtNul(const QByteArray& input)
{
    const qsizetype nul = input.indexOf('\0');
    if (nul < 0)
        return { input, {} };
    return { input.left(nul), input.mid(nul + 1) };
}

const QList<Target>& targets()
{
    static const QList<Target> all = {
        { "haproxy_show_info", { "haproxy" }, [](const QByteArray& in) { consume(HAProxy::parseShowInfo(in)); } },
        { "haproxy_show_stat", { "haproxy" }, [](const QByteArray& in) { consume(HAProxy::parseShowStat(in)); } },
        { "haproxy_servers_state", { "haproxy" },
            [](const QByteArray& in) { consume(HAProxy::parseServersState(in)); } },
        { "haproxy_poll_reply", { "haproxy" },
            [](const QByteArray& in) {
                const auto snap = HAProxy::parsePollReply(in);
                consume(snap);
                if (snap)
                    touchSnapshot(snap.value());
            } },
        { "haproxy_maps", { "haproxy" },
            [](const QByteArray& in) {
                consume(HAProxy::parseMapList(in));
                consume(HAProxy::parseMapEntries(in));
                consume(HAProxy::parseIntegerVariable(in));
            } },
        { "haproxy_stick_table", { "haproxy" }, [](const QByteArray& in) { consume(HAProxy::parseStickTable(in)); } },
        { "haproxy_cache_policy", { "haproxy" },
            [](const QByteArray& in) {
                const auto [cache, stat] = splitAtNul(in);
                consume(HAProxy::parseCachePolicy(cache, stat));
            } },
        { "caddy_config", { "caddy" },
            [](const QByteArray& in) {
                const auto [config, upstreams] = splitAtNul(in);
                QHash<QString, QString> paths, servers;
                const auto snap = Caddy::parseCaddyConfig(config, upstreams, &paths, &servers);
                consume(snap);
                if (snap)
                    touchSnapshot(snap.value());
                consume(Caddy::parseCaddyCachePolicy(config));
            } },
        { "caddy_metrics", { "caddy", "prometheus" },
            [](const QByteArray& in) {
                const auto [metrics, config] = splitAtNul(in);
                GatewaySnapshot snap;
                consume(Caddy::applyCaddyMetrics(metrics, config, snap));
                touchSnapshot(snap);
            } },
        { "varnish_backend_list", { "varnish" },
            [](const QByteArray& in) {
                const auto pool = Varnish::parseBackendList(in, QStringLiteral("boot"));
                consume(pool);
            } },
        { "varnish_lists", { "varnish" },
            [](const QByteArray& in) {
                consume(Varnish::parseVclList(in));
                consume(Varnish::parseParameter(in));
                consume(Varnish::parseBanList(in));
            } },
        { "varnish_metrics", { "varnish", "prometheus" },
            [](const QByteArray& in) {
                GatewaySnapshot snap;
                BackendSnapshot pool;
                pool.name = QStringLiteral("boot");
                ServerSnapshot s;
                s.name = QStringLiteral("web1");
                pool.servers.append(s);
                snap.backends.append(pool);
                consume(Varnish::applyVarnishMetrics(in, snap));
                touchSnapshot(snap);
            } },
        { "varnish_cli_frames", { "varnish" }, varnishFrames },
        { "prometheus_text", { "prometheus", "caddy", "varnish" },
            [](const QByteArray& in) { consume(Wire::parsePrometheusText(in)); } },
        { "prometheus_query_range", { "prometheus" },
            [](const QByteArray& in) { consume(Wire::parseQueryRange(in)); } },
        { "fleet_file", { "fleet" }, [](const QByteArray& in) { consume(parseFleetFile(in, catalog())); } },
        { "nginx_config", { "nginx" },
            [](const QByteArray& in) {
                // nginx -T, then every edit on the first upstream's first server, each result parsed again.
                const auto config = Nginx::parseDump(in);
                if (config && !config.value().upstreams.isEmpty()) {
                    const Nginx::Upstream& u = config.value().upstreams.first();
                    const QByteArray text = config.value().file(u.file)->text;
                    const Nginx::ServerAt server = u.servers.isEmpty()
                        ? Nginx::ServerAt { QStringLiteral("none") }
                        : Nginx::ServerAt { u.servers.first().address, u.servers.first().line };
                    consume(Nginx::setServerFlag(text, u.configName, u.line, server, QStringLiteral("down"), true));
                    consume(Nginx::setServerParameter(
                        text, u.configName, u.line, server, QStringLiteral("weight"), QStringLiteral("7")));
                    consume(Nginx::addServer(text, u.configName, u.line, QStringLiteral("10.9.9.9:80"), {}));
                    consume(Nginx::removeServer(text, u.configName, u.line, server));
                }
                QList<Nginx::Directive> list;
                Nginx::ParseError error;
                Nginx::parseDirectives(in, &list, &error);
            } },
        { "recent_history", { "history" },
            [](const QByteArray& in) {
                // A saved last hour (the operator's data directory), read into a store, then every series drawn.
                QBuffer file;
                file.setData(in);
                file.open(QIODevice::ReadOnly);
                MetricStore store;
                if (store.loadRecent(&file)) {
                    float sum = 0; // read, so the sanitizers see every decoded bucket
                    for (const QString& key : store.keys())
                        for (const MetricStore::Bucket& b :
                            store.range(key, 0, std::numeric_limits<qint64>::max() / 2, 2000))
                            sum += b.mean;
                    volatile float sink = sum;
                    (void)sink;
                }
            } },
        { "nginx_logs", { "nginx" },
            [](const QByteArray& in) {
                consume(Nginx::parseStubStatus(in));
                Nginx::AccessLog log;
                log.read(in);
                qsizetype used = 0;
                Nginx::parseErrorLog(in, &used);
            } },
    };
    return all;
}

const Target* find(const char* name)
{
    for (const Target& t : targets()) {
        if (std::strcmp(t.name, name) == 0)
            return &t;
    }
    return nullptr;
}

} // namespace Fleetdeck::Fuzz
