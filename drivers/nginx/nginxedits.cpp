// Minimal edits of one file's bytes: found by parsing the file whole, checked by parsing the result.
#include "nginxconfig.h"

#include <QHash>
#include <QRegularExpression>

namespace Fleetdeck::Drivers::Nginx {

namespace {

// Finds the upstream block named `name` whose "upstream" word is on `line`, anywhere in the file.
const Directive* findUpstream(const QList<Directive>& list, const QString& name, int line)
{
    for (const Directive& d : list) {
        if (d.name() == QLatin1String("upstream") && d.block && d.args().value(0) == name && d.line == line)
            return &d;
        if (d.block)
            if (const Directive* found = findUpstream(d.children, name, line))
                return found;
    }
    return nullptr;
}

const Directive* findServer(const Directive& upstream, const ServerAt& server)
{
    for (const Directive& c : upstream.children) {
        if (c.name() == QLatin1String("server") && !c.args().isEmpty() && c.args().first() == server.address
            && (server.line == 0 || c.line == server.line))
            return &c;
    }
    return nullptr;
}

QString describe(const ServerAt& server)
{
    return server.line > 0 ? QStringLiteral("%1 at line %2").arg(server.address).arg(server.line) : server.address;
}

struct Located
{
    QList<Directive> parsed;
    const Directive* upstream = nullptr;
    const Directive* server = nullptr;
};

// Parses the file whole and finds the upstream (and the server, when one is named) in it.
Result<Located> locate(const QByteArray& text, const QString& upstream, int line, const ServerAt& server)
{
    Located out;
    ParseError error;
    if (!parseDirectives(text, &out.parsed, &error))
        return Result<Located>::failure(QStringLiteral("the file does not parse at line %1 (%2); it is not edited")
                                            .arg(error.line)
                                            .arg(error.message));
    Result<Located> result = Result<Located>::success(std::move(out));
    // Pointers into the list the result holds, which is not copied again.
    Located& l = const_cast<Located&>(result.value());
    l.upstream = findUpstream(l.parsed, upstream, line);
    if (!l.upstream)
        return Result<Located>::failure(
            QStringLiteral("upstream %1 is no longer at line %2 of the file").arg(upstream).arg(line),
            Failure::Conflict);
    if (!server.address.isEmpty()) {
        l.server = findServer(*l.upstream, server);
        if (!l.server)
            return Result<Located>::failure(
                QStringLiteral("upstream %1 has no server %2").arg(upstream, describe(server)), Failure::Conflict);
    }
    return result;
}

Result<QByteArray> checked(const QByteArray& edited)
{
    QList<Directive> list;
    ParseError error;
    if (!parseDirectives(edited, &list, &error))
        return Result<QByteArray>::failure(QStringLiteral("the edit would not parse (line %1: %2); nothing written")
                                               .arg(error.line)
                                               .arg(error.message));
    return Result<QByteArray>::success(edited);
}

// Removes a word and the blanks just before it (what an insertion of " word" added).
QByteArray removeWord(const QByteArray& text, const Word& word)
{
    int from = word.begin;
    while (from > 0 && (text.at(from - 1) == ' ' || text.at(from - 1) == '\t'))
        --from;
    QByteArray out = text;
    out.remove(from, word.end - from);
    return out;
}

QByteArray lineEnding(const QByteArray& text)
{
    return text.contains("\r\n") ? QByteArrayLiteral("\r\n") : QByteArrayLiteral("\n");
}

int lineStart(const QByteArray& text, int pos)
{
    while (pos > 0 && text.at(pos - 1) != '\n')
        --pos;
    return pos;
}

} // namespace

Result<QByteArray> setServerFlag(
    const QByteArray& text, const QString& upstream, int line, const ServerAt& server, const QString& flag, bool on)
{
    const Result<Located> l = locate(text, upstream, line, server);
    if (!l)
        return Result<QByteArray>::failure(l.error(), l.failureKind());
    const Directive& s = *l.value().server;
    const Word* present = nullptr;
    for (int i = 2; i < s.words.size(); ++i)
        if (s.words.at(i).text == flag)
            present = &s.words.at(i);
    if (on == (present != nullptr))
        return Result<QByteArray>::success(text);
    if (!on)
        return checked(removeWord(text, *present));
    QByteArray out = text;
    out.insert(s.words.last().end, ' ' + flag.toUtf8());
    return checked(out);
}

Result<QByteArray> setServerParameter(const QByteArray& text, const QString& upstream, int line, const ServerAt& server,
    const QString& key, const QString& value)
{
    const Result<Located> l = locate(text, upstream, line, server);
    if (!l)
        return Result<QByteArray>::failure(l.error(), l.failureKind());
    const Directive& s = *l.value().server;
    const QString prefix = key + QLatin1Char('=');
    const Word* present = nullptr;
    for (int i = 2; i < s.words.size(); ++i)
        if (s.words.at(i).text.startsWith(prefix))
            present = &s.words.at(i);
    QByteArray out = text;
    if (value.isEmpty()) {
        if (!present)
            return Result<QByteArray>::success(text);
        return checked(removeWord(text, *present));
    }
    const QByteArray word = configWord(prefix + value).toUtf8();
    if (present)
        out.replace(present->begin, present->end - present->begin, word);
    else
        out.insert(s.words.last().end, ' ' + word);
    return checked(out);
}

Result<QByteArray> addServer(const QByteArray& text, const QString& upstream, int line, const QString& address,
    const QStringList& parameters, const ServerAt& before)
{
    const Result<Located> l = locate(text, upstream, line, {});
    if (!l)
        return Result<QByteArray>::failure(l.error(), l.failureKind());
    const Directive& u = *l.value().upstream;
    QStringList words = { QStringLiteral("server"), configWord(address) };
    for (const QString& p : parameters)
        words.append(configWord(p));
    const QByteArray directive = words.join(QLatin1Char(' ')).toUtf8() + ';';
    const QByteArray eol = lineEnding(text);
    // Before the server it was before (put back in its place), when that one has a line of its own.
    if (const Directive* next = before.address.isEmpty() ? nullptr : findServer(u, before)) {
        const int from = lineStart(text, next->begin);
        const QByteArray indent = text.mid(from, next->begin - from);
        if (indent.trimmed().isEmpty()) {
            QByteArray out = text;
            out.insert(from, indent + directive + eol);
            return checked(out);
        }
    }
    // After the last server, else after the block's last directive, else just inside the '{'.
    const Directive* after = nullptr;
    for (const Directive& c : u.children)
        if (c.name() == QLatin1String("server"))
            after = &c;
    if (!after && !u.children.isEmpty())
        after = &u.children.last();
    QByteArray out = text;
    if (after) {
        const int indentFrom = lineStart(text, after->begin);
        QByteArray indent = text.mid(indentFrom, after->begin - indentFrom);
        const bool ownLine = indent.trimmed().isEmpty();
        int lineEnd = text.indexOf('\n', after->end);
        if (lineEnd < 0)
            lineEnd = text.size();
        if (lineEnd > 0 && text.at(lineEnd - 1) == '\r')
            --lineEnd;
        // The block closes on the same line: stay on it.
        if (!ownLine || (u.blockClose >= after->end && u.blockClose < lineEnd)) {
            out.insert(after->end, ' ' + directive);
        } else {
            out.insert(lineEnd, eol + indent + directive);
        }
    } else {
        const int indentFrom = lineStart(text, u.begin);
        const QByteArray indent = text.mid(indentFrom, u.begin - indentFrom) + "    ";
        out.insert(u.blockOpen + 1, eol + indent + directive);
    }
    return checked(out);
}

Result<QByteArray> removeServer(const QByteArray& text, const QString& upstream, int line, const ServerAt& server)
{
    const Result<Located> l = locate(text, upstream, line, server);
    if (!l)
        return Result<QByteArray>::failure(l.error(), l.failureKind());
    const Directive& s = *l.value().server;
    const int from = lineStart(text, s.begin);
    int lineEnd = text.indexOf('\n', s.end);
    if (lineEnd < 0)
        lineEnd = text.size();
    int contentEnd = lineEnd > 0 && text.at(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
    const QByteArray before = text.mid(from, s.begin - from);
    QByteArray rest = text.mid(s.end, contentEnd - s.end).trimmed();
    QByteArray out = text;
    if (before.trimmed().isEmpty() && (rest.isEmpty() || rest.startsWith('#')) && from > 0) {
        // The directive has its line (maybe with its own comment): the line goes, with the line break before it.
        int cut = from - 1;
        if (cut > 0 && text.at(cut - 1) == '\r')
            --cut;
        out.remove(cut, contentEnd - cut);
    } else {
        int cut = s.begin;
        while (cut > 0 && (text.at(cut - 1) == ' ' || text.at(cut - 1) == '\t'))
            --cut;
        out.remove(cut, s.end - cut);
    }
    return checked(out);
}

QString configWord(const QString& text)
{
    static const QRegularExpression bare(QStringLiteral("^[^\\s;{}\"'\\\\#]+$"));
    if (bare.match(text).hasMatch())
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('\\'), QLatin1String("\\\\")).replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace Fleetdeck::Drivers::Nginx
