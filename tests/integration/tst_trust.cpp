// One trust for every TLS channel (issue 32, first part), against the lab's real TLS endpoints on 127.0.0.1: nginx's
// HTTPS front of a Caddy admin API (certificates from a lab CA made per run, a second certificate from the same CA, a
// port that wants a client certificate) through the HTTP admin channel Kong, Traefik and Envoy use, and the lab
// Redis's TLS port through RESP. The system CAs refuse the lab CA; its file accepts it; another CA refuses; a pin
// alone accepts; a wrong pin refuses even when the CA vouches, naming both fingerprints, before a request is sent; a
// client certificate is presented, its absence refused, an encrypted key opened with its pass phrase; a refusal
// carries the presented fingerprint for the first-use prompt.
#include <QFile>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTest>

#include "assembly.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "redis/resp.h"
#include "registry.h"
#include "wire/httpadmin.h"
#include "wire/trust.h"

using namespace Fleetdeck;

namespace {

const QString kZeros = QString(64, QLatin1Char('0'));

// The leaf certificate's SHA-256 of a TLS port, read by a socket of the test's own, trusting anything.
QString presented(int port)
{
    QSslSocket socket;
    socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), quint16(port));
    if (!socket.waitForEncrypted(5000))
        return QStringLiteral("(no handshake: %1)").arg(socket.errorString());
    return Wire::fingerprint(socket.peerCertificate());
}

} // namespace

class TestTrust : public QObject
{
    Q_OBJECT

    Test::Lab m_lab;

