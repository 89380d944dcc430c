#include "haproxyparsers.h"

#include <algorithm>

#include <QSet>

#include <QByteArrayView>
#include <QHash>
#include <QRegularExpression>
#include <QVarLengthArray>

namespace Fleetdeck::Drivers::HAProxy {

namespace {

QList<QByteArray> splitLines(const QByteArray& text)
{
    QList<QByteArray> lines = text.split('\n');
    for (auto& l : lines) {
        if (l.endsWith('\r'))
            l.chop(1);
    }
    return lines;
}

QString firstLine(const QByteArray& text)
{
    const QByteArray line = text.left(text.indexOf('\n')).trimmed().left(200);
    return QString::fromUtf8(line);
}

// The runtime API answers in text: a control byte (other than line ends and tabs) or invalid UTF-8 in the first
// kilobyte means something else is listening, or the answer was mangled on the way.
bool looksBinary(const QByteArray& text)
{
    const QByteArray head = text.left(1024);
    for (const char c : head) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return true;
        if (u == 0x7f)
            return true;
    }
    // Whole lines only: the window may cut a character in two at its end.
    const qsizetype end = head.lastIndexOf('\n');
    return !QByteArrayView(head).first(end < 0 ? head.size() : end).isValidUtf8();
}

} // namespace

