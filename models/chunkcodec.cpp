#include "chunkcodec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace Fleetdeck::Chunks {

namespace {

enum Flags : std::uint8_t {
    StateMap = 1, // a map of each slot's state follows (else every slot holds data)
    SingleValued = 2, // min == max == mean in every data slot: one value per slot
    Constant = 4, // every data slot holds the same bucket: it follows, as floats
    Raw = 8, // the data slots' floats follow as they are
    NoData = 16, // gaps and empty slots only
};

enum State : std::uint8_t { Empty = 0, Gap = 1, Data = 2 };

constexpr int kEscape = 24; // a Rice quotient this long is followed by the value in 32 bits instead

class BitWriter
{
public:
    explicit BitWriter(std::vector<std::uint8_t>& out)
        : m_out(out)
    { }
    void bits(std::uint64_t value, int n)
    {
        // n <= 32
        m_acc |= (value & ((std::uint64_t(1) << n) - 1)) << m_used;
        m_used += n;
        while (m_used >= 8) {
            m_out.push_back(std::uint8_t(m_acc & 0xff));
            m_acc >>= 8;
            m_used -= 8;
        }
    }
    void rice(std::uint32_t u, int k)
    {
        const std::uint32_t q = u >> k;
        if (q < std::uint32_t(kEscape)) {
            bits((std::uint64_t(1) << q) - 1, int(q) + 1); // q ones, then a zero
            bits(u, k);
        } else {
            bits((std::uint64_t(1) << kEscape) - 1, kEscape);
            bits(u, 32);
        }
    }
    void finish()
    {
        if (m_used > 0)
            m_out.push_back(std::uint8_t(m_acc & 0xff));
        m_acc = 0;
        m_used = 0;
    }

private:
    std::vector<std::uint8_t>& m_out;
    std::uint64_t m_acc = 0;
    int m_used = 0;
};

class BitReader
{
public:
    BitReader(const std::uint8_t* data, std::size_t size)
        : m_data(data)
        , m_size(size)
    { }
    bool bits(int n, std::uint32_t* value)
    {
        while (m_used < n) {
            if (m_pos >= m_size)
                return false;
            m_acc |= std::uint64_t(m_data[m_pos++]) << m_used;
            m_used += 8;
        }
        *value = std::uint32_t(m_acc & ((std::uint64_t(1) << n) - 1));
        m_acc >>= n;
        m_used -= n;
        return true;
    }
    bool rice(int k, std::uint32_t* u)
    {
        // The unary quotient: the ones below the lowest zero, counted at once.
        while (m_used <= 56 && m_pos < m_size) {
            m_acc |= std::uint64_t(m_data[m_pos++]) << m_used;
            m_used += 8;
        }
        const int ones = std::countr_one(m_acc);
        if (ones >= kEscape) {
            if (m_used < kEscape)
                return false;
            m_acc >>= kEscape;
            m_used -= kEscape;
            return bits(32, u);
        }
        if (ones + 1 > m_used)
            return false; // the bytes ended inside it
        m_acc >>= ones + 1;
        m_used -= ones + 1;
        std::uint32_t low = 0;
        if (k > 0 && !bits(k, &low))
            return false;
        *u = (std::uint32_t(ones) << k) | low;
        return true;
    }

private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::size_t m_pos = 0;
    std::uint64_t m_acc = 0;
    int m_used = 0;
};

std::uint32_t zigzag(std::int64_t v)
{
    return std::uint32_t((std::uint64_t(v) << 1) ^ std::uint64_t(v >> 63));
}

std::int64_t unzigzag(std::uint32_t u)
{
    return std::int64_t(u >> 1) ^ -std::int64_t(u & 1);
}

// The exponent of the lowest set bit of a finite, non-zero float: it is an exact multiple of 2^that.
int trailingExponent(float v)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    const int exponent = int((bits >> 23) & 0xff);
    const std::uint32_t mantissa = bits & 0x7fffff;
    if (exponent == 0)
        return -149 + std::countr_zero(mantissa);
    return exponent - 150 + std::countr_zero(mantissa | 0x800000);
}

std::uint64_t riceCost(const std::vector<std::uint32_t>& values, int k)
{
    std::uint64_t bits = 0;
    for (std::uint32_t v : values) {
        const std::uint32_t q = v >> k;
        bits += q < std::uint32_t(kEscape) ? q + 1 + std::uint32_t(k) : kEscape + 32;
    }
    return bits;
}

int riceParameter(const std::vector<std::uint32_t>& values)
{
    if (values.empty())
        return 0;
    std::uint64_t sum = 0;
    for (std::uint32_t v : values)
        sum += v;
    const std::uint64_t mean = sum / values.size();
    const int guess = mean == 0 ? 0 : std::min(int(std::bit_width(mean)) - 1, 31);
    int best = guess;
    std::uint64_t bestCost = riceCost(values, guess);
    for (int k = std::max(0, guess - 2); k <= std::min(31, guess + 2); ++k) {
        const std::uint64_t c = riceCost(values, k);
        if (c < bestCost) {
            bestCost = c;
            best = k;
        }
    }
    return best;
}

