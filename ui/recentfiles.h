#pragma once

#include <QStringList>

namespace Fleetdeck::RecentFiles {

// The fleet files the operator opened last, newest first (at most kMax), kept in the settings; paths only.
constexpr int kMax = 8;
QStringList list();
// Puts `path` (made absolute) first; an unreadable path is not remembered.
void add(const QString& path);

} // namespace Fleetdeck::RecentFiles
