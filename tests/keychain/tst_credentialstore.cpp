// The credential store against a real Secret Service, and without one.
#include <QDirIterator>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "credentialstore.h"

using namespace Fleetdeck;

namespace {
template <typename T> Result<T> wait(const std::function<void(std::function<void(Result<T>)>)>& start)
{
    std::optional<Result<T>> out;
    start([&out](Result<T> r) { out = std::move(r); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, 15000))
        return Result<T>::failure(QStringLiteral("no answer from the keychain within 15 s"));
    return *out;
}
const QString kSecret = QStringLiteral("s3cret-fleetdeck-token-7f3a");
} // namespace

class TestCredentialStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        unavailable = qEnvironmentVariable("FLEETDECK_KEYCHAIN_EXPECT") == QLatin1String("unavailable");
        if (unavailable) {
            // Everything a fallback could write to is in here, to be searched afterwards.
            QVERIFY(home.isValid());
            qputenv("HOME", home.path().toUtf8());
            qputenv("XDG_DATA_HOME", (home.path() + QStringLiteral("/share")).toUtf8());
            qputenv("XDG_CONFIG_HOME", (home.path() + QStringLiteral("/config")).toUtf8());
        }
    }

    void storeReadChangeForget()
    {
        if (unavailable)
            QSKIP("this run has no D-Bus session: see unavailableSaysSoAndWritesNothing");
        KeychainCredentialStore store(QStringLiteral("Fleetdeck-test"));
        const QString ref = QStringLiteral("haproxy-1/admin");
        QVERIFY(wait<bool>([&](auto cb) { store.write(ref, kSecret, cb); }).ok());
        auto read = wait<QString>([&](auto cb) { store.read(ref, cb); });
        QVERIFY2(read.ok(), qPrintable(read.error()));
        QCOMPARE(read.value(), kSecret);
        QVERIFY(wait<bool>([&](auto cb) { store.write(ref, QStringLiteral("rotated-2"), cb); }).ok());
        QCOMPARE(wait<QString>([&](auto cb) { store.read(ref, cb); }).value(), QStringLiteral("rotated-2"));
        QVERIFY(wait<bool>([&](auto cb) { store.forget(ref, cb); }).ok());
        read = wait<QString>([&](auto cb) { store.read(ref, cb); });
        QVERIFY(!read.ok());
        QCOMPARE(read.error(), QStringLiteral("no secret stored for haproxy-1/admin"));
    }

    void unavailableSaysSoAndWritesNothing()
    {
        if (!unavailable)
            QSKIP("this run has a Secret Service: see storeReadChangeForget");
        KeychainCredentialStore store(QStringLiteral("Fleetdeck-test"));
        const auto written = wait<bool>([&](auto cb) { store.write(QStringLiteral("varnish-1/secret"), kSecret, cb); });
        QVERIFY(!written.ok());
        QVERIFY2(written.error().contains(QLatin1String("the system keychain is not available"))
                && written.error().contains(QLatin1String("varnish-1/secret"))
                && written.error().contains(QLatin1String("for this session only")),
            qPrintable(written.error()));
        QVERIFY(!written.error().contains(kSecret));
        // No fallback wrote the secret anywhere under HOME.
        QDirIterator it(home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(kSecret.toUtf8()), qPrintable(f.fileName()));
        }
        // What the operator can do instead: this session only, in memory.
        SessionCredentialStore session;
        QVERIFY(wait<bool>([&](auto cb) { session.write(QStringLiteral("varnish-1/secret"), kSecret, cb); }).ok());
        QCOMPARE(
            wait<QString>([&](auto cb) { session.read(QStringLiteral("varnish-1/secret"), cb); }).value(), kSecret);
    }

private:
    bool unavailable = false;
    QTemporaryDir home;
};

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
