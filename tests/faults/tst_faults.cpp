// Hostile gateways: the lab's real HAProxy, Caddy and Varnish behind tests/lab/chaosproxy.py, which stalls,
// dribbles, truncates, resets, answers garbage, duplicates or reorders lines, or streams without end, on command.
// For every fault Fleetdeck's controller must, without crashing: show the gateway in the right state with a
// message in an operator's words within its deadline; keep the UI thread's longest stall under 100 ms; keep memory
// within a stated bound; and find the gateway again by itself within 2 s of the fault ending. The real processes
// are also stopped (SIGSTOP/SIGCONT) and killed and restarted, and a drain is interrupted by each fault: it is never
// reported done unless verified, and the journal holds its attempt and its true outcome.
#include <csignal>

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "assembly.h"
#include "chaosproxy.h"
#include "credentialstore.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "journal.h"
#include "lab.h"
#include "reports.h"
#include "uiwatch.h"
#include "wire/httpadmin.h"

using namespace Fleetdeck;
using Test::Watch;

namespace {
constexpr int kDeadlineMs = 2000; // each gateway's deadline for a whole answer, in these tests
constexpr int kPollMs = 250;
constexpr int kRecoverMs = 2000; // back within this of the fault ending
constexpr qint64 kStallLimitMs = 100; // the UI thread's longest stall
constexpr qint64 kMemoryLimitMiB = 96; // resident memory added by one fault
constexpr int kMaxServers = 2000; // so an answer may have 1 MiB + 2000 x 2 KiB

bool printable(const QString& text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control || c == QChar::ReplacementCharacter)
            return false;
    }
    return true;
}
} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

