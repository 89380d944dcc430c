#include "recentfiles.h"

#include <QFileInfo>
#include <QSettings>

namespace Fleetdeck::RecentFiles {

namespace {
const QString kKey = QStringLiteral("fleet/recentFiles");
}

QStringList list()
{
    return QSettings().value(kKey).toStringList().mid(0, kMax);
}

void add(const QString& path)
{
    const QFileInfo info(path);
    if (!info.isReadable())
        return;
    QStringList files = list();
    files.removeAll(info.absoluteFilePath());
    files.prepend(info.absoluteFilePath());
    QSettings().setValue(kKey, files.mid(0, kMax));
}

} // namespace Fleetdeck::RecentFiles
