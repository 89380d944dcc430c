#pragma once

#include <QDockWidget>

namespace Fleetdeck {

class JournalModel;

// The change journal's dock: every attempt and result, a filter over all columns, and CSV export.
class JournalDock final : public QDockWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JournalDock)

public:
    JournalDock(JournalModel* journal, QWidget* parent = nullptr);
};

} // namespace Fleetdeck
