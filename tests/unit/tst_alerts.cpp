// Alertmanager's answers, captured from the lab's real Alertmanager 0.25 (tests/data/alertmanager), parsed and
// placed on the fleet; the fleet file's "alertmanager" and "alertLabels"; the board's changes.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include "alerts.h"
#include "fleetfile.h"
#include "lab.h"
#include "registry.h"

using namespace Fleetdeck;

class TestAlerts : public QObject
{
    Q_OBJECT

private:
    static QList<GatewayConfig> labGateways()
    {
        GatewayConfig a;
        a.name = QStringLiteral("haproxy-1");
        a.admin = QUrl(QStringLiteral("tcp://127.0.0.1:40001"));
        a.metrics = QUrl(QStringLiteral("http://127.0.0.1:49413/metrics")); // the instance in the capture
        GatewayConfig b = a;
        b.name = QStringLiteral("haproxy-2");
        b.metrics = QUrl(QStringLiteral("http://127.0.0.1:49999/metrics"));
        return { a, b };
    }

private Q_SLOTS:
    void firingAlertIsParsedAndPlacedOnItsServer()
    {
        const auto alerts = parseAlerts(Test::readTestData(QStringLiteral("alertmanager/alerts-firing.json")));
        QVERIFY2(alerts.ok(), qPrintable(alerts.error()));
        QCOMPARE(alerts.value().size(), 1);
        Alert a = alerts.value().first();
        QCOMPARE(a.fingerprint, QStringLiteral("dc34509b95284e5a"));
        QCOMPARE(a.name, QStringLiteral("LabServerDown"));
        QCOMPARE(a.summary, QStringLiteral("static/s2 fails its health checks"));
        QCOMPARE(a.severity, QStringLiteral("page"));
        QCOMPARE(a.state, QStringLiteral("active"));
        QVERIFY(!a.silenced());
        QCOMPARE(a.startsAtMs,
            QDateTime::fromString(QStringLiteral("2026-11-30T18:12:18.111Z"), Qt::ISODateWithMs).toMSecsSinceEpoch());
        QCOMPARE(a.labels.size(), 7);
        placeAlert(a, labGateways(), AlertLabels {});
        QCOMPARE(a.gateway, QStringLiteral("haproxy-1")); // instance = its metrics host:port
        QCOMPARE(a.pool, QStringLiteral("static"));
        QCOMPARE(a.server, QStringLiteral("s2"));
        QCOMPARE(a.object(), QStringLiteral("static/s2"));
        QCOMPARE(a.describe(), QStringLiteral("LabServerDown: static/s2 fails its health checks"));
    }

    void placementFollowsTheConfiguredLabels()
    {
        Alert a;
        a.labels = { { QStringLiteral("instance"), QStringLiteral("10.0.0.9:9100") },
            { QStringLiteral("lb"), QStringLiteral("haproxy-2") }, { QStringLiteral("backend"), QStringLiteral("api") },
            { QStringLiteral("host"), QStringLiteral("s7") } };
        // Defaults: "instance" names no gateway of the fleet, so the alert stays unplaced.
        placeAlert(a, labGateways(), AlertLabels {});
        QVERIFY(a.gateway.isEmpty());
        QVERIFY(a.object().isEmpty());
        AlertLabels labels;
        labels.gateway = { QStringLiteral("lb") };
        labels.server = { QStringLiteral("host") };
        placeAlert(a, labGateways(), labels);
        QCOMPARE(a.gateway, QStringLiteral("haproxy-2")); // by name
        QCOMPARE(a.object(), QStringLiteral("api/s7")); // "backend" is among the default pool labels
        // The admin address names a gateway too.
        a.labels = { { QStringLiteral("instance"), QStringLiteral("127.0.0.1:40001") } };
        placeAlert(a, labGateways(), AlertLabels {});
        QCOMPARE(a.gateway, QStringLiteral("haproxy-1"));
        QVERIFY(a.object().isEmpty());
    }

