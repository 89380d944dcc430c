#include "kongdriver.h"

#include <memory>

#include <QDateTime>
#include <QJsonDocument>
#include <QUrl>

#include "registry.h"
#include "wire/httpadmin.h"

namespace Fleetdeck::Drivers::Kong {

ProductDescriptor descriptor(); // kongproduct.cpp

QString segment(const QString& name)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(name));
}

namespace {
struct Poll
{
    std::optional<Result<QByteArray>> root, status;
    std::optional<Result<QList<QJsonObject>>> upstreams, services, routes, plugins;
    QHash<QString, Result<QList<QJsonObject>>> health; // per upstream
    int healthPending = -1;
    int healthSkipped = 0; // upstreams past the poll's health reads
    QStringList cut;
    bool complete() const { return root && status && upstreams && services && routes && plugins && healthPending == 0; }
};
} // namespace

KongDriver::KongDriver(const GatewayConfig& config, QObject* parent)
    : Driver(config, descriptor().info.capabilities, parent)
    , m_http(new Wire::HttpAdmin(config, this))
{ }

KongDriver::~KongDriver() = default;

void KongDriver::setKeyPassphrase(const QByteArray& passphrase)
{
    m_http->setKeyPassphrase(passphrase);
}

void KongDriver::setSecret(const QByteArray& secret)
{
    m_http->setHeader("Kong-Admin-Token", secret.trimmed());
}

void KongDriver::call(const QByteArray& method, const QString& path, const QByteArray& body, QList<int> ok,
    std::function<void(Result<QByteArray>)> callback)
{
    m_http->send(method, path, body, [this, method, path, ok, callback](Result<Wire::HttpAnswer> r) {
        using R = Result<QByteArray>;
        const QString what
            = QStringLiteral("%1: %2 %3")
                  .arg(config().name, QString::fromLatin1(method), QUrl::fromPercentEncoding(path.toUtf8()));
        if (!r) {
            callback(R::failure(r.error(), r.failureKind(), r.detail()));
            return;
        }
        const int status = r.value().status;
        if (status == 401 || status == 403) {
            callback(R::failure(QStringLiteral("%1: authentication failed (%2): check the gateway's RBAC token")
                                    .arg(what, errorText(status, r.value().body)),
                Failure::Authentication));
            return;
        }
        if (!ok.contains(status)) {
            callback(R::failure(QStringLiteral("%1: %2").arg(what, errorText(status, r.value().body)),
                status == 409 ? Failure::Conflict : Failure::General));
            return;
        }
        callback(R::success(r.value().body));
    });
}

void KongDriver::readList(const QString& path, int pages, QList<QJsonObject> sofar, ListCallback callback,
    std::shared_ptr<Wire::PagingBudget> budget)
{
    if (!budget)
        budget = std::make_shared<Wire::PagingBudget>(config(), kMaxPages);
    call("GET", path, {}, { 200 },
        [this, path, pages, sofar = std::move(sofar), callback, budget](Result<QByteArray> r) mutable {
            using R = Result<QList<QJsonObject>>;
            if (!r) {
                callback(R::failure(r.error(), r.failureKind(), r.detail()), false);
                return;
            }
            const auto page = parsePage(r.value(), path.section(QLatin1Char('?'), 0, 0));
            if (!page) {
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, page.error())), false);
                return;
            }
            sofar += page.value().data;
            const QString next = nextPath(page.value().next, kPageSize);
            const QString list = path.section(QLatin1Char('?'), 0, 0);
            switch (const auto step = budget->after(r.value().size(), next)) {
            case Wire::PagingBudget::Step::Cut:
                callback(R::success(sofar), true);
                return;
            case Wire::PagingBudget::Step::Loop:
            case Wire::PagingBudget::Step::TooLarge:
            case Wire::PagingBudget::Step::TooSlow:
                callback(R::failure(QStringLiteral("%1: %2").arg(config().name, budget->why(step, list)),
                             Wire::PagingBudget::failureKind(step)),
                    false);
                return;
            case Wire::PagingBudget::Step::Next:
                break;
            }
            if (next.isEmpty()) {
                callback(R::success(sofar), false);
                return;
            }
            readList(next, pages + 1, std::move(sofar), std::move(callback), budget);
        });
}

