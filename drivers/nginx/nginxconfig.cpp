#include "nginxconfig.h"

#include <QHash>
#include <QRegularExpression>
#include <QSet>

namespace Fleetdeck::Drivers::Nginx {

namespace {

constexpr int kMaxDepth = 64; // blocks inside blocks; nginx itself has no limit, but no real config comes close
constexpr int kMaxIncludeDepth = 16;
// Files read by the walk, counting each time an include reads one again: includes that fan out (every file of a
// directory including the directory again) would otherwise grow exponentially with the depth.
constexpr int kMaxFileVisits = 4096;

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// What nginx makes of a backslash and the byte after it.
void appendEscaped(QByteArray& value, char next)
{
    switch (next) {
    case '"':
    case '\'':
    case '\\':
        value.append(next);
        break;
    case 't':
        value.append('\t');
        break;
    case 'r':
        value.append('\r');
        break;
    case 'n':
        value.append('\n');
        break;
    default:
        value.append('\\');
        value.append(next);
    }
}

class Tokenizer
{
public:
    enum class Kind { Word, Semicolon, BlockOpen, BlockClose, End, Error };

    explicit Tokenizer(const QByteArray& text)
        : m_text(text)
    { }

    Kind next(Word* word)
    {
        const int n = int(m_text.size());
        for (;;) {
            if (m_pos >= n) {
                word->line = m_line;
                return Kind::End;
            }
            const char c = m_text.at(m_pos);
            if (c == '\n') {
                ++m_line;
                ++m_pos;
            } else if (isSpace(c)) {
                ++m_pos;
            } else if (c == '#') {
                while (m_pos < n && m_text.at(m_pos) != '\n')
                    ++m_pos;
            } else {
                break;
            }
        }
        const char c = m_text.at(m_pos);
        word->begin = m_pos;
        word->line = m_line;
        if (c == ';' || c == '{' || c == '}') {
            ++m_pos;
            word->end = m_pos;
            return c == ';' ? Kind::Semicolon : c == '{' ? Kind::BlockOpen : Kind::BlockClose;
        }
        QByteArray value;
        if (c == '"' || c == '\'') {
            ++m_pos;
            for (;;) {
                if (m_pos >= n) {
                    m_error = { QStringLiteral("a quoted string that never ends (it starts here)"), word->line };
                    return Kind::Error;
                }
                const char ch = m_text.at(m_pos);
                if (ch == '\\' && m_pos + 1 < n) {
                    if (m_text.at(m_pos + 1) == '\n')
                        ++m_line;
                    appendEscaped(value, m_text.at(m_pos + 1));
                    m_pos += 2;
                    continue;
                }
                ++m_pos;
                if (ch == c)
                    break;
                if (ch == '\n')
                    ++m_line;
                value.append(ch);
            }
            if (m_pos < n) {
                const char after = m_text.at(m_pos);
                if (!isSpace(after) && after != ';' && after != '{' && after != '}' && after != ')') {
                    m_error = { QStringLiteral("unexpected \"%1\" after a quoted string").arg(QChar::fromLatin1(after)),
                        m_line };
                    return Kind::Error;
                }
            }
            word->quoted = true;
        } else {
            bool variable = false;
            while (m_pos < n) {
                const char ch = m_text.at(m_pos);
                if (ch == '{' && variable) { // ${name}: part of the word
                    value.append(ch);
                    ++m_pos;
                    continue;
                }
                variable = false;
                if (ch == '\\' && m_pos + 1 < n) {
                    if (m_text.at(m_pos + 1) == '\n')
                        ++m_line;
                    appendEscaped(value, m_text.at(m_pos + 1));
                    m_pos += 2;
                    continue;
                }
                if (isSpace(ch) || ch == ';' || ch == '{')
                    break;
                variable = ch == '$';
                value.append(ch);
                ++m_pos;
            }
            word->quoted = false;
        }
        word->end = m_pos;
        word->text = QString::fromUtf8(value);
        return Kind::Word;
    }