    // Tens of thousands listed: the fleet's alerts are kept first, then the firing before the silenced, the most
    // severe first; how many were listed is said; the board keeps no more than it was given.
    void aFloodKeepsTheFleetsAlertsFirstAndSaysHowMany()
    {
        QJsonArray list;
        auto alert = [&list](int i, const QString& instance, const QString& severity, bool silenced) {
            QJsonObject status { { QStringLiteral("state"),
                silenced ? QStringLiteral("suppressed") : QStringLiteral("active") } };
            if (silenced)
                status.insert(QStringLiteral("silencedBy"), QJsonArray { QStringLiteral("s-1") });
            list.append(QJsonObject { { QStringLiteral("fingerprint"), QStringLiteral("f%1").arg(i) },
                { QStringLiteral("labels"),
                    QJsonObject { { QStringLiteral("alertname"), QStringLiteral("A%1").arg(i) },
                        { QStringLiteral("instance"), instance }, { QStringLiteral("severity"), severity } } },
                { QStringLiteral("startsAt"), QStringLiteral("2026-11-30T18:12:18.111Z") },
                { QStringLiteral("status"), status } });
        };
        for (int i = 0; i < 3000; ++i)
            alert(i, QStringLiteral("10.9.%1.%2:9100").arg(i / 250).arg(i % 250), QStringLiteral("info"), i % 2 == 0);
        alert(3000, QStringLiteral("127.0.0.1:49413"), QStringLiteral("info"), true); // haproxy-1, silenced
        alert(3001, QStringLiteral("haproxy-2"), QStringLiteral("warning"), false);
        alert(3002, QStringLiteral("10.0.0.1:9100"), QStringLiteral("page"), false); // not the fleet's, severe
        const auto read = readAlerts(QJsonDocument(list).toJson(), labGateways(), AlertLabels {}, 100);
        QVERIFY2(read, qPrintable(read.error()));
        QCOMPARE(read.value().listed, 3003);
        const QList<Alert>& kept = read.value().alerts;
        QCOMPARE(kept.size(), 100);
        QCOMPARE(kept.at(0).fingerprint, QStringLiteral("f3001")); // on the fleet, firing
        QCOMPARE(kept.at(0).gateway, QStringLiteral("haproxy-2"));
        QCOMPARE(kept.at(1).fingerprint, QStringLiteral("f3000")); // on the fleet, silenced
        QCOMPARE(kept.at(1).gateway, QStringLiteral("haproxy-1"));
        QCOMPARE(kept.at(2).fingerprint, QStringLiteral("f3002")); // then the firing, most severe first
        for (qsizetype i = 3; i < kept.size(); ++i)
            QVERIFY2(!kept.at(i).silenced(), qPrintable(kept.at(i).fingerprint)); // 1,500 firing come before

        AlertBoard board;
        board.update(kept, 0, read.value().listed);
        QCOMPARE(board.alerts().size(), 100);
        QCOMPARE(board.listed(), 3003);
        board.update({}, 0);
        QCOMPARE(board.listed(), 0);
    }

    void garbageIsAnErrorNamingWhat()
    {
        QVERIFY(parseAlerts("<html>").error().startsWith(QLatin1String("alerts: not JSON")));
        QCOMPARE(parseAlerts("{}").error(), QStringLiteral("alerts: expected a list of alerts"));
        QCOMPARE(parseAlerts("[{\"labels\":{\"a\":\"b\"}}]").error(),
            QStringLiteral("alerts: alert 1 has no fingerprint or no labels"));
        QVERIFY(parseAlerts("[]").ok());
    }

    void silenceRequestMatchesExactlyThisAlert()
    {
        auto alerts = parseAlerts(Test::readTestData(QStringLiteral("alertmanager/alerts-firing.json")));
        QVERIFY(alerts.ok());
        const Alert a = alerts.value().first();
        const qint64 start
            = QDateTime::fromString(QStringLiteral("2026-11-30T18:12:26.490Z"), Qt::ISODateWithMs).toMSecsSinceEpoch();
        const QJsonObject body = QJsonDocument::fromJson(
            silenceRequest(a, start, start + 3600000, QStringLiteral("ops"), QStringLiteral("deploying")))
                                     .object();
        QCOMPARE(body.value(QLatin1String("startsAt")).toString(), QStringLiteral("2026-11-30T18:12:26.490Z"));
        QCOMPARE(body.value(QLatin1String("endsAt")).toString(), QStringLiteral("2026-11-30T19:12:26.490Z"));
        QCOMPARE(body.value(QLatin1String("createdBy")).toString(), QStringLiteral("ops"));
        QCOMPARE(body.value(QLatin1String("comment")).toString(), QStringLiteral("deploying"));
        const QJsonArray matchers = body.value(QLatin1String("matchers")).toArray();
        QCOMPARE(matchers.size(), 7);
        for (const QJsonValue& m : matchers) {
            const QJsonObject o = m.toObject();
            QCOMPARE(
                o.value(QLatin1String("value")).toString(), a.labels.value(o.value(QLatin1String("name")).toString()));
            QVERIFY(o.value(QLatin1String("isEqual")).toBool());
            QVERIFY(!o.value(QLatin1String("isRegex")).toBool());
        }
    }