void putFloat(std::vector<std::uint8_t>& out, float v)
{
    std::uint8_t b[4];
    std::memcpy(b, &v, 4);
    out.insert(out.end(), b, b + 4);
}

bool getFloat(const std::uint8_t* data, std::size_t size, std::size_t* pos, float* v)
{
    if (*pos + 4 > size)
        return false;
    std::memcpy(v, data + *pos, 4);
    *pos += 4;
    return true;
}

bool sameSlot(const Slot& a, const Slot& b)
{
    return a.min == b.min && a.max == b.max && a.mean == b.mean;
}

} // namespace

bool isData(const Slot& s)
{
    return !std::isnan(s.mean) && s.mean != std::numeric_limits<float>::infinity();
}

void encode(const Slot* input, int count, std::vector<std::uint8_t>& out)
{
    std::uint8_t flags = 0;
    int data = 0;
    bool single = true;
    bool constant = true;
    const Slot* first = nullptr;
    for (int i = 0; i < count; ++i) {
        if (!isData(input[i])) {
            flags |= StateMap;
            continue;
        }
        ++data;
        single = single && input[i].min == input[i].mean && input[i].max == input[i].mean;
        if (!first)
            first = &input[i];
        constant = constant && sameSlot(*first, input[i]);
    }
    if (data == 0)
        flags |= NoData;
    else if (single)
        flags |= SingleValued;
    if (data > 0 && constant)
        flags |= Constant;

    const std::size_t start = out.size();
    out.push_back(flags);
    if (flags & StateMap) {
        std::uint8_t byte = 0;
        for (int i = 0; i < count; ++i) {
            const std::uint8_t state = isData(input[i]) ? Data : std::isnan(input[i].mean) ? Gap : Empty;
            byte |= std::uint8_t(state << ((i % 4) * 2));
            if (i % 4 == 3 || i == count - 1) {
                out.push_back(byte);
                byte = 0;
            }
        }
    }
    if (data == 0)
        return;
    auto putSlot = [&out, single](const Slot& s) {
        putFloat(out, s.mean);
        if (!single) {
            putFloat(out, s.min);
            putFloat(out, s.max);
        }
    };
    if (constant) {
        putSlot(*first);
        return;
    }
    const std::size_t header = out.size();
    const std::size_t rawSize = std::size_t(data) * (single ? 4 : 12);
    auto writeRaw = [&] {
        out.resize(header);
        out[start] = std::uint8_t(out[start] | Raw);
        for (int i = 0; i < count; ++i)
            if (isData(input[i]))
                putSlot(input[i]);
    };

    // The step: the largest power of two that keeps every value within M / 1024, or a coarser one every value is an
    // exact multiple of.
    float largest = 0;
    int exactExponent = std::numeric_limits<int>::max();
    for (int i = 0; i < count; ++i) {
        if (!isData(input[i]))
            continue;
        for (float v : { input[i].min, input[i].max, input[i].mean }) {
            if (!std::isfinite(v)) {
                writeRaw();
                return;
            }
            largest = std::max(largest, std::fabs(v));
            if (v != 0)
                exactExponent = std::min(exactExponent, trailingExponent(v));
        }
    }
    int binary = 0;
    std::frexp(double(largest), &binary); // largest in [2^(binary-1), 2^binary)
    int exponent = binary - 10; // q <= largest / 512, so q / 2 <= largest / 1024
    if (exactExponent != std::numeric_limits<int>::max() && exactExponent > exponent)
        exponent = exactExponent;
    if (exponent < -126 || exponent > 100) {
        writeRaw();
        return;
    }
    auto quantise = [exponent](float v) { return std::int64_t(std::nearbyint(std::ldexp(double(v), -exponent))); };
    std::vector<std::uint32_t> means, below, above;
    means.reserve(std::size_t(data));
    std::int64_t previous = 0;
    for (int i = 0; i < count; ++i) {
        if (!isData(input[i]))
            continue;
        const std::int64_t m = quantise(input[i].mean);
        means.push_back(zigzag(m - previous));
        previous = m;
        if (!single) {
            const std::int64_t lo = m - quantise(input[i].min);
            const std::int64_t hi = quantise(input[i].max) - m;
            if (lo < 0 || hi < 0) { // a mean outside its own min and max (float rounding): kept as it is
                writeRaw();
                return;
            }
            below.push_back(std::uint32_t(lo));
            above.push_back(std::uint32_t(hi));
        }
    }
    // The means as differences from the previous one (a trend, a step), or as distances above the chunk's lowest
    // (noise around a level: no sign to code): whichever codes shorter.
    std::vector<std::uint32_t> above0;
    std::int64_t base = std::numeric_limits<std::int64_t>::max();
    {
        std::int64_t m = 0;
        for (std::uint32_t u : means) {
            m += unzigzag(u);
            base = std::min(base, m);
        }
        m = 0;
        for (std::uint32_t u : means) {
            m += unzigzag(u);
            above0.push_back(std::uint32_t(m - base));
        }
    }
    const int kDelta = riceParameter(means);
    const int kLevel = riceParameter(above0);
    const bool level = riceCost(above0, kLevel) + 32 < riceCost(means, kDelta);
    const int kMean = level ? kLevel : kDelta;
    const std::vector<std::uint32_t>& meanStream = level ? above0 : means;
    const int kBelow = riceParameter(below);
    const int kAbove = riceParameter(above);
    out.push_back(std::uint8_t(std::int8_t(exponent)));
    out.push_back(std::uint8_t(kMean | (level ? 0x80 : 0)));
    if (!single) {
        out.push_back(std::uint8_t(kBelow));
        out.push_back(std::uint8_t(kAbove));
    }
    BitWriter w(out);
    if (level)
        w.bits(zigzag(base), 32);
    for (std::size_t i = 0; i < meanStream.size(); ++i) {
        w.rice(meanStream[i], kMean);
        if (!single) {
            w.rice(below[i], kBelow);
            w.rice(above[i], kAbove);
        }
    }
    w.finish();
    if (out.size() - header >= rawSize)
        writeRaw();
}

