#pragma once

#include <QString>

namespace Fleetdeck {

// Text from a gateway (or from a file an operator was handed) made fit to show: control characters, invalid bytes
// (U+FFFD) and other unprintable code points are written as visible escapes ("\n", "\x1b", "\u202e"), and text
// longer than maxLength is cut with an ellipsis (the caller keeps the full text for a tooltip or a detail view).
// maxLength < 0: escape only.
QString printable(const QString& text, qsizetype maxLength = -1);
// The same, keeping line breaks and tabs (a compile error of several lines stays readable in a report).
QString printableLines(const QString& text, qsizetype maxLength = -1);

// printable() cut to maxLength, for a label whose tooltip holds printable(text) whole.
inline QString printableShort(const QString& text, qsizetype maxLength = 60)
{
    return printable(text, maxLength);
}

// The longest name a table cell shows (the tooltip has it whole).
constexpr qsizetype kShownName = 120;

// The longest error or event text kept (escaped); a peer's 64 MiB of garbage is not one.
constexpr qsizetype kMaxMessageLength = 2000;

} // namespace Fleetdeck