void KongDriver::fetchSnapshot(SnapshotCallback callback)
{
    auto poll = std::make_shared<Poll>();
    auto done = [this, poll, callback] {
        if (!poll->complete())
            return;
        using R = Result<GatewaySnapshot>;
        for (const auto* body : { &poll->root, &poll->status }) {
            if (!body->value()) {
                callback(R::failure(body->value().error(), body->value().failureKind(), body->value().detail()));
                return;
            }
        }
        for (const auto* list : { &poll->upstreams, &poll->services, &poll->routes, &poll->plugins }) {
            if (!list->value()) {
                callback(R::failure(list->value().error(), list->value().failureKind(), list->value().detail()));
                return;
            }
        }
        const auto version = parseVersion(poll->root->value());
        const auto status = parseStatus(poll->status->value());
        if (!version || !status) {
            callback(
                R::failure(QStringLiteral("%1: %2").arg(config().name, !version ? version.error() : status.error())));
            return;
        }
        GatewaySnapshot snap;
        snap.version = version.value();
        for (const QJsonObject& u : poll->upstreams->value()) {
            const QString name = u.value(QLatin1String("name")).toString();
            if (!poll->health.contains(name)) {
                snap.backends.append(upstreamPool(u, {})); // past this poll's health reads
                continue;
            }
            const auto targets = poll->health.value(name);
            if (!targets) {
                // One upstream's health unread: its pool is shown without targets, and the reason said.
                snap.notices.append({ targets.error(), {} });
                snap.backends.append(upstreamPool(u, {}));
                continue;
            }
            snap.backends.append(upstreamPool(u, targets.value()));
        }
        snap.frontends
            = routeFrontends(status.value(), poll->routes->value(), poll->services->value(), poll->plugins->value());
        if (poll->healthSkipped > 0)
            snap.notices.append({ QStringLiteral("%1 upstreams: the targets of the last %2 are not read (at most %3 "
                                                 "upstreams' health a poll)")
                                      .arg(poll->upstreams->value().size())
                                      .arg(poll->healthSkipped)
                                      .arg(kMaxHealthReads),
                {} });
        if (!status.value().databaseReachable)
            snap.notices.append({ QStringLiteral("Kong says its database is not reachable: changes will fail"), {} });
        for (const QString& what : poll->cut)
            snap.notices.append({ QStringLiteral("%1 has more than %2 entries: only the first %2 are shown")
                                      .arg(what)
                                      .arg(kMaxPages * kPageSize),
                {} });
        snap.takenAtMs = QDateTime::currentMSecsSinceEpoch();
        callback(R::success(snap));
    };
    call("GET", QStringLiteral("/"), {}, { 200 }, [poll, done](Result<QByteArray> r) {
        poll->root = r;
        done();
    });
    call("GET", QStringLiteral("/status"), {}, { 200 }, [poll, done](Result<QByteArray> r) {
        poll->status = r;
        done();
    });
    const QString first = QStringLiteral("?size=%1").arg(kPageSize);
    const std::pair<QString, std::optional<Result<QList<QJsonObject>>> Poll::*> lists[]
        = { { QStringLiteral("/services"), &Poll::services }, { QStringLiteral("/routes"), &Poll::routes },
              { QStringLiteral("/plugins"), &Poll::plugins } };
    for (const auto& [path, member] : lists) {
        readList(path + first, 0, {}, [poll, done, member, path](Result<QList<QJsonObject>> r, bool cut) {
            if (cut)
                poll->cut << path;
            (*poll).*member = r;
            done();
        });
    }
    // The upstreams, then each one's targets with their health.
    readList(
        QStringLiteral("/upstreams") + first, 0, {}, [this, poll, done, first](Result<QList<QJsonObject>> r, bool cut) {
            if (cut)
                poll->cut << QStringLiteral("/upstreams");
            poll->upstreams = r;
            // One health read per upstream, at most kMaxHealthReads a poll: a list of thousands of upstreams does
            // not fan out into thousands of requests.
            const QList<QJsonObject> read = r ? r.value().mid(0, kMaxHealthReads) : QList<QJsonObject>();
            poll->healthSkipped = r ? int(r.value().size() - read.size()) : 0;
            poll->healthPending = int(read.size());
            if (read.isEmpty()) {
                done();
                return;
            }
            for (const QJsonObject& u : read) {
                const QString name = u.value(QLatin1String("name")).toString();
                readList(QStringLiteral("/upstreams/%1/health").arg(segment(name)) + first, 0, {},
                    [poll, done, name](Result<QList<QJsonObject>> h, bool cut) {
                        if (cut)
                            poll->cut << QStringLiteral("/upstreams/%1/health").arg(name);
                        poll->health.insert(name, h);
                        --poll->healthPending;
                        done();
                    });
            }
        });
}

