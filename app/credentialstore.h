#pragma once

#include <functional>

#include <QHash>
#include <QObject>
#include <QString>

#include "result.h"

namespace Fleetdeck {

// Where secrets live (admin API tokens, the Varnish CLI secret, key pass phrases). Settings, fleet files, the
// journal and logs hold only the reference (a name such as "haproxy-1/admin"), never the secret.
class CredentialStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialStore)

public:
    using SecretCallback = std::function<void(Result<QString>)>;
    using DoneCallback = std::function<void(Result<bool>)>;

    explicit CredentialStore(QObject* parent = nullptr)
        : QObject(parent)
    { }
    ~CredentialStore() override = default;

    virtual void write(const QString& reference, const QString& secret, DoneCallback done) = 0;
    virtual void read(const QString& reference, SecretCallback done) = 0;
    virtual void forget(const QString& reference, DoneCallback done) = 0;
};

// The OS keychain through QtKeychain (the Secret Service on Linux). When it is unavailable the error says so
// plainly; it never falls back to a file.
class KeychainCredentialStore final : public CredentialStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainCredentialStore)

public:
    explicit KeychainCredentialStore(const QString& service = QStringLiteral("Fleetdeck"), QObject* parent = nullptr);

    void write(const QString& reference, const QString& secret, DoneCallback done) override;
    void read(const QString& reference, SecretCallback done) override;
    void forget(const QString& reference, DoneCallback done) override;

private:
    QString m_service;
};

// Secrets for this session only, in memory: what the operator chooses when the keychain is unavailable.
class SessionCredentialStore final : public CredentialStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionCredentialStore)

public:
    explicit SessionCredentialStore(QObject* parent = nullptr);

    void write(const QString& reference, const QString& secret, DoneCallback done) override;
    void read(const QString& reference, SecretCallback done) override;
    void forget(const QString& reference, DoneCallback done) override;

private:
    QHash<QString, QString> m_secrets;
};

} // namespace Fleetdeck
