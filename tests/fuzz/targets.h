#pragma once

#include <cstddef>
#include <cstdint>

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace Fleetdeck::Fuzz {

// One parser or frame reader as a fuzz target: the bytes a gateway (or an operator's file) could send, in.
struct Target
{
    const char* name;
    // Folders of tests/data whose files seed it (and are its regression cases in `make test`).
    QByteArrayList seedFolders;
    void (*run)(const QByteArray& input);
};

// Every target, in the order `make fuzz` runs them.
const QList<Target>& targets();
const Target* find(const char* name);

// Parsers that read two answers take them separated by the first NUL byte (a seed without one is the first).
QPair<QByteArray, QByteArray> splitAtNul(const QByteArray& input);

} // namespace Fleetdeck::Fuzz
