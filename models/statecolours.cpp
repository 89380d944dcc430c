#include "statecolours.h"

#include <QGuiApplication>
#include <QPalette>

namespace Fleetdeck::StateColours {

bool darkPalette()
{
    return qobject_cast<QGuiApplication*>(QCoreApplication::instance())
        && QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
}

QColor of(Role role)
{
    // Light: dark enough for white backgrounds; dark: light enough for near-black ones (contrast 4.5:1 or more for
    // text on the palette's base either way).
    const bool dark = darkPalette();
    switch (role) {
    case Role::Good:
        return dark ? QColor(0x5f, 0xd4, 0x7f) : QColor(0x1a, 0x7f, 0x37);
    case Role::Warning:
        return dark ? QColor(0xf2, 0xb9, 0x4a) : QColor(0xb0, 0x60, 0x00);
    case Role::Bad:
        return dark ? QColor(0xff, 0x7a, 0x7a) : QColor(0xc0, 0x1c, 0x28);
    case Role::Info:
        return dark ? QColor(0x8a, 0xb4, 0xff) : QColor(0x1f, 0x4e, 0x9c);
    case Role::Muted:
        return dark ? QColor(0x9a, 0x9a, 0x9a) : QColor(0x80, 0x80, 0x80);
    case Role::DrainBackground:
        return dark ? QColor(0x5a, 0x44, 0x10) : QColor(0xff, 0xe8, 0xb0);
    case Role::MaintBackground:
        return dark ? QColor(0x3a, 0x3f, 0x4c) : QColor(0xd8, 0xdc, 0xe6);
    case Role::ForcedBackground:
        return dark ? QColor(0x1e, 0x3f, 0x5c) : QColor(0xd6, 0xee, 0xff);
    }
    return {};
}

QString css(Role role)
{
    return of(role).name();
}

} // namespace Fleetdeck::StateColours
