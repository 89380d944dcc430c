#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "result.h"

namespace Fleetdeck::Wire {

// An HTTP admin API's JSON answer as an object, or why it is not one: "<what> is not JSON (<reason> at byte N)",
// "<what> is not a JSON object".
Result<QJsonObject> jsonObject(const QByteArray& json, const QString& what);
// A string member ("" when absent or not a string).
QString jsonText(const QJsonObject& o, const char* key);
// A list's entries as text (numbers written as numbers); empty when it is not a list.
QStringList jsonTexts(const QJsonValue& list);

} // namespace Fleetdeck::Wire
