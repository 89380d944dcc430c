#pragma once

#include <QAbstractSocket>
#include <QString>

#include "fleettypes.h"

class QIODevice;
class QNetworkReply;

namespace Fleetdeck::Wire {

// What one request to a gateway may cost, whatever the peer does: the whole answer within the deadline (connect
// included; a peer that dribbles a byte at a time is cut off there), and no more bytes than the limit, checked as
// the bytes arrive rather than after they are all in memory.
struct AnswerLimits
{
    int connectTimeoutMs = 3000;
    int deadlineMs = 10000;
    qint64 maxBytes = 64LL * 1024 * 1024;

    // The gateway's own limits (GatewayConfig::deadlineMs and maxAnswerBytes()).
    static AnswerLimits of(const GatewayConfig& config);
};

// A socket error in an operator's words: "connection refused", "closed or reset by the peer", ...
QString socketErrorText(QAbstractSocket::SocketError error, const QString& qtText);

// Holds a network reply to the limits: aborts it at the deadline or as soon as more bytes than allowed have come
// (or are announced by Content-Length). Call right after the request is made, and read the body with replyBody().
// Qt's HTTP thread keeps reading a fast peer into memory without handing anything over (measured: 200 MB/s of an
// endless chunked body, none of it delivered); the reply's read buffer is therefore bounded, and the body is
// taken out of it as it arrives, so the peer is held back and counted.
void limitReply(QNetworkReply* reply, const AnswerLimits& limits);
// The whole body of a reply held by limitReply (what was collected, and the rest).
QByteArray replyBody(QNetworkReply* reply);

// Why a finished reply failed, in an operator's words: cut off by limitReply (and why), refused, reset, timed out,
// not found... Empty when it did not fail at the transport level (an HTTP error status is the caller's to read).
QString replyErrorText(const QNetworkReply* reply);

// True when limitReply cut the reply because it was too large (Failure::TooLarge for the caller).
bool replyWasTooLarge(const QNetworkReply* reply);

// True when a reply began (a status line came) but its body did not end as HTTP says it ends (its Content-Length, or
// the last chunk): the peer closed or reset, the deadline cut it, or the framing broke. Such an answer is not one:
// half a metrics page would read as counters that fell.
bool replyCutShort(const QNetworkReply* reply);

// "1.5 MiB", "64 MiB", "800 bytes": a size as an operator reads it.
QString sizeText(qint64 bytes);

// Appends what `device` holds now to `into`, up to one byte past `maxBytes` in all (so a flood is never held whole),
// reading straight into `into`: QIODevice::read(n) allocates n bytes before it reads, which for a limit of many MiB
// was a fresh mapping, its page faults and a copy on every chunk that arrived.
void readAvailable(QIODevice* device, QByteArray* into, qint64 maxBytes);

} // namespace Fleetdeck::Wire