    int position() const { return m_pos; }
    const ParseError& error() const { return m_error; }
    void fail(const QString& message, int line) { m_error = { message, line }; }

private:
    const QByteArray& m_text;
    int m_pos = 0;
    int m_line = 1;
    ParseError m_error;
};

bool parseList(Tokenizer& tokens, QList<Directive>* list, int depth, bool inBlock)
{
    for (;;) {
        Directive d;
        for (;;) {
            Word w;
            const Tokenizer::Kind kind = tokens.next(&w);
            if (kind == Tokenizer::Kind::Error)
                return false;
            if (kind == Tokenizer::Kind::Word) {
                if (d.words.isEmpty()) {
                    d.begin = w.begin;
                    d.line = w.line;
                }
                d.words.append(w);
                continue;
            }
            if (kind == Tokenizer::Kind::Semicolon) {
                if (d.words.isEmpty()) {
                    tokens.fail(QStringLiteral("unexpected \";\""), w.line);
                    return false;
                }
                d.end = w.end;
                list->append(d);
                break;
            }
            if (kind == Tokenizer::Kind::BlockOpen) {
                if (d.words.isEmpty()) {
                    tokens.fail(QStringLiteral("unexpected \"{\""), w.line);
                    return false;
                }
                if (depth >= kMaxDepth) {
                    tokens.fail(QStringLiteral("blocks nested deeper than %1").arg(kMaxDepth), w.line);
                    return false;
                }
                d.block = true;
                d.blockOpen = w.begin;
                if (!parseList(tokens, &d.children, depth + 1, true))
                    return false;
                d.blockClose = tokens.position() - 1;
                d.end = tokens.position();
                list->append(d);
                break;
            }
            if (kind == Tokenizer::Kind::BlockClose) {
                if (!d.words.isEmpty() || !inBlock) {
                    tokens.fail(QStringLiteral("unexpected \"}\""), w.line);
                    return false;
                }
                return true;
            }
            // End of the file.
            if (!d.words.isEmpty()) {
                tokens.fail(QStringLiteral("unexpected end of file, expecting \";\" or \"}\" after \"%1\"")
                                .arg(d.words.first().text),
                    d.line);
                return false;
            }
            if (inBlock) {
                tokens.fail(QStringLiteral("unexpected end of file, expecting \"}\""), w.line);
                return false;
            }
            return true;
        }
    }
}

UpstreamServer readServer(const Directive& d)
{
    UpstreamServer s;
    const QStringList args = d.args();
    s.address = args.value(0);
    s.line = d.line;
    for (int i = 1; i < args.size(); ++i) {
        const QString& p = args.at(i);
        s.parameters.append(p);
        const int eq = p.indexOf(QLatin1Char('='));
        const QString key = eq < 0 ? p : p.left(eq);
        const QString value = eq < 0 ? QString() : p.mid(eq + 1);
        if (key == QLatin1String("weight"))
            s.weight = value.toInt();
        else if (key == QLatin1String("max_fails"))
            s.maxFails = value.toInt();
        else if (key == QLatin1String("fail_timeout"))
            s.failTimeout = value;
        else if (key == QLatin1String("max_conns"))
            s.maxConns = value.toInt();
        else if (p == QLatin1String("backup"))
            s.backup = true;
        else if (p == QLatin1String("down"))
            s.down = true;
        else if (p == QLatin1String("resolve"))
            s.resolve = true;
    }
    return s;
}

const QStringList& balancingDirectives()
{
    static const QStringList names = { QStringLiteral("least_conn"), QStringLiteral("ip_hash"), QStringLiteral("hash"),
        QStringLiteral("random"), QStringLiteral("least_time"), QStringLiteral("ntlm"), QStringLiteral("sticky") };
    return names;
}

Upstream readUpstream(const Directive& d, bool stream, const QString& file)
{
    Upstream u;
    u.configName = d.args().value(0);
    u.name = u.configName;
    u.stream = stream;
    u.file = file;
    u.line = d.line;
    QHash<QString, int> seen;
    for (const Directive& c : d.children) {
        if (c.name() == QLatin1String("server") && !c.args().isEmpty()) {
            UpstreamServer s = readServer(c);
            const int n = ++seen[s.address];
            s.name = n == 1 ? s.address : QStringLiteral("%1#%2").arg(s.address).arg(n);
            u.servers.append(s);
        } else if (balancingDirectives().contains(c.name())) {
            u.method = (QStringList { c.name() } + c.args()).join(QLatin1Char(' '));
        } else {
            u.otherDirectives.append((QStringList { c.name() } + c.args()).join(QLatin1Char(' ')));
        }
    }
    return u;
}

// Where a proxy_pass (or grpc_pass, ...) sends requests: the upstream's name, a variable ("$pool", for a `map` to
// resolve), or empty for an address.
QString passTarget(const QString& target, bool stream)
{
    QString host = target;
    if (!stream) {
        const int scheme = host.indexOf(QLatin1String("://"));
        if (scheme < 0)
            return {};
        host = host.mid(scheme + 3);
        host = host.left(host.indexOf(QLatin1Char('/')) < 0 ? host.size() : host.indexOf(QLatin1Char('/')));
    }
    static const QRegularExpression variable(QStringLiteral("^\\$\\{?([A-Za-z0-9_]+)\\}?$"));
    if (const QRegularExpressionMatch m = variable.match(host); m.hasMatch())
        return QLatin1Char('$') + m.captured(1);
    if (host.contains(QLatin1Char('$')) || host.contains(QLatin1Char(':')))
        return {};
    return host;
}

struct Route
{
    QString target;
    bool stream = false;
    QString where;
};

class Walker
{
public:
    explicit Walker(NginxConfig& config)
        : m_config(config)
    {
        for (const DumpedFile& f : config.files) {
            QList<Directive> list;
            ParseError error;
            if (parseDirectives(f.text, &list, &error))
                m_parsed.insert(f.path, list);
            else if (m_config.problem.isEmpty())
                m_config.problem = QStringLiteral("%1:%2: %3").arg(f.path).arg(error.line).arg(error.message);
        }
        const QString main = config.files.isEmpty() ? QString() : config.files.first().path;
        m_confDir = main.left(main.lastIndexOf(QLatin1Char('/')) + 1);
    }

