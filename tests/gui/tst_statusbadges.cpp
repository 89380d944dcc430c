// The status bar's gateway badges, on a fleet store alone (nothing is polled, nothing is dialled): up, connecting and
// unreachable with when it was last seen; a plaintext admin channel across the network badged and its tooltip
// advising the SSH port forward, while the loopback one is not; past four gateways a count, badging only the ones in
// trouble or in plaintext.
#include <QDateTime>
#include <QLabel>
#include <QTest>

#include "docks/gatewaystatuswidget.h"
#include "fleetstore.h"

using namespace Fleetdeck;

class TestStatusBadges : public QObject
{
    Q_OBJECT

    static GatewayConfig config(const QString& name, const QString& admin, const QString& forward = {})
    {
        GatewayConfig c;
        c.name = name;
        c.product = QStringLiteral("haproxy");
        c.admin = QUrl(admin);
        c.sshForward = forward;
        return c;
    }
    QLabel* badge(const QString& name) const
    {
        return widget->findChild<QLabel*>(QStringLiteral("gatewayBadge_") + name);
    }
    void setStatus(const QString& name, Connection c, qint64 lastSeenMs = 0, const QString& error = {})
    {
        GatewayStatus s;
        s.connection = c;
        s.lastSeenMs = lastSeenMs;
        s.lastError = error;
        store.setStatus(name, s);
    }

private Q_SLOTS:
    void init()
    {
        widget = std::make_unique<GatewayStatusWidget>(&store);
        // 192.0.2.0/24 is documentation space: the store never dials it, and nothing here polls.
        store.addGateway(config(QStringLiteral("local"), QStringLiteral("tcp://127.0.0.1:9999")), {});
        store.addGateway(
            config(QStringLiteral("remote"), QStringLiteral("tcp://192.0.2.10:9999"), QStringLiteral("bastion-1")), {});
        store.addGateway(config(QStringLiteral("socket"), QStringLiteral("unix:///run/haproxy/admin.sock")), {});
    }
    void cleanup()
    {
        widget.reset();
        for (const QString& name : names())
            store.removeGateway(name);
    }

    void eachStateReads()
    {
        QTRY_VERIFY(badge(QStringLiteral("local"))); // changes are shown at the next turn of the event loop
        QCOMPARE(widget->badgeText(0), QStringLiteral("local: connecting"));
        setStatus(QStringLiteral("local"), Connection::Up, QDateTime::currentMSecsSinceEpoch());
        QCOMPARE(widget->badgeText(0), QStringLiteral("local: up"));
        QTRY_VERIFY(badge(QStringLiteral("local"))->text().contains(QLatin1String("local: up")));
        setStatus(QStringLiteral("local"), Connection::Unreachable);
        QCOMPARE(widget->badgeText(0), QStringLiteral("local: unreachable, never seen"));
        const qint64 seen = QDateTime::currentMSecsSinceEpoch() - 42000;
        setStatus(QStringLiteral("local"), Connection::Unreachable, seen, QStringLiteral("connection refused"));
        QCOMPARE(widget->badgeText(0),
            QStringLiteral("local: unreachable, last seen %1 (42 s ago)")
                .arg(QDateTime::fromMSecsSinceEpoch(seen).toString(QStringLiteral("HH:mm:ss"))));
        QTRY_COMPARE(badge(QStringLiteral("local"))->toolTip(), QStringLiteral("connection refused"));
    }

    void aHugeOrHostileNameIsCutAndEscaped()
    {
        // A 100,000-character name filled the status bar (and cost 12 % CPU): the badge shows 40 characters with an
        // ellipsis, the tooltip the rest (up to 2,000), and control characters are escaped in both.
        const QString huge = QStringLiteral("\x1b[31m") + QString(100000, QLatin1Char('n'));
        store.addGateway(config(huge, QStringLiteral("tcp://127.0.0.1:9998")), {});
        const int index = store.indexOf(huge);
        QVERIFY(index >= 0);
        const QString text = widget->badgeText(index);
        QCOMPARE(text,
            QStringLiteral("\\x1b[31m") + QString(31, QLatin1Char('n')) + QChar(0x2026)
                + QStringLiteral(": connecting"));
        QTRY_VERIFY(badge(huge));
        QLabel* hostile = badge(huge);
        QVERIFY(hostile->text().size() < 400);
        QVERIFY(hostile->toolTip().startsWith(QStringLiteral("\\x1b[31m") + QString(100, QLatin1Char('n'))));
        QVERIFY(hostile->toolTip().size() < 2100);
        QVERIFY(!hostile->toolTip().contains(QChar(0x1b)));
        store.removeGateway(huge);
    }

