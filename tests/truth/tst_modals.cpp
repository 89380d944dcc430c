// Every dialog that leads to a change, with a poll replacing the snapshot while it is open (issue 31): a dialog
// holds copies (values and stable ids) and re-resolves them after its event loop ran, so pressing OK reads nothing
// freed (this runs under ASan in CI) and sends what the operator changed, expecting what it showed: someone else's
// change meanwhile is a conflict, not overwritten. On fake gateways (this tests the window, not a driver); the same
// path on the real nginx is tst_truth's.
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "assembly.h"
#include "fakegateway.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "modelroles.h"
#include "reports.h"

using namespace Fleetdeck;
using Test::FakeGateway;

class TestModals : public QObject
{
    Q_OBJECT

    std::unique_ptr<Assembly> app;
    std::unique_ptr<MainWindow> window;
    QTableView* table = nullptr;
    QTemporaryDir dir;

    FakeGateway& gw() { return FakeGateway::named(QStringLiteral("modal")); }
    ServerSnapshot& member(const QString& name)
    {
        for (ServerSnapshot& s : gw().pool.backends[0].servers)
            if (s.name == name)
                return s;
        static ServerSnapshot none;
        QTest::qFail("no such member", __FILE__, __LINE__);
        return none;
    }
    bool select(const QStringList& servers)
    {
        QItemSelection selection;
        for (const QString& server : servers) {
            for (int r = 0; r < table->model()->rowCount(); ++r) {
                const QModelIndex i = table->model()->index(r, 0);
                if (i.data(ServerRole) == server)
                    selection.select(i, i.siblingAtColumn(table->model()->columnCount() - 1));
            }
        }
        table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        return table->selectionModel()->selectedRows().size() == servers.size();
    }
    // A poll replaces the snapshot every dialog was opened on (run from inside the dialog's own event loop).
    bool pollReplaces()
    {
        const FleetStore& store = app->store();
        const qint64 before = store.entry(0).snapshot->takenAtMs;
        QTest::qWait(5); // a new takenAtMs: the store holds a new snapshot, the old one is freed
        app->controller().refreshNow();
        return QTest::qWaitFor([&] { return store.entry(0).snapshot->takenAtMs != before; }, 5000);
    }
    ActionReport report(QSignalSpy& finished)
    {
        const auto r = Test::waitReport(finished);
        if (!r) {
            QTest::qFail("no report came", __FILE__, __LINE__);
            return {};
        }
        return *r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        FakeGateway::resetAll();
        gw().pool = FakeGateway::pools({ QStringLiteral("api") }, 4);
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        options.journal = true;
        options.journalPath = dir.filePath(QStringLiteral("journal.sqlite"));
        app = std::make_unique<Assembly>(options);
        window = std::make_unique<MainWindow>(app->context());
        app->controller().addGateway(Test::fakeGateway(QStringLiteral("modal")));
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        table = window->findChild<QTableView*>(QStringLiteral("upstreamTable"));
        QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 4, 5000);
    }

    void init()
    {
        member(QStringLiteral("s1")).options = { { QStringLiteral("max_fails"), QStringLiteral("3") },
            { QStringLiteral("fail_timeout"), QStringLiteral("5s") } };
        gw().sent.clear();
        // The window shows them before a dialog opens on them.
        app->controller().refreshNow();
        QTRY_VERIFY_WITH_TIMEOUT(app->store()
                                     .entry(0)
                                     .snapshot->server(QStringLiteral("api"), QStringLiteral("s1"))
                                     ->options.value(QStringLiteral("fail_timeout"))
                == QLatin1String("5s"),
            5000);
    }

    // Server options: only max_fails, which the operator changed, is sent; fail_timeout, changed by someone else
    // while the dialog was open, is left as they made it.
    void serverOptions()
    {
        QVERIFY(select({ QStringLiteral("s1") }));
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        Test::ModalDriver options(QStringLiteral("serverOptionsDialog"), [&](QWidget* dialog, Test::ModalDriver& d) {
            auto* maxFails = dialog->findChild<QLineEdit*>(QStringLiteral("option_max_fails"));
            if (!d.expect(maxFails, QStringLiteral("max_fails is in the dialog")))
                return;
            maxFails->setText(QStringLiteral("5"));
            member(QStringLiteral("s1")).options.insert(QStringLiteral("fail_timeout"), QStringLiteral("7s"));
            if (d.expect(pollReplaces(), QStringLiteral("a poll replaced the snapshot while the dialog was open")))
                dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        window->action(QStringLiteral("server.options"))->trigger();
        QVERIFY2(options.ok(), options.failure());
        const ActionReport r = report(finished);
        QVERIFY2(r.ok(), qPrintable(r.outcomes.value(0).message));
        QCOMPARE(gw().sent.size(), 1);
        QVERIFY2(gw().sent.first().contains(QLatin1String("max_fails")), qPrintable(gw().sent.first()));
        QCOMPARE(member(QStringLiteral("s1")).options.value(QStringLiteral("max_fails")), QStringLiteral("5"));
        QCOMPARE(member(QStringLiteral("s1")).options.value(QStringLiteral("fail_timeout")), QStringLiteral("7s"));
    }

    // Server options: the very option the operator changed was changed by someone else meanwhile: a conflict.
    void serverOptionsChangedMeanwhileIsAConflict()
    {
        QVERIFY(select({ QStringLiteral("s1") }));
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        Test::ModalDriver options(QStringLiteral("serverOptionsDialog"), [&](QWidget* dialog, Test::ModalDriver& d) {
            dialog->findChild<QLineEdit*>(QStringLiteral("option_max_fails"))->setText(QStringLiteral("6"));
            member(QStringLiteral("s1")).options.insert(QStringLiteral("max_fails"), QStringLiteral("4"));
            if (d.expect(pollReplaces(), QStringLiteral("a poll replaced the snapshot while the dialog was open")))
                dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        window->action(QStringLiteral("server.options"))->trigger();
        QVERIFY2(options.ok(), options.failure());
        const ActionReport r = report(finished);
        QVERIFY(!r.ok());
        QVERIFY2(r.outcomes.value(0).conflict, qPrintable(r.outcomes.value(0).message));
        QVERIFY(gw().sent.isEmpty());
        QCOMPARE(member(QStringLiteral("s1")).options.value(QStringLiteral("max_fails")), QStringLiteral("4"));
    }

    // Weight: sent after a poll; and a weight someone else changed while the dialog was open is a conflict.
    void weight()
    {
        QVERIFY(select({ QStringLiteral("s2") }));
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        {
            Test::ModalDriver dialog(QStringLiteral("class:QInputDialog"), [&](QWidget* w, Test::ModalDriver& d) {
                auto* input = qobject_cast<QInputDialog*>(w);
                input->setIntValue(7);
                if (d.expect(pollReplaces(), QStringLiteral("a poll replaced the snapshot while the dialog was open")))
                    input->accept();
            });
            window->action(QStringLiteral("server.weight"))->trigger();
            QVERIFY2(dialog.ok(), dialog.failure());
            const ActionReport r = report(finished);
            QVERIFY2(r.ok(), qPrintable(r.outcomes.value(0).message));
            QCOMPARE(member(QStringLiteral("s2")).weight, 7);
        }
        {
            Test::ModalDriver dialog(QStringLiteral("class:QInputDialog"), [&](QWidget* w, Test::ModalDriver& d) {
                auto* input = qobject_cast<QInputDialog*>(w);
                input->setIntValue(9);
                member(QStringLiteral("s2")).weight = 30; // someone else, while the dialog is open
                if (d.expect(pollReplaces(), QStringLiteral("a poll replaced the snapshot while the dialog was open")))
                    input->accept();
            });
            window->action(QStringLiteral("server.weight"))->trigger();
            QVERIFY2(dialog.ok(), dialog.failure());
            const ActionReport r = report(finished);
            QVERIFY2(r.outcomes.value(0).conflict, qPrintable(r.outcomes.value(0).message));
            QCOMPARE(member(QStringLiteral("s2")).weight, 30);
        }
    }

    // Remove: confirmed after a poll; the member goes.
    void remove()
    {
        QVERIFY(select({ QStringLiteral("s4") }));
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        Test::ModalDriver confirm(QStringLiteral("removeConfirm"), [&](QWidget* w, Test::ModalDriver& d) {
            auto* box = qobject_cast<QMessageBox*>(w);
            d.expect(box->text().contains(QLatin1String("Remove s4 from pool api on modal?")), box->text());
            if (d.expect(pollReplaces(), QStringLiteral("a poll replaced the snapshot while the dialog was open")))
                box->button(QMessageBox::Yes)->click();
        });
        window->action(QStringLiteral("server.remove"))->trigger();
        QVERIFY2(confirm.ok(), confirm.failure());
        const ActionReport r = report(finished);
        QVERIFY2(r.ok(), qPrintable(r.outcomes.value(0).message));
        QCOMPARE(gw().pool.backends[0].servers.size(), 3);
    }

    // Add: the form and its review stay open across a poll; the member pushed is the one typed.
    void add()
    {
        QVERIFY(select({ QStringLiteral("s1") }));
        window->action(QStringLiteral("server.add"))->trigger();
        auto* form = window->findChild<ServerFormDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit"))->setText(QStringLiteral("s9"));
        form->findChild<QLineEdit*>(QStringLiteral("hostEdit"))->setText(QStringLiteral("10.0.0.9"));
        form->findChild<QLineEdit*>(QStringLiteral("portEdit"))->setText(QStringLiteral("80"));
        QVERIFY(pollReplaces());
        QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("reviewButton")), Qt::LeftButton);
        auto* review = form->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        QVERIFY(pollReplaces());
        QSignalSpy finished(&app->controller(), &FleetActions::actionFinished);
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        const ActionReport r = report(finished);
        QVERIFY2(r.ok(), qPrintable(r.outcomes.value(0).message));
        QCOMPARE(gw().pool.backends[0].servers.last().name, QStringLiteral("s9"));
        QCOMPARE(gw().pool.backends[0].servers.last().address, QStringLiteral("10.0.0.9:80"));
    }

    // Rolling drain: the dialog starts after a poll and drains what was selected.
    void rolling()
    {
        QVERIFY(select({ QStringLiteral("s1"), QStringLiteral("s2") }));
        window->action(QStringLiteral("server.rolling"))->trigger();
        auto* dialog = window->findChild<QDialog*>(QStringLiteral("rollingDialog"));
        QVERIFY(dialog);
        QVERIFY(pollReplaces());
        dialog->findChild<QSpinBox*>(QStringLiteral("pauseSpin"))->setValue(0);
        QTest::mouseClick(dialog->findChild<QPushButton*>(QStringLiteral("rollingStart")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(member(QStringLiteral("s1")).admin == AdminState::Drain
                && member(QStringLiteral("s2")).admin == AdminState::Drain,
            10000);
        dialog->close();
    }

    void cleanupTestCase()
    {
        window.reset();
        app.reset();
    }
};

QTEST_MAIN(TestModals)
#include "tst_modals.moc"
