// The window on fake gateways, without the lab: actions enabled from the selection and the product's capabilities
// (with the product's own reason when not), a drain from the keyboard shortcut verified and undone, a notice's
// remedy offered and applied without reading its text, the Add-gateway dialog listing the registry's products, a purge
// of everything asked twice, a refused add reopening with what was typed, undo and redo journaled, and the fleet file
// and the rate limits exported through the file dialog.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include "assembly.h"
#include "dialogs/addgatewaydialog.h"
#include "fakegateway.h"
#include "fleetcontroller.h"
#include "fleetfile.h"
#include "journal.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "modelroles.h"
#include "pages/poolpage.h"
#include "reports.h"

using namespace Fleetdeck;
using Test::FakeGateway;

class TestFakeWindow : public QObject
{
    Q_OBJECT

    int rowOf(const QString& gateway, const QString& server)
    {
        QAbstractItemModel* model = table->model();
        for (int r = 0; r < model->rowCount(); ++r) {
            const QModelIndex i = model->index(r, 0);
            if (i.data(GatewayRole) == gateway && i.data(ServerRole) == server)
                return r;
        }
        return -1;
    }

    // Types a file's path into Qt's save dialog and accepts it, as an operator would.
    static void saveAs(QFileDialog* files, const QString& path, Test::ModalDriver& d)
    {
        auto* name = files->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"));
        if (!d.expect(name, QStringLiteral("the dialog has its file name field")))
            return;
        name->setText(path);
        d.expect(files->selectedFiles() == QStringList { path },
            QStringLiteral("the dialog would save to %1").arg(files->selectedFiles().join(QLatin1Char(','))));
        static_cast<QDialog*>(files)->accept(); // QFileDialog makes accept() protected
        d.expect(files->result() == QDialog::Accepted, QStringLiteral("the dialog took the name"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // Qt's own file dialog, which the test can drive, not the desktop's.
        QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        QVERIFY(dir.isValid());
        QSettings().clear();
        FakeGateway::named(QStringLiteral("full")).pool = FakeGateway::pools({ QStringLiteral("api") }, 2);
        FakeGateway::named(QStringLiteral("lim")).pool = FakeGateway::pools({ QStringLiteral("web") }, 2);
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        full.cache.settings.append({ QStringLiteral("mode"), {}, QStringLiteral("mode"), QStringLiteral("slow"),
            { QStringLiteral("slow"), QStringLiteral("fast") }, {} });
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        options.journal = true;
        options.journalPath = dir.filePath(QStringLiteral("journal.sqlite"));
        app = std::make_unique<Assembly>(options);
        window = std::make_unique<MainWindow>(app->context());
        app->controller().addGateway(Test::fakeGateway(QStringLiteral("full")));
        app->controller().addGateway(Test::fakeGateway(QStringLiteral("lim"), QStringLiteral("fake-limited")));
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        table = window->findChild<QTableView*>(QStringLiteral("upstreamTable"));
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 4, 5000);
    }

    void actionsFollowTheSelectionAndTheCapabilities()
    {
        QAction* drain = window->action(QStringLiteral("server.drain"));
        table->clearSelection();
        QVERIFY(!drain->isEnabled());
        QVERIFY(drain->toolTip().contains(QLatin1String("Select one or more servers")));
        table->selectRow(rowOf(QStringLiteral("lim"), QStringLiteral("s1")));
        QVERIFY(!drain->isEnabled());
        // The product's own reason, named with the gateway and the product.
        QVERIFY2(drain->toolTip().contains(
                     QLatin1String("lim (Limited fake) has no drain at runtime: remove the member instead")),
            qPrintable(drain->toolTip()));
        table->selectRow(rowOf(QStringLiteral("full"), QStringLiteral("s1")));
        QVERIFY(drain->isEnabled());
        QVERIFY(window->action(QStringLiteral("server.weight"))->isEnabled());
    }

    void drainFromTheKeyboardIsVerifiedAndUndone()
    {
        table->selectRow(rowOf(QStringLiteral("full"), QStringLiteral("s2")));
        QApplication::setActiveWindow(window.get());
        QVERIFY(QTest::qWaitForWindowActive(window.get()));
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        QTest::keyClick(window->windowHandle(), Qt::Key_D, Qt::ControlModifier);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        QCOMPARE(full.pool.backends.first().servers.at(1).admin, AdminState::Drain);
        QCOMPARE(window->undoStack()->count(), 1);
        window->action(QStringLiteral("edit.undo"))->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QCOMPARE(full.pool.backends.first().servers.at(1).admin, AdminState::Ready);
    }

    void aRemedyIsOfferedAndApplied()
    {
        QAction* fixes = window->action(QStringLiteral("fleet.remedies"));
        QVERIFY(!fixes->isEnabled()); // nothing suggested yet
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        full.pool.notices.append({ QStringLiteral("running slow"),
            SettingChange { {}, QStringLiteral("mode"), {}, QStringLiteral("fast"), QStringLiteral("mode") } });
        QTRY_VERIFY_WITH_TIMEOUT(fixes->isEnabled(), 5000);
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        fixes->trigger();
        auto* review = window->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 5000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QCOMPARE(full.cache.settings.first().value, QStringLiteral("fast"));
        full.pool.notices.clear();
    }

    void addGatewayListsTheRegisteredProducts()
    {
        Test::ModalDriver driver(QStringLiteral("addGatewayDialog"), [](QWidget* dialog, Test::ModalDriver& d) {
            auto* products = dialog->findChild<QComboBox*>(QStringLiteral("productCombo"));
            if (d.expect(products, QStringLiteral("the dialog has a product list"))) {
                for (const char* id : { "fake", "haproxy", "fake-limited", "caddy", "varnish" })
                    d.expect(products->findData(QLatin1String(id)) >= 0,
                        QStringLiteral("%1 is listed").arg(QLatin1String(id)));
            }
            qobject_cast<QDialog*>(dialog)->reject();
        });
        window->action(QStringLiteral("fleet.add"))->trigger();
        QVERIFY2(driver.ok(), driver.failure());
    }

    void purgingEverythingAsksTwice()
    {
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        full.cache.purges = true;
        table->selectRow(rowOf(QStringLiteral("full"), QStringLiteral("s1")));
        window->action(QStringLiteral("fleet.cache"))->trigger();
        auto* dialog = window->findChild<QDialog*>(QStringLiteral("cachePolicyDialog"));
        QVERIFY(dialog);
        auto* button = dialog->findChild<QPushButton*>(QStringLiteral("banButton"));
        QTRY_VERIFY_WITH_TIMEOUT(button->isVisible() && button->isEnabled(), 5000);
        dialog->findChild<QLineEdit*>(QStringLiteral("banUrlEdit"))->setText(QStringLiteral(".*"));
        auto answer = [](QMessageBox::StandardButton which) {
            return [which](QWidget* w, Test::ModalDriver& d) {
                auto* box = qobject_cast<QMessageBox*>(w);
                if (d.expect(box && box->button(which), QStringLiteral("the box has the button")))
                    box->button(which)->click();
            };
        };
        const int sentBefore = int(full.sent.size());
        {
            // The first box says it cannot be undone; "No" on the second sends nothing.
            Test::ModalDriver first(QStringLiteral("purgeConfirm"), answer(QMessageBox::Ok));
            Test::ModalDriver second(QStringLiteral("purgeEverythingConfirm"), answer(QMessageBox::No));
            QTest::mouseClick(button, Qt::LeftButton);
            QVERIFY2(first.ok(), first.failure());
            QVERIFY2(second.ok(), second.failure());
            QTest::qWait(300);
            QCOMPARE(full.sent.size(), sentBefore);
            QVERIFY(full.cache.bans.isEmpty());
        }
        {
            // Control: "Yes" on the second box purges everything, once.
            Test::ModalDriver first(QStringLiteral("purgeConfirm"), answer(QMessageBox::Ok));
            Test::ModalDriver second(QStringLiteral("purgeEverythingConfirm"), answer(QMessageBox::Yes));
            QTest::mouseClick(button, Qt::LeftButton);
            QVERIFY2(first.ok(), first.failure());
            QVERIFY2(second.ok(), second.failure());
            QTRY_COMPARE_WITH_TIMEOUT(full.cache.bans.size(), 1, 5000);
            QCOMPARE(full.sent.size(), sentBefore + 1);
            QVERIFY2(full.sent.last().contains(QLatin1String(".*")), qPrintable(full.sent.last()));
        }
        {
            // A narrower purge asks once: no second box comes.
            dialog->findChild<QLineEdit*>(QStringLiteral("banUrlEdit"))->setText(QStringLiteral("^/img/"));
            Test::ModalDriver first(QStringLiteral("purgeConfirm"), answer(QMessageBox::Ok));
            QTest::mouseClick(button, Qt::LeftButton);
            QVERIFY2(first.ok(), first.failure());
            QTRY_COMPARE_WITH_TIMEOUT(full.cache.bans.size(), 2, 5000);
        }
        dialog->close();
        full.cache.bans.clear();
    }

    void aFailedAddReopensWithWhatWasTyped()
    {
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        table->selectRow(rowOf(QStringLiteral("full"), QStringLiteral("s1")));
        window->action(QStringLiteral("server.add"))->trigger();
        auto* form = window->findChild<QDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit"))->setText(QStringLiteral("web-9"));
        form->findChild<QLineEdit*>(QStringLiteral("hostEdit"))->setText(QStringLiteral("10.0.0.99"));
        form->findChild<QLineEdit*>(QStringLiteral("portEdit"))->setText(QStringLiteral("8089"));
        form->findChild<QLineEdit*>(QStringLiteral("weightEdit"))->setText(QStringLiteral("7"));
        full.refuseNext = QStringLiteral("no room in this pool");
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("reviewButton")), Qt::LeftButton);
        auto* review = form->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        const auto refused = Test::waitReport(finished);
        QVERIFY(refused.has_value());
        QVERIFY(!refused->ok());
        QVERIFY2(refused->outcomes.first().message.contains(QLatin1String("no room in this pool")),
            qPrintable(refused->outcomes.first().message));
        QTRY_VERIFY_WITH_TIMEOUT(!window->findChild<QDialog*>(QStringLiteral("serverForm")), 5000);

