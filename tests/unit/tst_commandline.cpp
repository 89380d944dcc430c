#include <QTest>

#include "commandline.h"

using namespace Fleetdeck;

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void options()
    {
        const auto c = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("--fleet"),
            QStringLiteral("f.json"), QStringLiteral("--screenshot"), QStringLiteral("s.png"),
            QStringLiteral("--after"), QStringLiteral("15") });
        QVERIFY(c.error.isEmpty());
        QCOMPARE(c.fleetFile, QStringLiteral("f.json"));
        QCOMPARE(c.screenshotFile, QStringLiteral("s.png"));
        QCOMPARE(c.screenshotAfterSeconds, 15.0);
    }
    void badAfter()
    {
        const auto c
            = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("--after"), QStringLiteral("soon") });
        QVERIFY(c.error.contains(QLatin1String("--after")));
    }
    void notANumberIsRefused()
    {
        // NaN compares false with every bound: it must still be refused, or the screenshot never comes.
        for (const char* text : { "nan", "inf", "-1", "3601" }) {
            const auto c = CommandLine::parse(
                { QStringLiteral("fleetdeck"), QStringLiteral("--after"), QString::fromLatin1(text) });
            QVERIFY2(c.error.contains(QLatin1String("--after")), text);
        }
        const auto fine
            = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("--after"), QStringLiteral("0.5") });
        QVERIFY2(fine.error.isEmpty(), qPrintable(fine.error));
    }
    void capabilitiesNeedNoWindow()
    {
        const auto c = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("--capabilities-markdown") });
        QVERIFY(c.capabilitiesMarkdown);
        QVERIFY(!c.needsWindow());
        QVERIFY(CommandLine::parse({ QStringLiteral("fleetdeck") }).needsWindow());
    }
    void strayArgument()
    {
        const auto c = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("fleet.json") });
        QVERIFY(c.error.contains(QLatin1String("fleet.json")));
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
