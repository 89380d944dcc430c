// A whole session under a throw-away HOME with a real Secret Service: the operator adds the lab's Varnish through
// the Add gateway dialog with its CLI secret, Fleetdeck polls it (the secret read back from the keychain), drains
// and readies a backend, changes default_ttl and puts it back, then quits. Every file written under HOME (settings,
// journal, keyring), and every log line Fleetdeck printed, is then searched for the secret: it must not be there.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDirIterator>
#include <QFile>
#include <QLineEdit>
#include <QMutex>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include "credentialstore.h"
#include "dialogs/addgatewaydialog.h"
#include "assembly.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "journalmodel.h"
#include "lab.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "reports.h"
#include "metricstore.h"
#include "settings.h"

using namespace Fleetdeck;

namespace {
QMutex logMutex;
QStringList logLines;
void captureLog(QtMsgType, const QMessageLogContext&, const QString& message)
{
    const QMutexLocker lock(&logMutex);
    logLines.append(message);
}

// The first file under root holding the needle (as is or in base64), or empty; counts what it read.
QString fileWith(const QString& root, const QByteArray& needle, int* files, QStringList* seen)
{
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        ++*files;
        seen->append(path);
        const QByteArray bytes = f.readAll();
        if (bytes.contains(needle) || bytes.contains(needle.toBase64()))
            return path;
    }
    return {};
}

} // namespace

