// Truth under the operator's hands (issue 31), against the lab's real nginx (over the lab's sshd and on this
// machine, `local:`) and HAProxy: one test per defect an operator met. Dialogs that survive a poll replacing the
// snapshot under them and send only what was changed; one rule for "serving" with the last-healthy prompt on nginx;
// nginx's figures per pool, shared lines shown once, steady rates at the default poll; members that keep their
// names when an earlier line of the same address goes; undo that restores a member whole and refuses to overwrite a
// later edit; what the driver knows shown (method, routes through a map, listen addresses, a configuration nginx -t
// refuses, one edited and not reloaded); one action per shortcut; nginx's own words in the dialogs; servers disabled
// by their configuration that are not trouble, and chart axes that read. nginx-2 is changed and put back by each test.
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include "assembly.h"
#include "charts/timeserieschart.h"
#include "eventlog.h"
#include "fleetcontroller.h"
#include "fleetstore.h"
#include "fleettreemodel.h"
#include "forms/serverformdialog.h"
#include "lab.h"
#include "mainwindow.h"
#include "metricstore.h"
#include "modaldriver.h"
#include "modelroles.h"
#include "reports.h"
#include "serieskeys.h"
#include "statecolours.h"

using namespace Fleetdeck;

namespace {

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("(unreadable)");
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

int rowOf(QAbstractItemModel* model, const QString& gateway, const QString& backend, const QString& server)
{
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex i = model->index(r, 0);
        if (i.data(GatewayRole) == gateway && i.data(BackendRole) == backend && i.data(ServerRole) == server)
            return r;
    }
    return -1;
}

QPushButton* button(QWidget* dialog, QDialogButtonBox::StandardButton which)
{
    for (auto* box : dialog->findChildren<QDialogButtonBox*>())
        if (QPushButton* b = box->button(which))
            return b;
    return nullptr;
}

// The access log's lines from byte `from` on, as (proxy_host, upstream_addr try) -> tries.
QMap<QPair<QString, QString>, int> triesSince(const QString& log, qint64 from)
{
    QMap<QPair<QString, QString>, int> out;
    QFile f(log);
    if (!f.open(QIODevice::ReadOnly) || !f.seek(from))
        return out;
    static const QRegularExpression addr(QStringLiteral("\"upstream_addr\":\"([^\"]*)\""));
    static const QRegularExpression host(QStringLiteral("\"proxy_host\":\"([^\"]*)\""));
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QString text = QString::fromUtf8(line);
        const auto a = addr.match(text);
        const auto h = host.match(text);
        if (a.hasMatch() && h.hasMatch())
            for (const QString& one : a.captured(1).split(QStringLiteral(", "), Qt::SkipEmptyParts))
                out[{ h.captured(1), one }] += 1;
    }
    return out;
}

} // namespace

class TestTruth : public QObject
{
    Q_OBJECT

    Test::Lab m_lab;
    Test::LabNginx m_nginx; // nginx-2: changed, and put back after each test
    QByteArray m_original; // its upstreams file as the lab wrote it
    QByteArray m_originalMain;

    QString upstream(int index) const { return QStringLiteral("127.0.0.1:%1").arg(m_lab.upstreamPorts.at(index)); }

    // nginx-2 as the fleet names it (over ssh), or on this machine (`local:`).
    GatewayConfig nginx(bool local, int pollMs = 500) const
    {
        GatewayConfig c = m_nginx.gateway;
        c.pollIntervalMs = pollMs;
        if (local) {
            c.admin = QUrl(QStringLiteral("local:"));
            c.options.remove(QStringLiteral("sshConfig"));
        }
        return c;
    }
    bool reload() const
    {
        return QProcess::execute(
                   QStringLiteral("sh"), { QStringLiteral("-c"), m_nginx.nginxCommand + QStringLiteral(" -s reload") })
            == 0;
    }
    // Writes the upstreams file (and the main one, when given) by hand and reloads: someone else's edit.
    bool handEdit(const QByteArray& upstreams, const QByteArray& main = {})
    {
        const bool written
            = writeFile(m_nginx.upstreams, upstreams) && (main.isEmpty() || writeFile(m_nginx.config, main));
        const bool reloaded = written && reload();
        QTest::qWait(400); // new workers
        return reloaded;
    }
    // The lab's upstreams file with `server` lines (one per line, indented) in place of a pool's own.
    QByteArray withPool(const QByteArray& pool, const QByteArray& body) const
    {
        QByteArray text = m_original;
        const QByteArray head = QByteArray("upstream ") + pool + " {";
        const qsizetype open = text.indexOf(head);
        const qsizetype close = text.indexOf('}', open);
        text.replace(open, close - open + 1, QByteArray(head + '\n' + body + '}'));
        return text;
    }

