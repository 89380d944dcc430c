// The cache-policy model: Cache-Control values read and written, every field validated, ban expressions quoted
// for the Varnish CLI, and the inverse of each change (what undo sends).
#include <QTest>

#include "cachepolicy.h"
#include "change.h"

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
        CacheRuleChange c;
        c.gateway = QStringLiteral("caddy-1");
        c.scope = QStringLiteral("srv0");
        c.path = QStringLiteral("/static/*");
        c.control.maxAge = 60;
        QVERIFY(c.validate({}).isEmpty());
        c.path = QStringLiteral("static");
        QVERIFY(c.validate({}).contains(QStringLiteral("path")));
        c.path = QStringLiteral("/a b");
        QVERIFY(c.validate({}).contains(QStringLiteral("path")));
        c.path = QStringLiteral("/static/*");
        c.scope = QStringLiteral("srv 0; rm");
        QVERIFY(c.validate({}).contains(QStringLiteral("server")));

        CacheTtlChange ttl { QStringLiteral("varnish-1"), CacheTtl::Ttl, 30 };
        QVERIFY(ttl.validate({}).isEmpty());
        ttl.seconds = -1;
        QVERIFY(ttl.validate({}).contains(QStringLiteral("value")));
        ttl.seconds = 400 * 24 * 3600; // more than a year
        QVERIFY(ttl.validate({}).contains(QStringLiteral("value")));

        PurgeChange purge { QStringLiteral("varnish-1"), {}, {} };
        QVERIFY(purge.validate({}).contains(QStringLiteral("url")));
        purge.urlPattern = QStringLiteral("^/img/(");
        QVERIFY(purge.validate({}).contains(QStringLiteral("url")));
        purge.urlPattern = QStringLiteral("\\.png$");
        purge.host = QStringLiteral("img.example; rm");
        QVERIFY(purge.validate({}).contains(QStringLiteral("host")));
        purge.host = QStringLiteral("img.example");
        QVERIFY(purge.validate({}).isEmpty());
        QVERIFY(!purge.purgesEverything());
        purge.host.clear();
        purge.urlPattern = QStringLiteral(".");
        QVERIFY(purge.purgesEverything());
    }

    void inverses()
    {
        GatewayState before;
        before.cache = CachePolicy {};
        before.cache->hasRules = true;
        before.cache->rules.append({ QStringLiteral("srv0"), QStringLiteral("/static/*"),
            QStringLiteral("public, max-age=60"), QStringLiteral("route 0"), true });
        before.cache->hasTtl = true;
        before.cache->ttl = 60;
        CacheRuleChange set;
        set.scope = QStringLiteral("srv0");
        set.path = QStringLiteral("/static/*");
        set.control.maxAge = 600;
        const auto back = set.inverse(before);
        QVERIFY(back.has_value());
        QVERIFY(back->as<CacheRuleChange>());
        QVERIFY(!back->as<CacheRuleChange>()->remove);
        QCOMPARE(back->as<CacheRuleChange>()->control.toHeader(), QStringLiteral("public, max-age=60"));
        set.path = QStringLiteral("/new/*"); // no rule there before: undo removes it
        QVERIFY(set.inverse(before)->as<CacheRuleChange>()->remove);

        const CacheTtlChange ttl { {}, CacheTtl::Ttl, 30 };
        QCOMPARE(ttl.inverse(before)->as<CacheTtlChange>()->seconds, 60.0);
        QVERIFY(!CacheTtlChange({ {}, CacheTtl::Grace, 30 }).inverse(before).has_value()); // grace unknown before

        QVERIFY(!PurgeChange {}.inverse(before).has_value()); // what a purge evicted cannot be put back
    }

    void verification()
    {
        // A change is verified by what the gateway shows when read back, and only by that.
        GatewayState after;
        after.cache = CachePolicy {};
        after.cache->rules.append({ QStringLiteral("srv0"), QStringLiteral("/static/*"),
            QStringLiteral("public, max-age=600"), QStringLiteral("route 0"), true });
        after.cache->bans.append({ {}, 3, false, QStringLiteral("req.url ~ ^/img/"), QStringLiteral("^/img/"), {} });
        CacheRuleChange set { {}, QStringLiteral("srv0"), QStringLiteral("/static/*"), {}, false };
        set.control.visibility = CacheControl::Visibility::Public;
        set.control.maxAge = 600;
        QVERIFY(set.verify(after).ok);
        set.control.maxAge = 60;
        QVERIFY(!set.verify(after).ok);
        QVERIFY(PurgeChange({ {}, QStringLiteral("^/img/"), {} }).verify(after).ok);
        QVERIFY(!PurgeChange({ {}, QStringLiteral("^/img/"), QStringLiteral("a.example") }).verify(after).ok);
        QVERIFY(!set.verify(GatewayState {}).ok); // nothing read back: not verified
    }
};

QTEST_GUILESS_MAIN(TestCachePolicy)
#include "tst_cachepolicy.moc"
