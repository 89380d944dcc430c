#include "fleetfile.h"

#include <QRegularExpression>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include "printable.h"

namespace Fleetdeck {

QUrl adminUrlFromUserText(const QString& input)
{
    const QString text = input.trimmed();
    if (text.isEmpty())
        return {};
    if (text.startsWith(QLatin1Char('/')))
        return QUrl(QLatin1String("unix://") + text);
    if (text == QLatin1String("local:") || text == QLatin1String("local://"))
        return QUrl(QStringLiteral("local:"));
    if (text.contains(QLatin1String("://")))
        return QUrl(text, QUrl::StrictMode);
    return QUrl(QLatin1String("tcp://") + text, QUrl::StrictMode);
}

namespace {
constexpr int kMaxServersCeiling = 1000000;

// A whole number from the file, checked as a number: absent is the default; NaN, fractions, text and anything
// outside [low, high] are errors naming the key.
bool readWhole(const QJsonObject& o, const char* key, int fallback, qint64 low, qint64 high, int& out, QString& error)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined() || v.isNull()) {
        out = fallback;
        return true;
    }
    const double d = v.toDouble(qQNaN());
    if (!v.isDouble() || !(d >= double(low) && d <= double(high)) || d != double(qint64(d))) {
        error = QStringLiteral("%1: %2 is not a whole number between %3 and %4")
                    .arg(QLatin1String(key),
                        v.isDouble() ? QString::number(d)
                                     : QString::fromUtf8(QJsonDocument(QJsonArray { v }).toJson(QJsonDocument::Compact))
                                           .mid(1)
                                           .chopped(1))
                    .arg(low)
                    .arg(high);
        return false;
    }
    out = int(d);
    return true;
}
} // namespace

QString validateGatewayConfig(const GatewayConfig& c, const ProductCatalog& products)
{
    if (c.name.trimmed().isEmpty())
        return QStringLiteral("name: a gateway needs a name");
    if (c.name.contains(QLatin1Char('/')))
        return QStringLiteral("name: \"%1\" must not contain '/'").arg(printable(c.name, 80));
    if (c.name.size() > 200)
        return QStringLiteral("name: \"%1\" has %2 characters; a gateway name may have at most 200")
            .arg(printable(c.name, 40))
            .arg(c.name.size());
    if (printable(c.name) != c.name)
        return QStringLiteral("name: \"%1\" has control or invisible characters").arg(printable(c.name, 80));
    const ProductInfo* product = products.find(c.product);
    if (!product)
        return QStringLiteral("product: \"%1\" is not supported (%2)")
            .arg(c.product, products.ids().join(QStringLiteral(", ")));
    const QUrl& a = c.admin;
    static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    if (!c.tls.pinSha256.isEmpty() && !hex64.match(c.tls.pinSha256).hasMatch())
        return QStringLiteral("tls: pinSha256 \"%1\" is not a SHA-256 (64 hex digits)").arg(c.tls.pinSha256);
    if (!c.httpAuth.isEmpty() && c.httpAuth != QLatin1String("basic") && c.httpAuth != QLatin1String("bearer"))
        return QStringLiteral("auth: \"%1\" is not basic or bearer").arg(c.httpAuth);
    if (!c.httpAuth.isEmpty() && c.credential.isEmpty())
        return QStringLiteral("auth: %1 authentication needs a credential (its name in the keychain)").arg(c.httpAuth);
    const CredentialKind wanted = c.httpAuth == QLatin1String("basic") ? CredentialKind::Basic : CredentialKind::Bearer;
    if (!c.httpAuth.isEmpty() && !product->credentials.contains(wanted))
        return QStringLiteral("auth: %1's %2 does not take %3 authentication")
            .arg(product->displayName, product->channel, label(wanted));
    if (c.tls.clientCertFile.isEmpty() != c.tls.clientKeyFile.isEmpty())
        return QStringLiteral("tls: a client certificate needs its key, and a key its certificate");
    const QString where
        = QStringLiteral("%1's %2 (%3)").arg(product->displayName, product->channel, product->adminExample);
    if (!a.isValid() || a.isEmpty())
        return QStringLiteral("admin: \"%1\" is not an address of %2").arg(a.toString(), where);
    if (!product->adminSchemes.contains(a.scheme()))
        return QStringLiteral("admin: \"%1\": scheme \"%2\" is not %3").arg(a.toString(), a.scheme(), where);
    for (auto it = c.options.cbegin(); it != c.options.cend(); ++it) {
        const auto known = std::find_if(product->options.cbegin(), product->options.cend(),
            [&](const ProductOption& o) { return o.key == it.key(); });
        if (known == product->options.cend())
            return QStringLiteral("%1: %2 takes no such setting").arg(it.key(), product->displayName);
        if (known->path && !it.value().isEmpty() && !it.value().startsWith(QLatin1Char('/')))
            return QStringLiteral("%1: \"%2\" is not an absolute path").arg(it.key(), printable(it.value(), 120));
    }
    if (product->hostlessSchemes.contains(a.scheme())) {
        // this machine: no host, no port
    } else if (a.scheme() == QLatin1String("unix")) {
        if (a.path().isEmpty() || !a.path().startsWith(QLatin1Char('/')))
            return QStringLiteral("admin: \"%1\" needs an absolute socket path").arg(a.toString());
    } else {
        if (a.host().isEmpty())
            return QStringLiteral("admin: \"%1\" has no host").arg(a.toString());
        // A raw TCP channel has no default port; an HTTP one defaults to its scheme's.
        if (a.scheme() == QLatin1String("tcp") && (a.port() < 1 || a.port() > 65535))
            return QStringLiteral("admin: \"%1\" needs a port between 1 and 65535").arg(a.toString());
        if (a.port() == 0)
            return QStringLiteral("admin: \"%1\": port 0 is not a port to connect to (1..65535)").arg(a.toString());
    }
    if (!c.metrics.isEmpty() && (!c.metrics.isValid() || !c.metrics.scheme().startsWith(QLatin1String("http"))))
        return QStringLiteral("metrics: \"%1\" is not an http(s) URL").arg(c.metrics.toString());
    if (c.pollIntervalMs < 100 || c.pollIntervalMs > 3600000)
        return QStringLiteral("pollIntervalMs: %1 is outside 100 ms .. 1 h").arg(c.pollIntervalMs);
    if (c.maxServers < 1 || c.maxServers > kMaxServersCeiling)
        return QStringLiteral("maxServers: %1 is outside 1 .. %2").arg(c.maxServers).arg(kMaxServersCeiling);
    if (c.deadlineMs < 500 || c.deadlineMs > 300000)
        return QStringLiteral("deadlineMs: %1 is outside 500 ms .. 5 min").arg(c.deadlineMs);
    return {};
}