    void run()
    {
        if (m_config.files.isEmpty())
            return;
        const QString main = m_config.files.first().path;
        walkFile(main, {}, {}, {}, 0);
        for (const Route& r : std::as_const(m_routes)) {
            // A variable is resolved through the `map` that sets it: every value it can take is a route.
            const bool variable = r.target.startsWith(QLatin1Char('$'));
            const QStringList targets = variable ? m_maps.value(mapKey(r.target, r.stream)) : QStringList { r.target };
            const QString where = variable ? QStringLiteral("%1 (map %2)").arg(r.where, r.target) : r.where;
            for (Upstream& u : m_config.upstreams) {
                if (targets.contains(u.configName) && u.stream == r.stream && !u.routes.contains(where))
                    u.routes.append(where);
            }
        }
        // http and stream upstreams live in separate namespaces; Fleetdeck's pool names must not collide.
        QSet<QString> httpNames;
        for (const Upstream& u : std::as_const(m_config.upstreams))
            if (!u.stream)
                httpNames.insert(u.name);
        for (Upstream& u : m_config.upstreams)
            if (u.stream && httpNames.contains(u.name))
                u.name += QStringLiteral(" (stream)");
    }

private:
    void walkFile(
        const QString& path, const QStringList& context, const QString& server, const QString& location, int depth)
    {
        const auto it = m_parsed.constFind(path);
        // A file that includes itself, through any chain, is read once on that chain (nginx would not start).
        if (it == m_parsed.constEnd() || depth > kMaxIncludeDepth || m_stack.contains(path))
            return;
        if (++m_visits > kMaxFileVisits) {
            if (m_config.problem.isEmpty())
                m_config.problem = QStringLiteral("%1: its includes fan out past %2 files read; not all of the "
                                                  "configuration is shown")
                                       .arg(path)
                                       .arg(kMaxFileVisits);
            return;
        }
        m_stack.append(path);
        walk(it.value(), path, context, server, location, depth);
        m_stack.removeLast();
    }