    // A controller (and its window, when asked) on one gateway, with its first snapshot in.
    struct Session
    {
        Assembly assembly;
        std::unique_ptr<MainWindow> window;
        Session(const GatewayConfig& config, bool withWindow)
        {
            if (withWindow) {
                window = std::make_unique<MainWindow>(assembly.context());
                window->show();
            }
            assembly.controller().addGateway(config);
        }
        FleetStore& store() { return assembly.store(); }
        FleetController& controller() { return assembly.controller(); }
        const GatewaySnapshot* snapshot() { return store().entry(0).snapshot ? &*store().entry(0).snapshot : nullptr; }
        QTableView* table() { return window->findChild<QTableView*>(QStringLiteral("upstreamTable")); }
        bool select(const QString& backend, const QString& server)
        {
            QTableView* t = table();
            const int row = rowOf(t->model(), store().entry(0).config.name, backend, server);
            if (row < 0)
                return false;
            t->selectionModel()->select(
                t->model()->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return true;
        }
    };

    // Waits for the session's snapshot to satisfy `ready` (a poll after a hand edit).
    static bool waitFor(Session& s, const std::function<bool(const GatewaySnapshot&)>& ready, int ms = 20000)
    {
        return QTest::qWaitFor([&] { return s.snapshot() && ready(*s.snapshot()); }, ms);
    }

    // The probe pool: only this test's requests reach it (/probe/), so its figures can be counted exactly.
    QByteArray probeMain() const
    {
        QByteArray main = m_originalMain;
        const QByteArray anchor = "        location /static/ {";
        main.replace(anchor,
            QByteArray("        location /probe/ {\n            proxy_pass http://probe;\n        }\n\n" + anchor));
        return main;
    }
    QByteArray probeUpstreams(const QList<QByteArray>& lines) const
    {
        QByteArray text = m_original + "\nupstream probe {\n";
        for (const QByteArray& l : lines)
            text += "    server " + l + ";\n";
        return text + "}\n";
    }
    // Sends `count` requests to /probe/ through nginx-2's front, one after the other; how many were answered (the
    // lab's upstreams answer a share of requests with 500 on purpose: an answer is an answer).
    int probe(int count)
    {
        int answered = 0;
        for (int i = 0; i < count; ++i)
            answered += Test::httpGet(m_nginx.frontPort, QStringLiteral("/probe/")).startsWith("HTTP/1.1 ") ? 1 : 0;
        return answered;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QCoreApplication::setAttribute(Qt::AA_DontUseNativeDialogs);
        m_lab = Test::Lab::load();
        QVERIFY2(m_lab.error.isEmpty(), qPrintable(m_lab.error));
        QVERIFY2(m_lab.nginx.size() >= 2, "the lab runs two nginx load balancers (--nginx 2)");
        m_nginx = m_lab.nginx.at(1);
        m_original = readFile(m_nginx.upstreams);
        m_originalMain = readFile(m_nginx.config);
        QVERIFY(m_original.contains("upstream api"));
        qRegisterMetaType<ActionReport>();
    }

    void cleanup()
    {
        if (readFile(m_nginx.upstreams) != m_original || readFile(m_nginx.config) != m_originalMain) {
            writeFile(m_nginx.upstreams, m_original);
            writeFile(m_nginx.config, m_originalMain);
            reload();
            QTest::qWait(500);
        }
    }

    // 1. The options dialog's event loop runs polls that replace the snapshot it was opened on: pressing OK after
    // one sends exactly what the operator changed (max_fails), nothing it only showed (fail_timeout), and reads
    // nothing freed (this test runs under ASan in CI).
    void optionsDialogSurvivesAPollAndSendsOnlyWhatChanged()
    {
        Session s(nginx(false), true);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(s.select(QStringLiteral("api"), upstream(0)), 5000);
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        qint64 replacedAt = 0;
        Test::ModalDriver options(QStringLiteral("serverOptionsDialog"), [&](QWidget* dialog, Test::ModalDriver& d) {
            auto* maxFails = dialog->findChild<QLineEdit*>(QStringLiteral("option_max_fails"));
            auto* failTimeout = dialog->findChild<QLineEdit*>(QStringLiteral("option_fail_timeout"));
            if (!d.expect(maxFails && failTimeout, QStringLiteral("the dialog has max_fails and fail_timeout")))
                return;
            d.expect(maxFails->text() == QLatin1String("3") && failTimeout->text() == QLatin1String("10s"),
                QStringLiteral("it shows the line's values: %1, %2").arg(maxFails->text(), failTimeout->text()));
            maxFails->setText(QStringLiteral("5"));
            // A poll replaces the snapshot the dialog was opened on.
            const qint64 openedOn = s.snapshot()->takenAtMs;
            s.controller().refreshNow();
            d.expect(QTest::qWaitFor([&] { return s.snapshot()->takenAtMs != openedOn; }, 10000),
                QStringLiteral("a poll came while the dialog was open"));
            replacedAt = s.snapshot()->takenAtMs;
            button(dialog, QDialogButtonBox::Ok)->click();
        });
        Test::ModalDriver persistent(QStringLiteral("persistentConfirm"), [](QWidget* w, Test::ModalDriver& d) {
            auto* box = qobject_cast<QMessageBox*>(w);
            d.expect(box->text().contains(QLatin1String("in pool api on nginx-2")), box->text());
            box->button(QMessageBox::Ok)->click();
        });
        s.window->action(QStringLiteral("server.options"))->trigger();
        QVERIFY2(options.ok(), options.failure());
        QVERIFY(replacedAt > 0);
        QVERIFY2(persistent.ok(), persistent.failure());
        FLEETDECK_REPORT(report, finished);
        QCOMPARE(report.outcomes.size(), 1);
        QVERIFY2(report.ok(), qPrintable(report.outcomes.first().message));
        const auto* change = report.outcomes.first().change.as<MemberOptionChange>();
        QVERIFY(change);
        QCOMPARE(change->option, QStringLiteral("max_fails"));
        QCOMPARE(change->value, QStringLiteral("5"));
        // The file: that one parameter on that one line, every other byte as it was.
        QByteArray expected = m_original;
        const QByteArray line = QStringLiteral("server %1 weight=1 max_fails=").arg(upstream(0)).toUtf8();
        expected.replace(QByteArray(line + '3'), QByteArray(line + '5'));
        QCOMPARE(readFile(m_nginx.upstreams), expected);
        // Undo from the window puts it back, byte for byte.
        s.window->action(QStringLiteral("edit.undo"))->trigger();
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(readFile(m_nginx.upstreams), m_original);
    }