QList<QByteArray> splitCsvLine(const QByteArray& line)
{
    QList<QByteArray> fields;
    QByteArray current;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const char c = line.at(i);
        if (quoted) {
            if (c == '"') {
                if (i + 1 < line.size() && line.at(i + 1) == '"') {
                    current.append('"');
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                current.append(c);
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.append(current);
            current.clear();
        } else {
            current.append(c);
        }
    }
    fields.append(current);
    return fields;
}

Result<QHash<QString, QString>> parseShowInfo(const QByteArray& text)
{
    using R = Result<QHash<QString, QString>>;
    QHash<QString, QString> info;
    int lineNo = 0;
    for (const QByteArray& line : splitLines(text)) {
        ++lineNo;
        if (line.trimmed().isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return R::failure(QStringLiteral("show info, line %1: expected \"Key: value\", got \"%2\"")
                                  .arg(lineNo)
                                  .arg(QString::fromUtf8(line.left(120))));
        info.insert(QString::fromUtf8(line.left(colon).trimmed()), QString::fromUtf8(line.mid(colon + 1).trimmed()));
    }
    if (!info.contains(QLatin1String("Name")) && !info.contains(QLatin1String("Version")))
        return R::failure(QStringLiteral("show info: no Name or Version line in the answer"));
    return R::success(info);
}

Result<QList<StatRow>> parseShowStat(const QByteArray& text)
{
    using R = Result<QList<StatRow>>;
    // Lines as views into the answer, found by position: no copy per line.
    QVarLengthArray<QByteArrayView, 1024> lines;
    for (qsizetype pos = 0; pos < text.size();) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        qsizetype len = end - pos;
        if (len > 0 && text.at(pos + len - 1) == '\r')
            --len;
        lines.append(QByteArrayView(text.constData() + pos, len));
        pos = end + 1;
    }
    qsizetype headerAt = -1;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines.at(i).startsWith("# pxname,")) {
            headerAt = i;
            break;
        }
        if (!lines.at(i).trimmed().isEmpty())
            return R::failure(QStringLiteral("show stat: expected the \"# pxname,...\" header, got \"%1\"")
                                  .arg(QString::fromUtf8(lines.at(i).first(qMin<qsizetype>(120, lines.at(i).size())))));
    }
    if (headerAt < 0)
        return R::failure(QStringLiteral("show stat: empty answer (no header line)"));

    const QList<QByteArray> header = splitCsvLine(lines.at(headerAt).sliced(2).toByteArray());
    QHash<QByteArray, int> col;
    for (int i = 0; i < header.size(); ++i)
        col.insert(header.at(i).trimmed(), i);
    static const char* required[] = { "pxname", "svname", "status", "weight", "scur", "type" };
    for (const char* name : required) {
        if (!col.contains(QByteArray(name)))
            return R::failure(QStringLiteral("show stat: the header has no \"%1\" column").arg(QLatin1String(name)));
    }
    auto at = [&col](const char* name) { return col.value(QByteArray(name), -1); };
    const int cPx = at("pxname"), cSv = at("svname"), cStatus = at("status"), cWeight = at("weight"),
              cScur = at("scur"), cType = at("type"), cUweight = at("uweight"), cBck = at("bck"), cStot = at("stot"),
              cReq = at("req_tot"), c4xx = at("hrsp_4xx"), c5xx = at("hrsp_5xx"), cDreq = at("dreq"),
              cLastchg = at("lastchg"), cCheck = at("check_status"), cCheckDesc = at("check_desc"), cAddr = at("addr"),
              cAlgo = at("algo"), cCacheLookups = at("cache_lookups"), cCacheHits = at("cache_hits"),
              cMode = at("mode"), cConnTot = at("conn_tot"), cQcur = at("qcur"), cQmax = at("qmax"), cSlim = at("slim"),
              cQtime = at("qtime"), cCtime = at("ctime"), cRtime = at("rtime"), cTtime = at("ttime"),
              cConnect = at("connect"), cReuse = at("reuse"), cUsed = at("used_conn_cur"), cIdle = at("srv_icur"),
              cNeed = at("need_conn_est");
    int needed = 0;
    for (int c : { cPx, cSv, cStatus, cWeight, cScur, cType })
        needed = qMax(needed, c + 1);

    QList<StatRow> rows;
    rows.reserve(lines.size() - headerAt);
    QVarLengthArray<QByteArrayView, 128> f;
    QList<QByteArray> quotedFields;
    // Neighbouring rows repeat most texts (the proxy name, "UP", "L7OK", "Layer7 check passed"): reuse the
    // previous row's string when the bytes are the same, so they share one allocation.
    struct Interned
    {
        QByteArray bytes;
        QString text;
    };
    Interned interned[6];
    auto intern = [&interned](int slot, QByteArrayView bytes) -> QString {
        Interned& i = interned[slot];
        if (i.bytes != bytes) {
            i.bytes = bytes.toByteArray();
            i.text = QString::fromUtf8(bytes);
        }
        return i.text;
    };
    for (qsizetype i = headerAt + 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines.at(i);
        if (line.isEmpty())
            break; // the answer ends with an empty line
        // Fields as views into the line: a row has over a hundred columns and we read a dozen, so nothing is
        // copied until it is used. Quoted fields (rare) take the slow, exact path.
        // One pass over the bytes: most of a row's fields are empty or short, and a memchr call per field cost more
        // than the scan (measured: a third of the I/O thread at 30 gateways x 500 servers).
        f.clear();
        const char* bytes = line.constData();
        bool quoted = false;
        qsizetype start = 0;
        for (qsizetype k = 0; k < line.size(); ++k) {
            if (bytes[k] == ',') {
                f.append(QByteArrayView(bytes + start, k - start));
                start = k + 1;
            } else if (bytes[k] == '"') {
                quoted = true;
                break;
            }
        }
        if (quoted) {
            f.clear();
            quotedFields = splitCsvLine(line.toByteArray());
            for (const QByteArray& q : std::as_const(quotedFields))
                f.append(QByteArrayView(q));
        } else {
            f.append(QByteArrayView(bytes + start, line.size() - start));
        }
        if (f.size() < needed)
            return R::failure(
                QStringLiteral("show stat, line %1: %2 fields where at least %3 are needed (truncated answer?)")
                    .arg(i + 1)
                    .arg(f.size())
                    .arg(needed));
        auto field = [&f](int c) { return c >= 0 && c < f.size() ? f[c] : QByteArrayView(); };
        auto number = [&field](int c, qint64 fallback = 0) {
            const QByteArrayView v = field(c);
            if (v.isEmpty())
                return fallback;
            bool ok = false;
            const qint64 n = v.toLongLong(&ok);
            return ok ? n : fallback;
        };
        StatRow r;
        r.proxy = intern(0, f[cPx]);
        r.name = QString::fromUtf8(f[cSv]);
        bool typeOk = false;
        const int type = f[cType].toInt(&typeOk);
        if (!typeOk || type < 0 || type > 3)
            return R::failure(QStringLiteral("show stat, line %1: type \"%2\" is not 0..3")
                                  .arg(i + 1)
                                  .arg(QString::fromUtf8(f[cType])));
        r.type = StatRow::Type(type);
        r.status = intern(1, f[cStatus]);
        r.weight = int(number(cWeight));
        r.userWeight = cUweight >= 0 && !field(cUweight).isEmpty() ? int(number(cUweight)) : -1;
        r.backup = number(cBck) == 1;
        r.sessions = number(cScur);
        r.sessionsTotal = number(cStot);
        r.requestsTotal = number(cReq, -1);
        r.responses4xx = number(c4xx);
        r.responses5xx = number(c5xx);
        r.deniedRequests = number(cDreq);
        r.lastChange = number(cLastchg, -1);
        r.checkStatus = intern(2, field(cCheck));
        r.checkDescription = intern(3, field(cCheckDesc));
        r.address = QString::fromUtf8(field(cAddr));
        r.algorithm = intern(4, field(cAlgo));
        r.cacheLookups = number(cCacheLookups);
        r.cacheHits = number(cCacheHits);
        r.mode = intern(5, field(cMode));
        r.connectionsTotal = number(cConnTot, -1);
        r.queued = number(cQcur, -1);
        r.queuedMax = number(cQmax, -1);
        r.sessionLimit = number(cSlim, -1);
        r.queueMs = number(cQtime, -1);
        r.connectMs = number(cCtime, -1);
        r.responseMs = number(cRtime, -1);
        r.totalMs = number(cTtime, -1);
        r.connectsTotal = number(cConnect, -1);
        r.reusesTotal = number(cReuse, -1);
        r.usedConnections = number(cUsed, -1);
        r.idleConnections = number(cIdle, -1);
        r.neededConnections = number(cNeed, -1);
        rows.append(std::move(r));
    }
    return R::success(rows);
}

