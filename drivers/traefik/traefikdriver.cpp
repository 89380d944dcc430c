#include "traefikdriver.h"

#include <memory>

#include <QDateTime>

#include "registry.h"
#include "wire/httpadmin.h"

namespace Fleetdeck::Drivers::Traefik {

ProductDescriptor descriptor(); // traefikproduct.cpp

namespace {
struct Poll
{
    std::optional<Result<QString>> version;
    std::optional<Result<QList<QJsonObject>>> routers, services, middlewares;
    std::optional<Result<Wire::HttpAnswer>> metrics;
    bool wantMetrics = false;
    QStringList cut;
    bool complete() const { return version && routers && services && middlewares && (metrics || !wantMetrics); }
};

GatewayConfig metricsConfig(const GatewayConfig& config)
{
    GatewayConfig m = config;
    QUrl base = config.metrics;
    base.setPath({});
    base.setQuery(QString());
    m.admin = base;
    return m;
}
} // namespace

TraefikDriver::TraefikDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_http(new Wire::HttpAdmin(config, this))
    , m_metrics(new Wire::HttpAdmin(metricsConfig(config), this))
{ }

TraefikDriver::~TraefikDriver() = default;

void TraefikDriver::setKeyPassphrase(const QByteArray& passphrase)
{
    m_http->setKeyPassphrase(passphrase);
    m_metrics->setKeyPassphrase(passphrase);
}

void TraefikDriver::setSecret(const QByteArray& secret)
{
    // Traefik's API has no authentication of its own; a basicAuth middleware (or a proxy) in front of it may.
    QByteArray value;
    if (!secret.isEmpty() && config().httpAuth == QLatin1String("bearer"))
        value = "Bearer " + secret.trimmed();
    else if (!secret.isEmpty())
        value = "Basic " + secret.trimmed().toBase64();
    m_http->setHeader("Authorization", value);
    m_metrics->setHeader("Authorization", value);
}

void TraefikDriver::readList(const QString& path, int page, QList<QJsonObject> sofar, ListCallback callback,
    std::shared_ptr<Wire::PagingBudget> budget)
{
    if (!budget)
        budget = std::make_shared<Wire::PagingBudget>(config(), kMaxPages);
    m_http->get(QStringLiteral("%1?per_page=100&page=%2").arg(path).arg(page),
        [this, path, page, sofar = std::move(sofar), callback, budget](Result<Wire::HttpAnswer> r) mutable {
            using R = Result<QList<QJsonObject>>;
            if (!r) {
                callback(R::failure(r.error(), r.failureKind(), r.detail()), false);
                return;
            }
            if (r.value().status == 401 || r.value().status == 403) {
                callback(R::failure(QStringLiteral("%1: %2: authentication failed (%3): check the gateway's credential")
                                        .arg(config().name, path, Wire::httpStatusText(r.value())),
                             Failure::Authentication),
                    false);
                return;
            }
            if (r.value().status != 200) {
                callback(
                    R::failure(QStringLiteral("%1: %2: %3").arg(config().name, path, Wire::httpStatusText(r.value()))),
                    false);
                return;
            }
            const auto items = parsePage(r.value().body, path);
            if (!items) {
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, items.error())), false);
                return;
            }
            sofar += items.value();
            const int next = nextPage(r.value().headers.value("x-next-page"), page);
            switch (
                const auto step = budget->after(r.value().body.size(), next == 0 ? QString() : QString::number(next))) {
            case Wire::PagingBudget::Step::Cut:
                callback(R::success(sofar), true);
                return;
            case Wire::PagingBudget::Step::Loop:
            case Wire::PagingBudget::Step::TooLarge:
            case Wire::PagingBudget::Step::TooSlow:
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, budget->why(step, path)),
                             Wire::PagingBudget::failureKind(step)),
                    false);
                return;
            case Wire::PagingBudget::Step::Next:
                break;
            }
            if (next == 0) {
                callback(R::success(sofar), false);
                return;
            }
            readList(path, next, std::move(sofar), std::move(callback), budget);
        });
}