    // 2. One rule for serving: nginx's `down` does not serve, so two of three drained reads "1/3 serving" in the
    // warning colour, and draining the last one asks twice (Cancel sends nothing). On this machine (`local:`).
    void nginxsLastServerAsksTwiceAndTheTreeCountsServing()
    {
        Session s(nginx(true), true);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        const QString gw = m_nginx.gateway.name;
        s.controller().apply({ ServerStateChange { { gw, QStringLiteral("api"), upstream(0) }, AdminState::Drain },
                                 ServerStateChange { { gw, QStringLiteral("api"), upstream(1) }, AdminState::Drain } },
            QStringLiteral("drain two"));
        FLEETDECK_REPORT(drained, finished);
        QVERIFY2(drained.ok(), qPrintable(drained.outcomes.value(0).message));
        auto* tree = s.window->findChild<QTreeView*>(QStringLiteral("fleetTree"));
        QVERIFY(tree);
        const QModelIndex gateway = tree->model()->index(0, 0);
        QModelIndex api;
        for (int r = 0; r < tree->model()->rowCount(gateway); ++r)
            if (tree->model()->index(r, 0, gateway).data().toString() == QLatin1String("api"))
                api = tree->model()->index(r, FleetTreeModel::StateColumn, gateway);
        QVERIFY(api.isValid());
        QTRY_COMPARE_WITH_TIMEOUT(api.data().toString(), QStringLiteral("1/3 serving"), 5000);
        QCOMPARE(api.data(Qt::ForegroundRole).value<QBrush>().color(), StateColours::of(StateColours::Role::Warning));

        const QByteArray before = readFile(m_nginx.upstreams);
        QVERIFY(s.select(QStringLiteral("api"), upstream(2)));
        Test::ModalDriver warning(QStringLiteral("lastHealthyWarning"), [](QWidget* w, Test::ModalDriver& d) {
            auto* box = qobject_cast<QMessageBox*>(w);
            d.expect(box->text().contains(QLatin1String("api on nginx-2")), box->text());
            box->button(QMessageBox::Cancel)->click();
        });
        s.window->action(QStringLiteral("server.drain"))->trigger();
        QVERIFY2(warning.ok(), warning.failure());
        QTest::qWait(500);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(readFile(m_nginx.upstreams), before);
    }