Result<QList<ServerStateRow>> parseServersState(const QByteArray& text)
{
    using R = Result<QList<ServerStateRow>>;
    QList<ServerStateRow> rows;
    QHash<QByteArray, int> col;
    int cBe = -1, cSrv = -1, cOp = -1, cAdm = -1, cW = -1, cAddr = -1, needed = 0;
    bool sawVersion = false;
    int lineNo = 0;
    QVarLengthArray<QByteArrayView, 32> f;
    for (qsizetype pos = 0; pos < text.size();) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = QByteArrayView(text.constData() + pos, end - pos).trimmed();
        pos = end + 1;
        ++lineNo;
        if (line.isEmpty())
            continue;
        if (!sawVersion) {
            if (line != "1")
                return R::failure(QStringLiteral("show servers state: expected format version 1, got \"%1\"")
                                      .arg(QString::fromUtf8(line.first(qMin<qsizetype>(120, line.size())))));
            sawVersion = true;
            continue;
        }
        if (line.startsWith("# ")) {
            col.clear();
            const QList<QByteArray> names = line.sliced(2).toByteArray().split(' ');
            for (int c = 0; c < names.size(); ++c)
                col.insert(names.at(c), c);
            for (const char* name : { "be_name", "srv_name", "srv_op_state", "srv_admin_state", "srv_uweight" }) {
                if (!col.contains(QByteArray(name)))
                    return R::failure(
                        QStringLiteral("show servers state: the header has no \"%1\" column").arg(QLatin1String(name)));
            }
            cBe = col.value("be_name");
            cSrv = col.value("srv_name");
            cOp = col.value("srv_op_state");
            cAdm = col.value("srv_admin_state");
            cW = col.value("srv_uweight");
            cAddr = col.value("srv_addr", -1);
            needed = qMax(qMax(cBe, cSrv), qMax(qMax(cOp, cAdm), cW)) + 1;
            continue;
        }
        if (col.isEmpty())
            return R::failure(QStringLiteral("show servers state, line %1: a row before the header").arg(lineNo));
        f.clear();
        qsizetype start = 0;
        for (;;) {
            const qsizetype space = line.indexOf(' ', start);
            if (space < 0) {
                f.append(line.sliced(start));
                break;
            }
            f.append(line.sliced(start, space - start));
            start = space + 1;
        }
        if (f.size() < needed)
            return R::failure(
                QStringLiteral("show servers state, line %1: %2 fields where %3 are expected (truncated answer?)")
                    .arg(lineNo)
                    .arg(f.size())
                    .arg(needed));
        bool okOp = false, okAdm = false;
        ServerStateRow r;
        r.backend = QString::fromUtf8(f[cBe]);
        r.server = QString::fromUtf8(f[cSrv]);
        r.address = cAddr >= 0 && cAddr < f.size() ? QString::fromUtf8(f[cAddr]) : QString();
        r.operationalState = f[cOp].toInt(&okOp);
        r.adminState = f[cAdm].toInt(&okAdm);
        r.userWeight = f[cW].toInt();
        if (!okOp || !okAdm)
            return R::failure(QStringLiteral("show servers state, line %1: state fields are not numbers").arg(lineNo));
        rows.append(std::move(r));
    }
    if (!sawVersion)
        return R::failure(QStringLiteral("show servers state: empty answer"));
    return R::success(rows);
}

