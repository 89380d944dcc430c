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
// The body is taken out of the reply as it arrives and counted, and the reply's read buffer is bounded (256 KiB) so
// that Qt reads no further ahead of that than it. The bound must reach Qt's HTTP thread: set on the reply only (a
// POST starts later, and the first word is lost), the reply stopped handing bytes over while that thread read on
// (measured: an endless answer to a POST grew past 2 GB, none of it delivered). Set nowhere, the bytes are handed
// over and counted as they come (no test tells that apart from the bound; it is kept for its back-pressure).
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