class TestSessionLeak : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretGoesNowhereButTheKeychain()
    {
        const QString home = QDir::homePath();
        QVERIFY2(
            home.contains(QLatin1String("fleetdeck-keyring")), "run me through with-keyring.sh (a throw-away HOME)");
        const Test::Lab lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(!lab.varnish.isEmpty());
        const Test::LabVarnish v = lab.varnish.first();
        QFile secretFile(v.secretFile);
        QVERIFY(secretFile.open(QIODevice::ReadOnly));
        const QByteArray secret = secretFile.readAll();
        const QByteArray wrongSecret = "wrong-secret-" + QByteArray::number(QDateTime::currentMSecsSinceEpoch());
        QVERIFY(secret.trimmed().size() >= 32);

        qInstallMessageHandler(captureLog);
        {
            // The app's own pieces, as main.cpp puts them together, with their default places under HOME.
            KeychainCredentialStore credentials;
            Assembly::Options parts;
            parts.credentials = &credentials;
            parts.journal = true;
            Assembly app(parts);
            QVERIFY2(app.journal(), qPrintable(app.journalError()));
            FleetStore& store = app.store();
            FleetController& controller = app.controller();
            QObject::connect(
                &store, &FleetStore::gatewayAdded, &store, [&store] { Settings::saveFleet(store.configs()); });
            MainWindow window(app.context());
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));

            // Fleet > Add gateway…, filled in as an operator would, the secret pasted.
            Test::ModalDriver add(QStringLiteral("addGatewayDialog"), [&](QWidget* dialog, Test::ModalDriver& d) {
                dialog->findChild<QLineEdit*>(QStringLiteral("nameEdit"))->setText(v.name);
                auto* product = dialog->findChild<QComboBox*>(QStringLiteral("productCombo"));
                product->setCurrentIndex(product->findData(QStringLiteral("varnish")));
                dialog->findChild<QLineEdit*>(QStringLiteral("adminEdit"))
                    ->setText(QStringLiteral("tcp://127.0.0.1:%1").arg(v.adminPort));
                dialog->findChild<QLineEdit*>(QStringLiteral("metricsEdit"))
                    ->setText(QStringLiteral("http://127.0.0.1:%1/metrics").arg(v.exporterPort));
                const QString named = dialog->findChild<QLineEdit*>(QStringLiteral("credentialEdit"))->text();
                d.expect(named == v.name + QStringLiteral("/cli"),
                    QStringLiteral("the credential's default name: ") + named);
                dialog->findChild<QLineEdit*>(QStringLiteral("secretEdit"))->setText(QString::fromUtf8(secret));
                QPushButton* ok = dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
                if (d.expect(ok->isEnabled(), QStringLiteral("OK is enabled")))
                    ok->click();
            });
            window.action(QStringLiteral("fleet.add"))->trigger();
            QVERIFY2(add.ok(), add.failure().constData());
            QTRY_VERIFY_WITH_TIMEOUT(store.gatewayCount() == 1, 10000);
            QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection == Connection::Up, 10000);
            QCOMPARE(store.entry(0).config.credential, v.name + QStringLiteral("/cli"));

            // Changes, journaled.
            QSignalSpy finished(&controller, &FleetActions::actionFinished);
            const ServerRef u1 { v.name, QStringLiteral("boot"), QStringLiteral("u1") };
            FLEETDECK_REPORT(drained, finished, controller.setServerState({ u1 }, AdminState::Drain));
            QVERIFY(drained.ok());
            FLEETDECK_REPORT(readied, finished, controller.setServerState({ u1 }, AdminState::Ready));
            QVERIFY(readied.ok());
            FLEETDECK_REPORT(
                changed, finished, controller.changePolicy({ CacheTtlChange { v.name, CacheTtl::Ttl, 45 } }));
            QVERIFY(changed.ok());
            QVERIFY(changed.outcomes.first().undo.has_value());
            FLEETDECK_REPORT(undone, finished, controller.changePolicy({ *changed.outcomes.first().undo }));
            QVERIFY(undone.ok());
            // A wrong secret, given for this session: its authentication error is a status and a log line that must
            // carry neither secret.
            bool stored = false;
            controller.storeCredential(v.name + QStringLiteral("/cli"), QString::fromUtf8(wrongSecret), true,
                [&stored](Result<bool> r) { stored = r.ok(); });
            QTRY_VERIFY(stored);
            QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection == Connection::Unreachable, 10000);
            const QString error = store.entry(0).status.lastError;
            QVERIFY2(error.contains(QLatin1String("authentication failed")), qPrintable(error));
            QVERIFY(!error.toUtf8().contains(wrongSecret) && !error.toUtf8().contains(secret.trimmed()));
            qWarning("%s", qPrintable(error)); // as the app would log it
            window.close(); // saves the layout
        }
        qInstallMessageHandler(nullptr);

        // Search everything written under HOME, and every log line. First, the search finds a planted copy...
        const QByteArray needle = secret.trimmed();
        int files = 0;
        QStringList seen;
        {
            QFile planted(home + QStringLiteral("/.cache/planted"));
            QDir().mkpath(home + QStringLiteral("/.cache"));
            QVERIFY(planted.open(QIODevice::WriteOnly));
            planted.write("x" + needle + "y");
        }
        QVERIFY(fileWith(home, needle, &files, &seen).endsWith(QLatin1String("planted")));
        QVERIFY(QFile::remove(home + QStringLiteral("/.cache/planted")));
        // ...then finds none of Fleetdeck's.
        files = 0;
        seen.clear();
        const QString leaked = fileWith(home, needle, &files, &seen);
        QVERIFY2(leaked.isEmpty(), qPrintable(QStringLiteral("the secret is in %1").arg(leaked)));
        const QString all = seen.join(QLatin1Char(' '));
        QVERIFY2(all.contains(QLatin1String("journal.sqlite")), qPrintable(all));
        // It did go to the keychain: a new store, with no session memory, reads it back from the Secret Service.
        std::optional<Result<QString>> fromKeychain;
        KeychainCredentialStore fresh;
        fresh.read(lab.varnish.first().name + QStringLiteral("/cli"),
            [&fromKeychain](Result<QString> r) { fromKeychain = r; });
        QTRY_VERIFY_WITH_TIMEOUT(fromKeychain.has_value(), 10000);
        QVERIFY2(fromKeychain->ok(), qPrintable(fromKeychain->error()));
        QCOMPARE(fromKeychain->value().toUtf8(), secret);
        QVERIFY2(all.contains(QLatin1String(".config")), qPrintable(all)); // the settings, with the fleet
        bool authLogged = false;
        for (const QString& line : std::as_const(logLines)) {
            QVERIFY2(!line.toUtf8().contains(needle), qPrintable(QStringLiteral("the secret is in a log line")));
            QVERIFY2(
                !line.toUtf8().contains(wrongSecret), qPrintable(QStringLiteral("the wrong secret is in a log line")));
            authLogged = authLogged || line.contains(QLatin1String("authentication failed"));
        }
        QVERIFY(authLogged); // the log search saw the error it was meant to search
        // The wrong secret went nowhere on disk either.
        files = 0;
        seen.clear();
        QVERIFY2(fileWith(home, wrongSecret, &files, &seen).isEmpty(), "the wrong secret is in a file");
        qInfo("searched %d files under %s (%s) and %lld log lines", files, qPrintable(home), qPrintable(all),
            qint64(logLines.size()));
    }
};

QTEST_MAIN(TestSessionLeak)
#include "tst_sessionleak.moc"
