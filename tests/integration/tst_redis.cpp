// The Redis driver against the lab's real redis-server 7.0 (a master and its replica, an ACL user, traffic from the
// lab): the snapshot and its figures, the eviction settings changed, verified by Redis's own redis-cli and undone,
// CONFIG REWRITE into the lab's redis.conf, values refused before anything is sent, a restricted ACL user refused
// in Redis's own words, and wrong or missing passwords.
#include <cmath>

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include "assembly.h"
#include "credentialstore.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "metricstore.h"
#include "reports.h"
#include "serieskeys.h"

using namespace Fleetdeck;

namespace {
// Asks Redis with its own redis-cli, independent of Fleetdeck's client. The secret file holds "user:password".
QString redisCli(const Test::LabRedis& r, const QStringList& command)
{
    QFile secret(r.secretFile);
    if (!secret.open(QIODevice::ReadOnly))
        return QStringLiteral("(no secret file %1)").arg(r.secretFile);
    const QString userPassword = QString::fromUtf8(secret.readAll());
    const qsizetype colon = userPassword.indexOf(QLatin1Char(':'));
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("REDISCLI_AUTH"), userPassword.mid(colon + 1)); // not on the command line
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("redis-cli"),
        QStringList { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(r.port),
            QStringLiteral("--user"), userPassword.left(colon), QStringLiteral("--no-auth-warning") }
            + command);
    p.waitForFinished(10000);
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

// CONFIG GET's value alone (redis-cli prints the name, then the value).
QString configGet(const Test::LabRedis& r, const QString& name)
{
    return redisCli(r, { QStringLiteral("CONFIG"), QStringLiteral("GET"), name }).split(QLatin1Char('\n')).value(1);
}

struct Session
{
    Session(const QString& secret, const GatewayConfig& config)
    {
        credentials.write(config.credential, secret, [](Result<bool>) {});
        controller.setCredentialStore(&credentials);
        controller.addGateway(config);
    }
    SessionCredentialStore credentials;
    Assembly assembly;
    FleetStore& store = assembly.store();
    MetricStore& metrics = assembly.metrics();
    FleetController& controller = assembly.controller();
};
} // namespace

class TestRedis : public QObject
{
    Q_OBJECT

private:
    Test::Lab m_lab;
    Test::LabRedis m_master;
    Test::LabRedis m_replica;
    QString m_secret;