    void walk(const QList<Directive>& list, const QString& file, const QStringList& context, const QString& server,
        const QString& location, int depth)
    {
        for (const Directive& d : list) {
            const QString name = d.name();
            const QStringList args = d.args();
            if (name == QLatin1String("include") && args.size() == 1) {
                for (const QString& path : includedFiles(args.first()))
                    walkFile(path, context, server, location, depth + 1);
            } else if (name == QLatin1String("upstream") && d.block && !args.isEmpty()
                && (context == QStringList { QStringLiteral("http") }
                    || context == QStringList { QStringLiteral("stream") })) {
                m_config.upstreams.append(readUpstream(d, context.first() == QLatin1String("stream"), file));
            } else if (name == QLatin1String("map") && d.block && args.size() == 2 && context.size() == 1) {
                // map SOURCE $VAR { SOURCE-VALUE VALUE; default VALUE; ... }: the values $VAR can take.
                QStringList& values = m_maps[mapKey(args.at(1), context.first() == QLatin1String("stream"))];
                for (const Directive& c : d.children) {
                    const QStringList entry = c.args();
                    if (entry.size() == 1 && !values.contains(entry.first()))
                        values.append(entry.first());
                }
            } else if (d.block) {
                QString innerServer = server;
                QString innerLocation = location;
                if (name == QLatin1String("server"))
                    innerServer = serverName(d);
                else if (name == QLatin1String("location"))
                    innerLocation = args.join(QLatin1Char(' '));
                walk(d.children, file, context + QStringList { name }, innerServer, innerLocation, depth);
            } else if (name == QLatin1String("listen") && !args.isEmpty() && context.size() == 2
                && context.at(1) == QLatin1String("server")) {
                (context.first() == QLatin1String("stream") ? m_config.streamListens : m_config.httpListens)
                    .append(args.join(QLatin1Char(' ')));
            } else if (context.isEmpty() && name == QLatin1String("pid") && !args.isEmpty()) {
                m_config.pid = args.first();
            } else if (context.isEmpty() && name == QLatin1String("error_log") && !args.isEmpty()
                && m_config.errorLog.isEmpty()) {
                m_config.errorLog = args.first();
            } else if (isPass(name) && !args.isEmpty() && !context.isEmpty()) {
                const bool stream = context.first() == QLatin1String("stream");
                const QString target = passTarget(args.first(), stream);
                if (!target.isEmpty()) {
                    QString where = server.isEmpty() ? QStringLiteral("server") : server;
                    if (!location.isEmpty())
                        where += QStringLiteral(" location ") + location;
                    m_routes.append({ target, stream, where });
                }
            }
        }
    }

    static QString mapKey(const QString& variable, bool stream)
    {
        return (stream ? QStringLiteral("stream ") : QStringLiteral("http ")) + variable;
    }

    static bool isPass(const QString& name)
    {
        return name == QLatin1String("proxy_pass") || name == QLatin1String("grpc_pass")
            || name == QLatin1String("uwsgi_pass") || name == QLatin1String("scgi_pass")
            || name == QLatin1String("fastcgi_pass") || name == QLatin1String("memcached_pass");
    }

    // A server block as the operator knows it: its names, else where it listens.
    static QString serverName(const Directive& d)
    {
        QStringList listens;
        QStringList names;
        for (const Directive& c : d.children) {
            if (c.name() == QLatin1String("listen") && !c.args().isEmpty())
                listens.append(c.args().first());
            else if (c.name() == QLatin1String("server_name"))
                for (const QString& n : c.args())
                    if (n != QLatin1String("_") && !n.isEmpty())
                        names.append(n);
        }
        if (!names.isEmpty())
            return names.join(QLatin1Char(' '));
        return listens.isEmpty() ? QStringLiteral("server") : listens.join(QLatin1Char(' '));
    }

    // The dumped files an include names, in the order nginx reads them (a glob's matches sorted by name).
    QStringList includedFiles(const QString& pattern) const
    {
        const QString full = pattern.startsWith(QLatin1Char('/')) ? pattern : m_confDir + pattern;
        QStringList matches;
        const bool glob
            = full.contains(QLatin1Char('*')) || full.contains(QLatin1Char('?')) || full.contains(QLatin1Char('['));
        const QRegularExpression re(glob ? QRegularExpression::wildcardToRegularExpression(full)
                                         : QRegularExpression::anchoredPattern(QRegularExpression::escape(full)));
        for (const DumpedFile& f : m_config.files)
            if (re.match(f.path).hasMatch() && !matches.contains(f.path))
                matches.append(f.path);
        std::sort(matches.begin(), matches.end());
        return matches;
    }