void KongDriver::readRateLimits(RateLimitsCallback callback)
{
    const QString first = QStringLiteral("?size=%1").arg(kPageSize);
    readList(
        QStringLiteral("/plugins") + first, 0, {}, [this, callback, first](Result<QList<QJsonObject>> plugins, bool) {
            if (!plugins) {
                callback(Result<RateLimits>::failure(plugins.error(), plugins.failureKind(), plugins.detail()));
                return;
            }
            readList(QStringLiteral("/consumers") + first, 0, {},
                [callback, plugins = plugins.value()](Result<QList<QJsonObject>> consumers, bool) {
                    if (!consumers)
                        callback(Result<RateLimits>::failure(
                            consumers.error(), consumers.failureKind(), consumers.detail()));
                    else
                        callback(Result<RateLimits>::success(kongRateLimits(plugins, consumers.value())));
                });
        });
}

void KongDriver::readCachePolicy(CachePolicyCallback callback)
{
    const QString first = QStringLiteral("?size=%1").arg(kPageSize);
    readList(
        QStringLiteral("/plugins") + first, 0, {}, [this, callback, first](Result<QList<QJsonObject>> plugins, bool) {
            if (!plugins) {
                callback(Result<CachePolicy>::failure(plugins.error(), plugins.failureKind(), plugins.detail()));
                return;
            }
            readList(QStringLiteral("/services") + first, 0, {},
                [this, callback, first, plugins = plugins.value()](Result<QList<QJsonObject>> services, bool) {
                    if (!services) {
                        callback(
                            Result<CachePolicy>::failure(services.error(), services.failureKind(), services.detail()));
                        return;
                    }
                    readList(QStringLiteral("/routes") + first, 0, {},
                        [callback, plugins, services = services.value()](Result<QList<QJsonObject>> routes, bool) {
                            if (!routes)
                                callback(Result<CachePolicy>::failure(
                                    routes.error(), routes.failureKind(), routes.detail()));
                            else
                                callback(
                                    Result<CachePolicy>::success(kongCachePolicy(plugins, services, routes.value())));
                        });
                });
        });
}