    // 3. nginx's figures per pool: a server's figures are its pool's (proxy_host), not its address's in every pool;
    // two lines of one address show their shared figure once; a server removed neither drops nor spikes the pool.
    void nginxFiguresArePerPoolAndSharedLinesShowOnce()
    {
        // The probe pool: u4, u4 again, and u1, which is also api's (and api has the lab's traffic).
        QVERIFY(handEdit(probeUpstreams({ upstream(3).toUtf8(), upstream(3).toUtf8() + " max_fails=2",
                             upstream(0).toUtf8() + " weight=4" }),
            probeMain()));
        Session s(nginx(false), false);
        QVERIFY(waitFor(s, [](const GatewaySnapshot& g) { return g.backend(QStringLiteral("probe")); }));
        const QString second = upstream(3) + QStringLiteral("#2");
        QVERIFY(waitFor(
            s, [](const GatewaySnapshot& g) { return g.backend(QStringLiteral("probe"))->requestsTotal >= 0; }));
        const GatewaySnapshot start = *s.snapshot();
        const qint64 logFrom = QFileInfo(m_nginx.accessLog).size();
        QCOMPARE(probe(60), 60);
        QVERIFY2(waitFor(s,
                     [&](const GatewaySnapshot& g) {
                         return g.backend(QStringLiteral("probe"))->requestsTotal
                             == start.backend(QStringLiteral("probe"))->requestsTotal + 60;
                     }),
            qPrintable(QString::number(s.snapshot()->backend(QStringLiteral("probe"))->requestsTotal)));
        const GatewaySnapshot end = *s.snapshot();
        const auto tries = triesSince(m_nginx.accessLog, logFrom);
        auto delta = [&](const QString& pool, const QString& server) {
            return end.server(pool, server)->requestsTotal - start.server(pool, server)->requestsTotal;
        };
        // Each probe member counts the probe pool's tries to it, as nginx's own log says.
        QCOMPARE(
            delta(QStringLiteral("probe"), upstream(3)), qint64(tries.value({ QStringLiteral("probe"), upstream(3) })));
        QCOMPARE(
            delta(QStringLiteral("probe"), upstream(0)), qint64(tries.value({ QStringLiteral("probe"), upstream(0) })));
        QVERIFY(tries.value({ QStringLiteral("probe"), upstream(0) }) >= 30);
        // api's u1 counts api's tries only (the lab's traffic, about 3 a second, read at slightly other moments
        // than the log here), not the probe's 40 to the same address.
        const qint64 apiDelta = delta(QStringLiteral("api"), upstream(0));
        const int apiTries = tries.value({ QStringLiteral("api"), upstream(0) });
        QVERIFY2(qAbs(apiDelta - apiTries) <= 10,
            qPrintable(QStringLiteral("api/u1 counted %1, the log says %2 (the probe sent %3 to u1)")
                           .arg(apiDelta)
                           .arg(apiTries)
                           .arg(tries.value({ QStringLiteral("probe"), upstream(0) }))));
        // The second line of u4 shows no figure of its own: it names the line that has them.
        QCOMPARE(end.server(QStringLiteral("probe"), second)->requestsTotal, qint64(-1));
        QCOMPARE(end.server(QStringLiteral("probe"), second)->countedWith, upstream(3));
        QCOMPARE(end.server(QStringLiteral("probe"), upstream(3))->countedWith, second);

        // A member removed: the pool's total neither drops nor jumps, and its rate stays what was sent.
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        s.controller().apply({ RemoveMemberChange { { m_nginx.gateway.name, QStringLiteral("probe"), upstream(0) } } },
            QStringLiteral("remove u1 from probe"));
        FLEETDECK_REPORT(removed, finished);
        QVERIFY2(removed.ok(), qPrintable(removed.outcomes.value(0).message));
        const qint64 total = s.snapshot()->backend(QStringLiteral("probe"))->requestsTotal;
        QCOMPARE(probe(10), 10);
        QVERIFY(waitFor(s,
            [&](const GatewaySnapshot& g) { return g.backend(QStringLiteral("probe"))->requestsTotal == total + 10; }));
        const QString key = SeriesKeys::requestRate(SeriesKeys::subject(m_nginx.gateway.name, QStringLiteral("probe")));
        double highest = 0;
        for (const MetricStore::Bucket& b :
            s.assembly.metrics().range(key, 0, QDateTime::currentMSecsSinceEpoch() + 1000, 10000))
            if (!std::isnan(b.max))
                highest = qMax(highest, b.max);
        // 70 requests, sent one after the other over a few seconds: no reading near the pool's whole count.
        QVERIFY2(highest > 0 && highest < 200, qPrintable(QString::number(highest)));
    }

    // 4. At the default one-second poll, a steady 5 requests a second read about 5 on every poll (never 0 then
    // double), also while a change's re-reads come between polls; on this machine and over ssh.
    void nginxRatesAtTheDefaultPollAreSteady_data()
    {
        QTest::addColumn<bool>("local");
        QTest::newRow("local") << true;
        QTest::newRow("ssh") << false;
    }
    void nginxRatesAtTheDefaultPollAreSteady()
    {
        QFETCH(bool, local);
        QVERIFY(handEdit(probeUpstreams({ upstream(3).toUtf8(), upstream(4).toUtf8() }), probeMain()));
        Session s(nginx(local, 1000), false);
        QVERIFY(waitFor(s, [](const GatewaySnapshot& g) { return g.backend(QStringLiteral("probe")); }));
        QNetworkAccessManager network;
        QTimer sender;
        int sent = 0;
        connect(&sender, &QTimer::timeout, &network, [&] {
            if (sent++ >= 70)
                return;
            // A connection per request, as most clients' traffic reaches a gateway: a kept-alive connection held by
            // an old worker across the reload below would stall the client, and the rate would be the client's.
            QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/probe/").arg(m_nginx.frontPort)));
            request.setRawHeader("Connection", "close");
            QNetworkReply* reply = network.get(request);
            connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        });
        sender.start(200);
        const qint64 from = QDateTime::currentMSecsSinceEpoch() + 3000; // past the first readings
        QTest::qWait(6000);
        // A change's verification re-reads the configuration between two polls.
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        s.controller().apply({ WeightChange { { m_nginx.gateway.name, QStringLiteral("api"), upstream(1) }, 2 } },
            QStringLiteral("weight"));
        FLEETDECK_REPORT(weighted, finished);
        QVERIFY2(weighted.ok(), qPrintable(weighted.outcomes.value(0).message));
        QTest::qWait(5000);
        sender.stop();
        const qint64 to = QDateTime::currentMSecsSinceEpoch() - 1500;
        const QString key = SeriesKeys::requestRate(SeriesKeys::subject(m_nginx.gateway.name, QStringLiteral("probe")));
        QStringList seen;
        int readings = 0;
        bool steady = true;
        for (const MetricStore::Bucket& b : s.assembly.metrics().range(key, from, to, 1000)) {
            if (std::isnan(b.max))
                continue;
            seen.append(QString::number(b.min, 'f', 1) + QLatin1Char('/') + QString::number(b.max, 'f', 1));
            ++readings;
            steady = steady && b.min >= 2.0 && b.max <= 8.5;
        }
        // A poll that came right after a change's full re-read reads the configuration only and adds no rate: a second
        // or two may have no reading, never a wrong one.
        QVERIFY2(readings >= 4 && steady, qPrintable(seen.join(QLatin1Char(' '))));
    }

