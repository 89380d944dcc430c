// A whole session under a throw-away HOME with a real Secret Service: the operator adds the lab's Varnish through
// the Add gateway dialog with its CLI secret, Fleetdeck polls it (the secret read back from the keychain), drains
// and readies a backend, changes default_ttl and puts it back, then quits. Every file written under HOME (settings,
// journal, keyring), and every log line Fleetdeck printed, is then searched for the secret: it must not be there.
#include <QAction>
#include <QApplication>
#include <QComboBox>
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

ActionReport waitReport(QSignalSpy& spy)
{
    if (spy.isEmpty() && !spy.wait(15000))
        return {};
    return spy.takeFirst().at(0).value<ActionReport>();
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
            bool filled = false;
            QTimer::singleShot(200, &window, [&] {
                auto* dialog = window.findChild<AddGatewayDialog*>();
                if (!dialog)
                    return;
                dialog->findChild<QLineEdit*>(QStringLiteral("nameEdit"))->setText(v.name);
                auto* product = dialog->findChild<QComboBox*>(QStringLiteral("productCombo"));
                product->setCurrentIndex(product->findData(QStringLiteral("varnish")));
                dialog->findChild<QLineEdit*>(QStringLiteral("adminEdit"))
                    ->setText(QStringLiteral("tcp://127.0.0.1:%1").arg(v.adminPort));
                if (v.exporterPort > 0)
                    dialog->findChild<QLineEdit*>(QStringLiteral("metricsEdit"))
                        ->setText(QStringLiteral("http://127.0.0.1:%1/metrics").arg(v.exporterPort));
                QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("credentialEdit"))->text(),
                    v.name + QStringLiteral("/cli"));
                dialog->findChild<QLineEdit*>(QStringLiteral("secretEdit"))->setText(QString::fromUtf8(secret));
                filled = true;
                dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
            });
            window.action(QStringLiteral("fleet.add"))->trigger();
            QVERIFY(filled);
            QTRY_VERIFY_WITH_TIMEOUT(store.gatewayCount() == 1, 10000);
            QTRY_VERIFY_WITH_TIMEOUT(store.entry(0).status.connection == Connection::Up, 10000);
            QCOMPARE(store.entry(0).config.credential, v.name + QStringLiteral("/cli"));

            // Changes, journaled.
            QSignalSpy finished(&controller, &FleetActions::actionFinished);
            const ServerRef u1 { v.name, QStringLiteral("boot"), QStringLiteral("u1") };
            controller.setServerState({ u1 }, AdminState::Drain);
            QVERIFY(waitReport(finished).ok());
            controller.setServerState({ u1 }, AdminState::Ready);
            QVERIFY(waitReport(finished).ok());
            controller.changePolicy({ CacheTtlChange { v.name, CacheTtl::Ttl, 45 } });
            const ActionReport changed = waitReport(finished);
            QVERIFY(changed.ok());
            QVERIFY(changed.outcomes.first().undo.has_value());
            controller.changePolicy({ *changed.outcomes.first().undo });
            QVERIFY(waitReport(finished).ok());
            // A wrong secret's error, too, is a log line that must not carry a secret.
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
        QVERIFY2(all.contains(QLatin1String("keyrings")), qPrintable(all)); // it did go to the keychain
        QVERIFY2(all.contains(QLatin1String(".config")), qPrintable(all)); // the settings, with the fleet
        for (const QString& line : std::as_const(logLines))
            QVERIFY2(!line.toUtf8().contains(needle), qPrintable(QStringLiteral("the secret is in a log line")));
        qInfo("searched %d files under %s (%s) and %lld log lines", files, qPrintable(home), qPrintable(all),
            qint64(logLines.size()));
    }
};

QTEST_MAIN(TestSessionLeak)
#include "tst_sessionleak.moc"