Result<FleetFile> parseFleetFile(const QByteArray& json, const ProductCatalog& products)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Result<FleetFile>::failure(
            QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset));
    if (!doc.isObject())
        return Result<FleetFile>::failure(QStringLiteral("the top level must be an object with \"gateways\""));
    const QJsonObject root = doc.object();
    // A fleet discovered through Prometheus may list no gateway of its own.
    const bool discovers = root.value(QLatin1String("discover")).isObject();
    if (!root.value(QLatin1String("gateways")).isArray() && !(discovers && !root.contains(QLatin1String("gateways"))))
        return Result<FleetFile>::failure(QStringLiteral("\"gateways\" must be a list"));

    FleetFile fleet;
    fleet.name = root.value(QLatin1String("name")).toString();
    fleet.prometheus = QUrl(root.value(QLatin1String("prometheus")).toString());
    if (!fleet.prometheus.isEmpty()
        && (!fleet.prometheus.isValid() || !fleet.prometheus.scheme().startsWith(QLatin1String("http"))))
        return Result<FleetFile>::failure(
            QStringLiteral("prometheus: \"%1\" is not an http(s) URL").arg(fleet.prometheus.toString()));
    fleet.journal = QUrl(root.value(QLatin1String("journal")).toString());
    if (!fleet.journal.isEmpty()
        && (!fleet.journal.isValid()
            || (fleet.journal.scheme() != QLatin1String("postgresql")
                && fleet.journal.scheme() != QLatin1String("postgres"))
            || fleet.journal.userName().isEmpty() || !fleet.journal.password().isEmpty()))
        return Result<FleetFile>::failure(
            QStringLiteral("journal: \"%1\" is not postgresql://role@host:port/database (the password is kept in "
                           "the credential store, never in the fleet file)")
                .arg(fleet.journal.toString(QUrl::RemovePassword)));
    const QString whileAway = root.value(QLatin1String("journalWhileAway")).toString(QStringLiteral("refuse"));
    if (whileAway != QLatin1String("refuse") && whileAway != QLatin1String("keep"))
        return Result<FleetFile>::failure(
            QStringLiteral("journalWhileAway: \"%1\" is neither \"refuse\" nor \"keep\"").arg(whileAway));
    fleet.journalKeepWhileAway = whileAway == QLatin1String("keep");
    if (root.contains(QLatin1String("discover"))) {
        if (!discovers)
            return Result<FleetFile>::failure(QStringLiteral("discover: must be an object with a \"selector\""));
        auto discovery = parseFleetDiscovery(root.value(QLatin1String("discover")).toObject(), products);
        if (!discovery)
            return Result<FleetFile>::failure(discovery.error());
        fleet.discovery = discovery.value();
        if (fleet.discovery.prometheus.isEmpty())
            fleet.discovery.prometheus = fleet.prometheus;
        if (fleet.discovery.prometheus.isEmpty())
            return Result<FleetFile>::failure(
                QStringLiteral("discover: no Prometheus to ask (\"prometheus\" here or at the top level)"));
    }
    fleet.alertmanager = QUrl(root.value(QLatin1String("alertmanager")).toString());
    if (!fleet.alertmanager.isEmpty()
        && (!fleet.alertmanager.isValid() || !fleet.alertmanager.scheme().startsWith(QLatin1String("http"))))
        return Result<FleetFile>::failure(
            QStringLiteral("alertmanager: \"%1\" is not an http(s) URL").arg(fleet.alertmanager.toString()));
    if (const QJsonValue labels = root.value(QLatin1String("alertLabels")); !labels.isUndefined()) {
        if (!labels.isObject())
            return Result<FleetFile>::failure(
                QStringLiteral("alertLabels: expected an object with \"gateway\", \"pool\" and \"server\""));
        // Each a label name or a list of them, tried in order.
        for (const auto& [key, target] : { std::pair { "gateway", &fleet.alertLabels.gateway },
                 std::pair { "pool", &fleet.alertLabels.pool }, std::pair { "server", &fleet.alertLabels.server } }) {
            const QJsonValue v = labels.toObject().value(QLatin1String(key));
            if (v.isUndefined())
                continue;
            QStringList names;
            if (v.isString())
                names.append(v.toString());
            for (const QJsonValue& n : v.toArray())
                names.append(n.toString());
            names.removeAll(QString());
            if (names.isEmpty())
                return Result<FleetFile>::failure(
                    QStringLiteral("alertLabels.%1: expected a label name or a list of them").arg(QLatin1String(key)));
            *target = names;
        }
    }
    QSet<QString> names;
    const QJsonArray list = root.value(QLatin1String("gateways")).toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        GatewayConfig c;
        c.name = o.value(QLatin1String("name")).toString();
        const QString product = o.value(QLatin1String("product")).toString(products.defaultId());
        const ProductInfo* info = products.find(product);
        if (!info)
            return Result<FleetFile>::failure(
                QStringLiteral("gateway %1 (\"%2\"): product \"%3\" is not supported (%4)")
                    .arg(i + 1)
                    .arg(c.name, product, products.ids().join(QStringLiteral(", "))));
        c.product = info->id;
        const QString adminText = o.value(QLatin1String("admin")).toString();
        c.admin = adminUrlFromUserText(adminText);
        if (!adminText.trimmed().isEmpty() && !c.admin.isValid())
            return Result<FleetFile>::failure(QStringLiteral("gateway %1 (\"%2\"): admin: \"%3\" is not an address: %4")
                                                  .arg(i + 1)
                                                  .arg(c.name, adminText, c.admin.errorString()));
        c.metrics = QUrl(o.value(QLatin1String("metrics")).toString());
        QString numberError;
        if (!readWhole(o, "pollIntervalMs", 1000, 100, 3600000, c.pollIntervalMs, numberError)
            || !readWhole(o, "maxServers", 20000, 1, kMaxServersCeiling, c.maxServers, numberError)
            || !readWhole(o, "deadlineMs", 10000, 500, 300000, c.deadlineMs, numberError))
            return Result<FleetFile>::failure(
                QStringLiteral("gateway %1 (\"%2\"): %3").arg(i + 1).arg(c.name, numberError));
        c.readOnly = o.value(QLatin1String("readOnly")).toBool(false);
        c.credential = o.value(QLatin1String("credential")).toString();
        c.httpAuth = o.value(QLatin1String("auth")).toString();
        c.sshForward = o.value(QLatin1String("sshForward")).toString();
        for (const ProductOption& option : info->options) {
            const QJsonValue v = o.value(option.key);
            if (v.isUndefined() || v.isNull())
                continue;
            if (!v.isString())
                return Result<FleetFile>::failure(
                    QStringLiteral("gateway %1 (\"%2\"): %3: a string is needed").arg(i + 1).arg(c.name, option.key));
            c.options.insert(option.key, v.toString());
        }
        const QJsonObject tls = o.value(QLatin1String("tls")).toObject();
        c.tls.caFile = tls.value(QLatin1String("caFile")).toString();
        c.tls.pinSha256 = tls.value(QLatin1String("pinSha256")).toString().remove(QLatin1Char(':')).toLower();
        c.tls.clientCertFile = tls.value(QLatin1String("clientCert")).toString();
        c.tls.clientKeyFile = tls.value(QLatin1String("clientKey")).toString();
        c.tls.clientKeyCredential = tls.value(QLatin1String("clientKeyCredential")).toString();
        if (const QString problem = validateGatewayConfig(c, products); !problem.isEmpty())
            return Result<FleetFile>::failure(
                QStringLiteral("gateway %1 (\"%2\"): %3").arg(i + 1).arg(c.name, problem));
        if (names.contains(c.name))
            return Result<FleetFile>::failure(
                QStringLiteral("gateway %1: the name \"%2\" is used twice").arg(i + 1).arg(c.name));
        names.insert(c.name);
        fleet.gateways.append(c);
    }
    return Result<FleetFile>::success(fleet);
}