AdminState adminStateFromBits(int bits)
{
    // HAProxy's srv_admin bits: 0x01 forced maintenance, 0x02 inherited from a tracked server, 0x20 an address
    // that did not resolve (together its maintenance mask, 0x23); 0x08 forced and 0x10 inherited drain (0x18).
    // 0x04 only says the configuration had the server "disabled": it stays set after "set server ... state
    // ready", when the server is in service again; 0x40 says its FQDN was set over the runtime API. Neither is a
    // state of its own.
    if (bits & 0x23)
        return AdminState::Maint;
    if (bits & 0x18)
        return AdminState::Drain;
    return AdminState::Ready;
}

namespace {

Health healthFromStatus(const QString& status)
{
    if (status.startsWith(QLatin1String("UP")) || status.startsWith(QLatin1String("DRAIN"))
        || status.startsWith(QLatin1String("NOLB")))
        return Health::Up;
    if (status.startsWith(QLatin1String("DOWN")))
        return Health::Down;
    if (status == QLatin1String("no check"))
        return Health::NoCheck;
    return Health::Unknown;
}

AdminState adminFromStatus(const QString& status)
{
    if (status.startsWith(QLatin1String("MAINT")))
        return AdminState::Maint;
    if (status.startsWith(QLatin1String("DRAIN")))
        return AdminState::Drain;
    return AdminState::Ready;
}

LoadFigures loadFrom(const StatRow& r)
{
    LoadFigures l;
    l.queueMs = r.queueMs;
    l.connectMs = r.connectMs;
    l.responseMs = r.responseMs;
    l.totalMs = r.totalMs;
    if (r.sessionsTotal == 0) {
        // Nothing served yet: HAProxy's averages read 0, which would look like a very fast server.
        l.queueMs = l.connectMs = l.responseMs = l.totalMs = -1;
    }
    if (l.queueMs >= 0 || l.connectMs >= 0 || l.responseMs >= 0 || l.totalMs >= 0)
        l.averagedOver = QStringLiteral("the last 1024 requests");
    l.queued = r.queued;
    l.queuedMax = r.queuedMax;
    l.limit = r.sessionLimit;
    l.connectionsUsed = r.usedConnections;
    l.connectionsIdle = r.idleConnections;
    l.connectionsNeeded = r.neededConnections;
    l.connectionsReused = r.reusesTotal;
    l.connectionsOpened = r.connectsTotal;
    return l;
}

// The gateway as a whole: the timings of its slowest pool (what the operator looks for first), and every pool's
// queue added up.
LoadFigures gatewayLoad(const QList<BackendSnapshot>& backends)
{
    LoadFigures l;
    const BackendSnapshot* slowest = nullptr;
    qint64 queued = -1;
    for (const BackendSnapshot& b : backends) {
        if (b.load.queued >= 0)
            queued = qMax<qint64>(0, queued) + b.load.queued;
        if (b.load.latencyMs() >= 0 && (!slowest || b.load.latencyMs() > slowest->load.latencyMs()))
            slowest = &b;
    }
    if (slowest) {
        l.queueMs = slowest->load.queueMs;
        l.connectMs = slowest->load.connectMs;
        l.responseMs = slowest->load.responseMs;
        l.totalMs = slowest->load.totalMs;
        l.averagedOver = QStringLiteral("the last 1024 requests of its slowest pool, %1").arg(slowest->name);
    }
    l.queued = queued;
    return l;
}

} // namespace

