#include "jsonanswer.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Fleetdeck::Wire {

Result<QJsonObject> jsonObject(const QByteArray& json, const QString& what)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Result<QJsonObject>::failure(
            QStringLiteral("%1 is not JSON (%2 at byte %3)").arg(what, error.errorString()).arg(error.offset));
    if (!doc.isObject())
        return Result<QJsonObject>::failure(QStringLiteral("%1 is not a JSON object").arg(what));
    return Result<QJsonObject>::success(doc.object());
}

QString jsonText(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}

QStringList jsonTexts(const QJsonValue& list)
{
    QStringList out;
    for (const QJsonValue& v : list.toArray())
        out << (v.isString() ? v.toString() : QString::number(v.toDouble()));
    return out;
}

} // namespace Fleetdeck::Wire
