#pragma once

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include "capabilities.h"

namespace Fleetdeck {

// How an admin channel authenticates Fleetdeck.
enum class CredentialKind { Secret, Basic, Bearer, ClientCertificate };
QString label(CredentialKind kind);

// A setting of the product's own that a fleet entry may give (a string), e.g. the command that reloads it.
struct ProductOption
{
    QString key; // as the fleet file spells it
    QString help; // what it is, with its default
    bool path = false; // an absolute path on the gateway's machine
};

// Everything the layers above the drivers know of one product, as plain values: the drivers register it, the
// composition root hands the list to the models, the app and the UI, which build their forms and tables from it
// and never name a product.
struct ProductInfo
{
    QString id; // what fleet files and settings say, in lower case
    QString displayName; // as the operator reads it
    QString testedVersion; // the version Fleetdeck's tests run against
    bool liveTested = true; // false: built from the documentation, not yet run against a live instance
    QString channel; // what the admin channel is called: "runtime API"
    QString channelDetail; // how it is reached: "TCP or UNIX socket, no TLS"
    QStringList adminSchemes; // URL schemes the admin address may use: tcp, unix, http, https
    QString adminExample; // shown as the admin field's placeholder
    int defaultPort = 0;
    QList<CredentialKind> credentials; // what the admin channel may need
    QString secretHint; // what the secret is, for the credential field's placeholder
    // What authenticates the channel when Fleetdeck keeps no secret for it ("your SSH agent and keys").
    QString credentialsElsewhere;
    QString credentialSuffix; // a default name for its secret: the gateway's name and this ("/cli"); empty: none
    QString pools; // what pools and members are called: "backends, servers"
    QString metrics; // where its counters come from
    QString conflictCheck; // how a change made by someone else meanwhile is caught
    Capabilities capabilities;
    QStringList notes; // facts seen on the real product (Markdown: `code`)
    QList<ProductOption> options; // the fleet-file keys of its own it reads
    // Admin address schemes that name no host (e.g. "local": this machine).
    QStringList hostlessSchemes;
    // History from the fleet's Prometheus: PromQL per series ("gateway#req", "backend#5xx", "server#scur"), with
    // {selector} and {window} to fill in; the selector names the gateway by its metrics endpoint (instance label),
    // a pool by poolLabel and a member by memberLabel.
    QMap<QString, QString> history;
    // A fleet too large to poll, from its Prometheus: PromQL per gateway for "req" (requests/s), "5xx" (5xx
    // answers/s), "servers", "up" (servers taking traffic) and "scur" (sessions), each aggregated `by ($by)` over the
    // discovery's `$matchers` (put after the template's own, `{code="5xx",$matchers}`) and `$window`. Empty: the
    // product cannot be discovered.
    QMap<QString, QString> fleetFigures;
    QString poolLabel;
    QString memberLabel;

    QString title() const; // the display name and the tested version
    bool takesCredential() const { return !credentials.isEmpty(); }
};

// The registered products, in registration order (the first is the default of a fleet entry that names none).
class ProductCatalog
{
public:
    ProductCatalog() = default;
    explicit ProductCatalog(QList<ProductInfo> products);

    const QList<ProductInfo>& products() const { return m_products; }
    const ProductInfo* find(const QString& id) const; // case-insensitive; null when not registered
    QString defaultId() const;
    QStringList ids() const;

    // What each product can do at runtime, as the About box shows it (HTML) and docs/capabilities.md holds it.
    QString capabilitiesHtml() const;
    QString capabilitiesMarkdown() const;

private:
    struct Row
    {
        QString title;
        QStringList cells; // Markdown, one per product
    };
    QList<Row> rows() const;

    QList<ProductInfo> m_products;
};

} // namespace Fleetdeck