QByteArray serializeFleetFile(const FleetFile& fleet)
{
    QJsonArray list;
    for (const auto& c : fleet.gateways) {
        QJsonObject o;
        o.insert(QLatin1String("name"), c.name);
        o.insert(QLatin1String("product"), c.product);
        o.insert(QLatin1String("admin"), c.admin.toString());
        if (!c.metrics.isEmpty())
            o.insert(QLatin1String("metrics"), c.metrics.toString());
        o.insert(QLatin1String("pollIntervalMs"), c.pollIntervalMs);
        if (c.maxServers != GatewayConfig {}.maxServers)
            o.insert(QLatin1String("maxServers"), c.maxServers);
        if (c.deadlineMs != GatewayConfig {}.deadlineMs)
            o.insert(QLatin1String("deadlineMs"), c.deadlineMs);
        if (c.readOnly)
            o.insert(QLatin1String("readOnly"), true);
        if (!c.credential.isEmpty())
            o.insert(QLatin1String("credential"), c.credential);
        if (!c.httpAuth.isEmpty())
            o.insert(QLatin1String("auth"), c.httpAuth);
        if (!c.sshForward.isEmpty())
            o.insert(QLatin1String("sshForward"), c.sshForward);
        for (auto it = c.options.cbegin(); it != c.options.cend(); ++it)
            o.insert(it.key(), it.value());
        if (!c.tls.isEmpty()) {
            QJsonObject tls;
            if (!c.tls.caFile.isEmpty())
                tls.insert(QLatin1String("caFile"), c.tls.caFile);
            if (!c.tls.pinSha256.isEmpty())
                tls.insert(QLatin1String("pinSha256"), c.tls.pinSha256);
            if (!c.tls.clientCertFile.isEmpty())
                tls.insert(QLatin1String("clientCert"), c.tls.clientCertFile);
            if (!c.tls.clientKeyFile.isEmpty())
                tls.insert(QLatin1String("clientKey"), c.tls.clientKeyFile);
            if (!c.tls.clientKeyCredential.isEmpty())
                tls.insert(QLatin1String("clientKeyCredential"), c.tls.clientKeyCredential);
            o.insert(QLatin1String("tls"), tls);
        }
        list.append(o);
    }
    QJsonObject root;
    root.insert(QLatin1String("name"), fleet.name);
    root.insert(QLatin1String("gateways"), list);
    if (!fleet.prometheus.isEmpty())
        root.insert(QLatin1String("prometheus"), fleet.prometheus.toString());
    if (!fleet.alertmanager.isEmpty())
        root.insert(QLatin1String("alertmanager"), fleet.alertmanager.toString());
    if (!fleet.journal.isEmpty())
        root.insert(QLatin1String("journal"), fleet.journal.toString());
    if (!fleet.discovery.isEmpty())
        root.insert(QLatin1String("discover"), serializeFleetDiscovery(fleet.discovery));
    if (fleet.journalKeepWhileAway)
        root.insert(QLatin1String("journalWhileAway"), QStringLiteral("keep"));
    if (fleet.alertLabels != AlertLabels {})
        root.insert(QLatin1String("alertLabels"),
            QJsonObject { { QStringLiteral("gateway"), QJsonArray::fromStringList(fleet.alertLabels.gateway) },
                { QStringLiteral("pool"), QJsonArray::fromStringList(fleet.alertLabels.pool) },
                { QStringLiteral("server"), QJsonArray::fromStringList(fleet.alertLabels.server) } });
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace Fleetdeck