    GatewayConfig config(const Test::LabRedis& r, const QString& credential) const
    {
        GatewayConfig c;
        c.name = r.name;
        c.product = QStringLiteral("redis");
        c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(r.port));
        c.credential = credential;
        c.pollIntervalMs = 500;
        return c;
    }

    CachePolicy readPolicy(FleetController& controller)
    {
        QSignalSpy policy(&controller, &FleetActions::cachePolicyReceived);
        controller.requestCachePolicy(m_master.name);
        if (!policy.wait(5000))
            return {};
        return policy.takeFirst().at(1).value<CachePolicy>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.redis.size() >= 2, "the lab runs a Redis master and its replica (--redis 2)");
        m_master = m_lab.redis.at(0);
        m_replica = m_lab.redis.at(1);
        QFile secret(m_master.secretFile);
        QVERIFY(secret.open(QIODevice::ReadOnly));
        m_secret = QString::fromUtf8(secret.readAll());
        QVERIFY(m_secret.startsWith(QLatin1String("fleet:")));
        qRegisterMetaType<ActionReport>();
    }

    void masterReplicaAndFiguresAreRead()
    {
        Session session(m_secret, config(m_master, QStringLiteral("redis-1/auth")));
        GatewayConfig replica = config(m_replica, QStringLiteral("redis-2/auth"));
        session.credentials.write(replica.credential, m_secret, [](Result<bool>) {});
        session.controller.addGateway(replica);
        FleetStore& store = session.store;
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).snapshot.has_value() && store.entry(1).snapshot.has_value(), 10000);

        // The master's replication pool: itself and the replica, which Redis names by its port.
        const GatewaySnapshot& master = *store.entry(0).snapshot;
        QCOMPARE(master.backends.size(), 1);
        QCOMPARE(master.backends.first().servers.size(), 2);
        QVERIFY2(master.backends.first().servers.at(1).name.contains(QString::number(m_replica.port))
                || master.backends.first().servers.at(1).address.contains(QString::number(m_replica.port)),
            qPrintable(master.backends.first().servers.at(1).name));
        // Online once the first sync is done (a lab just started may still be in it).
        QTRY_VERIFY2_WITH_TIMEOUT(
            store.entry(0).snapshot->backends.first().servers.at(1).status.contains(QLatin1String("online")),
            qPrintable(store.entry(0).snapshot->backends.first().servers.at(1).status), 20000);
        // The replica's: itself and its master, the link up.
        QCOMPARE(store.entry(1).snapshot->backends.first().servers.size(), 2);
        QTRY_VERIFY2_WITH_TIMEOUT(store.entry(1).snapshot->backends.first().servers.at(1).health == Health::Up,
            qPrintable(store.entry(1).snapshot->backends.first().servers.at(1).status), 20000);

        // Commands processed: what Fleetdeck read is at most what redis-cli reads a moment later, and close to it.
        const qint64 seen = store.entry(0).snapshot->requestsTotal();
        const QString stats = redisCli(m_master, { QStringLiteral("INFO"), QStringLiteral("stats") });
        const auto m = QRegularExpression(QStringLiteral("total_commands_processed:(\\d+)")).match(stats);
        QVERIFY2(m.hasMatch(), qPrintable(stats.left(200)));
        const qint64 cli = m.captured(1).toLongLong();
        QVERIFY2(seen > 0 && seen <= cli && cli - seen < 100000,
            qPrintable(QStringLiteral("Fleetdeck %1, redis-cli %2").arg(seen).arg(cli)));

        // The lab's traffic reads keys that are there and keys that are not: the hit ratio is charted, between the
        // extremes, and so are commands per second and used memory.
        const QString subject = SeriesKeys::subject(m_master.name);
        const QString hitKey = SeriesKeys::figure(subject, QStringLiteral("hit_ratio"));
        QList<float> ratios;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                ratios.clear();
                const qint64 now = QDateTime::currentMSecsSinceEpoch();
                for (const MetricStore::Bucket& b : session.metrics.range(hitKey, now - 10000, now))
                    if (!b.isGap())
                        ratios.append(b.mean);
                return ratios.size() >= 3;
            }(),
            15000);
        // Each interval's ratio is a share; over the window some reads hit and some missed.
        bool between = false;
        for (float r : ratios) {
            QVERIFY2(r >= 0 && r <= 100, qPrintable(QString::number(r)));
            between = between || (r > 0 && r < 100);
        }
        QVERIFY2(between, "the hit ratio never moved off 0 % or 100 %");
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        bool rate = false;
        for (const MetricStore::Bucket& b : session.metrics.range(SeriesKeys::requestRate(subject), now - 10000, now))
            rate = rate || (!b.isGap() && b.mean > 1);
        QVERIFY2(rate, "no commands per second charted");
        bool memory = false;
        for (const MetricStore::Bucket& b :
            session.metrics.range(SeriesKeys::figure(subject, QStringLiteral("used_memory")), now - 10000, now))
            memory = memory || (!b.isGap() && b.mean > 0.1);
        QVERIFY2(memory, "no used memory charted");
    }

    void evictionSettingsChangedVerifiedAndUndone()
    {
        Session session(m_secret, config(m_master, QStringLiteral("redis-1/auth")));
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory-policy")), QStringLiteral("allkeys-lru"));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory")), QStringLiteral("33554432"));
        const CachePolicy before = readPolicy(controller);
        QVERIFY(before.setting(QStringLiteral("maxmemory")));
        QCOMPARE(before.setting(QStringLiteral("maxmemory"))->value, QStringLiteral("32mb"));

        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy({ Change(SettingChange { m_master.name, QStringLiteral("maxmemory-policy"), {},
                                             QStringLiteral("volatile-lfu"), {} },
                                      before.configVersion),
            Change(SettingChange { m_master.name, QStringLiteral("maxmemory"), {}, QStringLiteral("48mb"), {} },
                before.configVersion) });
        FLEETDECK_REPORT(report, finished);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.value(0).message + report.outcomes.value(1).message));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory-policy")), QStringLiteral("volatile-lfu"));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory")), QStringLiteral("50331648"));
        QVERIFY2(
            report.outcomes.at(1).message.contains(QLatin1String("48mb")), qPrintable(report.outcomes.at(1).message));

        controller.apply(report.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory-policy")), QStringLiteral("allkeys-lru"));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory")), QStringLiteral("33554432"));
    }

    void configRewriteWritesTheFileRedisStartedFrom()
    {
        Session session(m_secret, config(m_master, QStringLiteral("redis-1/auth")));
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
        const CachePolicy policy = readPolicy(controller);
        const Setting* rewrite = policy.setting(QStringLiteral("config-rewrite"));
        QVERIFY(rewrite);
        QCOMPARE(rewrite->kind, Setting::Kind::Command);
        QCOMPARE(rewrite->value, m_master.config); // offered: this Redis started from the lab's redis.conf
        QCOMPARE(rewrite->choices, QStringList { QStringLiteral("rewrite") });

        // lazyfree-lazy-expire set at run time, then written into the file by CONFIG REWRITE; put back after.
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        const QString was = configGet(m_master, QStringLiteral("lazyfree-lazy-expire"));
        const QString other = was == QLatin1String("yes") ? QStringLiteral("no") : QStringLiteral("yes");
        controller.changePolicy(
            { Change(SettingChange { m_master.name, QStringLiteral("lazyfree-lazy-expire"), {}, other, {} }) });
        FLEETDECK_REPORT(set, finished);
        QVERIFY2(set.ok(), qPrintable(set.outcomes.value(0).message));
        controller.changePolicy({ Change(
            SettingChange { m_master.name, QStringLiteral("config-rewrite"), {}, QStringLiteral("rewrite"), {} }) });
        FLEETDECK_REPORT(written, finished);
        QVERIFY2(written.ok(), qPrintable(written.outcomes.value(0).message));
        QVERIFY(!written.outcomes.first().undo.has_value()); // a file write is not undone from here, and says so
        QFile file(m_master.config);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        QVERIFY2(text.contains(QStringLiteral("lazyfree-lazy-expire %1").arg(other)), qPrintable(text.right(400)));

        controller.apply(set.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY(undone.ok());
        QCOMPARE(configGet(m_master, QStringLiteral("lazyfree-lazy-expire")), was);
        controller.changePolicy({ Change(
            SettingChange { m_master.name, QStringLiteral("config-rewrite"), {}, QStringLiteral("rewrite"), {} }) });
        FLEETDECK_REPORT(back, finished);
        QVERIFY(back.ok());
    }

    void badValuesAreRefusedBeforeSending()
    {
        Session session(m_secret, config(m_master, QStringLiteral("redis-1/auth")));
        FleetController& controller = session.controller;
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        controller.changePolicy(
            { Change(SettingChange { m_master.name, QStringLiteral("maxmemory"), {}, QStringLiteral("12zz"), {} }) });
        FLEETDECK_REPORT(size, finished);
        QVERIFY(!size.ok());
        QVERIFY(!size.outcomes.first().sent);
        QVERIFY2(
            size.outcomes.first().message.contains(QLatin1String("a size")), qPrintable(size.outcomes.first().message));
        controller.changePolicy({ Change(SettingChange {
            m_master.name, QStringLiteral("maxmemory-policy"), {}, QStringLiteral("sometimes-lru"), {} }) });
        FLEETDECK_REPORT(policy, finished);
        QVERIFY(!policy.ok());
        QVERIFY(!policy.outcomes.first().sent);
        QVERIFY2(policy.outcomes.first().message.contains(QLatin1String("allkeys-lru")),
            qPrintable(policy.outcomes.first().message)); // the allowed policies are named
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory")), QStringLiteral("33554432"));
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory-policy")), QStringLiteral("allkeys-lru"));
    }

    void aReadOnlyAclUserIsRefusedInRedisWords()
    {
        // An operator whose ACL user may read but not CONFIG SET: the form's change reaches Redis, which refuses
        // it; the outcome carries Redis's own words and nothing changed.
        const QString password = QStringLiteral("viewer-%1").arg(QDateTime::currentMSecsSinceEpoch());
        QCOMPARE(redisCli(m_master,
                     { QStringLiteral("ACL"), QStringLiteral("SETUSER"), QStringLiteral("viewer"), QStringLiteral("on"),
                         QStringLiteral(">") + password, QStringLiteral("~*"), QStringLiteral("+@read"),
                         QStringLiteral("+info"), QStringLiteral("+config|get"), QStringLiteral("+slowlog"),
                         QStringLiteral("+latency") }),
            QStringLiteral("OK"));
        {
            Session session(QStringLiteral("viewer:") + password, config(m_master, QStringLiteral("redis-1/viewer")));
            FleetController& controller = session.controller;
            QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
            QSignalSpy finished(&controller, &FleetActions::actionFinished);
            controller.changePolicy({ Change(SettingChange {
                m_master.name, QStringLiteral("maxmemory-policy"), {}, QStringLiteral("allkeys-lfu"), {} }) });
            FLEETDECK_REPORT(report, finished);
            QVERIFY(!report.ok());
            const QString message = report.outcomes.first().message;
            QVERIFY2(message.contains(QLatin1String("NOPERM")) && message.contains(m_master.name)
                    && message.contains(QLatin1String("CONFIG SET")),
                qPrintable(message));
            QVERIFY(!message.contains(password));
        }
        redisCli(m_master, { QStringLiteral("ACL"), QStringLiteral("DELUSER"), QStringLiteral("viewer") });
        QCOMPARE(configGet(m_master, QStringLiteral("maxmemory-policy")), QStringLiteral("allkeys-lru"));
    }

    void tlsWithTheLabsCaAndRefusedWithAnother()
    {
        // rediss:// to the lab Redis's TLS port: trusted through the gateway's CA file, refused with another CA,
        // the certificate's SHA-256 offered to check and pin.
        QVERIFY2(m_master.tlsPort > 0, "the lab's first Redis listens with TLS too (lab --tls --redis)");
        GatewayConfig trusted = config(m_master, QStringLiteral("redis-1/auth"));
        trusted.admin = QUrl(QStringLiteral("rediss://127.0.0.1:%1").arg(m_master.tlsPort));
        trusted.tls.caFile = m_lab.tls.caFile;
        Session session(m_secret, trusted);
        GatewayConfig other = trusted;
        other.name = QStringLiteral("redis-wrong-ca");
        other.tls.caFile = m_lab.tls.wrongCaFile;
        session.controller.addGateway(other);
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(0).snapshot.has_value(), 10000);
        QVERIFY(session.store.entry(0).snapshot->requestsTotal() > 0);
        QTRY_VERIFY_WITH_TIMEOUT(session.store.entry(1).status.connection == Connection::Unreachable, 10000);
        const QString refused = session.store.entry(1).status.lastError;
        QVERIFY2(refused.contains(QLatin1String("not trusted")) && refused.contains(QLatin1String("SHA-256")),
            qPrintable(refused));
        QVERIFY(!session.store.entry(1).snapshot.has_value());
    }

    void wrongOrMissingPassword()
    {
        SessionCredentialStore credentials;
        credentials.write(
            QStringLiteral("redis-1/auth"), QStringLiteral("fleet:not-the-password"), [](Result<bool>) {});
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.setCredentialStore(&credentials);
        controller.addGateway(config(m_master, QStringLiteral("redis-1/auth")));
        GatewayConfig missing = config(m_master, QStringLiteral("redis-1/nowhere"));
        missing.name = QStringLiteral("redis-missing");
        controller.addGateway(missing);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection == Connection::Unreachable, 10000);
        const QString wrong = store.entry(0).status.lastError;
        QVERIFY2(
            wrong.contains(QLatin1String("authentication failed")) && wrong.contains(m_master.name), qPrintable(wrong));
        QVERIFY(!wrong.contains(QLatin1String("not-the-password"))); // never in an error
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(1).status.connection == Connection::Unreachable, 10000);
        const QString none = store.entry(1).status.lastError;
        QVERIFY2(none.contains(QLatin1String("none is set")) && none.contains(QLatin1String("redis-1/nowhere")),
            qPrintable(none));
    }
};

QTEST_GUILESS_MAIN(TestRedis)
#include "tst_redis.moc"
