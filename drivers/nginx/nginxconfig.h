#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include "fleettypes.h"
#include "result.h"

namespace Fleetdeck::Drivers::Nginx {

// One word of a directive, where it is in its file. Offsets are bytes of the file as read, so an edit touches only
// the bytes it means to.
struct Word
{
    QString text; // with nginx's escapes (\" \' \\ \t \r \n) decoded
    int begin = 0; // the first byte (a quote, for a quoted word)
    int end = 0; // one past the last byte
    int line = 1;
    bool quoted = false;
};

// A directive: its words (the name first), and its block's directives when it has one.
struct Directive
{
    QList<Word> words;
    int begin = 0; // the name's first byte
    int end = 0; // one past its ';' or its block's '}'
    int line = 1;
    bool block = false;
    int blockOpen = -1; // the '{' and '}' of a block
    int blockClose = -1;
    QList<Directive> children;

    QString name() const { return words.isEmpty() ? QString() : words.first().text; }
    QStringList args() const;
};

// One file's directives, as nginx reads them: quotes and escapes, comments (a '#' that starts a word), '${var}'
// inside words, blocks. Unknown directives are kept like any other. Fails with the line of the first error.
struct ParseError
{
    QString message;
    int line = 0;
};
bool parseDirectives(const QByteArray& text, QList<Directive>* out, ParseError* error);

// One server line of an upstream block.
struct UpstreamServer
{
    QString address; // as written: 127.0.0.1:8081, unix:/run/app.sock, backend.internal:80
    QString name; // the address, with "#2", "#3" for a second and third line of the same address
    int weight = 1;
    int maxFails = 1; // nginx's defaults
    QString failTimeout = QStringLiteral("10s");
    int maxConns = 0;
    bool backup = false;
    bool down = false;
    bool resolve = false;
    QStringList parameters; // every parameter as written, in order
    int line = 0;
};

// An upstream block (http or stream), with what routes to it.
struct Upstream
{
    QString name; // as Fleetdeck names the pool (a stream upstream sharing an http upstream's name gets " (stream)")
    QString configName; // as the config names it
    bool stream = false;
    QString method = QStringLiteral("round robin"); // least_conn, ip_hash, hash $key [consistent], random ...
    QString file;
    int line = 0; // of the "upstream" word: which block, among same-named ones, an edit means
    QList<UpstreamServer> servers;
    // "127.0.0.1:8080 location /static/" for each server/location that proxies here; through a `map` variable:
    // "127.0.0.1:8080 location / (map $pool)", for each pool the map can name.
    QStringList routes;
    QStringList otherDirectives; // keepalive 16, zone api 64k, ... as written
};

// One file as `nginx -T` printed it.
struct DumpedFile
{
    QString path;
    QByteArray text;
};

// The effective configuration, from `nginx -T`.
struct NginxConfig
{
    QList<DumpedFile> files; // the main file first
    QList<Upstream> upstreams;
    QString pid; // the main context's "pid" path as written (relative ones are under the prefix)
    QString errorLog; // the main context's first "error_log" target as written (may be "stderr", "syslog:...")
    QStringList httpListens; // every http server's listen addresses, as written ("127.0.0.1:8080", "[::1]:80 ssl")
    QStringList streamListens; // every stream server's
    // The first file this tokenizer could not read whole, and where: then nothing of the config may be edited.
    QString problem;

    const Upstream* upstream(const QString& name) const;
    const DumpedFile* file(const QString& path) const;
};

// Splits `nginx -T`'s standard output ("# configuration file PATH:" before each file) and reads every file,
// following includes (with their globs) from the main file so each upstream knows whether it is http or stream.
// Fails only when the output holds no file at all; a file that does not parse is NginxConfig::problem.
Result<NginxConfig> parseDump(const QByteArray& dump);

// The upstreams as pools, as the configuration alone shows them: `down` is drained, every server is "no check"
// (open-source nginx has no active health checks), and no counter is known (-1).
QList<BackendSnapshot> poolsOf(const NginxConfig& config);

// Names the servers of `current` as `previous` named them: a line that is the same line (its address and parameters,
// in order among the pool's lines) keeps its name, a line whose parameters changed keeps the name of the line of its
// address it replaced, and a line that went takes its name with it. So "10.0.0.1:80#2" stays "#2" when an earlier
// line of the same address is removed, and the timeline and the pipeline follow the member, not its rank. New lines
// get the name `wanted` asks for (pool name, '|', address -> name) when it is free, else the first free "#n".
void carryNames(const NginxConfig& previous, NginxConfig* current, const QHash<QString, QString>& wanted = {});

// One server line: its address as written and the line of its "server" word in the file as read. An edit finds the
// line, not the name: names follow members, lines are what the file has. line 0: the first line of that address.
struct ServerAt
{
    QString address;
    int line = 0;
};

// Minimal edits of one file's bytes: comments, layout and every other byte stay as they were. Each finds the
// upstream by its config name and the line of its "upstream" word, and the server by its line; each refuses a file
// it cannot parse whole, and checks that the result parses.
Result<QByteArray> setServerFlag(
    const QByteArray& text, const QString& upstream, int line, const ServerAt& server, const QString& flag, bool on);
// key=value; an empty value removes the parameter.
Result<QByteArray> setServerParameter(const QByteArray& text, const QString& upstream, int line, const ServerAt& server,
    const QString& key, const QString& value);
// "server ADDRESS PARAMETERS;" on a line of its own (same indent and line ending): before the server `before` names
// when it is there (a member put back in its place), else after the last server.
Result<QByteArray> addServer(const QByteArray& text, const QString& upstream, int line, const QString& address,
    const QStringList& parameters, const ServerAt& before = {});
// Removes the server's directive (with its line, when it has the line to itself).
Result<QByteArray> removeServer(const QByteArray& text, const QString& upstream, int line, const ServerAt& server);

// An address or parameter as a config word: bare when nginx reads it back the same, else double-quoted.
QString configWord(const QString& text);

} // namespace Fleetdeck::Drivers::Nginx