    GatewayConfig front(int port, const QString& product = QStringLiteral("traefik")) const
    {
        GatewayConfig c;
        c.name = QStringLiteral("tls-front");
        c.product = product;
        c.admin = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(port));
        c.deadlineMs = 5000;
        return c;
    }

    // One GET through the HTTP admin channel.
    static Result<Wire::HttpAnswer> get(const GatewayConfig& config, const QByteArray& passphrase = {})
    {
        Wire::HttpAdmin http(config, nullptr);
        http.setKeyPassphrase(passphrase);
        std::optional<Result<Wire::HttpAnswer>> answer;
        http.get(QStringLiteral("/config/"), [&answer](Result<Wire::HttpAnswer> r) { answer = r; });
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 10000))
            return Result<Wire::HttpAnswer>::failure(QStringLiteral("no answer in 10 s"));
        return *answer;
    }

    // One PING over RESP to the lab Redis's TLS port.
    Result<QList<Drivers::Redis::RespValue>> ping(const TlsSettings& tls)
    {
        GatewayConfig c;
        c.name = QStringLiteral("redis-tls");
        c.product = QStringLiteral("redis");
        c.admin = QUrl(QStringLiteral("rediss://127.0.0.1:%1").arg(m_lab.redis.first().tlsPort));
        c.tls = tls;
        c.deadlineMs = 5000;
        QFile secret(m_lab.redis.first().secretFile);
        const QByteArray password = secret.open(QIODevice::ReadOnly) ? secret.readAll().trimmed() : QByteArray();
        std::optional<Result<QList<Drivers::Redis::RespValue>>> answer;
        QObject context;
        Drivers::Redis::RespSession::run(
            c, password, {}, { { "PING" } }, [&answer](Result<QList<Drivers::Redis::RespValue>> r) { answer = r; },
            &context);
        if (!QTest::qWaitFor([&] { return answer.has_value(); }, 10000))
            return Result<QList<Drivers::Redis::RespValue>>::failure(QStringLiteral("no answer in 10 s"));
        return *answer;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.tls.port > 0, "the lab runs its TLS front (lab --tls)");
        QCOMPARE(presented(m_lab.tls.port), m_lab.tls.serverSha256); // the lab's own record agrees with the socket
    }

    void httpSystemCasRefuseTheLabCaWithItsFingerprint()
    {
        const auto r = get(front(m_lab.tls.port));
        QVERIFY(!r.ok());
        QCOMPARE(r.failureKind(), Failure::Certificate);
        QCOMPARE(r.detail(), m_lab.tls.serverSha256);
        QVERIFY2(r.error().contains(QLatin1String("not trusted")) && r.error().contains(m_lab.tls.serverSha256),
            qPrintable(r.error()));
    }

    void httpTheCaFileAccepts()
    {
        GatewayConfig c = front(m_lab.tls.port);
        c.tls.caFile = m_lab.tls.caFile;
        const auto r = get(c);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().status, 200);
    }

    void httpAnotherCaRefuses()
    {
        GatewayConfig c = front(m_lab.tls.port);
        c.tls.caFile = m_lab.tls.wrongCaFile;
        const auto r = get(c);
        QVERIFY(!r.ok());
        QCOMPARE(r.failureKind(), Failure::Certificate);
        QCOMPARE(r.detail(), m_lab.tls.serverSha256);
    }

    void httpAPinAloneAccepts()
    {
        GatewayConfig c = front(m_lab.tls.port);
        c.tls.pinSha256 = m_lab.tls.serverSha256.toUpper(); // as an operator may paste it
        const auto r = get(c);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().status, 200);
    }

    // The defect: a pin of zeros with a CA file that vouches connected and showed "up".
    void httpAWrongPinRefusesEvenWhenTheCaVouches()
    {
        GatewayConfig c = front(m_lab.tls.port);
        c.tls.caFile = m_lab.tls.caFile;
        c.tls.pinSha256 = kZeros;
        const auto r = get(c);
        QVERIFY(!r.ok());
        QCOMPARE(r.failureKind(), Failure::Certificate);
        QVERIFY2(r.error().contains(QLatin1String("changed")) && r.error().contains(kZeros)
                && r.error().contains(m_lab.tls.serverSha256),
            qPrintable(r.error()));
    }

    void httpAChangedCertificateIsRefusedNamingBoth()
    {
        GatewayConfig c = front(m_lab.tls.changedPort);
        c.tls.caFile = m_lab.tls.caFile; // the same CA signed the new one
        c.tls.pinSha256 = m_lab.tls.serverSha256;
        const auto r = get(c);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(m_lab.tls.serverSha256) && r.error().contains(m_lab.tls.changedSha256),
            qPrintable(r.error()));
        QCOMPARE(r.detail(), m_lab.tls.changedSha256);
    }

    void httpAClientCertificateIsPresentedAndItsAbsenceRefused()
    {
        GatewayConfig c = front(m_lab.tls.mtlsPort);
        c.tls.caFile = m_lab.tls.caFile;
        const auto without = get(c);
        QVERIFY2(without.ok(), qPrintable(without.error())); // nginx answers, and refuses
        QCOMPARE(without.value().status, 400);
        QVERIFY2(without.value().body.contains("certificate"), without.value().body.constData());
        c.tls.clientCertFile = m_lab.tls.clientCert;
        c.tls.clientKeyFile = m_lab.tls.clientKey;
        const auto with = get(c);
        QVERIFY2(with.ok(), qPrintable(with.error()));
        QCOMPARE(with.value().status, 200);
    }

    void httpAnEncryptedKeyOpensWithItsPassPhrase()
    {
        GatewayConfig c = front(m_lab.tls.mtlsPort);
        c.tls.caFile = m_lab.tls.caFile;
        c.tls.clientCertFile = m_lab.tls.clientCert;
        c.tls.clientKeyFile = m_lab.tls.clientKeyEncrypted;
        c.tls.clientKeyCredential = QStringLiteral("lab/client-key");
        const auto none = get(c);
        QVERIFY(!none.ok());
        QVERIFY2(none.error().contains(QLatin1String("encrypted and no pass phrase")), qPrintable(none.error()));
        const auto wrong = get(c, "not-it");
        QVERIFY(!wrong.ok());
        QVERIFY2(wrong.error().contains(QLatin1String("cannot be decrypted")), qPrintable(wrong.error()));
        const auto right = get(c, m_lab.tls.clientKeyPassphrase.toUtf8());
        QVERIFY2(right.ok(), qPrintable(right.error()));
        QCOMPARE(right.value().status, 200);
    }

    // Through the whole driver and the window's state: a Traefik gateway with a pin of zeros is not "up", and one
    // with no CA offers the certificate's fingerprint to pin; once pinned, trust no longer refuses it.
    void aTraefikGatewayPinnedWrongIsNotUpAndFirstUseOffersToPin()
    {
        Assembly app;
        GatewayConfig pinned = front(m_lab.tls.port);
        pinned.name = QStringLiteral("traefik-pinned-wrong");
        pinned.tls.caFile = m_lab.tls.caFile;
        pinned.tls.pinSha256 = kZeros;
        GatewayConfig fresh = front(m_lab.tls.port);
        fresh.name = QStringLiteral("traefik-first-use");
        app.controller().addGateway(pinned);
        app.controller().addGateway(fresh);
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(0).status.connection == Connection::Unreachable, 10000);
        QVERIFY2(app.store().entry(0).status.lastError.contains(QLatin1String("changed")),
            qPrintable(app.store().entry(0).status.lastError));
        QVERIFY(!app.store().entry(0).snapshot.has_value());
        QTRY_COMPARE_WITH_TIMEOUT(app.store().entry(1).status.certificateToTrust, m_lab.tls.serverSha256, 10000);
        app.controller().trustCertificate(fresh.name, m_lab.tls.serverSha256);
        // Trusted now: what fails next is Traefik's API not being there (a Caddy answers), not the certificate.
        QTRY_VERIFY_WITH_TIMEOUT(!app.store().entry(1).status.lastError.isEmpty()
                && !app.store().entry(1).status.lastError.contains(QLatin1String("certificate")),
            10000);
        QCOMPARE(app.store().entry(1).status.certificateToTrust, QString());
    }

    void redisAPinAloneAccepts()
    {
        QVERIFY2(!m_lab.redis.isEmpty() && m_lab.redis.first().tlsPort > 0, "the lab's Redis listens with TLS");
        TlsSettings tls;
        tls.pinSha256 = presented(m_lab.redis.first().tlsPort);
        const auto r = ping(tls);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().value(0).text, QByteArray("PONG"));
    }

    // The defect: RESP checked the pin only when the handshake had already failed.
    void redisAWrongPinRefusesEvenWhenTheCaVouches()
    {
        TlsSettings tls;
        tls.caFile = m_lab.tls.caFile;
        const auto trusted = ping(tls);
        QVERIFY2(trusted.ok(), qPrintable(trusted.error())); // control: the CA vouches
        tls.pinSha256 = kZeros;
        const auto r = ping(tls);
        QVERIFY(!r.ok());
        QCOMPARE(r.failureKind(), Failure::Certificate);
        const QString seen = presented(m_lab.redis.first().tlsPort);
        QVERIFY2(r.error().contains(kZeros) && r.error().contains(seen), qPrintable(r.error()));
    }

    void redisTheSystemCasRefuseWithTheFingerprint()
    {
        const auto r = ping({});
        QVERIFY(!r.ok());
        QCOMPARE(r.failureKind(), Failure::Certificate);
        QCOMPARE(r.detail(), presented(m_lab.redis.first().tlsPort));
    }
};

QTEST_GUILESS_MAIN(TestTrust)
#include "tst_trust.moc"
