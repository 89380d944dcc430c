#include "printable.h"

namespace Fleetdeck {

namespace {
bool shownAsIs(char32_t c)
{
    if (c == U'\uFFFD')
        return false; // what invalid UTF-8 became: say so rather than show a box
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format: // bidirectional overrides and zero-width characters can disguise text
    case QChar::Other_Surrogate:
    case QChar::Other_NotAssigned:
    case QChar::Other_PrivateUse:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return false;
    default:
        return true;
    }
}

QString escaped(char32_t c)
{
    switch (c) {
    case U'\n':
        return QStringLiteral("\\n");
    case U'\r':
        return QStringLiteral("\\r");
    case U'\t':
        return QStringLiteral("\\t");
    default:
        break;
    }
    if (c < 0x100)
        return QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
    if (c < 0x10000)
        return QStringLiteral("\\u%1").arg(uint(c), 4, 16, QLatin1Char('0'));
    return QStringLiteral("\\U%1").arg(uint(c), 8, 16, QLatin1Char('0'));
}
} // namespace

static QString escape(const QString& text, qsizetype maxLength, bool keepLines)
{
    QString out;
    out.reserve(maxLength >= 0 ? qMin(text.size(), maxLength + 8) : text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        char32_t c = text.at(i).unicode();
        if (text.at(i).isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(text.at(i), text.at(i + 1));
            ++i;
        }
        if (shownAsIs(c) || (keepLines && (c == U'\n' || c == U'\t')))
            out += QString::fromUcs4(&c, 1);
        else
            out += escaped(c);
        // Stop as soon as it is too long: a huge text is never escaped whole.
        if (maxLength >= 0 && out.size() > maxLength) {
            out.truncate(qMax<qsizetype>(maxLength - 1, 0));
            if (!out.isEmpty() && out.back().isHighSurrogate())
                out.chop(1);
            out += QChar(0x2026); // …
            return out;
        }
    }
    return out;
}

QString printable(const QString& text, qsizetype maxLength)
{
    return escape(text, maxLength, false);
}

QString printableLines(const QString& text, qsizetype maxLength)
{
    return escape(text, maxLength, true);
}

} // namespace Fleetdeck
