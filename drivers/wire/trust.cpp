#include "trust.h"

#include <QCryptographicHash>
#include <QFile>
#include <QNetworkReply>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

namespace Fleetdeck::Wire {

namespace {
// A key file is a few KiB; more is not a key.
constexpr qint64 kMaxKeyBytes = 1024 * 1024;

QString normalPin(const QString& pin)
{
    QString p = pin.trimmed().toLower();
    p.remove(QLatin1Char(':'));
    return p;
}
} // namespace

QString fingerprint(const QSslCertificate& certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex());
}

Result<QSslConfiguration> tlsConfiguration(const TlsSettings& tls, const QByteArray& keyPassphrase)
{
    using R = Result<QSslConfiguration>;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!tls.caFile.isEmpty()) {
        const auto cas = QSslCertificate::fromPath(tls.caFile, QSsl::Pem);
        if (cas.isEmpty())
            return R::failure(
                QStringLiteral("the CA file %1 holds no certificate (or cannot be read)").arg(tls.caFile));
        ssl.setCaCertificates(cas); // these only, not the system's
    }
    if (!tls.clientCertFile.isEmpty()) {
        const auto certs = QSslCertificate::fromPath(tls.clientCertFile, QSsl::Pem);
        if (certs.isEmpty())
            return R::failure(
                QStringLiteral("the client certificate file %1 holds no certificate").arg(tls.clientCertFile));
        QFile keyFile(tls.clientKeyFile);
        if (!keyFile.open(QIODevice::ReadOnly))
            return R::failure(
                QStringLiteral("the client key %1 cannot be read: %2").arg(tls.clientKeyFile, keyFile.errorString()));
        const QByteArray pem = keyFile.read(kMaxKeyBytes);
        QSslKey key(pem, QSsl::Rsa, QSsl::Pem, QSsl::PrivateKey, keyPassphrase);
        if (key.isNull())
            key = QSslKey(pem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey, keyPassphrase);
        if (key.isNull())
            return R::failure(pem.contains("ENCRYPTED")
                    ? (keyPassphrase.isEmpty()
                            ? QStringLiteral("the client key %1 is encrypted and no pass phrase is set (name it as "
                                             "tls.clientKeyCredential)")
                                  .arg(tls.clientKeyFile)
                            : QStringLiteral("the client key %1 cannot be decrypted with its pass phrase (credential "
                                             "%2)")
                                  .arg(tls.clientKeyFile, tls.clientKeyCredential))
                    : QStringLiteral("the client key %1 is not an RSA or EC key in PEM").arg(tls.clientKeyFile),
                Failure::Authentication);
        ssl.setLocalCertificate(certs.first());
        ssl.setPrivateKey(key);
    }
    return R::success(ssl);
}

std::shared_ptr<PeerSeen> watchTrust(QNetworkReply* reply, const TlsSettings& tls)
{
    auto seen = std::make_shared<PeerSeen>();
    const QString pin = normalPin(tls.pinSha256);
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [reply, seen, pin](const QList<QSslError>& errors) {
        seen->sha256 = fingerprint(reply->sslConfiguration().peerCertificate());
        seen->refusedByCas = true;
        // A pinned certificate is trusted as itself, whoever signed it (trust on first use).
        if (!pin.isEmpty() && seen->sha256 == pin)
            reply->ignoreSslErrors(errors);
    });
    // Encrypted, before the request (and its credentials) is sent: a pin holds even against a certificate a CA
    // vouches for.
    QObject::connect(reply, &QNetworkReply::encrypted, reply, [reply, seen, pin] {
        seen->sha256 = fingerprint(reply->sslConfiguration().peerCertificate());
        if (!pin.isEmpty() && seen->sha256 != pin)
            reply->abort();
    });
    return seen;
}

std::shared_ptr<PeerSeen> watchTrust(QSslSocket* socket, const TlsSettings& tls)
{
    auto seen = std::make_shared<PeerSeen>();
    const QString pin = normalPin(tls.pinSha256);
    QObject::connect(socket, &QSslSocket::sslErrors, socket, [socket, seen, pin](const QList<QSslError>&) {
        seen->sha256 = fingerprint(socket->peerCertificate());
        seen->refusedByCas = true;
        if (!pin.isEmpty() && seen->sha256 == pin)
            socket->ignoreSslErrors();
    });
    QObject::connect(socket, &QSslSocket::encrypted, socket, [socket, seen, pin] {
        seen->sha256 = fingerprint(socket->peerCertificate());
        if (!pin.isEmpty() && seen->sha256 != pin)
            socket->abort();
    });
    return seen;
}

std::optional<TrustFailure> trustFailure(const PeerSeen& seen, bool handshakeFailed, const QString& handshakeError,
    const TlsSettings& tls, const QString& where)
{
    const QString pin = normalPin(tls.pinSha256);
    if (!pin.isEmpty() && !seen.sha256.isEmpty() && seen.sha256 != pin)
        return TrustFailure { QStringLiteral("the certificate of %1 changed: pinned SHA-256 %2, now %3; refused (check "
                                             "with the gateway's owner, then pin the new one)")
                                  .arg(where, pin, seen.sha256),
            Failure::Certificate, seen.sha256 };
    if (handshakeFailed && (seen.refusedByCas || !seen.sha256.isEmpty()))
        return TrustFailure { QStringLiteral("the certificate of %1 is not trusted (%2); SHA-256 %3. Give the gateway "
                                             "a CA file, or check this fingerprint and pin it")
                                  .arg(where, handshakeError,
                                      seen.sha256.isEmpty() ? QStringLiteral("unknown") : seen.sha256),
            pin.isEmpty() ? Failure::Certificate : Failure::General, seen.sha256 };
    return std::nullopt;
}

} // namespace Fleetdeck::Wire
