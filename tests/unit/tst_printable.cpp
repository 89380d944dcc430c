// Text from gateways made fit to show (models/printable.h), and numbers from them made safe to convert
// (models/peernumbers.h).
#include <limits>

#include <QTest>

#include "peernumbers.h"
#include "printable.h"

using namespace Fleetdeck;

class TestPrintable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void controlCharactersAreEscaped_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("plain") << QStringLiteral("api/s1 is UP") << QStringLiteral("api/s1 is UP");
        QTest::newRow("accents and CJK") << QStringLiteral("serveur-é 服务器") << QStringLiteral("serveur-é 服务器");
        QTest::newRow("terminal escape") << QStringLiteral("\x1b[31mred") << QStringLiteral("\\x1b[31mred");
        QTest::newRow("NUL and DEL") << QString::fromLatin1("a\0b\x7f", 4) << QStringLiteral("a\\x00b\\x7f");
        QTest::newRow("line breaks") << QStringLiteral("one\r\ntwo\tthree") << QStringLiteral("one\\r\\ntwo\\tthree");
        QTest::newRow("right-to-left override")
            << QStringLiteral("abc\u202Etxt.exe") << QStringLiteral("abc\\u202etxt.exe");
        QTest::newRow("invalid UTF-8") << QString::fromUtf8("ok\xff\xfe") << QStringLiteral("ok\\ufffd\\ufffd");
        QTest::newRow("emoji kept whole") << QStringLiteral("up \U0001F7E2") << QStringLiteral("up \U0001F7E2");
    }

    void controlCharactersAreEscaped()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(printable(in), out);
    }

    void longTextIsCutWithAnEllipsis()
    {
        const QString name(100000, QLatin1Char('n'));
        const QString shown = printable(name, 40);
        QCOMPARE(shown.size(), 40);
        QVERIFY(shown.endsWith(QChar(0x2026)));
        QCOMPARE(shown.left(39), QString(39, QLatin1Char('n')));
        // Exactly at the limit: nothing cut.
        QCOMPARE(printable(QString(40, QLatin1Char('x')), 40), QString(40, QLatin1Char('x')));
        // Escapes count in the length, and a cut never splits a surrogate pair.
        QCOMPARE(printable(QString(50, QChar(0x1b)), 9).size(), 9);
        const QString cut = printable(QStringLiteral("ab\U0001F7E2\U0001F7E2"), 4);
        QVERIFY(!cut.at(cut.size() - 2).isHighSurrogate() || cut.at(cut.size() - 1).isLowSurrogate());
    }

    void linesCanBeKept()
    {
        QCOMPARE(
            printableLines(QStringLiteral("VCL error:\n\tline 3\x1b")), QStringLiteral("VCL error:\n\tline 3\\x1b"));
    }

    void peerNumbersClamp()
    {
        constexpr qint64 max = std::numeric_limits<qint64>::max();
        constexpr qint64 min = std::numeric_limits<qint64>::min();
        QCOMPARE(clampedInt64(std::numeric_limits<double>::quiet_NaN()), 0);
        QCOMPARE(clampedInt64(1e300), max);
        QCOMPARE(clampedInt64(-1e300), min);
        QCOMPARE(clampedInt64(std::numeric_limits<double>::infinity()), max);
        QCOMPARE(clampedInt64(9223372036854775807.0), max); // rounds to 2^63, one past the end
        QCOMPARE(clampedInt64(-9223372036854775808.0), min); // exactly the end
        QCOMPARE(clampedInt64(12.9), 12);
        QCOMPARE(saturatingAdd(max, 1), max);
        QCOMPARE(saturatingAdd(min, -1), min);
        QCOMPARE(saturatingAdd(40, 2), 42);
        QCOMPARE(saturatingSub(0, min), max); // the overflow fuzzing found in the Varnish parser
        QCOMPARE(saturatingSub(min, 1), min);
        QCOMPARE(secondsToMs(1795812774.5), 1795812774500);
        QCOMPARE(secondsToMs(1e300), max);
    }
};

QTEST_GUILESS_MAIN(TestPrintable)
#include "tst_printable.moc"