void TraefikDriver::fetchSnapshot(SnapshotCallback callback)
{
    auto poll = std::make_shared<Poll>();
    poll->wantMetrics = !config().metrics.isEmpty();
    auto done = [this, poll, callback] {
        if (!poll->complete())
            return;
        using R = Result<GatewaySnapshot>;
        for (const auto* list : { &poll->routers, &poll->services, &poll->middlewares }) {
            if (!list->value()) {
                callback(R::failure(list->value().error(), list->value().failureKind(), list->value().detail()));
                return;
            }
        }
        if (!poll->version->ok()) {
            callback(R::failure(poll->version->error(), poll->version->failureKind(), poll->version->detail()));
            return;
        }
        GatewaySnapshot snap;
        snap.version = poll->version->value();
        std::optional<Wire::PrometheusScrape> scrape;
        if (poll->wantMetrics) {
            const auto& m = *poll->metrics;
            const auto parsed = !m        ? Result<Wire::PrometheusScrape>::failure(m.error())
                : m.value().status != 200 ? Result<Wire::PrometheusScrape>::failure(Wire::httpStatusText(m.value()))
                                          : Wire::parsePrometheusText(m.value().body);
            if (parsed)
                scrape = parsed.value();
            else
                snap.notices.append({ QStringLiteral("metrics (%1): %2; no request counts this poll")
                                          .arg(config().metrics.toString(), parsed.error()),
                    {} });
        } else {
            snap.notices.append({ QStringLiteral("no metrics endpoint is set for this gateway: Traefik's requests "
                                                 "and errors need its Prometheus metrics (\"metrics\" in the fleet "
                                                 "file)"),
                {} });
        }
        Parsed parsed = traefikSnapshot(
            poll->routers->value(), poll->services->value(), poll->middlewares->value(), scrape ? &*scrape : nullptr);
        snap.frontends = parsed.frontends;
        snap.backends = parsed.backends;
        snap.notices += parsed.notices;
        for (const QString& what : poll->cut)
            snap.notices.append({ QStringLiteral("%1 has more than %2 entries: only the first %2 are shown")
                                      .arg(what)
                                      .arg(kMaxPages * 100),
                {} });
        snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
        callback(R::success(snap));
    };
    m_http->get(QStringLiteral("/api/version"), [this, poll, done](Result<Wire::HttpAnswer> r) {
        if (!r)
            poll->version = Result<QString>::failure(r.error(), r.failureKind(), r.detail());
        else if (r.value().status == 401 || r.value().status == 403)
            poll->version = Result<QString>::failure(
                QStringLiteral("%1: /api/version: authentication failed (%2): check the gateway's credential")
                    .arg(config().name, Wire::httpStatusText(r.value())),
                Failure::Authentication);
        else if (r.value().status != 200)
            poll->version = Result<QString>::failure(
                QStringLiteral("%1: /api/version: %2").arg(config().name, Wire::httpStatusText(r.value())));
        else if (auto v = parseVersion(r.value().body))
            poll->version = v;
        else
            poll->version = Result<QString>::failure(QStringLiteral("%1: %2").arg(config().name, v.error()));
        done();
    });
    const std::pair<QString, std::optional<Result<QList<QJsonObject>>> Poll::*> lists[]
        = { { QStringLiteral("/api/http/routers"), &Poll::routers },
              { QStringLiteral("/api/http/services"), &Poll::services },
              { QStringLiteral("/api/http/middlewares"), &Poll::middlewares } };
    for (const auto& [path, member] : lists) {
        readList(path, 1, {}, [poll, done, member, path](Result<QList<QJsonObject>> r, bool cut) {
            if (cut)
                poll->cut << path;
            (*poll).*member = r;
            done();
        });
    }
    if (poll->wantMetrics) {
        const QUrl url = config().metrics;
        m_metrics->get(url.path() + (url.hasQuery() ? QLatin1Char('?') + url.query() : QString()),
            [poll, done](Result<Wire::HttpAnswer> r) {
                poll->metrics = r;
                done();
            });
    }
}

void TraefikDriver::sendChange(const Change& change, const GatewayState&, ActionCallback callback)
{
    callback(refuse(change)); // it registers no kind of change: Driver::apply refuses before this
}

} // namespace Fleetdeck::Drivers::Traefik
