// The window of a first start, offscreen and without the lab: with no gateway it shows what to do instead of an
// empty table (open a fleet file, add a gateway, or try the lab), its buttons open the same dialogs as the menu, and
// the pages come back as soon as the fleet has a gateway. The main widgets carry accessible names a screen reader
// reads. FLEETDECK_FIRSTSTART_SCREENSHOT=<png> saves the page (docs/first-start.png).
#include <QAbstractButton>
#include <QAccessible>
#include <QDialog>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QTemporaryDir>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeView>

#include "assembly.h"
#include "fakegateway.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "lab.h"
#include "mainwindow.h"
#include "modaldriver.h"
#include "recentfiles.h"

using namespace Fleetdeck;

class TestFirstStart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void anEmptyFleetSaysWhatToDo()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        Assembly app(options);
        MainWindow window(app.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* page = window.findChild<QWidget*>(QStringLiteral("firstStartPage"));
        QVERIFY(page);
        QVERIFY(page->isVisible());
        QVERIFY(!window.findChild<QTabWidget*>(QStringLiteral("pageTabs"))->isVisible());
        QCOMPARE(
            window.findChild<QLabel*>(QStringLiteral("firstStartTitle"))->text(), QStringLiteral("No gateways yet"));
        QVERIFY(
            window.findChild<QLabel*>(QStringLiteral("firstStartLab"))->text().contains(QLatin1String("make demo")));
        // The products it names are the registry's, the documented ones said to be so.
        const QString intro = window.findChild<QLabel*>(QStringLiteral("firstStartIntro"))->text();
        const ProductCatalog catalog = Test::registryWithFakes().catalog();
        for (const ProductInfo& p : catalog.products())
            QVERIFY2(intro.contains(p.displayName), qPrintable(p.displayName));
        QVERIFY(intro.contains(QLatin1String("from their documentation")));
        if (const QString shot = qEnvironmentVariable("FLEETDECK_FIRSTSTART_SCREENSHOT"); !shot.isEmpty()) {
            QTest::qWait(100);
            QVERIFY(window.grab().save(shot, "PNG"));
        }

        // "Add a gateway…" opens the Add-gateway dialog, as Fleet → Add gateway does; cancelled, nothing changes.
        Test::ModalDriver add(QStringLiteral("addGatewayDialog"), [](QWidget* dialog, Test::ModalDriver& d) {
            d.expect(dialog->isVisible(), QStringLiteral("the dialog is shown"));
            static_cast<QDialog*>(dialog)->reject();
        });
        QTest::mouseClick(window.findChild<QAbstractButton*>(QStringLiteral("firstStartAdd")), Qt::LeftButton);
        QTRY_VERIFY(add.ran());
        QVERIFY2(add.ok(), add.failure().constData());
        QVERIFY(page->isVisible());

        // A gateway: the pages; none again: the page.
        app.controller().addGateway(Test::fakeGateway(QStringLiteral("first")));
        QTRY_VERIFY(window.findChild<QTabWidget*>(QStringLiteral("pageTabs"))->isVisible());
        QVERIFY(!page->isVisible());
        app.controller().removeGateway(QStringLiteral("first"));
        QTRY_VERIFY(page->isVisible());
    }

    void recentFleetFilesAreOfferedAgain()
    {
        // A fleet file opened once is listed under Fleet → Open recent, newest first; choosing it opens it again.
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto write = [&dir](const QString& name, const QString& gateway) {
            QFile f(dir.filePath(name));
            f.open(QIODevice::WriteOnly);
            f.write(QStringLiteral("{\"gateways\": [{\"name\": \"%1\", \"product\": \"fake\", \"admin\": "
                                   "\"fake://%1\"}]}")
                        .arg(gateway)
                        .toUtf8());
            return f.fileName();
        };
        const QString a = write(QStringLiteral("a.json"), QStringLiteral("ga"));
        const QString b = write(QStringLiteral("b.json"), QStringLiteral("gb"));
        RecentFiles::add(a);
        RecentFiles::add(b);
        RecentFiles::add(a);
        RecentFiles::add(dir.filePath(QStringLiteral("gone.json"))); // not readable: not remembered
        QCOMPARE(RecentFiles::list(), (QStringList { a, b }));

        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        Assembly app(options);
        MainWindow window(app.context());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* recent = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        QMetaObject::invokeMethod(recent, "aboutToShow");
        QCOMPARE(recent->actions().size(), 2);
        QVERIFY(recent->actions().at(0)->text().endsWith(a));
        recent->actions().at(1)->trigger(); // b.json
        QTRY_COMPARE(app.store().gatewayCount(), 1);
        QCOMPARE(app.store().entry(0).config.name, QStringLiteral("gb"));
        QCOMPARE(RecentFiles::list().first(), b); // opened again: first
    }

    void theMainWidgetsHaveAccessibleNames()
    {
        Assembly::Options options;
        options.products = &Test::registryWithFakes();
        Assembly app(options);
        MainWindow window(app.context());
        app.controller().addGateway(Test::fakeGateway(QStringLiteral("named")));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        // What a screen reader announces for each, through Qt's accessibility interface.
        const std::pair<const char*, const char*> widgets[] = { { "fleetTree", "Fleet: gateways, pools and servers" },
            { "upstreamTable", "Servers" }, { "searchBox", "Filter servers" }, { "windowCombo", "Chart window" },
            { "pageTabs", "Pages" }, { "mainToolBar", "Actions" }, { "overviewPage", "Overview: one tile per gateway" },
            { "timelineTable", "Incident timeline" }, { "frontendTable", "Frontends" },
            { "firstStartPage", "Getting started" } };
        for (const auto& [name, said] : widgets) {
            auto* w = window.findChild<QWidget*>(QLatin1String(name));
            QVERIFY2(w, name);
            QCOMPARE(w->accessibleName(), QLatin1String(said));
            // Qt's interface for a combo box names it by its current text (its label says what it is for).
            if (QLatin1String(name) == QLatin1String("windowCombo"))
                continue;
            QAccessibleInterface* a = QAccessible::queryAccessibleInterface(w);
            QVERIFY2(a, name);
            QCOMPARE(a->text(QAccessible::Name), QLatin1String(said));
        }
        // Each chart is named by what it plots.
        int charts = 0;
        for (QWidget* w : window.findChildren<QWidget*>()) {
            if (QLatin1String(w->metaObject()->className()) != QLatin1String("Fleetdeck::TimeSeriesChart"))
                continue;
            ++charts;
            QVERIFY2(!w->accessibleName().isEmpty(), qPrintable(w->objectName()));
        }
        QVERIFY(charts >= 6);
    }
};

QTEST_MAIN(TestFirstStart)
#include "tst_firststart.moc"