void KongDriver::setRateLimit(const RateLimitChange& change, ActionCallback callback)
{
    auto answered = [callback](Result<QByteArray> r) {
        if (!r)
            callback(Result<QString>::failure(r.error(), r.failureKind(), r.detail()));
        else
            callback(Result<QString>::success(QString::fromUtf8(r.value().left(300))));
    };
    // The plugin's `minute` changed where there is one, a plugin added where there is none, removed for a lifted key.
    auto write = [this, change, answered](const QJsonObject& plugin, const QString& addPath, const QJsonObject& extra) {
        if (change.limit < 0) {
            if (plugin.isEmpty())
                answered(Result<QByteArray>::success("no rate-limiting plugin to remove"));
            else
                call("DELETE", QStringLiteral("/plugins/%1").arg(segment(plugin.value(QLatin1String("id")).toString())),
                    {}, { 204 }, answered);
            return;
        }
        QJsonObject config = extra;
        config.insert(QStringLiteral("minute"), change.limit);
        if (!plugin.isEmpty()) {
            call("PATCH", QStringLiteral("/plugins/%1").arg(segment(plugin.value(QLatin1String("id")).toString())),
                QJsonDocument(QJsonObject { { QStringLiteral("config"),
                                  QJsonObject { { QStringLiteral("minute"), change.limit } } } })
                    .toJson(QJsonDocument::Compact),
                { 200 }, answered);
            return;
        }
        config.insert(QStringLiteral("policy"), QStringLiteral("local"));
        call("POST", addPath,
            QJsonDocument(QJsonObject { { QStringLiteral("name"), QStringLiteral("rate-limiting") },
                              { QStringLiteral("config"), config } })
                .toJson(QJsonDocument::Compact),
            { 200, 201 }, answered);
    };
    const QString first = QStringLiteral("?size=%1").arg(kPageSize);
    if (change.scope == RateScope::Ip) {
        readList(
            QStringLiteral("/plugins") + first, 0, {}, [callback, write](Result<QList<QJsonObject>> plugins, bool) {
                if (!plugins) {
                    callback(Result<QString>::failure(plugins.error(), plugins.failureKind(), plugins.detail()));
                    return;
                }
                write(rateLimitPlugin(plugins.value(), {}), QStringLiteral("/plugins"),
                    QJsonObject { { QStringLiteral("limit_by"), QStringLiteral("ip") } });
            });
        return;
    }
    // A key is a consumer: its own plugin (not one on a service or route).
    readList(QStringLiteral("/consumers") + first, 0, {},
        [this, change, callback, write, first](Result<QList<QJsonObject>> consumers, bool) {
            if (!consumers) {
                callback(Result<QString>::failure(consumers.error(), consumers.failureKind(), consumers.detail()));
                return;
            }
            const QString id = consumerNamed(consumers.value(), change.key).value(QLatin1String("id")).toString();
            if (id.isEmpty()) {
                callback(Result<QString>::failure(
                    QStringLiteral("%1: Kong has no consumer \"%2\" (username, custom_id or id): add the consumer "
                                   "first; nothing sent")
                        .arg(config().name, change.key)));
                return;
            }
            const QString plugins = QStringLiteral("/consumers/%1/plugins").arg(segment(id));
            readList(plugins + first, 0, {}, [callback, write, plugins, id](Result<QList<QJsonObject>> r, bool) {
                if (!r) {
                    callback(Result<QString>::failure(r.error(), r.failureKind(), r.detail()));
                    return;
                }
                write(rateLimitPlugin(r.value(), id), plugins, {});
            });
        });
}

void KongDriver::setWeight(const ServerRef& target, const QString& revision,
    std::function<int(const QJsonObject&)> weight, std::function<QJsonArray(const QJsonObject&)> tags,
    ActionCallback callback)
{
    // Read the target, check it is the one the pipeline just re-read (updated_at), then write weight and tags.
    const QString path
        = QStringLiteral("/upstreams/%1/targets/%2").arg(segment(target.backend), segment(target.server));
    call("GET", path, {}, { 200 }, [this, path, revision, weight, tags, callback](Result<QByteArray> r) {
        if (!r) {
            callback(Result<QString>::failure(r.error(), r.failureKind(), r.detail()));
            return;
        }
        const QJsonObject t = QJsonDocument::fromJson(r.value()).object();
        const QString now = QString::number(t.value(QLatin1String("updated_at")).toDouble(), 'f', 3);
        if (!revision.isEmpty() && now != revision) {
            callback(Result<QString>::failure(
                QStringLiteral("%1: %2 was changed meanwhile (updated_at %3, not %4); nothing sent")
                    .arg(config().name, QUrl::fromPercentEncoding(path.toUtf8()), now, revision),
                Failure::Conflict));
            return;
        }
        QJsonObject body { { QStringLiteral("weight"), weight(t) } };
        if (tags)
            body.insert(QStringLiteral("tags"), tags(t));
        call("PATCH", path, QJsonDocument(body).toJson(QJsonDocument::Compact), { 200 },
            [callback](Result<QByteArray> patched) {
                if (!patched)
                    callback(Result<QString>::failure(patched.error(), patched.failureKind(), patched.detail()));
                else
                    callback(Result<QString>::success(QString::fromUtf8(patched.value().left(300))));
            });
    });
}

