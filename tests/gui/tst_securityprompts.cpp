// The security prompts of the main window, offscreen, against the lab's real gateways: the first-use certificate
// prompt of an https admin endpoint (the lab's nginx TLS front of Caddy), and the prompt for a credential a
// gateway names but no store holds, then forgetting it.
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include "dialogs/certificateprompt.h"
#include "dialogs/credentialdialog.h"
#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "metricstore.h"
#include "modelroles.h"

using namespace Fleetdeck;

class TestSecurityPrompts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        window = std::make_unique<MainWindow>(app.context());
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    }

    void certificateFirstUsePrompt()
    {
        // An https gateway whose certificate no CA vouches for: the prompt shows its fingerprint; "Not now" trusts
        // nothing; "Trust and pin" pins it and the gateway comes up.
        QVERIFY(lab.tls.port > 0);
        GatewayConfig c;
        c.name = QStringLiteral("caddy-https");
        c.product = QStringLiteral("caddy");
        c.admin = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(lab.tls.port));
        c.pollIntervalMs = 500;

        // Not now: nothing is pinned, the gateway stays unreachable through several polls, and it is not asked again.
        GatewayConfig declined = c;
        declined.name = QStringLiteral("caddy-https-declined");
        controller.addGateway(declined);
        CertificatePrompt* first = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (first = window->findChild<CertificatePrompt*>(QStringLiteral("certificatePrompt"))), 10000);
        QVERIFY(first->findChild<QLabel*>(QStringLiteral("certificateText"))->text().contains(declined.name));
        QTest::mouseClick(first->findChild<QPushButton*>(QStringLiteral("notNowButton")), Qt::LeftButton);
        QTRY_VERIFY(!window->findChild<CertificatePrompt*>(QStringLiteral("certificatePrompt")));
        QTest::qWait(1600); // three polls, each refused again
        const int d = store.indexOf(declined.name);
        QVERIFY(store.entry(d).config.tls.pinSha256.isEmpty());
        QCOMPARE(store.entry(d).status.connection, Connection::Unreachable);
        QVERIFY(store.entry(d).status.consecutiveFailures >= 2);
        QVERIFY(!window->findChild<CertificatePrompt*>(QStringLiteral("certificatePrompt")));
        controller.removeGateway(declined.name);

        controller.addGateway(c);
        CertificatePrompt* prompt = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (prompt = window->findChild<CertificatePrompt*>(QStringLiteral("certificatePrompt"))), 10000);
        const QString text = prompt->findChild<QLabel*>(QStringLiteral("certificateText"))->text();
        QVERIFY2(text.contains(CertificatePrompt::formatFingerprint(lab.tls.serverSha256)), qPrintable(text));
        QVERIFY(text.contains(QLatin1String("caddy-https")));
        const int at = store.indexOf(c.name);
        QCOMPARE(store.entry(at).status.connection, Connection::Unreachable);
        QVERIFY(store.entry(at).config.tls.pinSha256.isEmpty());
        if (qEnvironmentVariableIsSet("FLEETDECK_CERT_SCREENSHOT"))
            prompt->grab().save(qEnvironmentVariable("FLEETDECK_CERT_SCREENSHOT"));
        QTest::mouseClick(prompt->findChild<QPushButton*>(QStringLiteral("trustButton")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(
            store.indexOf(c.name) >= 0 && store.entry(store.indexOf(c.name)).status.connection == Connection::Up,
            10000);
        QCOMPARE(store.entry(store.indexOf(c.name)).config.tls.pinSha256, lab.tls.serverSha256);
        // Once pinned, no prompt comes back.
        QTest::qWait(700);
        QVERIFY(!window->findChild<CertificatePrompt*>(QStringLiteral("certificatePrompt")));
        controller.removeGateway(c.name);
    }

    void credentialAskedForThenForgotten()
    {
        // A gateway from an imported fleet file names a credential this machine does not hold: Fleetdeck asks for
        // it; given for this session, the gateway comes up. Fleet > Gateway credential… then forgets it.
        QVERIFY(!lab.varnish.isEmpty());
        const Test::LabVarnish v = lab.varnish.first();
        QFile secretFile(v.secretFile);
        QVERIFY(secretFile.open(QIODevice::ReadOnly));
        GatewayConfig c;
        c.name = QStringLiteral("varnish-imported");
        c.product = QStringLiteral("varnish");
        c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(v.adminPort));
        c.credential = QStringLiteral("varnish-imported/cli");
        c.pollIntervalMs = 500;
        controller.addGateway(c); // what opening a fleet file does for each entry
        CredentialDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (dialog = window->findChild<CredentialDialog*>(QStringLiteral("credentialDialog"))), 10000);
        QCOMPARE(dialog->reference(), c.credential);
        QVERIFY(!dialog->findChild<QPushButton*>(QStringLiteral("forgetButton"))); // nothing to forget yet
        auto* session = dialog->findChild<QPushButton*>(QStringLiteral("sessionButton"));
        QVERIFY(!session->isEnabled()); // no secret typed
        dialog->findChild<QLineEdit*>(QStringLiteral("credentialSecretEdit"))
            ->setText(QString::fromUtf8(secretFile.readAll()));
        QTest::mouseClick(session, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(store.entry(store.indexOf(c.name)).status.connection == Connection::Up, 10000);
        QVERIFY(store.entry(store.indexOf(c.name)).status.credentialMissing.isEmpty());

        // Forget it, from the gateway's own menu entry; the destructive step asks first.
        auto* tree = window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        for (int r = 0; r < tree->model()->rowCount(); ++r) {
            const QModelIndex i = tree->model()->index(r, 0);
            if (i.data(GatewayRole).toString() == c.name)
                tree->setCurrentIndex(i);
        }
        QCOMPARE(tree->selectionModel()->selectedRows().size(), 1);
        window->action(QStringLiteral("fleet.credential"))->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(
            (dialog = window->findChild<CredentialDialog*>(QStringLiteral("credentialDialog"))), 5000);
        // The destructive step asks first; "No" keeps the secret.
        {
            Test::ModalDriver no(QStringLiteral("forgetConfirm"), [](QWidget* box, Test::ModalDriver& d) {
                auto* ask = qobject_cast<QMessageBox*>(box);
                if (d.expect(ask, QStringLiteral("the confirmation is a message box")))
                    ask->button(QMessageBox::No)->click();
            });
            QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("forgetButton")), Qt::LeftButton);
            QVERIFY2(no.ok(), no.failure().constData());
        }
        QTest::qWait(1200);
        QCOMPARE(store.entry(store.indexOf(c.name)).status.connection, Connection::Up);
        QVERIFY(dialog->isVisible()); // still open: nothing was forgotten
        Test::ModalDriver yes(QStringLiteral("forgetConfirm"), [](QWidget* box, Test::ModalDriver& d) {
            auto* ask = qobject_cast<QMessageBox*>(box);
            if (d.expect(ask, QStringLiteral("the confirmation is a message box")))
                ask->button(QMessageBox::Yes)->click();
        });
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("forgetButton")), Qt::LeftButton);
        QVERIFY2(yes.ok(), yes.failure().constData());
        QTRY_VERIFY_WITH_TIMEOUT(
            store.entry(store.indexOf(c.name)).status.connection == Connection::Unreachable, 10000);
        QVERIFY2(store.entry(store.indexOf(c.name)).status.lastError.contains(QLatin1String("none is set")),
            qPrintable(store.entry(store.indexOf(c.name)).status.lastError));
        controller.removeGateway(c.name);
    }

    void cleanupTestCase() { window.reset(); }

private:
    Test::Lab lab;
    Assembly app;
    FleetStore& store = app.store();
    MetricStore& metrics = app.metrics();
    EventLog& events = app.events();
    FleetController& controller = app.controller();
    std::unique_ptr<MainWindow> window;
};

QTEST_MAIN(TestSecurityPrompts)
#include "tst_securityprompts.moc"
