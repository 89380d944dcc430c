#include "metricstore.h"

#include <cmath>
#include <iterator>
#include <limits>
#include <vector>

#include <QDataStream>
#include <QIODevice>

#include "chunkcodec.h"

namespace Fleetdeck {

namespace {

using Chunks::Slot;
constexpr int kChunk = Chunks::kSlots; // buckets per chunk: the newest is open, older ones are compressed
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Slot states are told apart by the mean: a number is data, NaN is a gap, and +infinity marks a slot that no
// sample fell into (left out of queries). Rates and gauges are finite, so neither marker collides with data.
constexpr float kEmpty = std::numeric_limits<float>::infinity();

qint64 floorDiv(qint64 a, qint64 b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

} // namespace

bool MetricStore::Bucket::isGap() const
{
    return std::isnan(mean);
}

// One tier of one series, as a ring of chunks indexed by time: the newest chunk open (its slots as they are, grown
// as buckets come), the older ones closed and compressed (Chunks::encode) back to back in one buffer, oldest first.
// A chunk no sample fell into costs its offset only.
struct TierRing
{
    std::vector<std::uint8_t> data; // the closed chunks' bytes
    std::vector<quint16> sizes; // each closed chunk's size in data (a chunk is under 1 KiB)
    qint64 firstChunk = 0; // the chunk number of sizes[0]
    std::vector<Slot> open; // slots of the open chunk from its start to the newest bucket
    qint64 openChunk = std::numeric_limits<qint64>::min();
    qint64 newest = std::numeric_limits<qint64>::min(); // bucket number of the newest slot written
    quint32 count = 0; // samples in the newest bucket (for its running mean)
    // Where this series' chunks begin, in buckets (0 to kChunk - 1). Series differ, so that a gateway's thousands of
    // series do not all close and compress a chunk in the same poll (measured: 20-30 ms on the UI thread every 64 s
    // at 3,000 series per gateway), but a sixty-fourth of them in each.
    qint64 phase = 0;

    qint64 chunkOf(qint64 bucket) const { return floorDiv(bucket + phase, kChunk); }
    qint64 chunkStart(qint64 chunk) const { return chunk * kChunk - phase; }

    qint64 closedEnd() const { return firstChunk + qint64(sizes.size()); } // one past the newest closed chunk

    void dropClosedBefore(qint64 chunk)
    {
        const qint64 drop = qBound<qint64>(0, chunk - firstChunk, qint64(sizes.size()));
        if (drop == 0)
            return;
        size_t bytes = 0;
        for (qint64 i = 0; i < drop; ++i)
            bytes += sizes[size_t(i)];
        data.erase(data.begin(), data.begin() + qsizetype(bytes));
        sizes.erase(sizes.begin(), sizes.begin() + drop);
        firstChunk += drop;
    }

    void appendClosed(const std::vector<std::uint8_t>& bytes)
    {
        if (data.capacity() < data.size() + bytes.size())
            data.reserve(data.size() + bytes.size() + data.size() / 8); // slack of an eighth, not a doubling
        data.insert(data.end(), bytes.begin(), bytes.end());
        if (sizes.empty())
            firstChunk = openChunk;
        sizes.push_back(quint16(bytes.size()));
    }

    // Makes `chunk` the open one: the open chunk is compressed and closed, chunks skipped since are closed empty,
    // and closed chunks the ring no longer reaches (older than `keepFrom`) are dropped.
    void openAt(qint64 chunk, qint64 keepFrom)
    {
        if (openChunk != std::numeric_limits<qint64>::min()) {
            if (keepFrom > openChunk) {
                // A silence longer than the ring: nothing of it is kept.
                data.clear();
                sizes.clear();
            } else {
                static thread_local std::vector<std::uint8_t> scratch;
                scratch.clear();
                std::vector<Slot> full = std::move(open);
                full.resize(size_t(kChunk), Slot { kEmpty, kEmpty, kEmpty });
                Chunks::encode(full.data(), kChunk, scratch);
                appendClosed(scratch);
                for (qint64 c = openChunk + 1; c < chunk; ++c)
                    sizes.push_back(0); // empty
            }
        }
        if (sizes.empty())
            firstChunk = chunk;
        dropClosedBefore(keepFrom);
        if (sizes.empty())
            firstChunk = chunk;
        open.clear();
        open.shrink_to_fit();
        openChunk = chunk;
    }