GatewaySnapshot buildSnapshot(
    const QHash<QString, QString>& info, const QList<StatRow>& stat, const QList<ServerStateRow>& serversState)
{
    GatewaySnapshot snap;
    snap.version = info.value(QStringLiteral("Version"));
    snap.pid = info.value(QStringLiteral("Pid")).toLongLong();
    snap.uptimeSeconds = info.value(QStringLiteral("Uptime_sec")).toLongLong();

    // "show servers state" lists servers in the same order as "show stat": match by position, and fall back to
    // a lookup by name only where the order differs.
    QHash<QString, const ServerStateRow*> states;
    qsizetype nextState = 0;
    auto stateFor = [&](const StatRow& r) -> const ServerStateRow* {
        if (nextState < serversState.size()) {
            const ServerStateRow& candidate = serversState.at(nextState);
            if (candidate.server == r.name && candidate.backend == r.proxy) {
                ++nextState;
                return &candidate;
            }
        }
        if (states.isEmpty()) {
            for (const auto& st : serversState)
                states.insert(st.backend + QLatin1Char('/') + st.server, &st);
        }
        return states.value(r.proxy + QLatin1Char('/') + r.name);
    };

    QHash<QString, int> backendAt;
    auto backendFor = [&](const QString& name) -> BackendSnapshot& {
        auto it = backendAt.constFind(name);
        if (it == backendAt.cend()) {
            it = backendAt.insert(name, int(snap.backends.size()));
            BackendSnapshot b;
            b.name = name;
            snap.backends.append(std::move(b));
        }
        return snap.backends[*it];
    };

    QHash<QString, QStringList> listeners;
    for (const StatRow& r : stat) {
        switch (r.type) {
        case StatRow::Type::Frontend: {
            FrontendSnapshot f;
            f.name = r.proxy;
            f.status = r.status;
            f.sessions = r.sessions;
            f.tcp = r.mode == QLatin1String("tcp");
            if (f.tcp) {
                // A TCP frontend's req_tot stays 0: its traffic is connections, and it has no HTTP status.
                f.requestsTotal = r.connectionsTotal >= 0 ? r.connectionsTotal : r.sessionsTotal;
                f.responses4xxTotal = -1;
                f.responses5xxTotal = -1;
            } else {
                f.requestsTotal = r.requestsTotal >= 0 ? r.requestsTotal : r.sessionsTotal;
                f.responses4xxTotal = r.responses4xx;
                f.responses5xxTotal = r.responses5xx;
            }
            f.deniedRequests = r.deniedRequests;
            snap.frontends.append(f);
            break;
        }
        case StatRow::Type::Backend: {
            BackendSnapshot& b = backendFor(r.proxy);
            b.status = r.status;
            b.algorithm = r.algorithm;
            b.sessions = r.sessions;
            b.tcp = r.mode == QLatin1String("tcp");
            b.requestsTotal = r.requestsTotal >= 0 && !b.tcp ? r.requestsTotal : r.sessionsTotal;
            b.responses4xxTotal = b.tcp ? -1 : r.responses4xx;
            b.responses5xxTotal = b.tcp ? -1 : r.responses5xx;
            b.load = loadFrom(r);
            break;
        }
        case StatRow::Type::Server: {
            ServerSnapshot s;
            s.name = r.name;
            s.address = r.address;
            s.status = r.status;
            s.checkStatus = r.checkStatus;
            s.checkDescription = r.checkDescription;
            s.weight = r.userWeight >= 0 ? r.userWeight : r.weight;
            s.backup = r.backup;
            s.sessions = r.sessions;
            const bool tcp = r.mode == QLatin1String("tcp");
            s.requestsTotal = r.requestsTotal >= 0 && !tcp ? r.requestsTotal : r.sessionsTotal;
            s.responses4xxTotal = tcp ? -1 : r.responses4xx;
            s.responses5xxTotal = tcp ? -1 : r.responses5xx;
            s.secondsSinceChange = r.lastChange;
            s.load = loadFrom(r);
            if (const ServerStateRow* st = stateFor(r)) {
                s.admin = adminStateFromBits(st->adminState);
                // "disabled" in the configuration (0x04) and still out of service because of it.
                s.disabledByConfig = (st->adminState & 0x04) && s.admin == AdminState::Maint;
                switch (st->operationalState) {
                case 0:
                    s.health = Health::Down;
                    break;
                case 1:
                    s.health = Health::Starting;
                    break;
                case 2:
                    s.health = r.checkStatus.isEmpty() ? Health::NoCheck : Health::Up;
                    break;
                case 3:
                    s.health = Health::Stopping;
                    break;
                default:
                    s.health = Health::Unknown;
                }
                if (s.admin == AdminState::Maint && r.checkStatus.isEmpty())
                    s.health = Health::Unknown; // neither checked nor running: nothing to say
            } else {
                s.admin = adminFromStatus(r.status);
                s.health = healthFromStatus(r.status);
            }
            backendFor(r.proxy).servers.append(s);
            break;
        }
        case StatRow::Type::Listener:
            // Only with "option socket-stats": each of a frontend's binds.
            if (!r.address.isEmpty())
                listeners[r.proxy].append(r.address);
            break;
        }
    }
    for (FrontendSnapshot& f : snap.frontends)
        f.binds = listeners.value(f.name).join(QStringLiteral(", "));
    // A "listen" section with no server (stats only, or a service) is a frontend, not an empty pool.
    snap.backends.removeIf([&snap](const BackendSnapshot& b) {
        return b.servers.isEmpty()
            && std::any_of(snap.frontends.cbegin(), snap.frontends.cend(),
                [&b](const FrontendSnapshot& f) { return f.name == b.name; });
    });
    snap.load = gatewayLoad(snap.backends);
    return snap;
}

