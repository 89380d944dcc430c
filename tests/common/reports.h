#pragma once

#include <optional>

#include "change.h"

class QSignalSpy;

namespace Fleetdeck::Test {

// The report of request `id` (0: whichever comes first) from a spy on FleetActions::actionFinished, waiting up to
// timeoutMs; taken out of the spy. None when it did not come: the caller fails with that, never reads an empty one.
std::optional<ActionReport> waitReport(QSignalSpy& finished, quint64 id = 0, int timeoutMs = 15000);

} // namespace Fleetdeck::Test

// In a test function: waits for the report and fails the test, saying so, when it does not come.
#define FLEETDECK_REPORT(name, ...)                                                                                    \
    const auto name##Waited = Fleetdeck::Test::waitReport(__VA_ARGS__);                                                \
    QVERIFY2(name##Waited.has_value(), "no report came in time");                                                      \
    const Fleetdeck::ActionReport& name = *name##Waited
