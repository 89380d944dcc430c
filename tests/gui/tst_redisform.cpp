// The cache form on the lab's real Redis, offscreen: the settings as Redis has them (CONFIG GET), a size Redis would
// not take refused in the form, the eviction policy changed through the review and verified by Redis's own redis-cli,
// then undone; CONFIG REWRITE offered with the file Redis started from. FLEETDECK_REDIS_FORM_SCREENSHOT=<png> saves
// the form as the operator sees it (docs/redis-form.png).
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

#include "assembly.h"
#include "credentialstore.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "forms/cachepolicydialog.h"
#include "forms/serverformdialog.h"
#include "lab.h"

using namespace Fleetdeck;

namespace {
QString configGet(const Test::LabRedis& r, const QString& name)
{
    QFile secret(r.secretFile);
    if (!secret.open(QIODevice::ReadOnly))
        return {};
    const QString userPassword = QString::fromUtf8(secret.readAll());
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("REDISCLI_AUTH"), userPassword.section(QLatin1Char(':'), 1));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral("redis-cli"),
        { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(r.port),
            QStringLiteral("--user"), userPassword.section(QLatin1Char(':'), 0, 0), QStringLiteral("--no-auth-warning"),
            QStringLiteral("CONFIG"), QStringLiteral("GET"), name });
    p.waitForFinished(10000);
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed().split(QLatin1Char('\n')).value(1);
}
} // namespace

class TestRedisForm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eachSettingAsRedisHasItChangedThroughTheReview()
    {
        const Test::Lab lab = Test::Lab::load();
        QVERIFY2(lab.error.isEmpty(), qPrintable(lab.error));
        QVERIFY(!lab.redis.isEmpty());
        const Test::LabRedis& redis = lab.redis.first();
        QFile secret(redis.secretFile);
        QVERIFY(secret.open(QIODevice::ReadOnly));
        SessionCredentialStore credentials;
        credentials.write(QStringLiteral("redis-1/auth"), QString::fromUtf8(secret.readAll()), [](Result<bool>) {});
        Assembly app;
        FleetController& controller = app.controller();
        controller.setCredentialStore(&credentials);
        GatewayConfig c;
        c.name = redis.name;
        c.product = QStringLiteral("redis");
        c.admin = QUrl(QStringLiteral("tcp://127.0.0.1:%1").arg(redis.port));
        c.credential = QStringLiteral("redis-1/auth");
        controller.addGateway(c);
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(0).snapshot.has_value(), 10000);

        CachePolicyDialog dialog(&app.store(), &controller, redis.name);
        dialog.setVisible(true);
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTRY_VERIFY_WITH_TIMEOUT(dialog.loaded(), 5000);
        auto* policy = dialog.findChild<QComboBox*>(QStringLiteral("setting_maxmemory-policy_"));
        QVERIFY(policy);
        QCOMPARE(policy->count(), 8);
        QCOMPARE(policy->currentData().toString(), QStringLiteral("allkeys-lru"));
        QCOMPARE(policy->currentText(), QStringLiteral("allkeys-lru (now)"));
        auto* memory = dialog.findChild<QComboBox*>(QStringLiteral("setting_maxmemory_"));
        QVERIFY(memory);
        QVERIFY(memory->isEditable());
        QCOMPARE(memory->currentText(), QStringLiteral("32mb"));
        auto* rewrite = dialog.findChild<QLabel*>(QStringLiteral("setting_config-rewrite_"));
        QVERIFY(rewrite);
        QCOMPARE(rewrite->text(), redis.config);
        QCOMPARE(dialog.findChild<QPushButton*>(QStringLiteral("settingButton_config-rewrite_"))->text(),
            QStringLiteral("Rewrite…"));
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("cacheNote"))->text().contains(QLatin1String("CONFIG SET")));
        if (const QString shot = qEnvironmentVariable("FLEETDECK_REDIS_FORM_SCREENSHOT"); !shot.isEmpty()) {
            QTest::qWait(100); // the layout's pending request, as the event loop would run it before a paint
            QVERIFY(dialog.grab().save(shot, "PNG"));
        }

        // A size Redis would not take is refused in the form: no review, nothing sent.
        QSignalSpy finished(&controller, &FleetActions::actionFinished);
        memory->setEditText(QStringLiteral("12zz"));
        QTest::mouseClick(dialog.findChild<QPushButton*>(QStringLiteral("settingButton_maxmemory_")), Qt::LeftButton);
        QVERIFY(!dialog.findChild<ReviewDialog*>(QStringLiteral("reviewDialog")));
        QVERIFY2(dialog.findChild<QLabel*>(QStringLiteral("cacheStatus"))->text().contains(QLatin1String("not a size")),
            qPrintable(dialog.findChild<QLabel*>(QStringLiteral("cacheStatus"))->text()));
        QCOMPARE(finished.count(), 0);

        // The eviction policy through the review: before and after as Redis words them, then verified.
        policy->setCurrentIndex(policy->findData(QStringLiteral("volatile-lru")));
        QTest::mouseClick(
            dialog.findChild<QPushButton*>(QStringLiteral("settingButton_maxmemory-policy_")), Qt::LeftButton);
        auto* review = dialog.findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        auto* rows = review->findChild<QTableWidget*>(QStringLiteral("reviewTable"));
        QCOMPARE(rows->item(0, 2)->text(), QStringLiteral("eviction policy (maxmemory-policy) allkeys-lru"));
        QCOMPARE(rows->item(0, 3)->text(), QStringLiteral("eviction policy (maxmemory-policy) volatile-lru"));
        QTest::mouseClick(review->findChild<QPushButton*>(QStringLiteral("pushButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        const auto report = finished.takeFirst().at(0).value<ActionReport>();
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        QCOMPARE(configGet(redis, QStringLiteral("maxmemory-policy")), QStringLiteral("volatile-lru"));
        QTRY_VERIFY_WITH_TIMEOUT(
            dialog.findChild<QLabel*>(QStringLiteral("cacheStatus"))->text().contains(QLatin1String("verified")), 5000);
        // The form reads it again: the new value is now.
        QTRY_COMPARE_WITH_TIMEOUT(
            dialog.findChild<QComboBox*>(QStringLiteral("setting_maxmemory-policy_"))->currentData().toString(),
            QStringLiteral("volatile-lru"), 5000);

        controller.apply(report.undoChanges(), QStringLiteral("undo"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(finished.takeFirst().at(0).value<ActionReport>().ok());
        QCOMPARE(configGet(redis, QStringLiteral("maxmemory-policy")), QStringLiteral("allkeys-lru"));
    }
};

QTEST_MAIN(TestRedisForm)
#include "tst_redisform.moc"
