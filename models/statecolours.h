#pragma once

#include <QColor>

namespace Fleetdeck::StateColours {

// The colours that carry a state (up, down, draining, an error rate), one set for a light palette and one for a dark
// one, so a state stays readable on either: the application's palette picks (its base colour's lightness).
enum class Role {
    Good, // up, healthy
    Warning, // starting, a pool with servers down, load past 75 %
    Bad, // down, errors, unreachable
    Info, // an operator's change
    Muted, // stale, silenced
    DrainBackground,
    MaintBackground,
    ForcedBackground,
};
bool darkPalette();
QColor of(Role role);
// As a CSS colour for rich text and style sheets: "#c01c28".
QString css(Role role);

} // namespace Fleetdeck::StateColours