private:
    enum Gateway { HAProxy = 0, Caddy = 1, Varnish = 2 };

    Test::Lab lab;
    Test::ChaosProxy proxy;
    QTemporaryDir journalDir;
    std::unique_ptr<SessionCredentialStore> credentials;
    std::unique_ptr<Assembly> assembly;
    QList<GatewayConfig> configs;
    std::unique_ptr<Watch> watch;

    FleetStore& store() { return assembly->store(); }
    const FleetStore::Entry& entry(Gateway g) { return store().entry(store().indexOf(configs.at(g).name)); }

    // Waits until the gateway answers well again (a fresh answer, not the one from before the fault).
    bool upAgain(Gateway g, int withinMs)
    {
        QElapsedTimer clock;
        clock.start();
        const qint64 since = QDateTime::currentMSecsSinceEpoch();
        while (clock.elapsed() < withinMs) {
            if (entry(g).status.connection == Connection::Up && entry(g).status.lastSeenMs >= since)
                return true;
            QTest::qWait(20);
        }
        return false;
    }

    // One fault on one gateway, then its end: the state and message within the deadline, the stall and memory
    // bounds throughout, and the recovery within 2 s. `words` must all be in the gateway's message.
    void faultAndRecovery(Gateway g, const QString& mode, int argument, Connection expected, const QStringList& words)
    {
        QVERIFY2(upAgain(g, 5000), qPrintable(entry(g).status.lastError));
        watch->reset();
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(proxy.fault(g, mode, argument), QString());
        // The poll in flight, then the next one, each within the deadline.
        const int within = 2 * kDeadlineMs + 2 * kPollMs + 500;
        QTRY_VERIFY2_WITH_TIMEOUT(entry(g).status.connection == expected,
            qPrintable(QStringLiteral("%1 is %2, not %3 (%4)")
                           .arg(configs.at(g).name, label(entry(g).status.connection), label(expected),
                               entry(g).status.lastError)),
            within);
        const qint64 detectedMs = clock.elapsed();
        const QString message = entry(g).status.lastError;
        QVERIFY2(message.startsWith(configs.at(g).name + QLatin1String(" (")), qPrintable(message));
        for (const QString& w : words)
            QVERIFY2(message.contains(w), qPrintable(QStringLiteral("\"%1\" is not in: %2").arg(w, message)));
        QVERIFY2(printable(message), message.toUtf8().toPercentEncoding(" :/()\"'.,;-").constData());
        QVERIFY(entry(g).snapshot.has_value()); // the last good state stays on screen

        QCOMPARE(proxy.fault(g, QStringLiteral("pass")), QString());
        clock.restart();
        QVERIFY2(upAgain(g, kRecoverMs),
            qPrintable(QStringLiteral("%1 not back within %2 ms of the fault ending: %3")
                           .arg(configs.at(g).name)
                           .arg(kRecoverMs)
                           .arg(entry(g).status.lastError)));
        const qint64 recoveredMs = clock.elapsed();
        qInfo("%s %s: %s after %lld ms (\"%s\"); back after %lld ms; longest UI stall %lld ms; memory +%lld MiB",
            qPrintable(configs.at(g).name), qPrintable(mode), qPrintable(label(expected)), detectedMs,
            qPrintable(message.mid(configs.at(g).name.size())), recoveredMs, watch->worstStallMs(), watch->grownMiB());
        QVERIFY2(watch->worstStallMs() < kStallLimitMs,
            qPrintable(QStringLiteral("the UI thread stalled %1 ms").arg(watch->worstStallMs())));
        QVERIFY2(watch->grownMiB() < kMemoryLimitMiB,
            qPrintable(QStringLiteral("memory grew by %1 MiB").arg(watch->grownMiB())));
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<ActionReport>();
        lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(!lab.haproxy.isEmpty() && !lab.caddy.isEmpty() && !lab.varnish.isEmpty());
        const QString started = proxy.start(
            { lab.haproxy.first().adminPort, lab.caddy.first().adminPort, lab.varnish.first().adminPort });
        QVERIFY2(started.isEmpty(), qPrintable(started));

        auto config = [](const QString& name, const QString& product, const QString& admin) {
            GatewayConfig c;
            c.name = name;
            c.product = product;
            c.admin = QUrl(admin);
            c.pollIntervalMs = kPollMs;
            c.deadlineMs = kDeadlineMs;
            c.maxServers = kMaxServers;
            return c;
        };
        configs = {
            config(QStringLiteral("hap-chaos"), QStringLiteral("haproxy"),
                QStringLiteral("tcp://127.0.0.1:%1").arg(proxy.port(HAProxy))),
            config(QStringLiteral("caddy-chaos"), QStringLiteral("caddy"),
                QStringLiteral("http://127.0.0.1:%1").arg(proxy.port(Caddy))),
            config(QStringLiteral("varnish-chaos"), QStringLiteral("varnish"),
                QStringLiteral("tcp://127.0.0.1:%1").arg(proxy.port(Varnish))),
        };
        configs[Varnish].credential = QStringLiteral("varnish-chaos/cli");

        QFile secret(lab.varnish.first().secretFile);
        QVERIFY(secret.open(QIODevice::ReadOnly));
        credentials = std::make_unique<SessionCredentialStore>();
        credentials->write(configs[Varnish].credential, QString::fromUtf8(secret.readAll()), [](Result<bool>) {});

        Assembly::Options options;
        options.credentials = credentials.get();
        options.journal = true;
        options.journalPath = journalDir.filePath(QStringLiteral("journal.sqlite"));
        assembly = std::make_unique<Assembly>(options);
        QVERIFY2(assembly->journal(), qPrintable(assembly->journalError()));
        // A failed poll is retried after at most half a second here (30 s by default), so that "back within 2 s of
        // the fault ending" measures Fleetdeck and not the back-off.
        assembly->controller().setMaxBackoffMs(500);
        assembly->addGateways(configs);
        for (Gateway g : { HAProxy, Caddy, Varnish })
            QVERIFY2(upAgain(g, 10000), qPrintable(entry(g).status.lastError));
        watch = std::make_unique<Watch>();
    }

    void haproxyStalls()
    {
        faultAndRecovery(
            HAProxy, QStringLiteral("stall"), -1, Connection::Unreachable, { QStringLiteral("timed out") });
    }

    void haproxyDribbles()
    {
        // A byte every 300 ms never trips the silence timeout: only the deadline cuts it.
        faultAndRecovery(HAProxy, QStringLiteral("dribble"), 300, Connection::Unreachable,
            { QStringLiteral("timed out after 2 s with the answer incomplete") });
    }

    void haproxyTruncates()
    {
        faultAndRecovery(
            HAProxy, QStringLiteral("truncate"), 3000, Connection::Unreachable, { QStringLiteral("truncated") });
    }

    void haproxyResets()
    {
        faultAndRecovery(HAProxy, QStringLiteral("reset"), -1, Connection::Unreachable,
            { QStringLiteral("closed or reset by the peer before any answer") });
    }

    void haproxyAnswersGarbage()
    {
        faultAndRecovery(HAProxy, QStringLiteral("garbage"), -1, Connection::Unreachable,
            { QStringLiteral("not HAProxy's runtime API: the answer is binary data") });
    }

    void haproxyDuplicatesLines()
    {
        // Every line twice: the sections no longer parse ("1" is the servers-state version line, doubled).
        faultAndRecovery(
            HAProxy, QStringLiteral("duplicate"), -1, Connection::Unreachable, { QStringLiteral("unexpected answer") });
    }

    void haproxyReordersLines()
    {
        faultAndRecovery(HAProxy, QStringLiteral("reorder"), -1, Connection::Unreachable, {});
    }

    void haproxyStreamsWithoutEnd()
    {
        faultAndRecovery(HAProxy, QStringLiteral("endless"), -1, Connection::TooLarge,
            { QStringLiteral("the answer is larger than 4.9 MiB; stopped reading") });
    }

    void haproxyRefuses()
    {
        faultAndRecovery(
            HAProxy, QStringLiteral("refuse"), -1, Connection::Unreachable, { QStringLiteral("connection refused") });
    }

    void caddyStalls()
    {
        faultAndRecovery(Caddy, QStringLiteral("stall"), -1, Connection::Unreachable,
            { QStringLiteral("timed out after 2 s with no answer") });
    }

    void caddyDribbles()
    {
        faultAndRecovery(
            Caddy, QStringLiteral("dribble"), 300, Connection::Unreachable, { QStringLiteral("timed out after 2 s") });
    }

    void caddyStreamsWithoutEnd()
    {
        // The body is cut as it arrives, not after Qt has buffered it whole (it used to reach 4 GB).
        faultAndRecovery(Caddy, QStringLiteral("endless"), -1, Connection::TooLarge,
            { QStringLiteral("the answer is larger than 4.9 MiB; stopped reading") });
    }

    // An answer whose body stops before its end (the headers came, the body was cut): not an answer, and said so.
    void caddyCutsItsAnswerShort()
    {
        faultAndRecovery(
            Caddy, QStringLiteral("truncate"), 400, Connection::Unreachable, { QStringLiteral("was cut short after") });
    }

    // The HTTP admin channel of Kong, Traefik and Envoy, through the same proxy: an answer cut after its headers is a
    // failure that says so, not half a page read as a whole one (control: the whole answer, once the cut ends).
    void httpAdminCutShortIsNotAnAnswer()
    {
        auto get = [this] {
            GatewayConfig c = configs.at(Caddy);
            c.product = QStringLiteral("traefik");
            Wire::HttpAdmin http(c, nullptr);
            std::optional<Result<Wire::HttpAnswer>> answer;
            http.get(QStringLiteral("/config/"), [&answer](Result<Wire::HttpAnswer> r) { answer = r; });
            if (!QTest::qWaitFor([&] { return answer.has_value(); }, 5000))
                return Result<Wire::HttpAnswer>::failure(QStringLiteral("no answer in 5 s"));
            return *answer;
        };
        QCOMPARE(proxy.fault(Caddy, QStringLiteral("truncate"), 400), QString());
        const auto cut = get();
        QCOMPARE(proxy.fault(Caddy, QStringLiteral("pass")), QString());
        QVERIFY(!cut.ok());
        QVERIFY2(cut.error().contains(QLatin1String("was cut short after")), qPrintable(cut.error()));
        const auto whole = get();
        QVERIFY2(whole.ok() && whole.value().status == 200, qPrintable(whole.ok() ? QString() : whole.error()));
    }

    void caddyTruncatesAndResets()
    {
        faultAndRecovery(Caddy, QStringLiteral("truncate"), 200, Connection::Unreachable, {});
        faultAndRecovery(Caddy, QStringLiteral("reset"), -1, Connection::Unreachable, { QStringLiteral("reset") });
        faultAndRecovery(Caddy, QStringLiteral("garbage"), -1, Connection::Unreachable, {});
    }

    void varnishDribblesItsGreeting()
    {
        faultAndRecovery(Varnish, QStringLiteral("dribble"), 300, Connection::Unreachable,
            { QStringLiteral("timed out after 2 s with the answers incomplete") });
    }

    void varnishAnswersGarbageAndStalls()
    {
        faultAndRecovery(
            Varnish, QStringLiteral("garbage"), -1, Connection::Unreachable, { QStringLiteral("Varnish CLI") });
        faultAndRecovery(
            Varnish, QStringLiteral("stall"), -1, Connection::Unreachable, { QStringLiteral("timed out") });
        faultAndRecovery(
            Varnish, QStringLiteral("endless"), -1, Connection::Unreachable, { QStringLiteral("Varnish CLI") });
    }

    void aGatewayBackIsFoundWithin2sWhateverTheBackOff()
    {
        // With the default 30 s cap: refused for 10 s, the full poll backs off to 8 s between tries; the connect
        // probe (each second) sees the port listen again and polls at once.
        assembly->controller().setMaxBackoffMs(30000);
        QVERIFY(upAgain(HAProxy, 5000));
        QCOMPARE(proxy.fault(HAProxy, QStringLiteral("refuse")), QString());
        QTRY_VERIFY_WITH_TIMEOUT(entry(HAProxy).status.connection == Connection::Unreachable, 2000);
        QTest::qWait(10000);
        const int failures = entry(HAProxy).status.consecutiveFailures;
        QVERIFY2(failures >= 5 && failures <= 7, qPrintable(QString::number(failures))); // backed off, not polling
        QCOMPARE(proxy.fault(HAProxy, QStringLiteral("pass")), QString());
        QElapsedTimer clock;
        clock.start();
        QVERIFY2(upAgain(HAProxy, kRecoverMs), qPrintable(entry(HAProxy).status.lastError));
        qInfo("back %lld ms after the port listened again, after %d failed polls in 10 s", clock.elapsed(), failures);
        assembly->controller().setMaxBackoffMs(500);
    }

    void haproxyStoppedAndContinued()
    {
        // SIGSTOP: the kernel still accepts connections for the stopped process, and nothing answers.
        QVERIFY(upAgain(HAProxy, 5000));
        const qint64 pid = entry(HAProxy).snapshot->pid;
        QVERIFY(pid > 0);
        QCOMPARE(pid, lab.haproxy.first().pid);
        watch->reset();
        QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
        QTRY_VERIFY_WITH_TIMEOUT(entry(HAProxy).status.connection == Connection::Unreachable, 2 * kDeadlineMs + 1000);
        const QString message = entry(HAProxy).status.lastError;
        QCOMPARE(::kill(pid_t(pid), SIGCONT), 0);
        QVERIFY2(message.contains(QLatin1String("timed out")), qPrintable(message));
        QVERIFY2(upAgain(HAProxy, kRecoverMs), qPrintable(entry(HAProxy).status.lastError));
        QCOMPARE(entry(HAProxy).snapshot->pid, pid); // the same process, continued
        qInfo("SIGSTOP: \"%s\"; back within %d ms of SIGCONT; longest UI stall %lld ms", qPrintable(message),
            kRecoverMs, watch->worstStallMs());
        QVERIFY(watch->worstStallMs() < kStallLimitMs);
    }

    void haproxyKilledAndRestarted()
    {
        QVERIFY(upAgain(HAProxy, 5000));
        const qint64 pid = entry(HAProxy).snapshot->pid;
        QVERIFY(lab.control(QStringLiteral("kill-haproxy"), 0));
        QTRY_VERIFY_WITH_TIMEOUT(entry(HAProxy).status.connection == Connection::Unreachable, 2 * kDeadlineMs + 1000);
        // Through the proxy a dead gateway is a connection that closes at once.
        QVERIFY2(entry(HAProxy).status.lastError.contains(QLatin1String("closed or reset by the peer")),
            qPrintable(entry(HAProxy).status.lastError));
        QVERIFY(lab.control(QStringLiteral("start-haproxy"), 0));
        QVERIFY2(upAgain(HAProxy, 5000), qPrintable(entry(HAProxy).status.lastError));
        QVERIFY(entry(HAProxy).snapshot->pid != pid);
        lab = Test::Lab::load(); // the new PID
    }

    void aDrainInterruptedIsNeverReportedDoneUnlessVerified_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("argument");
        QTest::addColumn<int>("afterMs"); // when the fault starts, after the drain is asked for
        QTest::newRow("stall at once") << QStringLiteral("stall") << -1 << 0;
        QTest::newRow("reset after 20 ms") << QStringLiteral("reset") << -1 << 20;
        QTest::newRow("garbage after 40 ms") << QStringLiteral("garbage") << -1 << 40;
        QTest::newRow("truncate after 60 ms") << QStringLiteral("truncate") << 40 << 60;
        QTest::newRow("dribble after 10 ms") << QStringLiteral("dribble") << 300 << 10;
        QTest::newRow("refuse after 80 ms") << QStringLiteral("refuse") << -1 << 80;
    }

    void aDrainInterruptedIsNeverReportedDoneUnlessVerified()
    {
        QFETCH(QString, mode);
        QFETCH(int, argument);
        QFETCH(int, afterMs);
        const int port = lab.haproxy.first().adminPort; // the real one, read and reset behind the proxy
        QVERIFY(Test::haproxyCommand(port, "set server static/s3 state ready").trimmed().isEmpty());
        QCOMPARE(
            Test::haproxyServerField(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"))
                .left(2),
            QStringLiteral("UP"));
        QVERIFY(upAgain(HAProxy, 5000));
        const qsizetype rowsBefore = assembly->journal()->readAll().size();

        QSignalSpy finished(&assembly->controller(), &FleetActions::actionFinished);
        const quint64 id = assembly->controller().setServerState(
            { { configs.at(HAProxy).name, QStringLiteral("static"), QStringLiteral("s3") } }, AdminState::Drain);
        if (afterMs > 0)
            QTest::qWait(afterMs);
        QCOMPARE(proxy.fault(HAProxy, mode, argument), QString());
        FLEETDECK_REPORT(report, finished, id, 8 * kDeadlineMs);
        QCOMPARE(proxy.fault(HAProxy, QStringLiteral("pass")), QString());

        const Test::Seen real
            = Test::haproxyServer(port, QStringLiteral("static"), QStringLiteral("s3"), QStringLiteral("status"));
        QVERIFY2(real.present(), qPrintable(real.describe()));
        const bool drained = real.value.startsWith(QLatin1String("DRAIN"));
        const ActionOutcome& outcome = report.outcomes.first();
        qInfo("%s: reported %s (\"%s\"), HAProxy says %s", qPrintable(mode), report.ok() ? "done" : "not done",
            qPrintable(outcome.message), qPrintable(real.value));
        // Never reported done unless it is so.
        if (report.ok())
            QVERIFY2(drained, qPrintable(real.value));
        else
            QVERIFY2(!outcome.message.contains(QLatin1String("done and verified")), qPrintable(outcome.message));

        // The journal holds the attempt (if it was sent) and exactly one result, and the result is the truth.
        int attempts = 0, results = 0;
        QString result;
        const auto rows = assembly->journal()->readAll();
        for (qsizetype i = rowsBefore; i < rows.size(); ++i) {
            const JournalEntry& e = rows.at(i);
            if (e.object != QLatin1String("static/s3"))
                continue;
            if (e.kind == QLatin1String("attempt"))
                ++attempts;
            else {
                ++results;
                result = e.result;
            }
        }
        QCOMPARE(results, 1);
        if (outcome.sent)
            QCOMPARE(attempts, 1);
        else
            QVERIFY(attempts <= 1); // refused before sending (the re-read failed): no attempt, or one never sent
        QCOMPARE(result == QLatin1String("verified"), report.ok());

        QVERIFY(Test::haproxyCommand(port, "set server static/s3 state ready").trimmed().isEmpty());
    }

    void cleanupTestCase()
    {
        assembly.reset();
        watch.reset();
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
