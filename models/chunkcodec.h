#pragma once

#include <cstdint>
#include <vector>

namespace Fleetdeck::Chunks {

// One bucket of a tier: min / max / mean of the samples that fell into it. The mean tells the states apart: a number
// is data, NaN a gap (the source could not be read), +infinity a slot no sample fell into.
struct Slot
{
    float min;
    float max;
    float mean;
};

bool isData(const Slot& s);

// A closed chunk of a tier (up to kSlots buckets), compressed:
// - the state of each slot (data, gap, empty) exactly, as a map that is left out when every slot holds data;
// - a chunk whose data slots all hold the same bucket is that bucket, exactly (a flat 5xx series costs a few bytes);
// - otherwise each value is quantised to a power of two q, chosen as the largest step that keeps every value within
//   M / 1024 of what it was (M: the largest magnitude of any value in the chunk), or coarser where every value is an
//   exact multiple of it (small integer counts come back exact); the means go as differences from the previous one
//   (a trend, a step) or as distances above the chunk's lowest (noise around a level), whichever is shorter, min and
//   max as their distance below and above the mean, each stream Rice-coded with the parameter that codes it shortest
//   (a rare large value escapes to 32 bits);
// - a chunk that would not get smaller is kept as it is.
// The error bound, in other words: on a chart whose axis reaches the chunk's largest value, at most a thousandth of
// its height (under half a pixel on a chart 500 px tall).
constexpr int kSlots = 64;
constexpr int kPrecisionDivisor = 1024; // |decoded - original| <= M / kPrecisionDivisor

void encode(const Slot* input, int count, std::vector<std::uint8_t>& out);
// Decodes a chunk encoded from `count` slots into `slots`; false when the bytes do not decode (never expected).
bool decode(const std::uint8_t* data, std::size_t size, Slot* output, int count);

} // namespace Fleetdeck::Chunks