    Slot* openSlot(qint64 bucket)
    {
        const size_t index = size_t(bucket - chunkStart(openChunk));
        if (open.size() <= index) {
            if (open.capacity() <= index)
                open.reserve(std::min<size_t>(size_t(kChunk), std::max<size_t>(8, index + 1 + open.size())));
            while (open.size() <= index) // usually one slot: resize() cost more than the append around it
                open.push_back(Slot { kEmpty, kEmpty, kEmpty });
        }
        return &open[index];
    }

    // The slots of one chunk (kChunk of them), decoded where closed; false when the ring does not hold it.
    // `cursor` carries where the previous closed chunk ended (kNoCursor: not known), so reading chunks in order
    // walks the sizes once instead of once per chunk.
    static constexpr size_t kNoCursor = std::numeric_limits<size_t>::max();
    bool chunkSlots(qint64 chunk, Slot* out, size_t* cursor) const
    {
        if (chunk == openChunk) {
            for (int i = 0; i < kChunk; ++i)
                out[i] = size_t(i) < open.size() ? open[size_t(i)] : Slot { kEmpty, kEmpty, kEmpty };
            return true;
        }
        if (chunk < firstChunk || chunk >= closedEnd())
            return false;
        const size_t index = size_t(chunk - firstChunk);
        size_t begin = *cursor;
        if (begin == kNoCursor) {
            begin = 0;
            for (size_t i = 0; i < index; ++i)
                begin += sizes[i];
        }
        *cursor = begin + sizes[index];
        return Chunks::decode(data.data() + begin, sizes[index], out, kChunk);
    }

