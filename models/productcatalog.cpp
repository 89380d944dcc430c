#include "productcatalog.h"

#include <functional>

#include <QRegularExpression>

namespace Fleetdeck {

namespace {
QString cell(const QString& markdown)
{
    QString out = markdown;
    return out.replace(QLatin1Char('|'), QLatin1String("\\|")).replace(QLatin1Char('\n'), QLatin1Char(' '));
}

// The little Markdown the descriptors use (`code`), as HTML.
QString toHtml(const QString& markdown)
{
    QString html = markdown.toHtmlEscaped();
    static const QRegularExpression code(QStringLiteral("`([^`]*)`"));
    return html.replace(code, QStringLiteral("<code>\\1</code>"));
}
} // namespace

QString label(CredentialKind kind)
{
    switch (kind) {
    case CredentialKind::Secret:
        return QStringLiteral("secret");
    case CredentialKind::Basic:
        return QStringLiteral("HTTP basic");
    case CredentialKind::Bearer:
        return QStringLiteral("bearer token");
    case CredentialKind::ClientCertificate:
        return QStringLiteral("client certificate");
    }
    return {};
}

QString ProductInfo::title() const
{
    QString t = testedVersion.isEmpty() ? displayName : displayName + QLatin1Char(' ') + testedVersion;
    if (!liveTested)
        t += QStringLiteral(" (not yet run against a live instance)");
    return t;
}

ProductCatalog::ProductCatalog(QList<ProductInfo> products)
    : m_products(std::move(products))
{ }

const ProductInfo* ProductCatalog::find(const QString& id) const
{
    for (const ProductInfo& p : m_products) {
        if (p.id.compare(id, Qt::CaseInsensitive) == 0)
            return &p;
    }
    return nullptr;
}

QString ProductCatalog::defaultId() const
{
    return m_products.isEmpty() ? QString() : m_products.first().id;
}

QStringList ProductCatalog::ids() const
{
    QStringList out;
    for (const ProductInfo& p : m_products)
        out.append(p.id);
    return out;
}

QList<ProductCatalog::Row> ProductCatalog::rows() const
{
    auto row = [this](const QString& title, const std::function<QString(const ProductInfo&)>& text) {
        Row r { title, {} };
        for (const ProductInfo& p : m_products)
            r.cells.append(text(p));
        return r;
    };
    QList<Row> out;
    out.append(row(QStringLiteral("Admin channel"),
        [](const ProductInfo& p) { return QStringLiteral("%1 (%2)").arg(p.channel, p.channelDetail); }));
    out.append(row(QStringLiteral("Pools and members"), [](const ProductInfo& p) { return p.pools; }));
    for (const Feature f : allFeatures()) {
        out.append(row(label(f), [f](const ProductInfo& p) {
            const FeatureSupport s = p.capabilities.features.value(f);
            if (!s.supported)
                return s.text.isEmpty() ? QStringLiteral("no") : QStringLiteral("no: ") + s.text;
            return s.text.isEmpty() ? QStringLiteral("yes") : s.text;
        }));
    }
    out.append(row(QStringLiteral("Member options"), [](const ProductInfo& p) {
        QStringList keys;
        for (const MemberOption& o : p.capabilities.memberOptions)
            keys.append(QStringLiteral("`%1`").arg(o.key));
        return keys.isEmpty() ? QStringLiteral("none") : keys.join(QStringLiteral(", "));
    }));
    out.append(row(QStringLiteral("Metrics"), [](const ProductInfo& p) { return p.metrics; }));
    out.append(row(QStringLiteral("Conflict check"), [](const ProductInfo& p) { return p.conflictCheck; }));
    out.append(row(QStringLiteral("Credentials"), [](const ProductInfo& p) {
        QStringList kinds;
        for (const CredentialKind k : p.credentials)
            kinds.append(label(k));
        if (kinds.isEmpty())
            return p.credentialsElsewhere.isEmpty() ? QStringLiteral("none") : p.credentialsElsewhere;
        return kinds.join(QStringLiteral(", "));
    }));
    return out;
}

QString ProductCatalog::capabilitiesHtml() const
{
    QString html = QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr><th></th>");
    for (const ProductInfo& p : m_products)
        html += QStringLiteral("<th>%1</th>").arg(p.title().toHtmlEscaped());
    html += QStringLiteral("</tr>");
    for (const Row& r : rows()) {
        html += QStringLiteral("<tr><td><b>%1</b></td>").arg(r.title.toHtmlEscaped());
        for (const QString& c : r.cells)
            html += QStringLiteral("<td>%1</td>").arg(toHtml(c));
        html += QStringLiteral("</tr>");
    }
    return html + QStringLiteral("</table>");
}

QString ProductCatalog::capabilitiesMarkdown() const
{
    QString md = QStringLiteral(
        "# What each product can do at runtime\n\n"
        "<!-- Generated from the drivers' registrations by `fleetdeck --capabilities-markdown`; a test fails when "
        "this file differs. -->\n\n"
        "Fleetdeck drives each product over its own admin API only. This is what that API allows, and therefore what "
        "the\napp enables; an action a product cannot do is disabled with a tooltip naming the gateway and the "
        "reason. The same\ntable is in Help → About.\n\n|");
    QString rule = QStringLiteral("|---|");
    for (const ProductInfo& p : m_products) {
        md += QStringLiteral(" | ") + cell(p.title());
        rule += QStringLiteral("---|");
    }
    md += QStringLiteral(" |\n") + rule + QLatin1Char('\n');
    for (const Row& r : rows()) {
        md += QStringLiteral("| ") + cell(r.title);
        for (const QString& c : r.cells)
            md += QStringLiteral(" | ") + cell(c);
        md += QStringLiteral(" |\n");
    }
    for (const ProductInfo& p : m_products) {
        if (p.notes.isEmpty())
            continue;
        md += QStringLiteral("\n## %1\n\n").arg(p.title());
        for (const QString& n : p.notes)
            md += QStringLiteral("- ") + n + QLatin1Char('\n');
    }
    return md;
}

} // namespace Fleetdeck
