// TLS to a real HTTPS admin endpoint: the lab's nginx front of Caddy's admin API, with certificates made for the
// test run. Verified with the right CA, refused with a wrong one, pinned on first use (journaled), refused after
// the certificate changes (both fingerprints named), and mTLS accepted with the client certificate, refused without.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "credentialstore.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "lab.h"
#include "metricstore.h"

using namespace Fleetdeck;

class TestTls : public QObject
{
    Q_OBJECT

private:
    Test::Lab m_lab;

    GatewayConfig https(int port, const QString& caFile) const
    {
        GatewayConfig c;
        c.name = QStringLiteral("caddy-tls");
        c.product = QStringLiteral("caddy");
        c.admin = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(port));
        c.tls.caFile = caFile;
        c.pollIntervalMs = 300;
        return c;
    }

    // Adds the gateway and waits for its first verdict.
    static void firstPoll(FleetController& controller, FleetStore& store, const GatewayConfig& c)
    {
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection != Connection::Connecting, 10000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.tls.port > 0, "the lab runs with --tls");
    }

    void verifiedWithTheRightCa()
    {
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        firstPoll(controller, store, https(m_lab.tls.port, m_lab.tls.caFile));
        QVERIFY2(store.entry(0).status.connection == Connection::Up, qPrintable(store.entry(0).status.lastError));
        QVERIFY(store.entry(0).snapshot->backend(QStringLiteral("api")));
    }

    void refusedWithAWrongCa()
    {
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        firstPoll(controller, store, https(m_lab.tls.port, m_lab.tls.wrongCaFile));
        const GatewayStatus& s = store.entry(0).status;
        QCOMPARE(s.connection, Connection::Unreachable);
        QVERIFY2(s.lastError.contains(QLatin1String("not trusted")) && s.lastError.contains(m_lab.tls.serverSha256),
            qPrintable(s.lastError));
        QCOMPARE(s.certificateToTrust, m_lab.tls.serverSha256); // offered to the operator, not trusted
        QVERIFY(!store.entry(0).snapshot.has_value());
    }

    void pinnedOnFirstUseAndJournaled()
    {
        QTemporaryDir dir;
        Journal journal;
        QVERIFY(journal.open(dir.filePath(QStringLiteral("journal.sqlite"))));
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.setJournal(&journal);
        firstPoll(controller, store, https(m_lab.tls.port, {})); // the system CAs do not know the lab's
        QCOMPARE(store.entry(0).status.connection, Connection::Unreachable);
        QCOMPARE(store.entry(0).status.certificateToTrust, m_lab.tls.serverSha256);
        controller.trustCertificate(QStringLiteral("caddy-tls"), m_lab.tls.serverSha256);
        QTRY_VERIFY_WITH_TIMEOUT(
            store.gatewayCount() == 1 && store.entry(0).status.connection == Connection::Up, 10000);
        QCOMPARE(store.entry(0).config.tls.pinSha256, m_lab.tls.serverSha256);
        bool journaled = false;
        for (const JournalEntry& e : journal.readAll())
            journaled = journaled
                || (e.object == QLatin1String("tls certificate") && e.after.contains(m_lab.tls.serverSha256));
        QVERIFY(journaled);
    }

    void refusedAfterTheCertificateChanges()
    {
        // Pinned to the first certificate, the gateway now shows another one, valid for the same CA: refused.
        GatewayConfig c = https(m_lab.tls.changedPort, m_lab.tls.caFile);
        c.tls.pinSha256 = m_lab.tls.serverSha256;
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        firstPoll(controller, store, c);
        const GatewayStatus& s = store.entry(0).status;
        QCOMPARE(s.connection, Connection::Unreachable);
        QVERIFY2(s.lastError.contains(QLatin1String("changed")) && s.lastError.contains(m_lab.tls.serverSha256)
                && s.lastError.contains(m_lab.tls.changedSha256),
            qPrintable(s.lastError));
        QVERIFY(s.certificateToTrust.isEmpty()); // a changed certificate is not offered as a first use
    }

    void httpBasicAndBearer_data()
    {
        QTest::addColumn<QString>("auth");
        QTest::addColumn<bool>("right");
        QTest::newRow("basic, right password") << QStringLiteral("basic") << true;
        QTest::newRow("basic, wrong password") << QStringLiteral("basic") << false;
        QTest::newRow("bearer, right token") << QStringLiteral("bearer") << true;
        QTest::newRow("bearer, wrong token") << QStringLiteral("bearer") << false;
    }
    void httpBasicAndBearer()
    {
        QFETCH(QString, auth);
        QFETCH(bool, right);
        const bool basic = auth == QLatin1String("basic");
        QString secret = basic ? m_lab.tls.authUser + QLatin1Char(':') + m_lab.tls.authPassword : m_lab.tls.bearerToken;
        if (!right)
            secret += QStringLiteral("x");
        SessionCredentialStore credentials;
        credentials.write(QStringLiteral("caddy-tls/admin"), secret, [](Result<bool>) {});
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        controller.setCredentialStore(&credentials);
        GatewayConfig c = https(basic ? m_lab.tls.authPort : m_lab.tls.bearerPort, m_lab.tls.caFile);
        c.credential = QStringLiteral("caddy-tls/admin");
        c.httpAuth = auth;
        firstPoll(controller, store, c);
        const GatewayStatus& s = store.entry(0).status;
        if (right) {
            QVERIFY2(s.connection == Connection::Up, qPrintable(s.lastError));
        } else {
            QCOMPARE(s.connection, Connection::Unreachable);
            QVERIFY2(s.lastError.contains(QLatin1String("authentication failed")), qPrintable(s.lastError));
            QVERIFY(!s.lastError.contains(secret)); // never in an error
        }
    }

    void encryptedClientKey()
    {
        // The client key under a pass phrase, the pass phrase in the credential store.
        for (const bool right : { true, false }) {
            SessionCredentialStore credentials;
            credentials.write(QStringLiteral("caddy-tls/key"),
                right ? m_lab.tls.clientKeyPassphrase : QStringLiteral("wrong"), [](Result<bool>) {});
            Assembly assembly;
            FleetStore& store = assembly.store();
            FleetController& controller = assembly.controller();
            controller.setCredentialStore(&credentials);
            GatewayConfig c = https(m_lab.tls.mtlsPort, m_lab.tls.caFile);
            c.tls.clientCertFile = m_lab.tls.clientCert;
            c.tls.clientKeyFile = m_lab.tls.clientKeyEncrypted;
            c.tls.clientKeyCredential = QStringLiteral("caddy-tls/key");
            firstPoll(controller, store, c);
            const GatewayStatus& s = store.entry(0).status;
            if (right) {
                QVERIFY2(s.connection == Connection::Up, qPrintable(s.lastError));
            } else {
                QCOMPARE(s.connection, Connection::Unreachable);
                QVERIFY2(s.lastError.contains(QLatin1String("cannot be decrypted")), qPrintable(s.lastError));
            }
        }
    }

    void mutualTls()
    {
        {
            Assembly assembly;
            FleetStore& store = assembly.store();
            FleetController& controller = assembly.controller();
            GatewayConfig c = https(m_lab.tls.mtlsPort, m_lab.tls.caFile);
            c.tls.clientCertFile = m_lab.tls.clientCert;
            c.tls.clientKeyFile = m_lab.tls.clientKey;
            firstPoll(controller, store, c);
            QVERIFY2(store.entry(0).status.connection == Connection::Up, qPrintable(store.entry(0).status.lastError));
        }
        Assembly assembly;
        FleetStore& store = assembly.store();
        FleetController& controller = assembly.controller();
        firstPoll(controller, store, https(m_lab.tls.mtlsPort, m_lab.tls.caFile));
        QCOMPARE(store.entry(0).status.connection, Connection::Unreachable);
        // nginx completes the handshake and answers 400 "No required SSL certificate was sent".
        QVERIFY2(store.entry(0).status.lastError.contains(QLatin1String("certificate")),
            qPrintable(store.entry(0).status.lastError));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