bool decode(const std::uint8_t* bytes, std::size_t size, Slot* output, int count)
{
    constexpr float kEmpty = std::numeric_limits<float>::infinity();
    constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
    if (size == 0) {
        for (int i = 0; i < count; ++i)
            output[i] = Slot { kEmpty, kEmpty, kEmpty };
        return true;
    }
    std::size_t pos = 0;
    const std::uint8_t flags = bytes[pos++];
    std::uint8_t states[kSlots];
    if (count > kSlots)
        return false;
    if (flags & StateMap) {
        for (int i = 0; i < count; ++i) {
            if (pos + std::size_t(i / 4) >= size)
                return false;
            states[i] = std::uint8_t((bytes[pos + std::size_t(i / 4)] >> ((i % 4) * 2)) & 3);
        }
        pos += std::size_t((count + 3) / 4);
    } else {
        std::memset(states, Data, std::size_t(count));
    }
    for (int i = 0; i < count; ++i) {
        if (states[i] == Empty)
            output[i] = Slot { kEmpty, kEmpty, kEmpty };
        else if (states[i] == Gap)
            output[i] = Slot { kNaN, kNaN, kNaN };
    }
    if (flags & NoData)
        return true;
    const bool single = flags & SingleValued;
    auto getSlot = [&](Slot* s) {
        if (!getFloat(bytes, size, &pos, &s->mean))
            return false;
        if (single) {
            s->min = s->max = s->mean;
            return true;
        }
        return getFloat(bytes, size, &pos, &s->min) && getFloat(bytes, size, &pos, &s->max);
    };
    if (flags & Constant) {
        Slot s {};
        if (!getSlot(&s))
            return false;
        for (int i = 0; i < count; ++i)
            if (states[i] == Data)
                output[i] = s;
        return true;
    }
    if (flags & Raw) {
        for (int i = 0; i < count; ++i)
            if (states[i] == Data && !getSlot(&output[i]))
                return false;
        return true;
    }
    if (pos + (single ? 2 : 4) > size)
        return false;
    const int exponent = std::int8_t(bytes[pos++]);
    const bool level = bytes[pos] & 0x80;
    const int kMean = bytes[pos++] & 0x7f;
    const int kBelow = single ? 0 : bytes[pos++];
    const int kAbove = single ? 0 : bytes[pos++];
    if (kMean > 31 || kBelow > 31 || kAbove > 31)
        return false;
    BitReader r(bytes + pos, size - pos);
    std::int64_t m = 0;
    std::int64_t base = 0;
    if (level) {
        std::uint32_t b = 0;
        if (!r.bits(32, &b))
            return false;
        base = unzigzag(b);
    }
    for (int i = 0; i < count; ++i) {
        if (states[i] != Data)
            continue;
        std::uint32_t u = 0;
        if (!r.rice(kMean, &u))
            return false;
        m = level ? base + std::int64_t(u) : m + unzigzag(u);
        const float mean = float(std::ldexp(double(m), exponent));
        if (single) {
            output[i] = Slot { mean, mean, mean };
            continue;
        }
        std::uint32_t lo = 0, hi = 0;
        if (!r.rice(kBelow, &lo) || !r.rice(kAbove, &hi))
            return false;
        output[i] = Slot { float(std::ldexp(double(m - std::int64_t(lo)), exponent)),
            float(std::ldexp(double(m + std::int64_t(hi)), exponent)), mean };
    }
    return true;
}

} // namespace Fleetdeck::Chunks