    NginxConfig& m_config;
    QHash<QString, QList<Directive>> m_parsed;
    QString m_confDir;
    QList<Route> m_routes;
    QHash<QString, QStringList> m_maps; // "http $pool" -> the values the map gives it
    QStringList m_stack; // the files being walked, outermost first
    int m_visits = 0;
};

} // namespace

QStringList Directive::args() const
{
    QStringList out;
    for (int i = 1; i < words.size(); ++i)
        out.append(words.at(i).text);
    return out;
}

bool parseDirectives(const QByteArray& text, QList<Directive>* out, ParseError* error)
{
    Tokenizer tokens(text);
    QList<Directive> list;
    if (!parseList(tokens, &list, 0, false)) {
        *error = tokens.error();
        return false;
    }
    *out = list;
    return true;
}

const Upstream* NginxConfig::upstream(const QString& name) const
{
    for (const Upstream& u : upstreams)
        if (u.name == name)
            return &u;
    return nullptr;
}

const DumpedFile* NginxConfig::file(const QString& path) const
{
    for (const DumpedFile& f : files)
        if (f.path == path)
            return &f;
    return nullptr;
}

Result<NginxConfig> parseDump(const QByteArray& dump)
{
    static const QByteArray header = QByteArrayLiteral("# configuration file ");
    NginxConfig config;
    qsizetype pos = 0;
    const qsizetype n = dump.size();
    while (pos < n) {
        qsizetype end = dump.indexOf('\n', pos);
        const bool last = end < 0;
        if (last)
            end = n;
        const QByteArray line = dump.mid(pos, end - pos);
        if (line.startsWith(header) && line.endsWith(':')) {
            config.files.append({ QString::fromUtf8(line.mid(header.size(), line.size() - header.size() - 1)), {} });
        } else if (!config.files.isEmpty()) {
            config.files.last().text.append(line);
            if (!last)
                config.files.last().text.append('\n');
        }
        pos = end + 1;
    }
    if (config.files.isEmpty())
        return Result<NginxConfig>::failure(QStringLiteral("nginx -T printed no \"# configuration file\" section: %1")
                                                .arg(QString::fromUtf8(dump.left(200)).simplified()));
    Walker walker(config);
    walker.run();
    return Result<NginxConfig>::success(config);
}

void carryNames(const NginxConfig& previous, NginxConfig* current, const QHash<QString, QString>& wanted)
{
    // Past this many cells the alignment is skipped and lines are paired by address in order.
    constexpr qint64 kMaxAlignCells = 1 << 20;
    for (Upstream& u : current->upstreams) {
        QList<UpstreamServer>& now = u.servers;
        QStringList names(now.size());
        const Upstream* before = previous.upstream(u.name);
        if (before && before->stream == u.stream) {
            const QList<UpstreamServer>& old = before->servers;
            const qsizetype n = old.size();
            const qsizetype m = now.size();
            QList<bool> oldUsed(n, false);
            auto key = [](const UpstreamServer& s) -> QString {
                return s.address + QChar(0x1f) + s.parameters.join(QChar(0x1f));
            };
            if (n * m <= kMaxAlignCells) {
                QStringList oldKeys;
                QStringList newKeys;
                for (const UpstreamServer& s : old)
                    oldKeys.append(key(s));
                for (const UpstreamServer& s : now)
                    newKeys.append(key(s));
                // The longest common run of identical lines, in order: those are the same lines. Walked back from
                // the end, so of two identical lines the later pairs with the later (a line put back before its
                // twin is the new one).
                QList<int> table((n + 1) * (m + 1), 0);
                auto at = [&table, m](qsizetype i, qsizetype j) -> int& { return table[i * (m + 1) + j]; };
                for (qsizetype i = 1; i <= n; ++i)
                    for (qsizetype j = 1; j <= m; ++j)
                        at(i, j) = oldKeys.at(i - 1) == newKeys.at(j - 1) ? at(i - 1, j - 1) + 1
                                                                          : qMax(at(i - 1, j), at(i, j - 1));
                qsizetype i = n;
                qsizetype j = m;
                while (i > 0 && j > 0) {
                    if (oldKeys.at(i - 1) == newKeys.at(j - 1)) {
                        names[j - 1] = old.at(i - 1).name;
                        oldUsed[i - 1] = true;
                        --i;
                        --j;
                    } else if (at(i - 1, j) >= at(i, j - 1)) {
                        --i;
                    } else {
                        --j;
                    }
                }
            }
            // A line whose parameters changed (an edit) takes the name of the line of its address it replaced.
            QHash<QString, QList<qsizetype>> unmatched;
            for (qsizetype i = 0; i < n; ++i)
                if (!oldUsed.at(i))
                    unmatched[old.at(i).address].append(i);
            for (qsizetype j = 0; j < m; ++j) {
                QList<qsizetype>& left = unmatched[now.at(j).address];
                if (names.at(j).isEmpty() && !left.isEmpty())
                    names[j] = old.at(left.takeFirst()).name;
            }
        }
        // New lines: the name asked for when it is free and fits the address, else the first free "#n".
        QSet<QString> taken;
        for (const QString& name : std::as_const(names))
            if (!name.isEmpty())
                taken.insert(name);
        for (qsizetype j = 0; j < now.size(); ++j) {
            if (names.at(j).isEmpty()) {
                const QString& address = now.at(j).address;
                const QString asked = wanted.value(u.name + QLatin1Char('|') + address);
                if (!asked.isEmpty() && !taken.contains(asked)
                    && (asked == address || asked.startsWith(address + QLatin1Char('#')))) {
                    names[j] = asked;
                } else {
                    for (int k = 1; names.at(j).isEmpty(); ++k) {
                        const QString candidate = k == 1 ? address : QStringLiteral("%1#%2").arg(address).arg(k);
                        if (!taken.contains(candidate))
                            names[j] = candidate;
                    }
                }
                taken.insert(names.at(j));
            }
            now[j].name = names.at(j);
        }
    }
}

QList<BackendSnapshot> poolsOf(const NginxConfig& config)
{
    QList<BackendSnapshot> pools;
    for (const Upstream& u : config.upstreams) {
        BackendSnapshot b;
        b.name = u.name;
        b.algorithm = u.method;
        b.tcp = u.stream;
        b.status = u.routes.isEmpty() ? QStringLiteral("no route") : u.routes.join(QLatin1String("; "));
        b.routes = u.routes;
        b.requestsTotal = -1;
        b.responses5xxTotal = -1;
        b.responses4xxTotal = -1;
        for (const UpstreamServer& us : u.servers) {
            ServerSnapshot s;
            s.name = us.name;
            s.address = us.address;
            s.weight = us.weight;
            s.backup = us.backup;
            s.admin = us.down ? AdminState::Drain : AdminState::Ready;
            s.health = Health::NoCheck;
            s.status = us.down ? QStringLiteral("down (config)")
                : us.backup    ? QStringLiteral("backup")
                               : QStringLiteral("up");
            s.requestsTotal = -1;
            s.responses5xxTotal = -1;
            s.responses4xxTotal = -1;
            s.definedAt = QStringLiteral("%1:%2").arg(u.file).arg(us.line);
            QStringList words { configWord(us.address) };
            for (const QString& p : us.parameters)
                words.append(configWord(p));
            s.definition = words.join(QLatin1Char(' '));
            if (us.maxConns > 0)
                s.load.limit = us.maxConns;
            // The member options as written (absent: nginx's default), so undo puts back exactly what was there.
            s.options.insert(QStringLiteral("backup"), us.backup ? QStringLiteral("on") : QStringLiteral("off"));
            for (const QString& p : us.parameters) {
                const QString key = p.section(QLatin1Char('='), 0, 0);
                if (p.contains(QLatin1Char('='))
                    && (key == QLatin1String("max_fails") || key == QLatin1String("fail_timeout")))
                    s.options.insert(key, p.section(QLatin1Char('='), 1));
            }
            b.servers.append(s);
        }
        pools.append(b);
    }
    return pools;
}

} // namespace Fleetdeck::Drivers::Nginx
