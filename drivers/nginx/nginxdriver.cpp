#include "nginxdriver.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSet>

#include "nginxscripts.h"
#include "registry.h"
#include "wire/answerlimits.h"
#include "wire/commandchannel.h"

namespace Fleetdeck::Drivers::Nginx {

ProductDescriptor descriptor(); // nginxproduct.cpp

namespace {

// The most of each log one poll reads; a log that grows faster is skipped ahead (and the snapshot says so).
constexpr qint64 kMaxLogBytesPerPoll = 4 * 1024 * 1024;
// How long a reload has to show new workers (or an [emerg]) before it counts as not taken.
constexpr int kReloadWaitSteps = 1000; // of 10 ms
// A poll this soon after the last full one reads the configuration only (the pipeline's re-reads around a change).
constexpr qint64 kLightPollWithinMs = 1000;

QString sha256(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QString firstLines(const QByteArray& text, int lines = 4)
{
    QStringList kept = QString::fromUtf8(text).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    kept = kept.mid(0, lines);
    for (QString& l : kept)
        l = l.trimmed();
    return kept.join(QLatin1String(" | ")).left(600);
}

// A command line from the fleet file, split into words as a POSIX shell would (single and double quotes, backslash),
// without running anything: each word is then quoted again for the remote shell.
QStringList splitCommand(const QString& text, const QStringList& fallback)
{
    QStringList words;
    QString word;
    bool inWord = false;
    QChar quote;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else if (c == QLatin1Char('\\') && quote == QLatin1Char('"') && i + 1 < text.size())
                word += text.at(++i);
            else
                word += c;
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            inWord = true;
        } else if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            word += text.at(++i);
            inWord = true;
        } else if (c.isSpace()) {
            if (inWord)
                words.append(word);
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (inWord)
        words.append(word);
    return words.isEmpty() ? fallback : words;
}

} // namespace

NginxDriver::NginxDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_channel(new Wire::CommandChannel(config.name, config.admin, config.options.value(QStringLiteral("sshConfig")),
          config.maxAnswerBytes() + 2 * kMaxLogBytesPerPoll, this))
    , m_network(new QNetworkAccessManager(this))
{ }

NginxDriver::~NginxDriver() = default;

QStringList NginxDriver::nginxCommand() const
{
    return splitCommand(option(QStringLiteral("nginx")), { QStringLiteral("nginx") });
}

QStringList NginxDriver::reloadCommand() const
{
    return splitCommand(option(QStringLiteral("reload")),
        nginxCommand() + QStringList { QStringLiteral("-s"), QStringLiteral("reload") });
}

QString NginxDriver::pidFile() const
{
    if (!option(QStringLiteral("pidFile")).isEmpty())
        return option(QStringLiteral("pidFile"));
    if (m_config && m_config->pid.startsWith(QLatin1Char('/')))
        return m_config->pid;
    return QStringLiteral("/run/nginx.pid"); // Debian's build
}

QString NginxDriver::errorLogPath() const
{
    if (!option(QStringLiteral("errorLog")).isEmpty())
        return option(QStringLiteral("errorLog"));
    if (m_config && m_config->errorLog.startsWith(QLatin1Char('/')))
        return m_config->errorLog;
    return {};
}

void NginxDriver::fetchSnapshot(SnapshotCallback callback)
{
    const qint64 startedMs = QDateTime::currentMSecsSinceEpoch();
    const QString token
        = QStringLiteral("fd%1").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
    // A poll soon after a full one (the pipeline's re-reads around a change) reads the configuration only, and
    // carries the counters of the last full one with their time: a regular poll, even a jittery one, is full.
    const qint64 lightWithinMs = qMin<qint64>(kLightPollWithinMs, config().pollIntervalMs / 2);
    const bool full = startedMs - m_lastFullPollMs >= lightWithinMs;
    if (full)
        m_lastFullPollMs = startedMs;
    struct Pending
    {
        std::optional<Result<Wire::CommandChannel::Output>> poll;
        std::optional<Result<StubStatus>> status;
        SnapshotCallback callback;
    };
    auto pending = std::make_shared<Pending>();
    pending->callback = std::move(callback);
    const bool wantStatus = !option(QStringLiteral("stubStatus")).isEmpty();
    if (!wantStatus)
        pending->status = Result<StubStatus>::failure({});
    else if (!full)
        pending->status = m_lastStatus ? Result<StubStatus>::success(*m_lastStatus)
                                       : Result<StubStatus>::failure(m_lastStatusError);
    auto maybeDone = [this, pending, token, startedMs, wantStatus, full] {
        if (!pending->poll || !pending->status)
            return;
        const auto& poll = *pending->poll;
        if (!poll) {
            pending->callback(Result<GatewaySnapshot>::failure(poll.error(), poll.failureKind()));
            return;
        }
        const QByteArray out = poll.value().out;
        const QByteArray sep = "\n" + token.toLatin1() + ' ';
        QList<QByteArray> sections;
        qsizetype pos = out.indexOf(sep);
        while (pos >= 0) {
            const qsizetype next = out.indexOf(sep, pos + sep.size());
            sections.append(out.mid(pos + sep.size(), next < 0 ? -1 : next - pos - sep.size()));
            pos = next;
        }
        if (sections.isEmpty() || !sections.last().startsWith("end")) {
            pending->callback(
                Result<GatewaySnapshot>::failure(QStringLiteral("%1: the read over %2 did not finish (exit %3): %4")
                                                     .arg(config().name, m_channel->where())
                                                     .arg(poll.value().exitCode)
                                                     .arg(firstLines(poll.value().err + out.left(300)))));
            return;
        }
        QByteArray dump;
        for (const QByteArray& s : std::as_const(sections))
            if (s.startsWith("dump\n"))
                dump = s.mid(5);
        if (full)
            m_countersReadMs = startedMs;
        GatewaySnapshot snap = build(dump, sections, startedMs, full);
        if (!full)
            snap.countersTakenAtMs = m_countersReadMs;
        const Result<StubStatus>& status = *pending->status;
        if (full && wantStatus) {
            m_lastStatus = status ? std::optional<StubStatus>(status.value()) : std::nullopt;
            m_lastStatusError = status ? QString() : status.error();
        }
        FrontendSnapshot http;
        http.name = QStringLiteral("http");
        http.status = QStringLiteral("OPEN");
        http.binds = m_config ? m_config->httpListens.join(QStringLiteral(", ")) : QString();
        http.requestsTotal = -1;
        http.responses5xxTotal = -1;
        http.responses4xxTotal = -1;
        if (wantStatus && status) {
            http.sessions = status.value().active;
            http.requestsTotal = status.value().requests;
            http.responses5xxTotal = option(QStringLiteral("accessLog")).isEmpty() ? -1 : m_access.responses5xx;
            snap.load.inFlight = status.value().writing;
        } else if (wantStatus) {
            snap.notices.append({ QStringLiteral("stub_status (%1) could not be read: %2")
                                      .arg(option(QStringLiteral("stubStatus")), status.error()),
                {} });
        } else {
            snap.notices.append({ QStringLiteral("No stub_status URL (\"stubStatus\" in the fleet file): the "
                                                 "gateway's requests and connections are not shown."),
                {} });
        }
        if (wantStatus || !http.binds.isEmpty())
            snap.frontends.append(http);
        if (m_config && !m_config->streamListens.isEmpty()) {
            // Where the stream servers listen; open-source nginx counts their connections nowhere Fleetdeck reads.
            FrontendSnapshot stream;
            stream.name = QStringLiteral("stream");
            stream.status = QStringLiteral("OPEN");
            stream.tcp = true;
            stream.binds = m_config->streamListens.join(QStringLiteral(", "));
            stream.requestsTotal = -1;
            stream.responses5xxTotal = -1;
            stream.responses4xxTotal = -1;
            snap.frontends.append(stream);
        }
        pending->callback(Result<GatewaySnapshot>::success(snap));
    };

    QStringList files;
    if (m_config)
        for (const DumpedFile& f : std::as_const(m_config->files))
            files.append(f.path);
    const QStringList args
        = { token, full ? QStringLiteral("1") : QStringLiteral("0"), option(QStringLiteral("accessLog")),
              QString::number(m_accessOffset), m_accessInode, errorLogPath(), QString::number(m_errorOffset),
              m_errorInode, QString::number(kMaxLogBytesPerPoll), pidFile(), files.join(QLatin1Char('\n')) };
    if (!full && !m_freshDump.isEmpty() && startedMs - m_freshDumpMs < kLightPollWithinMs) {
        // The re-read right after a change: the `nginx -T` the change ran once the reload was confirmed.
        Wire::CommandChannel::Output fresh;
        fresh.exitCode = 0;
        const QByteArray t = token.toLatin1();
        fresh.out = "\n" + t + " dump\n" + m_freshDump + "\n" + t + " status 0\n\n" + t + " end\n";
        m_freshDump.clear();
        pending->poll = Result<Wire::CommandChannel::Output>::success(fresh);
        maybeDone();
    } else {
        m_channel->runScript(
            QString::fromLatin1(Scripts::poll), args + nginxCommand(), {}, config().deadlineMs,
            [pending, maybeDone](Result<Wire::CommandChannel::Output> r) {
                pending->poll = std::move(r);
                maybeDone();
            },
            QStringLiteral("the poll (nginx -T and the logs)"));
    }
    if (wantStatus && full) {
        QNetworkRequest request(QUrl(option(QStringLiteral("stubStatus"))));
        QNetworkReply* reply = m_network->get(request);
        Wire::limitReply(reply, Wire::AnswerLimits::of(config()));
        connect(reply, &QNetworkReply::finished, this, [reply, pending, maybeDone] {
            reply->deleteLater();
            const QString error = Wire::replyErrorText(reply);
            const int http = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (!error.isEmpty())
                pending->status = Result<StubStatus>::failure(error);
            else if (http != 200)
                pending->status = Result<StubStatus>::failure(QStringLiteral("HTTP %1").arg(http));
            else
                pending->status = parseStubStatus(Wire::replyBody(reply));
            maybeDone();
        });
    }
}

Result<NginxConfig> NginxDriver::readDump(const QByteArray& dump) const
{
    Result<NginxConfig> parsed = parseDump(dump);
    if (parsed && m_config) {
        NginxConfig named = parsed.value();
        carryNames(*m_config, &named, m_wantedNames);
        return Result<NginxConfig>::success(named);
    }
    return parsed;
}

GatewaySnapshot NginxDriver::build(
    const QByteArray& dump, const QList<QByteArray>& sections, qint64 takenAtMs, bool full)
{
    if (full)
        m_configNotLoaded.clear();
    GatewaySnapshot snap;
    snap.takenAtMs = takenAtMs;
    QString statusCode;
    QByteArray statusText;
    for (const QByteArray& s : sections) {
        const qsizetype nl = s.indexOf('\n');
        const QList<QByteArray> head = s.left(nl < 0 ? s.size() : nl).split(' ');
        const QByteArray body = nl < 0 ? QByteArray() : s.mid(nl + 1);
        const QByteArray& name = head.value(0);
        if (name == "status") {
            statusCode = QString::fromLatin1(head.value(1));
            statusText = body;
        } else if (name == "loaded") {
            // "loaded NOW UPTIME HZ START" then "MTIME PATH": when the newest worker started (a reload replaces
            // them all) against the newest file of the configuration.
            const double now = head.value(1).toDouble();
            const double uptime = head.value(2).toDouble();
            const double hz = head.value(3).toDouble();
            const double start = head.value(4).toDouble();
            const QByteArray newest = body.trimmed();
            const qsizetype space = newest.indexOf(' ');
            const double mtime = newest.left(space).toDouble();
            if (hz > 0 && start > 0 && space > 0 && now > 0) {
                const double loadedAt = now - (uptime - start / hz);
                if (mtime > loadedAt + 0.2)
                    m_configNotLoaded
                        = QStringLiteral("%1 changed on disk at %2, after nginx last loaded its configuration (%3): "
                                         "not reloaded yet, so what runs is not what the file says")
                              .arg(QString::fromUtf8(newest.mid(space + 1)),
                                  QDateTime::fromMSecsSinceEpoch(qint64(mtime * 1000))
                                      .toString(QStringLiteral("HH:mm:ss")),
                                  QDateTime::fromMSecsSinceEpoch(qint64(loadedAt * 1000))
                                      .toString(QStringLiteral("HH:mm:ss")));
            }
        } else if (name == "version") {
            const QString v = QString::fromUtf8(body).trimmed();
            snap.version = v.mid(v.lastIndexOf(QLatin1Char('/')) + 1);
        } else if (name == "master") {
            snap.pid = head.value(1).toLongLong();
            snap.uptimeSeconds = head.value(2).toLongLong();
        } else if ((name == "access" || name == "error") && head.value(1) == "unreadable") {
            snap.notices.append(
                { QStringLiteral("The %1 log cannot be read by the SSH user: its figures are not shown.")
                        .arg(QString::fromLatin1(name)),
                    {} });
        } else if (name == "access" || name == "error") {
            const qint64 off = head.value(1).toLongLong();
            const qint64 size = head.value(2).toLongLong();
            const QString inode = QString::fromLatin1(head.value(3));
            if (name == "access") {
                const qsizetype used = m_access.read(body);
                // A line longer than one read: skipped whole.
                const qint64 step = used > 0 ? used : (body.size() >= kMaxLogBytesPerPoll ? body.size() : 0);
                m_accessOffset = off + step;
                m_accessInode = inode;
                if (size - m_accessOffset > 4 * kMaxLogBytesPerPoll) { // far behind: jump to the end
                    m_accessBehind += size - m_accessOffset;
                    m_accessOffset = size;
                }
            } else {
                qsizetype used = 0;
                const QList<ErrorLine> lines = parseErrorLog(body, &used);
                m_errorOffset = off + (used > 0 ? used : (body.size() >= kMaxLogBytesPerPoll ? body.size() : 0));
                m_errorInode = inode;
                if (size - m_errorOffset > 4 * kMaxLogBytesPerPoll)
                    m_errorOffset = size;
                // One timeline line per pool or server and message, with a count: a failing server under load
                // writes a line per request.
                QMap<QPair<QString, QString>, QPair<int, ErrorLine>> grouped;
                for (const ErrorLine& e : lines) {
                    auto& slot = grouped[{ e.upstream, e.message }];
                    slot.first += 1;
                    slot.second = e;
                    if (e.disabled)
                        m_disabledWhy.insert(e.upstream, e.message);
                    if (e.disabled && m_config) {
                        qint64 timeout = 10000;
                        for (const Upstream& u : std::as_const(m_config->upstreams))
                            for (const UpstreamServer& s : u.servers)
                                if (s.address == e.upstream)
                                    timeout = nginxTimeMs(s.failTimeout);
                        m_disabledUntil.insert(e.upstream, e.timeMs + qMax<qint64>(timeout, 0));
                    }
                }
                for (auto it = grouped.cbegin(); it != grouped.cend() && snap.logged.size() < 20; ++it) {
                    const ErrorLine& e = it.value().second;
                    QString object;
                    if (m_config) {
                        for (const Upstream& u : std::as_const(m_config->upstreams)) {
                            if (u.configName == e.upstream)
                                object = u.name;
                            for (const UpstreamServer& s : u.servers)
                                if (object.isEmpty() && s.address == e.upstream)
                                    object = u.name + QLatin1Char('/') + s.name;
                        }
                    }
                    const int n = it.value().first;
                    snap.logged.append({ e.timeMs, object,
                        QStringLiteral("error.log [%1]: %2%3")
                            .arg(e.level, e.message, n > 1 ? QStringLiteral(" (×%1)").arg(n) : QString()),
                        true });
                }
            }
        }
    }

    if (statusCode == QLatin1String("0")) {
        const Result<NginxConfig> parsed = readDump(dump);
        if (parsed) {
            // Names asked for that the new lines took are done with.
            for (const Upstream& u : parsed.value().upstreams)
                for (const UpstreamServer& us : u.servers)
                    if (m_wantedNames.value(u.name + QLatin1Char('|') + us.address) == us.name)
                        m_wantedNames.remove(u.name + QLatin1Char('|') + us.address);
            m_config = parsed.value();
            m_configVersion = sha256(dump).left(16);
            m_configReadMs = QDateTime::currentMSecsSinceEpoch();
            if (!m_versions.contains(m_configVersion)) {
                m_versions.insert(m_configVersion, m_config->files);
                m_versionOrder.append(m_configVersion);
                if (m_versionOrder.size() > 8)
                    m_versions.remove(m_versionOrder.takeFirst());
            }
        } else {
            snap.notices.append({ QStringLiteral("nginx -T: %1").arg(parsed.error()), {} });
        }
    } else {
        // nginx's own words: the running configuration is the last one that loaded; nothing is edited meanwhile.
        snap.configRefused = QStringLiteral("nginx -t fails (exit %1): %2").arg(statusCode, firstLines(statusText));
        snap.notices.append({ QStringLiteral("%1; the pools shown are the last ones read, and nothing is changed "
                                             "until the configuration tests clean")
                                  .arg(snap.configRefused),
            {} });
    }
    snap.configNotLoaded = m_configNotLoaded;
    if (!m_config)
        return snap;
    // A broken tree is not edited: the version stays empty only in the notice's sense; changes re-read anyway.
    snap.configVersion = m_configVersion;
    if (!m_config->problem.isEmpty())
        snap.notices.append({ QStringLiteral("Shown read-only: Fleetdeck cannot read %1").arg(m_config->problem), {} });
    const bool counted = !option(QStringLiteral("accessLog")).isEmpty();
    if (!counted)
        snap.notices.append({ QStringLiteral("No access log named (\"accessLog\" in the fleet file, JSON with "
                                             "$upstream_addr, $upstream_status and $upstream_response_time): "
                                             "per-server requests, 5xx and response times are not shown."),
            {} });
    if (m_accessBehind > 0)
        snap.notices.append({ QStringLiteral("The access log grows faster than it is read: %1 MB were skipped.")
                                  .arg(m_accessBehind / (1024 * 1024)),
            {} });
    if (errorLogPath().isEmpty())
        snap.notices.append({ QStringLiteral("No error log file (\"errorLog\" in the fleet file): passive failures "
                                             "are not shown, and a reload is confirmed by its workers only."),
            {} });
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    snap.backends = poolsOf(*m_config);
    for (qsizetype i = 0; i < snap.backends.size(); ++i) {
        const Upstream& u = m_config->upstreams.at(i);
        for (qsizetype j = 0; j < snap.backends[i].servers.size(); ++j) {
            const UpstreamServer& us = u.servers.at(j);
            ServerSnapshot& s = snap.backends[i].servers[j];
            if (m_disabledUntil.value(us.address) > now && !us.down) {
                s.health = Health::Down;
                s.status = QStringLiteral("taken out by nginx until %1 (max_fails=%2 in fail_timeout=%3)")
                               .arg(QDateTime::fromMSecsSinceEpoch(m_disabledUntil.value(us.address))
                                        .toString(QStringLiteral("HH:mm:ss")))
                               .arg(us.maxFails)
                               .arg(us.failTimeout);
                s.checkStatus = QStringLiteral("passive");
                s.checkDescription = m_disabledWhy.value(us.address);
            }
        }
    }
    if (counted)
        countFigures(snap);
    return snap;
}

void NginxDriver::countFigures(GatewaySnapshot& snap) const
{
    const bool byPool = m_access.poolNamed;
    bool sharedAcrossPools = false;
    // Without proxy_host: how many http pools list each address (once per pool), to say when figures are shared.
    QHash<QString, int> poolsWith;
    if (!byPool) {
        for (const Upstream& u : std::as_const(m_config->upstreams)) {
            if (u.stream)
                continue;
            QSet<QString> here;
            for (const UpstreamServer& s : u.servers)
                here.insert(s.address);
            for (const QString& address : std::as_const(here))
                sharedAcrossPools = ++poolsWith[address] > 1 || sharedAcrossPools;
        }
    }
    for (qsizetype i = 0; i < snap.backends.size(); ++i) {
        const Upstream& u = m_config->upstreams.at(i);
        BackendSnapshot& b = snap.backends[i];
        if (u.stream)
            continue; // the access log is http's
        // Each address is counted once per pool: its first line shows the figures, a second line of the same
        // address names it (nginx logs the address, not the line).
        QHash<QString, qsizetype> firstOf;
        double timeSum = 0;
        int timeCount = 0;
        PoolCount& running = m_poolCounts[u.name];
        qint64 addedRequests = 0;
        qint64 addedErrors = 0;
        QHash<QString, std::pair<qint64, qint64>> seenNow;
        for (qsizetype j = 0; j < b.servers.size(); ++j) {
            const UpstreamServer& us = u.servers.at(j);
            ServerSnapshot& s = b.servers[j];
            if (const auto first = firstOf.constFind(us.address); first != firstOf.constEnd()) {
                ServerSnapshot& shown = b.servers[first.value()];
                s.countedWith = shown.name;
                shown.countedWith
                    = shown.countedWith.isEmpty() ? s.name : shown.countedWith + QStringLiteral(", ") + s.name;
                continue;
            }
            firstOf.insert(us.address, j);
            const QString key = byPool ? u.configName + QLatin1Char('|') + us.address : us.address;
            const UpstreamTally t = m_access.byAddress.value(key);
            s.requestsTotal = t.requests;
            s.responses5xxTotal = t.errors5xx;
            if (!byPool) {
                // What the address gained since the last reading, added to the pool's own running total.
                if (const auto last = running.last.constFind(us.address); last != running.last.constEnd()) {
                    addedRequests += qMax<qint64>(0, t.requests - last->first);
                    addedErrors += qMax<qint64>(0, t.errors5xx - last->second);
                }
                seenNow.insert(us.address, { t.requests, t.errors5xx });
            }
            if (!t.recentMs.isEmpty()) {
                s.load.responseMs = qint64(t.averageMs() + 0.5);
                s.load.averagedOver = QStringLiteral("its last %1 responses in the access log").arg(t.recentMs.size());
                timeSum += t.averageMs();
                ++timeCount;
            }
        }
        if (byPool) {
            const PoolTally p = m_access.byPool.value(u.configName);
            b.requestsTotal = p.requests;
            b.responses5xxTotal = p.responses5xx;
        } else {
            running.requests += addedRequests;
            running.errors += addedErrors;
            running.last = seenNow;
            b.requestsTotal = running.requests;
            b.responses5xxTotal = running.errors;
        }
        if (timeCount > 0) {
            b.load.responseMs = qint64(timeSum / timeCount + 0.5);
            b.load.averagedOver = QStringLiteral("the mean of its servers' recent averages (access log)");
        }
    }
    if (!byPool)
        snap.notices.append({ sharedAcrossPools
                ? QStringLiteral("The access log has no \"proxy_host\" ($proxy_host): a server's figures are its "
                                 "address's in every pool that uses it, and some addresses are in more than one pool.")
                : QStringLiteral("The access log has no \"proxy_host\" ($proxy_host): pools are counted from their "
                                 "servers' addresses, and requests nginx answered itself (no live upstreams) are not."),
            {} });
}

namespace {
// The line a member's name stands for in the configuration the edit reads (names follow members; lines are what the
// file has), or a conflict when the member is not there.
Result<ServerAt> lineOf(const Upstream& u, const QString& server)
{
    for (const UpstreamServer& s : u.servers)
        if (s.name == server)
            return Result<ServerAt>::success(ServerAt { s.address, s.line });
    return Result<ServerAt>::failure(
        QStringLiteral("upstream %1 has no server %2 now").arg(u.configName, server), Failure::Conflict);
}

// The parameters of a member put back: as it was written when its definition is given (and names its address),
// else from the spec's fields.
Result<QStringList> parametersOf(const ServerSpec& spec)
{
    QStringList parameters;
    if (!spec.definition.isEmpty()) {
        QList<Directive> parsed;
        ParseError error;
        const QByteArray line = "server " + spec.definition.toUtf8() + ';';
        if (!parseDirectives(line, &parsed, &error) || parsed.size() != 1 || parsed.first().block
            || parsed.first().args().value(0) != spec.address())
            return Result<QStringList>::failure(
                QStringLiteral("the definition \"%1\" is not one server line for %2; nothing written")
                    .arg(spec.definition, spec.address()));
        return Result<QStringList>::success(parsed.first().args().mid(1));
    }
    if (spec.weight != 1)
        parameters.append(QStringLiteral("weight=%1").arg(spec.weight));
    if (spec.maxconn > 0)
        parameters.append(QStringLiteral("max_conns=%1").arg(spec.maxconn));
    for (auto it = spec.options.cbegin(); it != spec.options.cend(); ++it)
        if (it.key() != QLatin1String("backup") && !it.value().isEmpty())
            parameters.append(QStringLiteral("%1=%2").arg(it.key(), it.value()));
    if (spec.backup || spec.options.value(QStringLiteral("backup")) == QLatin1String("on"))
        parameters.append(QStringLiteral("backup"));
    if (spec.state == AdminState::Drain)
        parameters.append(QStringLiteral("down"));
    return Result<QStringList>::success(parameters);
}
} // namespace

void NginxDriver::sendChange(const Change& change, const GatewayState& current, ActionCallback callback)
{
    Q_UNUSED(current)
    if (const auto* c = change.as<ServerStateChange>()) {
        const bool down = c->state == AdminState::Drain;
        const QString server = c->target.server;
        edit(
            c->target.backend, change.baseVersion,
            down ? QStringLiteral("mark %1 down").arg(server) : QStringLiteral("remove down from %1").arg(server),
            [server, down](const QByteArray& file, const Upstream& u) {
                const Result<ServerAt> at = lineOf(u, server);
                if (!at)
                    return Result<QByteArray>::failure(at.error(), at.failureKind());
                return setServerFlag(file, u.configName, u.line, at.value(), QStringLiteral("down"), down);
            },
            std::move(callback));
    } else if (const auto* c = change.as<WeightChange>()) {
        const QString server = c->target.server;
        const int weight = c->weight;
        edit(
            c->target.backend, change.baseVersion, QStringLiteral("weight=%1 on %2").arg(weight).arg(server),
            [server, weight](const QByteArray& file, const Upstream& u) {
                const Result<ServerAt> at = lineOf(u, server);
                if (!at)
                    return Result<QByteArray>::failure(at.error(), at.failureKind());
                return setServerParameter(
                    file, u.configName, u.line, at.value(), QStringLiteral("weight"), QString::number(weight));
            },
            std::move(callback));
    } else if (const auto* c = change.as<AddMemberChange>()) {
        const ServerSpec spec = c->spec;
        const Result<QStringList> parameters = parametersOf(spec);
        if (!parameters) {
            callback(Result<QString>::failure(parameters.error()));
            return;
        }
        // The new line is named as asked (a member put back keeps its "#2").
        m_wantedNames.insert(spec.backend + QLatin1Char('|') + spec.address(), spec.name);
        const QStringList words = parameters.value();
        edit(
            spec.backend, change.baseVersion,
            QStringLiteral("add server %1%2")
                .arg(spec.address(), spec.before.isEmpty() ? QString() : QStringLiteral(" before %1").arg(spec.before)),
            [spec, words](const QByteArray& file, const Upstream& u) {
                ServerAt before;
                if (!spec.before.isEmpty())
                    if (const Result<ServerAt> at = lineOf(u, spec.before))
                        before = at.value();
                return addServer(file, u.configName, u.line, spec.address(), words, before);
            },
            std::move(callback));
    } else if (const auto* c = change.as<RemoveMemberChange>()) {
        const QString server = c->target.server;
        edit(
            c->target.backend, change.baseVersion, QStringLiteral("remove server %1").arg(server),
            [server](const QByteArray& file, const Upstream& u) {
                const Result<ServerAt> at = lineOf(u, server);
                if (!at)
                    return Result<QByteArray>::failure(at.error(), at.failureKind());
                return removeServer(file, u.configName, u.line, at.value());
            },
            std::move(callback));
    } else if (const auto* c = change.as<MemberOptionChange>()) {
        const QString server = c->target.server;
        const QString option = c->option;
        const QString value = c->value;
        edit(
            c->target.backend, change.baseVersion,
            QStringLiteral("%1 %2 on %3").arg(option, value.isEmpty() ? QStringLiteral("(default)") : value, server),
            [server, option, value](const QByteArray& file, const Upstream& u) {
                const Result<ServerAt> at = lineOf(u, server);
                if (!at)
                    return Result<QByteArray>::failure(at.error(), at.failureKind());
                if (option == QLatin1String("backup"))
                    return setServerFlag(file, u.configName, u.line, at.value(), option, value == QLatin1String("on"));
                return setServerParameter(file, u.configName, u.line, at.value(), option, value);
            },
            std::move(callback));
    } else {
        callback(refuse(change));
    }
}

void NginxDriver::edit(
    const QString& pool, const QString& baseVersion, const QString& what, Editor editor, ActionCallback callback)
{
    // A reading of the last two seconds (the pipeline's, just before sending) is what the edit starts from; else
    // `nginx -T` now. Either way the file's SHA-256 is checked again in the same step that replaces it.
    if (m_config && QDateTime::currentMSecsSinceEpoch() - m_configReadMs < 2000) {
        editFrom(*m_config, m_configVersion, pool, baseVersion, what, editor, callback);
        return;
    }
    m_channel->run(
        nginxCommand() + QStringList { QStringLiteral("-T") }, {}, config().deadlineMs,
        [this, pool, baseVersion, what, editor, callback](Result<Wire::CommandChannel::Output> dumped) {
            if (!dumped) {
                callback(Result<QString>::failure(dumped.error(), dumped.failureKind()));
                return;
            }
            if (dumped.value().exitCode != 0) {
                callback(Result<QString>::failure(
                    QStringLiteral("not changed: the configuration does not test clean now (nginx -T: %1)")
                        .arg(firstLines(dumped.value().err))));
                return;
            }
            const Result<NginxConfig> parsed = readDump(dumped.value().out);
            if (!parsed) {
                callback(Result<QString>::failure(parsed.error()));
                return;
            }
            editFrom(parsed.value(), sha256(dumped.value().out).left(16), pool, baseVersion, what, editor, callback);
        },
        QStringLiteral("nginx -T"));
}

void NginxDriver::editFrom(const NginxConfig& now, const QString& version, const QString& pool,
    const QString& baseVersion, const QString& what, const Editor& editor, const ActionCallback& callback)
{
    if (!baseVersion.isEmpty() && version != baseVersion) {
        // Which files differ from the reading the operator saw, for them to look at.
        QStringList changed;
        const QList<DumpedFile> seen = m_versions.value(baseVersion);
        auto seenText = [&seen](const QString& path) -> std::optional<QByteArray> {
            for (const DumpedFile& f : seen)
                if (f.path == path)
                    return f.text;
            return std::nullopt;
        };
        if (!seen.isEmpty())
            for (const DumpedFile& f : now.files)
                if (seenText(f.path) != f.text)
                    changed.append(f.path);
        callback(Result<QString>::failure(
            QStringLiteral("the configuration changed since it was read%1; nothing was written")
                .arg(changed.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(changed.join(QStringLiteral(", ")))),
            Failure::Conflict));
        return;
    }
    if (!now.problem.isEmpty()) {
        callback(Result<QString>::failure(QStringLiteral("not changed: Fleetdeck cannot read %1").arg(now.problem)));
        return;
    }
    const Upstream* upstream = now.upstream(pool);
    if (!upstream) {
        callback(Result<QString>::failure(QStringLiteral("no upstream %1 in the configuration").arg(pool)));
        return;
    }
    // The file as `nginx -T` printed it; the apply step checks that the file on disk is still exactly this.
    const QByteArray before = now.file(upstream->file)->text;
    const Result<QByteArray> after = editor(before, *upstream);
    if (!after) {
        callback(
            Result<QString>::failure(QStringLiteral("%1: %2").arg(upstream->file, after.error()), after.failureKind()));
        return;
    }
    if (after.value() == before) {
        callback(Result<QString>::success(
            QStringLiteral("%1 already says so; nothing written, no reload").arg(upstream->file)));
        return;
    }
    commit(upstream->file, before, after.value(), what, callback);
}

void NginxDriver::commit(const QString& file, const QByteArray& before, const QByteArray& after, const QString& what,
    ActionCallback callback)
{
    const QString nginx = Wire::CommandChannel::remoteCommand(nginxCommand());
    // Empty: HUP to the master read from the PID file (the default; `nginx -s reload` would parse the tree again).
    const QString reload
        = option(QStringLiteral("reload")).isEmpty() ? QString() : Wire::CommandChannel::remoteCommand(reloadCommand());
    // `before` is the file as `nginx -T` printed it, which ends with a line break even when the file does not.
    const QByteArray beforeNoLf = before.endsWith('\n') ? before.chopped(1) : before;
    const QStringList args = { file, sha256(before), sha256(beforeNoLf), errorLogPath(), pidFile(), nginx, reload,
        QString::number(kReloadWaitSteps) };
    // The reload's wait comes on top of the deadline.
    m_channel->runScript(
        QString::fromLatin1(Scripts::apply), args, after, config().deadlineMs + kReloadWaitSteps * 20,
        [this, file, what, callback](Result<Wire::CommandChannel::Output> r) {
            if (!r) {
                callback(Result<QString>::failure(
                    QStringLiteral("%1 (whether %2 was written is unknown: check it)").arg(r.error(), file),
                    r.failureKind()));
                return;
            }
            const QByteArray out = r.value().out;
            const qsizetype nl = out.indexOf('\n');
            const QString head = QString::fromUtf8(out.left(nl < 0 ? out.size() : nl));
            const QString rest = firstLines(nl < 0 ? QByteArray() : out.mid(nl + 1), 6);
            const QString word = head.section(QLatin1Char(' '), 0, 0);
            const QString detail = head.section(QLatin1Char(' '), 1);
            switch (r.value().exitCode) {
            case 0:
                // What follows the "ok" line is `nginx -T` run after the reload took: the next re-read.
                if (nl >= 0 && out.indexOf("# configuration file ", nl) == nl + 1) {
                    m_freshDump = out.mid(nl + 1);
                    m_freshDumpMs = QDateTime::currentMSecsSinceEpoch();
                }
                callback(Result<QString>::success(QStringLiteral("%1 in %2; nginx -t passed; reloaded (workers %3)")
                                                      .arg(what, file, detail.simplified())));
                return;
            case 11:
                callback(Result<QString>::failure(
                    QStringLiteral("%1 was changed by someone else just now; nothing was written").arg(file),
                    Failure::Conflict));
                return;
            case 12:
                callback(Result<QString>::failure(
                    QStringLiteral("%1 is read-only (%2); refused, the file is untouched").arg(file, detail)));
                return;
            case 13:
            case 14:
            case 15:
                callback(Result<QString>::failure(
                    QStringLiteral("could not %1 %2 (%3); the file is untouched")
                        .arg(word == QLatin1String("backup") ? QStringLiteral("back up") : word, file,
                            detail.isEmpty() ? rest : detail)));
                return;
            case 20:
                callback(Result<QString>::failure(
                    QStringLiteral("nginx -t refused the edit, so %1 was put back as it was: %2").arg(file, rest)));
                return;
            case 21:
                callback(Result<QString>::failure(
                    QStringLiteral("no nginx master PID in %1; %2 was put back, nothing reloaded").arg(detail, file)));
                return;
            case 22:
                callback(Result<QString>::failure(
                    QStringLiteral("the reload command failed, so %1 was put back: %2").arg(file, rest)));
                return;
            case 23:
                callback(Result<QString>::failure(
                    QStringLiteral("nginx did not take the new configuration (%1); %2 was %3. The old configuration "
                                   "keeps serving.")
                        .arg(rest, file, detail)));
                return;
            default:
                callback(Result<QString>::failure(QStringLiteral("the change to %1 stopped (exit %2): %3 %4")
                                                      .arg(file)
                                                      .arg(r.value().exitCode)
                                                      .arg(head, rest)));
            }
        },
        QStringLiteral("the change (write, nginx -t, reload)"));
}

} // namespace Fleetdeck::Drivers::Nginx