    // 5. Two lines of one address: removing the first keeps the second's name ("#2"), is verified by the line
    // going, names on the timeline only what was removed, and is undone in place; the second can be removed and
    // undone too.
    void removingTheFirstOfTwoLinesOfOneAddressKeepsTheSecondsName()
    {
        const QByteArray twice = withPool("api",
            QStringLiteral("    server %1 weight=1 max_fails=3 fail_timeout=10s;\n    server %2 weight=1 max_fails=3 "
                           "fail_timeout=10s;\n    server %3 weight=1 max_fails=3 fail_timeout=10s;\n    server %1 "
                           "backup;\n")
                .arg(upstream(0), upstream(1), upstream(2))
                .toUtf8());
        QVERIFY(handEdit(twice));
        Session s(nginx(false), false);
        EventLog events;
        s.controller().setEventLog(&events);
        const QString second = upstream(0) + QStringLiteral("#2");
        QVERIFY(waitFor(s, [&](const GatewaySnapshot& g) { return g.server(QStringLiteral("api"), second); }));
        QVERIFY(s.snapshot()->server(QStringLiteral("api"), second)->backup);
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        const qint64 since = QDateTime::currentMSecsSinceEpoch();
        s.controller().apply({ RemoveMemberChange { { m_nginx.gateway.name, QStringLiteral("api"), upstream(0) } } },
            QStringLiteral("remove the first u1"));
        FLEETDECK_REPORT(removed, finished);
        QVERIFY2(removed.ok(), qPrintable(removed.outcomes.value(0).message));
        const QByteArray file = readFile(m_nginx.upstreams);
        QVERIFY2(!file.contains(QStringLiteral("server %1 weight=1").arg(upstream(0)).toUtf8()), file.constData());
        QVERIFY(file.contains(QStringLiteral("server %1 backup;").arg(upstream(0)).toUtf8()));
        // The backup line keeps its name and its flag; no member took the removed one's name.
        QVERIFY(waitFor(s, [&](const GatewaySnapshot& g) { return !g.server(QStringLiteral("api"), upstream(0)); }));
        QVERIFY(s.snapshot()->server(QStringLiteral("api"), second));
        QVERIFY(s.snapshot()->server(QStringLiteral("api"), second)->backup);
        QTest::qWait(1200);
        QStringList timeline;
        for (const FleetEvent& e : events.events())
            if (e.timeMs >= since && e.kind == FleetEvent::Kind::Transition)
                timeline.append(e.object + QStringLiteral(": ") + e.text);
        QVERIFY2(timeline.size() == 1
                && timeline.first().startsWith(QStringLiteral("api/%1: server vanished").arg(upstream(0))),
            qPrintable(timeline.join(QStringLiteral(" | "))));
        // Undone: the line comes back first, where it was; the file is as before.
        s.controller().apply(removed.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(readFile(m_nginx.upstreams), twice);
        QVERIFY(waitFor(s, [&](const GatewaySnapshot& g) {
            return g.server(QStringLiteral("api"), upstream(0)) && g.server(QStringLiteral("api"), second)
                && g.server(QStringLiteral("api"), second)->backup
                && !g.server(QStringLiteral("api"), upstream(0))->backup;
        }));
        // The "#2" member itself: removed and undone.
        s.controller().apply({ RemoveMemberChange { { m_nginx.gateway.name, QStringLiteral("api"), second } } },
            QStringLiteral("remove u1#2"));
        FLEETDECK_REPORT(removedSecond, finished);
        QVERIFY2(removedSecond.ok(), qPrintable(removedSecond.outcomes.value(0).message));
        QVERIFY(!readFile(m_nginx.upstreams).contains(QStringLiteral("server %1 backup;").arg(upstream(0)).toUtf8()));
        s.controller().apply(removedSecond.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undoneSecond, finished);
        QVERIFY2(undoneSecond.ok(), qPrintable(undoneSecond.outcomes.value(0).message));
        QCOMPARE(readFile(m_nginx.upstreams), twice);
    }

    // 6. Undoing a removal puts the whole line back, parameters and all, where it was. On this machine.
    void undoOfARemovalRestoresTheWholeLineInPlace()
    {
        const QByteArray pool = withPool("static",
            QStringLiteral("    least_conn;\n    server %1;\n    server %2 max_conns=50 max_fails=4 fail_timeout=7s "
                           "backup;\n    server %3 weight=3;\n")
                .arg(upstream(3), upstream(4), upstream(5))
                .toUtf8());
        QVERIFY(handEdit(pool));
        Session s(nginx(true), false);
        QVERIFY(waitFor(s, [&](const GatewaySnapshot& g) {
            return g.server(QStringLiteral("static"), upstream(4))
                && g.server(QStringLiteral("static"), upstream(4))->backup;
        }));
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        s.controller().apply({ RemoveMemberChange { { m_nginx.gateway.name, QStringLiteral("static"), upstream(4) } } },
            QStringLiteral("remove u5"));
        FLEETDECK_REPORT(removed, finished);
        QVERIFY2(removed.ok(), qPrintable(removed.outcomes.value(0).message));
        QVERIFY(!readFile(m_nginx.upstreams).contains(upstream(4).toUtf8()));
        s.controller().apply(removed.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY2(undone.ok(), qPrintable(undone.outcomes.value(0).message));
        QCOMPARE(readFile(m_nginx.upstreams), pool);
    }

    // 7. Undo is a change like any other: Fleetdeck set 25, someone made it 26 by hand; undo is a conflict, shown,
    // and nothing is written.
    void undoAfterAHandEditIsAConflict()
    {
        Session s(nginx(false), false);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        QSignalSpy finished(&s.controller(), &FleetActions::actionFinished);
        const ServerRef u2 { m_nginx.gateway.name, QStringLiteral("api"), upstream(1) };
        s.controller().apply({ WeightChange { u2, 25 } }, QStringLiteral("weight 25"));
        FLEETDECK_REPORT(weighted, finished);
        QVERIFY2(weighted.ok(), qPrintable(weighted.outcomes.value(0).message));
        QByteArray edited = readFile(m_nginx.upstreams);
        QVERIFY(edited.contains(QStringLiteral("server %1 weight=25").arg(upstream(1)).toUtf8()));
        edited.replace(QStringLiteral("server %1 weight=25").arg(upstream(1)).toUtf8(),
            QStringLiteral("server %1 weight=26").arg(upstream(1)).toUtf8());
        QVERIFY(handEdit(edited));
        QVERIFY(waitFor(s, [&](const GatewaySnapshot& g) { return g.server(u2.backend, u2.server)->weight == 26; }));
        s.controller().apply(weighted.undoChanges(), QStringLiteral("undo"));
        FLEETDECK_REPORT(undone, finished);
        QVERIFY(!undone.ok());
        QVERIFY(undone.outcomes.first().conflict);
        QVERIFY2(undone.outcomes.first().message.contains(QLatin1String("\"weight 26\", not \"weight 25\"")),
            qPrintable(undone.outcomes.first().message));
        QCOMPARE(readFile(m_nginx.upstreams), edited);
    }

    // 8. What the driver knows is shown: the balancing method, the routes into each pool (through a map variable
    // too), where nginx listens (http and stream), a configuration nginx -t refuses (in nginx's words), and a file
    // edited and not reloaded.
    void methodRoutesListensAndConfigStatesAreShown()
    {
        Session s(nginx(false), false);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        const GatewaySnapshot g = *s.snapshot();
        QCOMPARE(g.backend(QStringLiteral("static"))->algorithm, QStringLiteral("least_conn"));
        const QString front = QStringLiteral("127.0.0.1:%1").arg(m_nginx.frontPort);
        const QStringList apiRoutes = g.backend(QStringLiteral("api"))->routes;
        QVERIFY2(apiRoutes.contains(front + QStringLiteral(" location /"))
                && apiRoutes.contains(front + QStringLiteral(" location /mapped/ (map $fleetdeck_pool)")),
            qPrintable(apiRoutes.join(QStringLiteral("; "))));
        QVERIFY2(g.backend(QStringLiteral("static"))
                     ->routes.contains(front + QStringLiteral(" location /mapped/ (map $fleetdeck_pool)")),
            qPrintable(g.backend(QStringLiteral("static"))->routes.join(QStringLiteral("; "))));
        QStringList frontends;
        for (const FrontendSnapshot& f : g.frontends)
            frontends.append(QStringLiteral("%1 %2 %3")
                                 .arg(f.name, f.binds, f.tcp ? QStringLiteral("tcp") : QStringLiteral("http")));
        QVERIFY2(frontends.contains(QStringLiteral("http %1 http").arg(front))
                && frontends.contains(QStringLiteral("stream 127.0.0.1:%1 tcp").arg(m_nginx.tcpPort)),
            qPrintable(frontends.join(QStringLiteral("; "))));
        QVERIFY(g.configRefused.isEmpty());
        QVERIFY(g.configNotLoaded.isEmpty());

        // Edited and not reloaded: what runs is not what the file says.
        QByteArray edited = m_original;
        edited.replace(QStringLiteral("server %1 weight=1").arg(upstream(2)).toUtf8(),
            QStringLiteral("server %1 weight=4").arg(upstream(2)).toUtf8());
        QVERIFY(writeFile(m_nginx.upstreams, edited));
        QVERIFY2(waitFor(s, [](const GatewaySnapshot& x) { return !x.configNotLoaded.isEmpty(); }),
            qPrintable(s.snapshot()->configNotLoaded));
        QVERIFY(s.snapshot()->configNotLoaded.contains(QFileInfo(m_nginx.upstreams).fileName()));
        QCOMPARE(s.snapshot()->configState(), QStringLiteral("not reloaded"));
        QVERIFY(reload());
        QVERIFY(waitFor(s, [](const GatewaySnapshot& x) { return x.configNotLoaded.isEmpty(); }));

        // Broken by hand: nginx -t refuses it, in its own words, and the gateway says so.
        QVERIFY(writeFile(m_nginx.upstreams, m_original + "frobnicate on;\n"));
        QVERIFY2(waitFor(s, [](const GatewaySnapshot& x) { return !x.configRefused.isEmpty(); }),
            qPrintable(s.snapshot()->noticeText()));
        QVERIFY2(s.snapshot()->configRefused.contains(QLatin1String("unknown directive \"frobnicate\"")),
            qPrintable(s.snapshot()->configRefused));
        FleetTreeModel tree(&s.store(), &s.assembly.metrics());
        QCOMPARE(tree.index(0, FleetTreeModel::StateColumn).data().toString(), QStringLiteral("up, config refused"));
        QVERIFY(writeFile(m_nginx.upstreams, m_original));
        QVERIFY(waitFor(s, [](const GatewaySnapshot& x) { return x.configRefused.isEmpty(); }));
    }

    // 9. Every shortcut belongs to one action: Ctrl+O opens the fleet file even with a server selected.
    void everyShortcutIsOneActions()
    {
        Session s(nginx(false), true);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        QMap<QString, QStringList> byKey;
        for (QAction* a : s.window->findChildren<QAction*>()) {
            for (const QKeySequence& k : a->shortcuts())
                if (!k.isEmpty() && a->shortcutContext() != Qt::WidgetShortcut)
                    byKey[k.toString(QKeySequence::PortableText)].append(
                        a->objectName().isEmpty() ? a->text() : a->objectName());
        }
        QVERIFY(!byKey.isEmpty());
        QStringList twice;
        for (auto it = byKey.cbegin(); it != byKey.cend(); ++it)
            if (it.value().size() > 1)
                twice.append(it.key() + QStringLiteral(": ") + it.value().join(QStringLiteral(", ")));
        QVERIFY2(twice.isEmpty(), qPrintable(twice.join(QStringLiteral("; "))));
        QTRY_VERIFY_WITH_TIMEOUT(s.select(QStringLiteral("api"), upstream(0)), 5000);
        QApplication::setActiveWindow(s.window.get());
        QVERIFY(QTest::qWaitForWindowActive(s.window.get()));
        Test::ModalDriver files(QStringLiteral("class:QFileDialog"),
            [](QWidget* w, Test::ModalDriver&) { qobject_cast<QDialog*>(w)->reject(); });
        QTest::keyClick(s.window->windowHandle(), Qt::Key_O, Qt::ControlModifier);
        QVERIFY2(files.ok(), files.failure());
    }

    // 10. Dialogs speak the product: nginx's weight range (1..1000, no "0 takes no new traffic"), a removal that
    // edits the file and persists, no health check offered where there is none, no stray '&', the member named
    // with its pool, gateway and line; the status badge's marks come from the resources.
    void dialogsUseTheProductsWords()
    {
        Session s(nginx(false), true);
        QTRY_VERIFY_WITH_TIMEOUT(s.snapshot(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(s.select(QStringLiteral("api"), upstream(1)), 5000);
        Test::ModalDriver weight(QStringLiteral("class:QInputDialog"), [&](QWidget* w, Test::ModalDriver& d) {
            auto* input = qobject_cast<QInputDialog*>(w);
            d.expect(input->labelText().contains(QLatin1String("(1..1000)")), input->labelText());
            d.expect(!input->labelText().contains(QLatin1String("0 takes")), input->labelText());
            d.expect(
                input->labelText().contains(QStringLiteral("nginx-2:api/%1").arg(upstream(1))), input->labelText());
            input->reject();
        });
        s.window->action(QStringLiteral("server.weight"))->trigger();
        QVERIFY2(weight.ok(), weight.failure());

        Test::ModalDriver remove(QStringLiteral("removeConfirm"), [&](QWidget* w, Test::ModalDriver& d) {
            auto* box = qobject_cast<QMessageBox*>(w);
            const QString text = box->text();
            d.expect(text.contains(QStringLiteral("Remove %1 from pool api on nginx-2?").arg(upstream(1))), text);
            d.expect(text.contains(QStringLiteral("Defined at %1:").arg(m_nginx.upstreams)), text);
            d.expect(text.contains(QLatin1String("removes its server line from the file and reloads")), text);
            d.expect(text.contains(QLatin1String("persists")), text);
            d.expect(
                !text.contains(QLatin1String("maintenance")) && !text.contains(QLatin1String("waits up to")), text);
            box->button(QMessageBox::No)->click();
        });
        s.window->action(QStringLiteral("server.remove"))->trigger();
        QVERIFY2(remove.ok(), remove.failure());

        s.window->action(QStringLiteral("server.add"))->trigger();
        auto* form = s.window->findChild<ServerFormDialog*>(QStringLiteral("serverForm"));
        QVERIFY(form);
        for (QLabel* label : form->findChildren<QLabel*>())
            QVERIFY2(!label->text().contains(QLatin1Char('&')) || label->buddy(), qPrintable(label->text()));
        QVERIFY(!form->findChild<QCheckBox*>(QStringLiteral("checkBox"))->isVisible());
        form->findChild<QLineEdit*>(QStringLiteral("hostEdit"))->setText(QStringLiteral("127.0.0.1"));
        form->findChild<QLineEdit*>(QStringLiteral("portEdit"))->setText(QStringLiteral("1"));
        QCOMPARE(form->findChild<QLineEdit*>(QStringLiteral("serverNameEdit"))->text(), QStringLiteral("127.0.0.1:1"));
        QTest::mouseClick(form->findChild<QPushButton*>(QStringLiteral("reviewButton")), Qt::LeftButton);
        auto* review = form->findChild<ReviewDialog*>(QStringLiteral("reviewDialog"));
        QVERIFY(review);
        const QString after = review->findChild<QTableWidget*>(QStringLiteral("reviewTable"))->item(0, 3)->text();
        QVERIFY2(!after.contains(QLatin1String("health")), qPrintable(after));
        review->reject();
        form->reject();

        auto* badge = s.window->findChild<QLabel*>(QStringLiteral("gatewayBadge_nginx-2"));
        QVERIFY(badge);
        QVERIFY2(
            badge->text().contains(QLatin1String(":/icons/state-")) && !badge->text().contains(QLatin1String("&#9")),
            qPrintable(badge->text()));
    }

    // 11. A server the configuration disables (the lab's signals HAProxy) is not trouble: its pool reads whole in
    // the tree; and chart axes read in steps of 1, 2 or 5 with the decimals they need.
    void aServerDisabledByConfigIsNotTroubleAndAxesRead()
    {
        QVERIFY2(m_lab.signalsHAProxy.present(), "the lab runs its signals HAProxy (--signals)");
        Assembly app;
        app.controller().addGateway(m_lab.signalsHAProxy.gateway);
        QTRY_VERIFY_WITH_TIMEOUT(app.store().entry(0).snapshot.has_value(), 10000);
        FleetTreeModel tree(&app.store(), &app.metrics());
        const QModelIndex gateway = tree.index(0, 0);
        bool sawDisabled = false;
        for (int r = 0; r < tree.rowCount(gateway); ++r) {
            const BackendSnapshot& b = app.store().entry(0).snapshot->backends.at(r);
            if (b.serversDisabledByConfig() == 0 || b.servers.isEmpty())
                continue;
            sawDisabled = true;
            const QModelIndex state = tree.index(r, FleetTreeModel::StateColumn, gateway);
            QTRY_COMPARE_WITH_TIMEOUT(state.data().toString(),
                QStringLiteral("%1/%1 serving").arg(int(b.servers.size()) - b.serversDisabledByConfig()), 5000);
            QVERIFY2(!state.data(Qt::ForegroundRole).isValid(), qPrintable(state.data().toString()));
        }
        QVERIFY(sawDisabled);
        const QStringList zeroToOne { QStringLiteral("0.0"), QStringLiteral("0.5"), QStringLiteral("1.0") };
        QCOMPARE(TimeSeriesChart::axisFor(0, 4).labels(), zeroToOne); // a flat zero series
        QCOMPARE(TimeSeriesChart::axisFor(0.95, 4).labels(), zeroToOne); // no quarter steps shown as 0.3, 0.8
        QCOMPARE(TimeSeriesChart::axisFor(3.7, 4).labels(),
            (QStringList { QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"),
                QStringLiteral("4") }));
        QCOMPARE(TimeSeriesChart::axisFor(0.004, 4).labels().value(1), QStringLiteral("0.002"));
        QCOMPARE(TimeSeriesChart::axisFor(1900, 4).labels().last(), QStringLiteral("2000"));
    }
};

QTEST_MAIN(TestTruth)
#include "tst_truth.moc"
