// The cache-policy model: Cache-Control values read and written, every field validated, ban expressions quoted
// for the Varnish CLI, and the inverse of each change (what undo sends).
#include <QTest>

#include "cachepolicy.h"

using namespace Fleetdeck;

class TestCachePolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void headerRoundTrip_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("written");
        QTest::newRow("public max-age") << QStringLiteral("public, max-age=600")
                                        << QStringLiteral("public, max-age=600");
        QTest::newRow("all") << QStringLiteral("private, max-age=10, stale-while-revalidate=30")
                             << QStringLiteral("private, max-age=10, stale-while-revalidate=30");
        QTest::newRow("case and spaces") << QStringLiteral(" Public ,MAX-AGE=5 ")
                                         << QStringLiteral("public, max-age=5");
        QTest::newRow("no-store") << QStringLiteral("no-store") << QStringLiteral("no-store");
        QTest::newRow("s-maxage") << QStringLiteral("public, s-maxage=60, max-age=0")
                                  << QStringLiteral("public, max-age=0, s-maxage=60");
    }
    void headerRoundTrip()
    {
        QFETCH(QString, header);
        QFETCH(QString, written);
        const auto c = CacheControl::parse(header);
        QVERIFY2(c.ok(), qPrintable(c.error()));
        QCOMPARE(c.value().toHeader(), written);
    }

    void headersTheFormCannotEdit_data()
    {
        QTest::addColumn<QString>("header");
        QTest::newRow("must-revalidate") << QStringLiteral("max-age=5, must-revalidate");
        QTest::newRow("no number") << QStringLiteral("max-age=");
        QTest::newRow("negative") << QStringLiteral("max-age=-3");
        QTest::newRow("garbage") << QStringLiteral("max-age=5x");
    }
    void headersTheFormCannotEdit()
    {
        QFETCH(QString, header);
        QVERIFY(!CacheControl::parse(header).ok());
    }

    void validation_data()
    {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("field");
        QTest::newRow("no-store with max-age") << QStringLiteral("no-store, max-age=5") << QStringLiteral("no-store");
        QTest::newRow("private s-maxage") << QStringLiteral("private, s-maxage=5") << QStringLiteral("s-maxage");
        QTest::newRow("more than a year") << QStringLiteral("max-age=99999999") << QStringLiteral("max-age");
        QTest::newRow("says nothing") << QString() << QStringLiteral("max-age");
    }
    void validation()
    {
        QFETCH(QString, header);
        QFETCH(QString, field);
        const auto c = CacheControl::parse(header);
        QVERIFY2(c.ok(), qPrintable(c.error()));
        const auto problems = c.value().validate();
        QVERIFY2(problems.contains(field), qPrintable(problems.keys().join(QLatin1Char(','))));
    }

    void changeValidation()
    {
        PolicyChange c;
        c.kind = PolicyChange::Kind::SetRule;
        c.gateway = QStringLiteral("caddy-1");
        c.server = QStringLiteral("srv0");
        c.path = QStringLiteral("/static/*");
        c.control.maxAge = 60;
        QVERIFY(validatePolicyChange(c).isEmpty());
        c.path = QStringLiteral("static");
        QVERIFY(validatePolicyChange(c).contains(QStringLiteral("path")));
        c.path = QStringLiteral("/a b");
        QVERIFY(validatePolicyChange(c).contains(QStringLiteral("path")));

        PolicyChange ttl;
        ttl.kind = PolicyChange::Kind::SetParameter;
        ttl.parameter = QStringLiteral("default_ttl");
        ttl.value = 30;
        QVERIFY(validatePolicyChange(ttl).isEmpty());
        ttl.value = -1;
        QVERIFY(validatePolicyChange(ttl).contains(QStringLiteral("value")));
        ttl.value = 30;
        ttl.parameter = QStringLiteral("thread_pools");
        QVERIFY(validatePolicyChange(ttl).contains(QStringLiteral("parameter")));

        PolicyChange ban;
        ban.kind = PolicyChange::Kind::Ban;
        QVERIFY(validatePolicyChange(ban).contains(QStringLiteral("url")));
        ban.banUrlRegex = QStringLiteral("^/img/(");
        QVERIFY(validatePolicyChange(ban).contains(QStringLiteral("url")));
        ban.banUrlRegex = QStringLiteral("\\.png$");
        ban.banHost = QStringLiteral("img.example; rm");
        QVERIFY(validatePolicyChange(ban).contains(QStringLiteral("host")));
        ban.banHost = QStringLiteral("img.example");
        QVERIFY(validatePolicyChange(ban).isEmpty());
    }

    void banExpressionIsQuotedForTheCli()
    {
        PolicyChange ban;
        ban.kind = PolicyChange::Kind::Ban;
        ban.banUrlRegex = QStringLiteral("\\.png\"$");
        ban.banHost = QStringLiteral("img.example");
        QCOMPARE(
            ban.banExpression(), QStringLiteral("req.url ~ \"\\\\.png\\\"$\" && req.http.host == \"img.example\""));
        QVERIFY(!ban.bansEverything());
        ban.banHost.clear();
        ban.banUrlRegex = QStringLiteral(".");
        QVERIFY(ban.bansEverything());
    }

    void inverses()
    {
        CachePolicy before;
        before.hasRules = true;
        before.rules.append({ QStringLiteral("srv0"), QStringLiteral("/static/*"), QStringLiteral("public, max-age=60"),
            QStringLiteral("route 0"), true });
        before.defaultTtl = 60;
        PolicyChange set;
        set.kind = PolicyChange::Kind::SetRule;
        set.server = QStringLiteral("srv0");
        set.path = QStringLiteral("/static/*");
        set.control.maxAge = 600;
        const auto back = set.inverse(before);
        QVERIFY(back.has_value());
        QCOMPARE(back->kind, PolicyChange::Kind::SetRule);
        QCOMPARE(back->control.toHeader(), QStringLiteral("public, max-age=60"));
        set.path = QStringLiteral("/new/*"); // no rule there before: undo removes it
        QCOMPARE(set.inverse(before)->kind, PolicyChange::Kind::RemoveRule);

        PolicyChange ttl;
        ttl.kind = PolicyChange::Kind::SetParameter;
        ttl.parameter = QStringLiteral("default_ttl");
        ttl.value = 30;
        QCOMPARE(ttl.inverse(before)->value, 60.0);

        PolicyChange ban;
        ban.kind = PolicyChange::Kind::Ban;
        QVERIFY(!ban.inverse(before).has_value()); // what a ban evicted cannot be put back
    }
};

QTEST_GUILESS_MAIN(TestCachePolicy)
#include "tst_cachepolicy.moc"