QByteArray pollCommand()
{
    return QByteArrayLiteral("show info;show stat;show servers state\n");
}

Result<GatewaySnapshot> parsePollReply(const QByteArray& reply)
{
    using R = Result<GatewaySnapshot>;
    if (reply.trimmed().isEmpty())
        return R::failure(QStringLiteral("empty answer to \"show info;show stat;show servers state\""));
    if (looksBinary(reply))
        return R::failure(QStringLiteral("not HAProxy's runtime API: the answer is binary data (it began \"%1\")")
                              .arg(QString::fromUtf8(reply.left(24))));

    if (!reply.endsWith("\n\n"))
        return R::failure(
            QStringLiteral("truncated answer: it does not end with the closing empty line; it began \"%1\"")
                .arg(firstLine(reply)));

    // The three answers are separated by empty lines; recognise each by its first line. Sections are cut from
    // the reply by position: a 500-server answer is 600 KB, and copying it line by line was measured costly.
    QByteArray info, stat, state;
    const QByteArray normalized = reply.contains('\r') ? QByteArray(reply).replace("\r\n", "\n") : reply;
    qsizetype pos = 0;
    while (pos < normalized.size()) {
        while (pos < normalized.size() && normalized.at(pos) == '\n')
            ++pos;
        if (pos >= normalized.size())
            break;
        qsizetype end = normalized.indexOf("\n\n", pos);
        end = end < 0 ? normalized.size() : end + 1;
        const QByteArray section = normalized.mid(pos, end - pos);
        pos = end;
        if (section.startsWith("# pxname,"))
            stat = section;
        else if (section.startsWith("1\n# be_id"))
            state = section;
        else if (section.startsWith("Name:") || section.contains("\nVersion:"))
            info = section;
        else
            return R::failure(QStringLiteral("unexpected answer: \"%1\"").arg(firstLine(section)));
    }
    if (info.isEmpty())
        return R::failure(QStringLiteral("the answer has no \"show info\" part"));
    if (stat.isEmpty())
        return R::failure(QStringLiteral("the answer has no \"show stat\" part (truncated?)"));

    auto parsedInfo = parseShowInfo(info);
    if (!parsedInfo)
        return R::failure(parsedInfo.error());
    auto parsedStat = parseShowStat(stat);
    if (!parsedStat)
        return R::failure(parsedStat.error());
    // HAProxy lists each proxy and server once: a row seen twice means the answer was mangled on its way, and a
    // pool shown with doubled servers would be a lie.
    QSet<QString> rows;
    for (const StatRow& r : parsedStat.value()) {
        const QString key = QStringLiteral("%1 %2/%3").arg(int(r.type)).arg(r.proxy, r.name);
        if (rows.contains(key))
            return R::failure(
                QStringLiteral("\"show stat\" lists %1/%2 twice; the answer is not trusted").arg(r.proxy, r.name));
        rows.insert(key);
    }
    QList<ServerStateRow> states;
    if (!state.isEmpty()) {
        auto parsedState = parseServersState(state);
        if (!parsedState)
            return R::failure(parsedState.error());
        states = parsedState.value();
    }
    return R::success(buildSnapshot(parsedInfo.value(), parsedStat.value(), states));
}

} // namespace Fleetdeck::Drivers::HAProxy
