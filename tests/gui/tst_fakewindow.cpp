// The window on fake gateways, without the lab: actions enabled from the selection and the product's capabilities
// (with the product's own reason when not), a drain from the keyboard shortcut verified and undone, a notice's
// remedy offered and applied without reading its text, and the Add-gateway dialog listing the registry's products.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include "assembly.h"
#include "dialogs/addgatewaydialog.h"
#include "fakegateway.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "forms/serverformdialog.h"
#include "mainwindow.h"
#include "modelroles.h"
#include "pages/poolpage.h"

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

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        FakeGateway::named(QStringLiteral("full")).pool = FakeGateway::pools({ QStringLiteral("api") }, 2);
        FakeGateway::named(QStringLiteral("lim")).pool = FakeGateway::pools({ QStringLiteral("web") }, 2);
        FakeGateway& full = FakeGateway::named(QStringLiteral("full"));
        full.cache.settings.append({ QStringLiteral("mode"), {}, QStringLiteral("mode"), QStringLiteral("slow"),
            { QStringLiteral("slow"), QStringLiteral("fast") }, {} });
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
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
        bool listed = false;
        QTimer::singleShot(100, window.get(), [&listed] {
            auto* dialog = qobject_cast<AddGatewayDialog*>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            auto* products = dialog->findChild<QComboBox*>(QStringLiteral("productCombo"));
            listed = products->findData(QStringLiteral("fake")) >= 0
                && products->findData(QStringLiteral("haproxy")) >= 0
                && products->findData(QStringLiteral("fake-limited")) >= 0;
            dialog->reject();
        });
        window->action(QStringLiteral("fleet.add"))->trigger();
        QVERIFY(listed);
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
};

QTEST_MAIN(TestFakeWindow)
#include "tst_fakewindow.moc"
