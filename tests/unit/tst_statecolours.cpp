// The state colours stay readable on a light and on a dark palette: each text colour against the palette's base has
// a contrast of at least 4.5:1 (WCAG AA for normal text), and the drain/maintenance backgrounds keep the palette's
// own text readable on them.
#include <cmath>

#include <QGuiApplication>
#include <QPalette>
#include <QTest>

#include "statecolours.h"

using namespace Fleetdeck;
using StateColours::Role;

namespace {
double luminance(const QColor& c)
{
    auto channel = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double contrast(const QColor& a, const QColor& b)
{
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}
} // namespace

class TestStateColours : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readableOnEitherPalette_data()
    {
        QTest::addColumn<QColor>("base");
        QTest::addColumn<QColor>("text");
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << QColor(Qt::white) << QColor(Qt::black) << false;
        QTest::newRow("dark") << QColor(0x1e, 0x1f, 0x22) << QColor(0xe6, 0xe6, 0xe6) << true;
    }
    void readableOnEitherPalette()
    {
        QFETCH(QColor, base);
        QFETCH(QColor, text);
        QFETCH(bool, dark);
        QPalette p;
        p.setColor(QPalette::Base, base);
        p.setColor(QPalette::Text, text);
        QGuiApplication::setPalette(p);
        QCOMPARE(StateColours::darkPalette(), dark);
        for (const Role role : { Role::Good, Role::Warning, Role::Bad, Role::Info }) {
            const double c = contrast(StateColours::of(role), base);
            QVERIFY2(c >= 4.5,
                qPrintable(
                    QStringLiteral("%1 on %2: %3:1").arg(StateColours::css(role), base.name()).arg(c, 0, 'f', 2)));
        }
        for (const Role role : { Role::DrainBackground, Role::MaintBackground, Role::ForcedBackground }) {
            const double c = contrast(text, StateColours::of(role));
            QVERIFY2(c >= 4.5,
                qPrintable(
                    QStringLiteral("text %1 on %2: %3:1").arg(text.name(), StateColours::css(role)).arg(c, 0, 'f', 2)));
        }
        QVERIFY(contrast(StateColours::of(Role::Muted), base) >= 3.0); // stale rows: dimmer, still legible
    }
};

QTEST_MAIN(TestStateColours)
#include "tst_statecolours.moc"