void KongDriver::sendChange(const Change& change, const GatewayState& current, ActionCallback callback)
{
    auto revisionOf = [&current](const ServerRef& ref) {
        const ServerSnapshot* s = current.pool ? current.pool->server(ref.backend, ref.server) : nullptr;
        return s ? s->revision : QString();
    };
    auto answered = [callback](Result<QByteArray> r) {
        if (!r)
            callback(Result<QString>::failure(r.error(), r.failureKind(), r.detail()));
        else
            callback(Result<QString>::success(QString::fromUtf8(r.value().left(300))));
    };
    if (const auto* state = change.as<ServerStateChange>()) {
        if (state->state == AdminState::Drain) {
            // Weight 0, the weight it had kept in a tag so "ready" can give it back.
            setWeight(
                state->target, revisionOf(state->target), [](const QJsonObject&) { return 0; },
                [](const QJsonObject& t) {
                    QJsonArray tags;
                    for (const QJsonValue& v : t.value(QLatin1String("tags")).toArray())
                        if (!v.toString().startsWith(QLatin1String("fleetdeck-weight-")))
                            tags.append(v);
                    const int w = t.value(QLatin1String("weight")).toInt();
                    tags.append(weightTag(w > 0 ? w : qMax(1, keptWeight(t.value(QLatin1String("tags")).toArray()))));
                    return tags;
                },
                callback);
            return;
        }
        if (state->state == AdminState::Ready) {
            setWeight(
                state->target, revisionOf(state->target),
                [](const QJsonObject& t) {
                    const int w = t.value(QLatin1String("weight")).toInt();
                    const int kept = keptWeight(t.value(QLatin1String("tags")).toArray());
                    return w > 0 ? w : (kept > 0 ? kept : 100); // Kong's default when none was kept
                },
                [](const QJsonObject& t) {
                    QJsonArray tags;
                    for (const QJsonValue& v : t.value(QLatin1String("tags")).toArray())
                        if (!v.toString().startsWith(QLatin1String("fleetdeck-weight-")))
                            tags.append(v);
                    return tags;
                },
                callback);
            return;
        }
        callback(Result<QString>::failure(
            QStringLiteral("%1: Kong has no %2 for a target; nothing sent").arg(config().name, label(state->state))));
        return;
    }
    if (const auto* w = change.as<WeightChange>()) {
        const int weight = w->weight;
        setWeight(
            w->target, revisionOf(w->target), [weight](const QJsonObject&) { return weight; }, {}, callback);
        return;
    }
    if (const auto* add = change.as<AddMemberChange>()) {
        const QJsonObject body { { QStringLiteral("target"), add->spec.address() },
            { QStringLiteral("weight"), add->spec.weight } };
        call("POST", QStringLiteral("/upstreams/%1/targets").arg(segment(add->spec.backend)),
            QJsonDocument(body).toJson(QJsonDocument::Compact), { 200, 201 }, answered);
        return;
    }
    if (const auto* remove = change.as<RemoveMemberChange>()) {
        call("DELETE",
            QStringLiteral("/upstreams/%1/targets/%2")
                .arg(segment(remove->target.backend), segment(remove->target.server)),
            {}, { 204 }, answered);
        return;
    }
    if (const auto* setting = change.as<SettingChange>();
        setting && setting->setting == QLatin1String("cache_ttl") && !setting->scope.isEmpty()) {
        const auto ttl = parseSeconds(setting->value);
        if (!ttl) {
            callback(Result<QString>::failure(QStringLiteral("%1: %2 is not a whole number of seconds; nothing sent")
                                                  .arg(config().name, setting->value)));
            return;
        }
        call("PATCH", QStringLiteral("/plugins/%1").arg(segment(setting->scope)),
            QJsonDocument(
                QJsonObject { { QStringLiteral("config"), QJsonObject { { QStringLiteral("cache_ttl"), *ttl } } } })
                .toJson(QJsonDocument::Compact),
            { 200 }, answered);
        return;
    }
    if (const auto* limit = change.as<RateLimitChange>()) {
        setRateLimit(*limit, callback);
        return;
    }
    if (const auto* option = change.as<MemberOptionChange>(); option && option->option == QLatin1String("healthy")) {
        // Kong answers 400 "no healthchecker found for <upstream>" when the upstream has no health checks.
        call("PUT",
            QStringLiteral("/upstreams/%1/targets/%2/%3")
                .arg(segment(option->target.backend), segment(option->target.server),
                    option->value == QLatin1String("on") ? QStringLiteral("healthy") : QStringLiteral("unhealthy")),
            {}, { 200, 204 }, answered);
        return;
    }
    callback(refuse(change));
}

} // namespace Fleetdeck::Drivers::Kong