    void silencesAsAlertmanagerAnswers()
    {
        QCOMPARE(parseSilenceCreated("{\"silenceID\":\"e5667b41\"}").value(), QStringLiteral("e5667b41"));
        QVERIFY(parseSilenceCreated("{\"code\":602}").error().startsWith(QLatin1String("no silence id")));
        const auto active = parseSilence(Test::readTestData(QStringLiteral("alertmanager/silence-active.json")));
        QVERIFY2(active.ok(), qPrintable(active.error()));
        QCOMPARE(active.value().id, QStringLiteral("e5667b41-bc29-4a8d-8bd1-91326eabd954"));
        QCOMPARE(active.value().state, QStringLiteral("active"));
        QCOMPARE(active.value().createdBy, QStringLiteral("root"));
        QCOMPARE(active.value().matchers.size(), 2);
        const auto expired = parseSilence(Test::readTestData(QStringLiteral("alertmanager/silence-expired.json")));
        QVERIFY(expired.ok());
        QCOMPARE(expired.value().state, QStringLiteral("expired"));
        QVERIFY(expired.value().endsAtMs < active.value().endsAtMs);
        const auto silenced = parseAlerts(Test::readTestData(QStringLiteral("alertmanager/alerts-silenced.json")));
        QVERIFY(silenced.ok());
        QCOMPARE(silenced.value().first().state, QStringLiteral("suppressed"));
        QCOMPARE(silenced.value().first().silencedBy, QStringList { active.value().id });
    }

    void boardReportsWhatStartedEndedAndWasSilenced()
    {
        const Alert firing
            = parseAlerts(Test::readTestData(QStringLiteral("alertmanager/alerts-firing.json"))).value().first();
        const Alert silenced
            = parseAlerts(Test::readTestData(QStringLiteral("alertmanager/alerts-silenced.json"))).value().first();
        AlertBoard board;
        QSignalSpy changed(&board, &AlertBoard::changed);
        Alert placed = firing;
        placeAlert(placed, labGateways(), AlertLabels {});
        auto c = board.update({ placed });
        QCOMPARE(c.started.size(), 1);
        QCOMPARE(board.firingCount(QStringLiteral("haproxy-1")), 1);
        QCOMPARE(board.firingCount(QStringLiteral("haproxy-1"), QStringLiteral("static")), 1);
        QCOMPARE(board.firingCount(QStringLiteral("haproxy-1"), QStringLiteral("api")), 0);
        QCOMPARE(board.firingCount(QStringLiteral("haproxy-2")), 0);
        QCOMPARE(changed.size(), 1);
        c = board.update({ placed }); // the same again: nothing to say
        QVERIFY(c.started.isEmpty() && c.ended.isEmpty());
        QCOMPARE(changed.size(), 1);
        Alert quiet = silenced;
        placeAlert(quiet, labGateways(), AlertLabels {});
        c = board.update({ quiet });
        QCOMPARE(c.silenced.size(), 1);
        QCOMPARE(board.firingCount(QStringLiteral("haproxy-1")), 0); // silenced: no badge
        c = board.update({});
        QCOMPARE(c.ended.size(), 1);
        QVERIFY(board.alerts().isEmpty());
    }

    void fleetFileNamesTheAlertmanagerAndItsLabels()
    {
        const ProductCatalog& products = Drivers::ProductRegistry::builtIn().catalog();
        const QByteArray json = "{\"gateways\": [], \"alertmanager\": \"http://127.0.0.1:9093\", "
                                "\"alertLabels\": {\"gateway\": \"lb\", \"pool\": [\"backend\", \"upstream\"]}}";
        const auto fleet = parseFleetFile(json, products);
        QVERIFY2(fleet.ok(), qPrintable(fleet.error()));
        QCOMPARE(fleet.value().alertmanager, QUrl(QStringLiteral("http://127.0.0.1:9093")));
        QCOMPARE(fleet.value().alertLabels.gateway, QStringList { QStringLiteral("lb") });
        QCOMPARE(
            fleet.value().alertLabels.pool, QStringList({ QStringLiteral("backend"), QStringLiteral("upstream") }));
        QCOMPARE(fleet.value().alertLabels.server, AlertLabels {}.server); // the default stays
        // Written back and read again: the same.
        const auto again = parseFleetFile(serializeFleetFile(fleet.value()), products);
        QVERIFY(again.ok());
        QCOMPARE(again.value().alertmanager, fleet.value().alertmanager);
        QCOMPARE(again.value().alertLabels, fleet.value().alertLabels);
        const QByteArray badUrl = "{\"gateways\": [], \"alertmanager\": \"tcp://x:1\"}";
        QCOMPARE(parseFleetFile(badUrl, products).error(),
            QStringLiteral("alertmanager: \"tcp://x:1\" is not an http(s) URL"));
        const QByteArray noLabel = "{\"gateways\": [], \"alertLabels\": {\"server\": []}}";
        QCOMPARE(parseFleetFile(noLabel, products).error(),
            QStringLiteral("alertLabels.server: expected a label name or a list of them"));
    }
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"
