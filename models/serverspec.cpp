#include "serverspec.h"

#include <arpa/inet.h>

#include <QRegularExpression>

namespace Fleetdeck {

QString ServerSpec::address() const
{
    const QString h = host.startsWith(QLatin1Char('[')) ? host.mid(1, host.size() - 2) : host;
    return (h.contains(QLatin1Char(':')) ? QLatin1Char('[') + h + QLatin1Char(']') : h) + QLatin1Char(':')
        + QString::number(port);
}

QString ServerSpec::describe() const
{
    Capabilities checked;
    checked.rules.memberHealthChecks = true;
    return describe(checked);
}

QString ServerSpec::describe(const Capabilities& caps) const
{
    QString text = name == address() ? address() : QStringLiteral("%1 %2").arg(name, address());
    if (!definition.isEmpty())
        text += QStringLiteral(" as written before: %1").arg(definition);
    else {
        text += QStringLiteral(" weight %1").arg(weight);
        if (maxconn > 0)
            text += QStringLiteral(" maxconn %1").arg(maxconn);
        for (auto it = options.cbegin(); it != options.cend(); ++it)
            text += QStringLiteral(" %1 %2").arg(it.key(), it.value());
        if (backup)
            text += QStringLiteral(", backup");
    }
    if (state != AdminState::Ready)
        text += QStringLiteral(", %1").arg(label(state));
    if (caps.rules.memberHealthChecks)
        text += check ? QStringLiteral(", health-checked") : QStringLiteral(", no health check");
    if (!before.isEmpty())
        text += QStringLiteral(", before %1").arg(before);
    return text;
}

bool isValidHost(const QString& input)
{
    QString host = input.trimmed();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty() || host.size() > 253)
        return false;
    // Addresses by the C library's own parser (models/ does not link Qt Network).
    const QByteArray bytes = host.toLatin1();
    unsigned char buffer[16];
    if (inet_pton(AF_INET, bytes.constData(), buffer) == 1 || inet_pton(AF_INET6, bytes.constData(), buffer) == 1)
        return true;
    if (host.contains(QLatin1Char(':')))
        return false; // looked like IPv6 but was not
    // A host name: dot-separated labels of letters, digits and hyphens, not all-numeric (that would be a bad IPv4).
    static const QRegularExpression label(QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"));
    bool allNumeric = true;
    for (const QString& part : host.split(QLatin1Char('.'))) {
        if (!label.match(part).hasMatch())
            return false;
        bool isNumber = false;
        part.toInt(&isNumber);
        allNumeric = allNumeric && isNumber;
    }
    return !allNumeric;
}

QMap<QString, QString> validateServerSpec(
    const ServerSpec& spec, const BackendSnapshot* existing, const Capabilities& caps)
{
    QMap<QString, QString> problems;
    static const QRegularExpression name(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (caps.rules.membersNamedByAddress) {
        // "#2", "#3": a second and third line of one address.
        static const QRegularExpression another(QStringLiteral("^#([2-9]|[1-9][0-9]{1,3})$"));
        if (spec.name != spec.address()
            && !(
                spec.name.startsWith(spec.address()) && another.match(spec.name.mid(spec.address().size())).hasMatch()))
            problems.insert(QStringLiteral("name"),
                QStringLiteral("\"%1\": this product names a member by its address, %2.")
                    .arg(spec.name, spec.address()));
    } else if (spec.name.isEmpty())
        problems.insert(QStringLiteral("name"), QStringLiteral("A server needs a name."));
    else if (!name.match(spec.name).hasMatch())
        problems.insert(QStringLiteral("name"),
            QStringLiteral("\"%1\": letters, digits, '.', '_' and '-' only, at most 64.").arg(spec.name));
    if (spec.host.trimmed().isEmpty())
        problems.insert(QStringLiteral("host"), QStringLiteral("An address is needed: IPv4, IPv6 or a host name."));
    else if (!isValidHost(spec.host))
        problems.insert(QStringLiteral("host"),
            QStringLiteral("\"%1\" is not an IPv4 or IPv6 address or a host name.").arg(spec.host));
    if (spec.port < 1 || spec.port > 65535)
        problems.insert(QStringLiteral("port"), QStringLiteral("%1 is not a port: 1 to 65535.").arg(spec.port));
    if (spec.weight < caps.rules.weightMin || spec.weight > caps.rules.weightMax)
        problems.insert(QStringLiteral("weight"),
            QStringLiteral("%1 is outside %2..%3.")
                .arg(spec.weight)
                .arg(caps.rules.weightMin)
                .arg(caps.rules.weightMax));
    if (spec.maxconn < 0)
        problems.insert(QStringLiteral("maxconn"),
            QStringLiteral("%1: a limit cannot be negative (0 means none).").arg(spec.maxconn));
    if (spec.backend.isEmpty())
        problems.insert(QStringLiteral("backend"), QStringLiteral("Choose the backend to add the server to."));
    if (existing) {
        for (const ServerSnapshot& s : existing->servers) {
            if (s.name == spec.name)
                problems.insert(QStringLiteral("name"),
                    QStringLiteral("%1 already has a server named \"%2\".").arg(existing->name, spec.name));
        }
        // The product's own rule, known in advance: some balancing modes take no member added at runtime.
        if (caps.rules.staticBalancing.contains(existing->algorithm))
            problems.insert(QStringLiteral("backend"),
                QStringLiteral("%1 balances with \"%2\": %3")
                    .arg(existing->name, existing->algorithm, caps.rules.staticBalancingReason));
    }
    return problems;
}

} // namespace Fleetdeck
