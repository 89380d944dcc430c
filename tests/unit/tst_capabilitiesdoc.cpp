// docs/capabilities.md is what the registered products say of themselves: `fleetdeck --capabilities-markdown` prints
// it from the registry, and this test fails when the committed file differs (so the docs cannot drift again).
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
// Runs the program with no display at all; its exit code and standard output.
std::pair<int, QByteArray> runWithoutDisplay(const QStringList& arguments, QByteArray* errors = nullptr)
{
    QProcess fleetdeck;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    fleetdeck.setProcessEnvironment(env);
    fleetdeck.start(QStringLiteral(FLEETDECK_BINARY), arguments);
    if (!fleetdeck.waitForFinished(30000) || fleetdeck.exitStatus() != QProcess::NormalExit)
        return { -1, {} };
    if (errors)
        *errors = fleetdeck.readAllStandardError();
    return { fleetdeck.exitCode(), fleetdeck.readAllStandardOutput() };
}
} // namespace

class TestCapabilitiesDoc : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void printingOptionsNeedNoDisplay()
    {
        // Nothing that only prints may need a display (it used to abort before reading its options).
        const auto help = runWithoutDisplay({ QStringLiteral("--help") });
        QCOMPARE(help.first, 0);
        QVERIFY2(help.second.contains("--capabilities-markdown") && !help.second.contains("<executable_name>"),
            help.second.constData());
        const auto version = runWithoutDisplay({ QStringLiteral("--version") });
        QCOMPARE(version.first, 0);
        QVERIFY(version.second.startsWith("fleetdeck "));
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--after"), QStringLiteral("nan") }).first, 2);
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--no-such-option") }).first, 2);
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--after"), QStringLiteral("inf") }).first, 2);
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--after"), QStringLiteral("-1") }).first, 2);
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--after"), QStringLiteral("1e999") }).first, 2);
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--page"), QStringLiteral("nope") }).first, 2);
    }

    // What the terminal is told of text from outside (an argument, a fleet file's names) is escaped: an escape
    // sequence in a gateway's name would otherwise drive the operator's terminal.
    void terminalTextIsEscaped()
    {
        QByteArray errors;
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--page"), QStringLiteral("\x1b]0;owned\x07") }, &errors).first, 2);
        QVERIFY2(!errors.contains('\x1b') && !errors.contains('\x07') && errors.contains("\\x1b]0;owned\\x07"),
            errors.constData());

        QTemporaryDir dir;
        QFile fleet(dir.filePath(QStringLiteral("fleet.json")));
        QVERIFY(fleet.open(QIODevice::WriteOnly));
        // (No raw string here: moc 6.4 loses the class after one.)
        fleet.write("{\"gateways\": [{\"name\": \"edge\\u001b[2J\", \"product\": \"no-such\\u001b[31m\", "
                    "\"url\": \"x\"}]}");
        fleet.close();
        QCOMPARE(runWithoutDisplay({ QStringLiteral("--fleet"), fleet.fileName() }, &errors).first, 2);
        QVERIFY2(!errors.contains('\x1b') && errors.contains("\\x1b"), errors.constData());
    }

    void committedFileEqualsTheRegistry()
    {
        // No display on purpose: printing the table must not need one.
        const auto [status, generated] = runWithoutDisplay({ QStringLiteral("--capabilities-markdown") });
        QCOMPARE(status, 0); // -1: it crashed or did not finish
        QVERIFY2(generated.contains("| Drain |"), generated.left(400).constData());

        QFile committed(QStringLiteral(FLEETDECK_CAPABILITIES_DOC));
        QVERIFY2(committed.open(QIODevice::ReadOnly), qPrintable(committed.fileName()));
        const QList<QByteArray> want = generated.split('\n');
        const QList<QByteArray> have = committed.readAll().split('\n');
        for (qsizetype i = 0; i < qMax(want.size(), have.size()); ++i) {
            QVERIFY2(want.value(i) == have.value(i),
                qPrintable(QStringLiteral("docs/capabilities.md line %1 differs from the registry:\n  committed: %2\n  "
                                          "generated: %3\nRegenerate it with: fleetdeck --capabilities-markdown > "
                                          "docs/capabilities.md")
                               .arg(i + 1)
                               .arg(QString::fromUtf8(have.value(i)), QString::fromUtf8(want.value(i)))));
        }
    }
};

QTEST_GUILESS_MAIN(TestCapabilitiesDoc)
#include "tst_capabilitiesdoc.moc"