        // Reopened: what was typed comes back, to fix and push again.
        window->action(QStringLiteral("server.add"))->trigger();
        form = window->findChild<QDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        QCOMPARE(form->findChild<QComboBox*>(QStringLiteral("gatewayCombo"))->currentText(), QStringLiteral("full"));
        QCOMPARE(form->findChild<QComboBox*>(QStringLiteral("backendCombo"))->currentText(), QStringLiteral("api"));
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit"))->text(), QStringLiteral("web-9"));
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("hostEdit"))->text(), QStringLiteral("10.0.0.99"));
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("portEdit"))->text(), QStringLiteral("8089"));
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("weightEdit"))->text(), QStringLiteral("7"));
        // Pushed again and verified: the next form starts empty.
        QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("reviewButton")), Qt::LeftButton);
        review = form->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        const auto added = Test::waitReport(finished);
        QVERIFY(added.has_value());
        QVERIFY2(added->ok(), qPrintable(added->outcomes.first().message));
        QTRY_VERIFY_WITH_TIMEOUT(!window->findChild<QDialog*>(QStringLiteral("serverForm")), 5000);
        window->action(QStringLiteral("server.add"))->trigger();
        form = window->findChild<QDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit"))->text(), QString());
        form->reject();
        // Take the member out again, so the other tests see the pool they started with.
        for (BackendSnapshot& b : full.pool.backends)
            b.servers.removeIf([](const ServerSnapshot& s) { return s.name == QLatin1String("web-9"); });
    }

    void undoAndRedoAreJournaled()
    {
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        table->selectRow(rowOf(QStringLiteral("full"), QStringLiteral("s1")));
        window->action(QStringLiteral("server.drain"))->trigger();
        const auto drained = Test::waitReport(finished);
        QVERIFY(drained && drained->ok());
        window->action(QStringLiteral("edit.undo"))->trigger();
        const auto undone = Test::waitReport(finished);
        QVERIFY(undone && undone->ok());
        window->action(QStringLiteral("edit.redo"))->trigger();
        const auto redone = Test::waitReport(finished);
        QVERIFY(redone && redone->ok());
        QCOMPARE(
            FakeGateway::named(QStringLiteral("full")).pool.backends.first().servers.at(0).admin, AdminState::Drain);

        QVERIFY(app->journal());
        QVector<JournalEntry> rows;
        for (const JournalEntry& e : app->journal()->readAll()) {
            if (e.gateway == QLatin1String("full") && e.object == QLatin1String("api/s1"))
                rows.append(e);
        }
        QCOMPARE(rows.size(), 6);
        const quint64 ids[] = { drained->id, undone->id, redone->id };
        for (int i = 0; i < 3; ++i) {
            const JournalEntry& attempt = rows.at(2 * i);
            const JournalEntry& result = rows.at(2 * i + 1);
            QCOMPARE(attempt.actionId, ids[i]);
            QCOMPARE(attempt.kind, QStringLiteral("attempt"));
            QCOMPARE(result.actionId, ids[i]);
            QCOMPARE(result.kind, QStringLiteral("result"));
            QCOMPARE(result.result, QStringLiteral("verified"));
        }
        // The undo is the drain turned round, and the redo the drain again.
        QCOMPARE(rows.at(2).before, rows.at(0).after);
        QCOMPARE(rows.at(2).after, rows.at(0).before);
        QCOMPARE(rows.at(4).after, rows.at(0).after);
        QVERIFY(rows.at(0).after != rows.at(0).before);
        window->action(QStringLiteral("edit.undo"))->trigger();
        QVERIFY(Test::waitReport(finished).has_value());
    }

    void theFleetFileAndTheLimitsAreExported()
    {
        const QString fleetPath = dir.filePath(QStringLiteral("exported-fleet.json"));
        {
            Test::ModalDriver save(QStringLiteral("class:QFileDialog"), [&fleetPath](QWidget* w, Test::ModalDriver& d) {
                saveAs(qobject_cast<QFileDialog*>(w), fleetPath, d);
            });
            window->action(QStringLiteral("fleet.export"))->trigger();
            QVERIFY2(save.ok(), save.failure());
        }
        QFile written(fleetPath);
        QVERIFY2(written.open(QIODevice::ReadOnly), qPrintable(written.errorString()));
        const auto fleet = parseFleetFile(written.readAll(), app->products());
        QVERIFY2(fleet.ok(), qPrintable(fleet.error()));
        QStringList names;
        for (const GatewayConfig& c : fleet.value().gateways)
            names << c.name + QLatin1Char('=') + c.admin.toString();
        QCOMPARE(names, (QStringList { QStringLiteral("full=fake://full"), QStringLiteral("lim=fake://lim") }));

        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        full.limits.exportName = QStringLiteral("limits.map");
        full.limits.exportContent = QStringLiteral("key-gold 100\nkey-free 2\n");
        window->action(QStringLiteral("fleet.ratelimits"))->trigger();
        auto* limits = window->findChild<QDialog*>(QStringLiteral("rateLimitDialog"));
        QVERIFY(limits);
        auto* combo = limits->findChild<QComboBox*>(QStringLiteral("rateGatewayCombo"));
        combo->setCurrentIndex(combo->findText(QStringLiteral("full")));
        auto* exportButton = limits->findChild<QPushButton*>(QStringLiteral("rateExportButton"));
        QTRY_VERIFY_WITH_TIMEOUT(exportButton->isEnabled(), 5000);
        const QString mapPath = dir.filePath(QStringLiteral("limits.map"));
        {
            Test::ModalDriver save(QStringLiteral("class:QFileDialog"), [&mapPath](QWidget* w, Test::ModalDriver& d) {
                auto* files = qobject_cast<QFileDialog*>(w);
                // It proposes the gateway's own file name.
                d.expect(files->selectedFiles().value(0).endsWith(QLatin1String("/limits.map")),
                    QStringLiteral("proposed ") + files->selectedFiles().value(0));
                saveAs(files, mapPath, d);
            });
            QTest::mouseClick(exportButton, Qt::LeftButton);
            QVERIFY2(save.ok(), save.failure());
        }
        QFile map(mapPath);
        QVERIFY2(map.open(QIODevice::ReadOnly), qPrintable(map.errorString()));
        QCOMPARE(QString::fromUtf8(map.readAll()), full.limits.exportContent);
        limits->close();
    }

    void cleanupTestCase()
    {
        window.reset();
        app.reset();
    }

private:
    std::unique_ptr<Assembly> app;
    std::unique_ptr<MainWindow> window;
    QTableView* table = nullptr;
    QTemporaryDir dir;
};

QTEST_MAIN(TestFakeWindow)
#include "tst_fakewindow.moc"