    qint64 bytes() const
    {
        return qint64(sizeof(TierRing)) + qint64(data.capacity()) + qint64(sizes.capacity() * sizeof(quint16))
            + qint64(open.capacity() * sizeof(Slot));
    }
};

struct MetricStore::Series
{
    std::vector<TierRing> tiers;
    bool hasTotal = false;
    double lastTotal = 0;
    qint64 lastTotalMs = 0;
    std::vector<std::pair<qint64, double>> window; // windowed counters only: the totals of the last window
    float latest = kNaN;
    qint64 newestMs = 0;
    qint64 firstMs = 0;
};

QList<MetricStore::Tier> MetricStore::defaultTiers()
{
    return { { 1000, 3600 }, { 10000, 8640 }, { 60000, 10080 } };
}

MetricStore::MetricStore(QObject* parent)
    : MetricStore(defaultTiers(), parent)
{ }

MetricStore::MetricStore(QList<Tier> tiers, QObject* parent)
    : QObject(parent)
    , m_tiers(std::move(tiers))
{
    if (m_tiers.isEmpty())
        m_tiers = defaultTiers();
}

MetricStore::~MetricStore() = default;

MetricStore::Series& MetricStore::series(const QString& key)
{
    auto it = m_series.find(key);
    if (it == m_series.end()) {
        auto s = std::make_shared<Series>();
        s->tiers.resize(size_t(m_tiers.size()));
        for (TierRing& ring : s->tiers)
            ring.phase = m_series.size() % kChunk;
        it = m_series.insert(key, s);
    }
    return **it;
}

void MetricStore::append(Series& s, qint64 timeMs, float value, bool gap)
{
    for (int t = 0; t < m_tiers.size(); ++t) {
        const Tier& tier = m_tiers.at(t);
        TierRing& ring = s.tiers[size_t(t)];
        const qint64 bucket = floorDiv(timeMs, tier.stepMs);
        if (bucket < ring.newest)
            continue; // older than what this tier already moved past: dropped
        if (bucket > ring.newest) {
            const qint64 chunk = ring.chunkOf(bucket);
            if (chunk != ring.openChunk)
                ring.openAt(chunk, ring.chunkOf(bucket - tier.buckets + 1));
            // Slots skipped since the newest stay empty: the open chunk starts empty and is written forward only.
            ring.newest = bucket;
            Slot* slot = ring.openSlot(bucket);
            *slot = gap ? Slot { kNaN, kNaN, kNaN } : Slot { value, value, value };
            ring.count = gap ? 0 : 1;
            continue;
        }
        Slot* slot = ring.openSlot(bucket);
        if (gap) {
            // A gap inside a bucket that has data keeps the data: coarse tiers show what was seen.
            if (ring.count == 0)
                *slot = Slot { kNaN, kNaN, kNaN };
            continue;
        }
        if (ring.count == 0) {
            *slot = Slot { value, value, value };
            ring.count = 1;
        } else {
            ring.count += 1;
            slot->min = qMin(slot->min, value);
            slot->max = qMax(slot->max, value);
            slot->mean += (value - slot->mean) / float(ring.count);
        }
    }
    s.latest = gap ? kNaN : value;
    s.newestMs = qMax(s.newestMs, timeMs);
    if (s.firstMs == 0)
        s.firstMs = timeMs;
}

MetricStore::Handle MetricStore::handle(const QString& key)
{
    return &series(key);
}

void MetricStore::appendGauge(const QString& key, qint64 timeMs, double value)
{
    append(series(key), timeMs, float(value), false);
}

void MetricStore::appendGauge(Handle s, qint64 timeMs, double value)
{
    append(*s, timeMs, float(value), false);
}

void MetricStore::appendCounter(const QString& key, qint64 timeMs, double total)
{
    appendCounter(&series(key), timeMs, total);
}

void MetricStore::appendGap(Handle series, qint64 timeMs)
{
    series->hasTotal = false;
    series->window.clear();
    append(*series, timeMs, kNaN, true);
}

void MetricStore::appendCounter(Handle series, qint64 timeMs, double total)
{
    Series& s = *series;
    if (s.hasTotal && timeMs > s.lastTotalMs) {
        const double seconds = double(timeMs - s.lastTotalMs) / 1000.0;
        const double delta = total >= s.lastTotal ? total - s.lastTotal : total; // reset: counted from zero
        append(s, timeMs, float(delta / seconds), false);
    }
    s.hasTotal = true;
    s.lastTotal = total;
    s.lastTotalMs = timeMs;
}

void MetricStore::appendCounter(Handle series, qint64 timeMs, double total, int windowMs)
{
    Series& s = *series;
    if (windowMs <= 0) {
        appendCounter(series, timeMs, total);
        return;
    }
    if (!s.window.empty() && (total < s.window.back().second || timeMs <= s.window.back().first)) {
        // A reset (or time going backwards): count this interval from zero, and start the window again.
        if (total < s.window.back().second && timeMs > s.window.back().first)
            append(s, timeMs, float(total / (double(timeMs - s.window.back().first) / 1000.0)), false);
        s.window.clear();
    }
    if (!s.window.empty()) {
        // The base is the newest total at or before the window's start, so the rate spans the whole window.
        auto base = s.window.begin();
        while (std::next(base) != s.window.end() && std::next(base)->first <= timeMs - windowMs)
            ++base;
        s.window.erase(s.window.begin(), base);
        const double seconds = double(timeMs - s.window.front().first) / 1000.0;
        append(s, timeMs, float((total - s.window.front().second) / seconds), false);
    }
    s.window.emplace_back(timeMs, total);
    s.hasTotal = true;
    s.lastTotal = total;
    s.lastTotalMs = timeMs;
}

void MetricStore::appendGap(const QString& key, qint64 timeMs)
{
    appendGap(&series(key), timeMs);
}

QVector<MetricStore::Bucket> MetricStore::range(const QString& key, qint64 fromMs, qint64 toMs, int maxBuckets) const
{
    QVector<Bucket> out;
    const auto it = m_series.constFind(key);
    if (it == m_series.cend() || toMs < fromMs)
        return out;
    Series& s = **it;
    // The finest tier whose ring still reaches back to fromMs, or the coarsest one.
    int chosen = int(m_tiers.size()) - 1;
    for (int t = 0; t < m_tiers.size(); ++t) {
        const Tier& tier = m_tiers.at(t);
        const TierRing& ring = s.tiers[size_t(t)];
        if (ring.newest == std::numeric_limits<qint64>::min())
            return out;
        const qint64 oldestHeld = (ring.newest - tier.buckets + 1) * tier.stepMs;
        const qint64 wanted = (toMs - fromMs) / tier.stepMs + 1;
        if (oldestHeld <= fromMs && (maxBuckets <= 0 || wanted <= maxBuckets)) {
            chosen = t;
            break;
        }
    }
    const Tier& tier = m_tiers.at(chosen);
    const TierRing& ring = s.tiers[size_t(chosen)];
    const qint64 first = qMax(floorDiv(fromMs, tier.stepMs), ring.newest - tier.buckets + 1);
    const qint64 last = qMin(floorDiv(toMs, tier.stepMs), ring.newest);
    if (last < first)
        return out;
    out.reserve(int(last - first + 1));
    // Only the chunks the range reaches are decoded.
    Slot decoded[kChunk];
    size_t cursor = TierRing::kNoCursor;
    for (qint64 c = ring.chunkOf(first); c <= ring.chunkOf(last); ++c) {
        if (!ring.chunkSlots(c, decoded, &cursor))
            continue;
        const qint64 start = ring.chunkStart(c);
        const qint64 from = qMax(first, start);
        const qint64 to = qMin(last, start + kChunk - 1);
        for (qint64 b = from; b <= to; ++b) {
            const Slot& slot = decoded[b - start];
            if (slot.mean == kEmpty)
                continue;
            out.append(Bucket { b * tier.stepMs, slot.min, slot.max, slot.mean });
        }
    }
    return out;
}

double MetricStore::latest(const QString& key) const
{
    const auto it = m_series.constFind(key);
    return it == m_series.cend() ? std::numeric_limits<double>::quiet_NaN() : double((*it)->latest);
}

qint64 MetricStore::newestTimeMs(const QString& key) const
{
    const auto it = m_series.constFind(key);
    return it == m_series.cend() ? 0 : (*it)->newestMs;
}

qint64 MetricStore::oldestTimeMs(const QString& key) const
{
    const auto it = m_series.constFind(key);
    if (it == m_series.cend())
        return 0;
    // What the coarsest ring still holds, or the first sample if that is younger.
    const Series& s = **it;
    const Tier& last = m_tiers.last();
    const qint64 ringStart = s.newestMs - qint64(last.buckets) * last.stepMs;
    return qMax(s.firstMs, ringStart);
}

bool MetricStore::contains(const QString& key) const
{
    return m_series.contains(key);
}

QStringList MetricStore::keys() const
{
    return m_series.keys();
}

qsizetype MetricStore::seriesCount() const
{
    return m_series.size();
}

qint64 MetricStore::bytesPerSeries() const
{
    // Every ring full of chunks that do not compress (kept as they are: flags and floats), plus the open chunk.
    qint64 bytes = qint64(sizeof(Series));
    for (const Tier& t : m_tiers) {
        const qint64 chunks = (t.buckets + kChunk - 1) / kChunk + 1;
        const qint64 closed = chunks * (1 + kChunk * qint64(sizeof(Slot)) + qint64(sizeof(quint16)));
        bytes += qint64(sizeof(TierRing)) + closed + closed / 8 + kChunk * qint64(sizeof(Slot));
    }
    return bytes;
}

qint64 MetricStore::bytesAllocated() const
{
    qint64 bytes = 0;
    for (const auto& s : m_series) {
        bytes += qint64(sizeof(Series));
        for (const TierRing& ring : s->tiers)
            bytes += ring.bytes();
    }
    return bytes;
}

namespace {
constexpr quint32 kRecentMagic = 0x46444831; // "FDH1"
constexpr quint32 kRecentVersion = 2; // 2: each series' chunk phase
constexpr qint64 kMaxSavedSeries = 10'000'000;
} // namespace

qsizetype MetricStore::saveRecent(QIODevice* device, qint64 sinceMs, qint64 nowMs)
{
    QList<std::pair<QString, Series*>> recent;
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it)
        if ((*it)->newestMs >= sinceMs)
            recent.append({ it.key(), it->get() });
    QDataStream out(device);
    out.setVersion(QDataStream::Qt_6_4);
    out.setFloatingPointPrecision(QDataStream::SinglePrecision);
    out << kRecentMagic << kRecentVersion << qint32(m_tiers.size());
    for (const Tier& t : std::as_const(m_tiers))
        out << t.stepMs << qint32(t.buckets);
    out << qint64(recent.size());
    for (const auto& [key, series] : std::as_const(recent)) {
        if (nowMs > series->newestMs)
            appendGap(series, nowMs); // the program stops here: the line breaks
        out << key << series->latest << series->newestMs << series->firstMs
            << qint8(series->tiers.empty() ? 0 : series->tiers.front().phase);
        for (int t = 0; t < m_tiers.size(); ++t) {
            const TierRing& ring = series->tiers[size_t(t)];
            const qint64 from = qMax(ring.firstChunk, ring.chunkOf(floorDiv(sinceMs, m_tiers.at(t).stepMs)));
            const qint64 closed = qMax<qint64>(0, ring.closedEnd() - from);
            size_t begin = 0;
            for (qint64 c = ring.firstChunk; c < from && size_t(c - ring.firstChunk) < ring.sizes.size(); ++c)
                begin += ring.sizes[size_t(c - ring.firstChunk)];
            out << from << qint64(closed);
            size_t bytes = 0;
            for (qint64 i = 0; i < closed; ++i) {
                const quint16 size = ring.sizes[size_t(from - ring.firstChunk + i)];
                out << size;
                bytes += size;
            }
            out.writeRawData(reinterpret_cast<const char*>(ring.data.data() + begin), qint64(bytes));
            out << ring.openChunk << ring.newest << ring.count << qint32(ring.open.size());
            for (const Slot& slot : ring.open)
                out << slot.min << slot.max << slot.mean;
        }
    }
    return out.status() == QDataStream::Ok ? recent.size() : -1;
}

Result<qsizetype> MetricStore::loadRecent(QIODevice* device, const std::function<bool(const QString&)>& wanted)
{
    QDataStream in(device);
    in.setVersion(QDataStream::Qt_6_4);
    in.setFloatingPointPrecision(QDataStream::SinglePrecision);
    quint32 magic = 0, version = 0;
    qint32 tierCount = 0;
    in >> magic >> version >> tierCount;
    if (magic != kRecentMagic || version != kRecentVersion)
        return Result<qsizetype>::failure(QStringLiteral("not a history file of this version of Fleetdeck"));
    QList<Tier> tiers;
    for (qint32 t = 0; t < tierCount && t < 16 && in.status() == QDataStream::Ok; ++t) {
        Tier tier;
        qint32 buckets = 0;
        in >> tier.stepMs >> buckets;
        tier.buckets = buckets;
        tiers.append(tier);
    }
    if (tiers != m_tiers)
        return Result<qsizetype>::failure(QStringLiteral("saved with other tiers than this store keeps"));
    qint64 count = 0;
    in >> count;
    if (count < 0 || count > kMaxSavedSeries)
        return Result<qsizetype>::failure(QStringLiteral("damaged (%1 series)").arg(count));
    auto damaged
        = [](const QString& why) { return Result<qsizetype>::failure(QStringLiteral("damaged: %1").arg(why)); };
    QList<std::pair<QString, std::shared_ptr<Series>>> read;
    for (qint64 i = 0; i < count; ++i) {
        auto series = std::make_shared<Series>();
        QString key;
        qint8 phase = 0;
        in >> key >> series->latest >> series->newestMs >> series->firstMs >> phase;
        if (phase < 0 || phase >= kChunk)
            return damaged(QStringLiteral("a chunk phase of %1").arg(phase));
        series->tiers.resize(size_t(m_tiers.size()));
        for (int t = 0; t < m_tiers.size(); ++t) {
            TierRing& ring = series->tiers[size_t(t)];
            ring.phase = phase;
            qint64 closed = 0;
            in >> ring.firstChunk >> closed;
            if (in.status() != QDataStream::Ok || closed < 0 || closed > m_tiers.at(t).buckets / kChunk + 2)
                return damaged(QStringLiteral("%1 chunks in a tier").arg(closed));
            size_t bytes = 0;
            ring.sizes.resize(size_t(closed));
            for (quint16& size : ring.sizes) {
                in >> size;
                bytes += size;
            }
            ring.data.resize(bytes);
            if (bytes > 0 && in.readRawData(reinterpret_cast<char*>(ring.data.data()), qint64(bytes)) != qint64(bytes))
                return damaged(QStringLiteral("truncated"));
            qint32 open = 0;
            in >> ring.openChunk >> ring.newest >> ring.count >> open;
            constexpr qint64 kFarthest = qint64(1) << 50; // buckets: far past any real time, far from overflow
            if (in.status() != QDataStream::Ok || open < 0 || open > kChunk || ring.newest > kFarthest
                || ring.newest < -kFarthest || ring.chunkOf(ring.newest) != ring.openChunk
                || ring.firstChunk + closed != ring.openChunk
                || open != ring.newest - ring.chunkStart(ring.openChunk) + 1)
                return damaged(QStringLiteral("a tier's open chunk"));
            ring.open.resize(size_t(open));
            for (Slot& slot : ring.open)
                in >> slot.min >> slot.max >> slot.mean;
        }
        if (in.status() != QDataStream::Ok)
            return damaged(QStringLiteral("truncated"));
        read.append({ key, series });
    }
    qsizetype restored = 0;
    for (const auto& [key, series] : std::as_const(read)) {
        if (m_series.contains(key) || (wanted && !wanted(key)))
            continue;
        m_series.insert(key, series);
        ++restored;
    }
    return Result<qsizetype>::success(restored);
}

void MetricStore::notifyAppended()
{
    Q_EMIT samplesAppended();
}

QVector<ChartPoint> decimateToPixels(
    const QVector<MetricStore::Bucket>& buckets, qint64 fromMs, qint64 toMs, int pixelColumns)
{
    QVector<ChartPoint> out;
    if (buckets.isEmpty() || pixelColumns <= 0 || toMs <= fromMs)
        return out;
    const double msPerColumn = double(toMs - fromMs) / pixelColumns;
    out.reserve(qMin(int(buckets.size()), pixelColumns * 2 + 16));
    int column = std::numeric_limits<int>::min();
    double colMin = 0, colMax = 0;
    qint64 minAt = 0, maxAt = 0;
    bool open = false;
    auto flush = [&] {
        if (!open)
            return;
        if (colMin == colMax) {
            out.append(ChartPoint { double(minAt), colMax });
        } else if (minAt <= maxAt) {
            out.append(ChartPoint { double(minAt), colMin });
            out.append(ChartPoint { double(maxAt), colMax });
        } else {
            out.append(ChartPoint { double(maxAt), colMax });
            out.append(ChartPoint { double(minAt), colMin });
        }
        open = false;
    };
    for (const auto& b : buckets) {
        if (b.isGap()) {
            flush();
            if (out.isEmpty() || !std::isnan(out.last().y))
                out.append(ChartPoint { double(b.timeMs), std::numeric_limits<double>::quiet_NaN() });
            column = std::numeric_limits<int>::min();
            continue;
        }
        const int c = int(std::floor(double(b.timeMs - fromMs) / msPerColumn));
        if (c != column) {
            flush();
            column = c;
            colMin = b.min;
            colMax = b.max;
            minAt = maxAt = b.timeMs;
            open = true;
            continue;
        }
        if (b.min < colMin) {
            colMin = b.min;
            minAt = b.timeMs;
        }
        if (b.max > colMax) {
            colMax = b.max;
            maxAt = b.timeMs;
        }
    }
    flush();
    return out;
}

} // namespace Fleetdeck
