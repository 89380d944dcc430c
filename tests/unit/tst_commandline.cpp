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
    void strayArgument()
    {
        const auto c = CommandLine::parse({ QStringLiteral("fleetdeck"), QStringLiteral("fleet.json") });
        QVERIFY(c.error.contains(QLatin1String("fleet.json")));
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
