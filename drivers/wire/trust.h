#pragma once

#include <memory>
#include <optional>

#include <QByteArray>
#include <QSslConfiguration>
#include <QString>

#include "fleettypes.h"
#include "result.h"

class QNetworkReply;
class QSslSocket;

namespace Fleetdeck::Wire {

// The one way a TLS channel is trusted, whichever product and whichever socket (an HTTP admin API, RESP over TLS):
//  - the CAs: the system's, or a file's and only those;
//  - a client certificate and its key (RSA or EC, PEM), encrypted with a pass phrase kept in the keychain;
//  - a pin: the SHA-256 of the leaf certificate's DER, checked on every handshake, also when a CA vouches for the
//    certificate (a changed certificate is refused, naming both fingerprints), and enough on its own to trust it
//    (trust on first use);
//  - a certificate not trusted is a failure that carries its fingerprint (Result::detail), so the first-use prompt
//    can show it and pin it.
// PostgreSQL keeps libpq's own verification (sslmode=verify-full).

// The TLS configuration for these settings; a file that cannot be read or a key that cannot be decrypted is an error
// naming the file.
Result<QSslConfiguration> tlsConfiguration(const TlsSettings& tls, const QByteArray& keyPassphrase);

// Lower-case hex SHA-256 of a certificate's DER (empty for a null certificate).
QString fingerprint(const QSslCertificate& certificate);

// What one handshake showed: the leaf's fingerprint, and whether the CAs refused it.
struct PeerSeen
{
    QString sha256;
    bool refusedByCas = false;
};

// Watches the handshake of an HTTPS reply just sent: a leaf that matches the pin is let past the CAs' refusal, and
// what the peer presented is recorded. Read the result with trustFailure() when the reply has finished.
std::shared_ptr<PeerSeen> watchTrust(QNetworkReply* reply, const TlsSettings& tls);
// The same for a socket about to connectToHostEncrypted(); a leaf that does not match the pin aborts the socket once
// encrypted, whoever vouched for it.
std::shared_ptr<PeerSeen> watchTrust(QSslSocket* socket, const TlsSettings& tls);

// Why trust refuses this channel, once its handshake is over (or failed): a pinned certificate that changed (even if
// a CA vouches), or one no CA vouches for and no pin names; empty when it is trusted. `where` names the peer
// ("127.0.0.1:8443"); the failure's detail is the presented fingerprint, its kind Failure::Certificate where the
// operator may check and pin it.
struct TrustFailure
{
    QString message;
    Failure kind = Failure::Certificate;
    QString presented; // the fingerprint, for the first-use prompt
};
std::optional<TrustFailure> trustFailure(const PeerSeen& seen, bool handshakeFailed, const QString& handshakeError,
    const TlsSettings& tls, const QString& where);

} // namespace Fleetdeck::Wire
