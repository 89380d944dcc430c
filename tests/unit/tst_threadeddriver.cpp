// ThreadedDriver, the wrapper that puts a product's driver on the poller's I/O thread: every call runs there, in the
// order it was made, and every answer comes back on the thread the wrapper lives on; a wrapper deleted while an answer
// is on its way drops it, and its product driver is deleted on the I/O thread. The inner driver here is a stub that
// notes where and in what order it was called (it stands in for no product: each product's driver is proven against
// its real gateway).
#include <atomic>
#include <memory>

#include <QPointer>
#include <QTest>
#include <QThread>
#include <QTimer>

#include "threadeddriver.h"

using namespace Fleetdeck;

namespace {
struct Seen
{
    std::atomic<QThread*> fetchedOn { nullptr };
    std::atomic<QThread*> deletedOn { nullptr };
    std::atomic<bool> answeredThere { false }; // the inner driver has called its callback
    QStringList calls; // written on the I/O thread, read after it has answered
};

class StubDriver final : public Drivers::Driver
{
public:
    StubDriver(Seen* seen, int answerAfterMs)
        : Drivers::Driver(stubConfig(), capabilities())
        , m_seen(seen)
        , m_answerAfterMs(answerAfterMs)
    { }
    ~StubDriver() override { m_seen->deletedOn = QThread::currentThread(); }

    static GatewayConfig stubConfig()
    {
        GatewayConfig c;
        c.name = QStringLiteral("stub");
        c.product = QStringLiteral("stub");
        return c;
    }
    static Capabilities capabilities()
    {
        Capabilities c;
        c.changes = { ChangeKind::ServerState };
        return c;
    }

    void fetchSnapshot(SnapshotCallback callback) override
    {
        m_seen->fetchedOn = QThread::currentThread();
        m_seen->calls.append(QStringLiteral("fetch with %1").arg(QString::fromUtf8(m_secret)));
        auto answer = [callback, seen = m_seen] {
            GatewaySnapshot s;
            s.version = QStringLiteral("stub 1.0");
            callback(Result<GatewaySnapshot>::success(s));
            seen->answeredThere = true;
        };
        // At once, or from a timer of its own thread, as a driver waiting for its gateway does.
        if (m_answerAfterMs == 0)
            answer();
        else
            QTimer::singleShot(m_answerAfterMs, this, answer);
    }
    void setSecret(const QByteArray& secret) override
    {
        m_seen->calls.append(QStringLiteral("secret"));
        m_secret = secret;
    }

protected:
    void sendChange(const Change& change, const GatewayState&, ActionCallback callback) override
    {
        m_seen->calls.append(change.describe());
        callback(Result<QString>::success(QStringLiteral("done")));
    }

private:
    Seen* m_seen;
    int m_answerAfterMs;
    QByteArray m_secret;
};
} // namespace

class TestThreadedDriver : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void callsRunThereInOrderAndAnswersComeBackHere()
    {
        QThread io;
        io.start();
        Seen seen;
        auto driver = std::make_unique<ThreadedDriver>(new StubDriver(&seen, 10), &io);
        driver->setSecret("s3cret");
        QThread* answeredOn = nullptr;
        QString version;
        driver->fetchSnapshot([&](Result<GatewaySnapshot> r) {
            answeredOn = QThread::currentThread();
            version = r ? r.value().version : r.error();
        });
        QTRY_VERIFY_WITH_TIMEOUT(answeredOn != nullptr, 5000);
        QCOMPARE(seen.fetchedOn.load(), &io); // read on the I/O thread
        QCOMPARE(answeredOn, QThread::currentThread()); // answered here
        QCOMPARE(version, QStringLiteral("stub 1.0"));
        QCOMPARE(seen.calls, (QStringList { QStringLiteral("secret"), QStringLiteral("fetch with s3cret") }));

        // A change the product takes goes there; one it does not is refused here, before anything is handed over.
        QString took, refused;
        const ServerRef target { QStringLiteral("stub"), QStringLiteral("api"), QStringLiteral("s1") };
        driver->apply(Change(ServerStateChange { target, AdminState::Drain }), {},
            [&](Result<QString> r) { took = r ? r.value() : r.error(); });
        driver->apply(Change(WeightChange { target, 5 }), {}, [&](Result<QString> r) { refused = r.error(); });
        QVERIFY(refused.contains(QLatin1String("does not take")));
        QTRY_COMPARE_WITH_TIMEOUT(took, QStringLiteral("done"), 5000);
        QCOMPARE(seen.calls.size(), 3);

        driver.reset();
        QTRY_COMPARE_WITH_TIMEOUT(seen.deletedOn.load(), &io, 5000); // deleted on its own thread
        io.quit();
        io.wait();
    }

    void anAnswerForAGoneDriverIsDropped()
    {
        QThread io;
        io.start();
        Seen seen;
        auto driver = std::make_unique<ThreadedDriver>(new StubDriver(&seen, 0), &io);
        bool answered = false;
        driver->fetchSnapshot([&answered](Result<GatewaySnapshot>) { answered = true; });
        // The answer is given there and on its way here (this thread handles no event while it waits) ...
        for (int i = 0; i < 500 && !seen.answeredThere; ++i)
            QThread::msleep(10);
        QVERIFY(seen.answeredThere);
        driver.reset(); // ... when the gateway is removed
        QTRY_COMPARE_WITH_TIMEOUT(seen.deletedOn.load(), &io, 5000);
        QTest::qWait(100); // the answer arrives here: dropped
        QVERIFY(!answered);
        io.quit();
        io.wait();
    }
};

QTEST_GUILESS_MAIN(TestThreadedDriver)
#include "tst_threadeddriver.moc"
