// The libFuzzer entry of one target (FLEETDECK_FUZZ_TARGET names it); built by `make fuzz` with clang, ASan and UBSan.
#include <cstdio>
#include <cstdlib>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const Fleetdeck::Fuzz::Target* target = [] {
        const auto* t = Fleetdeck::Fuzz::find(FLEETDECK_FUZZ_TARGET);
        if (!t) {
            std::fprintf(stderr, "no fuzz target named %s\n", FLEETDECK_FUZZ_TARGET);
            std::abort();
        }
        return t;
    }();
    target->run(QByteArray::fromRawData(reinterpret_cast<const char*>(data), qsizetype(size)));
    return 0;
}