    void plaintextAcrossTheNetworkIsBadged()
    {
        QTRY_VERIFY(badge(QStringLiteral("remote")));
        QLabel* remote = badge(QStringLiteral("remote"));
        QVERIFY2(remote->text().contains(QLatin1String("plaintext")), qPrintable(remote->text()));
        QVERIFY2(remote->toolTip().contains(QLatin1String("SSH port forward")), qPrintable(remote->toolTip()));
        QVERIFY2(remote->toolTip().contains(QLatin1String("192.0.2.10")), qPrintable(remote->toolTip()));
        QVERIFY2(remote->toolTip().contains(QLatin1String("bastion-1")), qPrintable(remote->toolTip()));
        // Control: loopback TCP and a UNIX socket stay on this machine and are not badged.
        for (const char* name : { "local", "socket" }) {
            QLabel* b = badge(QLatin1String(name));
            QVERIFY(b);
            QVERIFY2(!b->text().contains(QLatin1String("plaintext")), qPrintable(b->text()));
            QVERIFY2(!b->toolTip().contains(QLatin1String("SSH port forward")), qPrintable(b->toolTip()));
        }
    }

    void pastFourGatewaysOnlyTroubleIsBadged()
    {
        QLabel* summary = widget->findChild<QLabel*>(QStringLiteral("gatewaySummary"));
        QVERIFY(summary);
        QVERIFY(summary->isHidden()); // three gateways: one badge each
        for (int i = 1; i <= 3; ++i)
            store.addGateway(
                config(QStringLiteral("extra%1").arg(i), QStringLiteral("tcp://127.0.0.1:%1").arg(9990 + i)), {});
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const QString& name : names())
            setStatus(name, Connection::Up, now);
        setStatus(QStringLiteral("extra2"), Connection::Unreachable, now - 5000);
        QTRY_VERIFY(!summary->isHidden());
        QTRY_COMPARE(summary->text(), QStringLiteral("6 gateways: 5 up, 1 unreachable, 0 connecting"));
        auto shown = [this](const char* name) {
            const QLabel* b = badge(QLatin1String(name));
            return b && !b->isHidden();
        };
        QVERIFY(shown("extra2")); // in trouble
        QVERIFY(shown("remote")); // plaintext across the network
        QVERIFY(!shown("local"));
        QVERIFY(!shown("extra1"));
        setStatus(QStringLiteral("extra2"), Connection::Up, now);
        QTRY_VERIFY(!shown("extra2"));
    }

    // Many gateways in trouble (a VPN down): the summary counts them all, at most four are badged, and a burst of
    // changes is shown once, not once per gateway.
    void manyInTroubleAreCountedAndFewBadged()
    {
        for (int i = 0; i < 300; ++i)
            store.addGateway(
                config(QStringLiteral("far%1").arg(i), QStringLiteral("tcp://127.0.0.1:%1").arg(20000 + i)), {});
        QLabel* summary = widget->findChild<QLabel*>(QStringLiteral("gatewaySummary"));
        for (int i = 0; i < 300; ++i)
            setStatus(QStringLiteral("far%1").arg(i), Connection::Unreachable);
        QTRY_COMPARE(summary->text(),
            QStringLiteral("303 gateways: 0 up, 300 unreachable, 3 connecting; badges for the first 4 of 303 in "
                           "trouble"));
        int badges = 0;
        for (const QLabel* l : widget->findChildren<QLabel*>())
            badges += l->objectName().startsWith(QLatin1String("gatewayBadge_")) ? 1 : 0;
        QCOMPARE(badges, 4);
    }

private:
    QStringList names() const
    {
        QStringList out;
        for (const GatewayConfig& c : store.configs())
            out << c.name;
        return out;
    }

    FleetStore store;
    std::unique_ptr<GatewayStatusWidget> widget;
};

QTEST_MAIN(TestStatusBadges)
#include "tst_statusbadges.moc"
