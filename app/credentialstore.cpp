#include "credentialstore.h"

#include <qt6keychain/keychain.h>

namespace Fleetdeck {

namespace {
QString explain(const QKeychain::Job* job, const QString& what, const QString& reference)
{
    if (job->error() == QKeychain::EntryNotFound)
        return QStringLiteral("no secret stored for %1").arg(reference);
    if (job->error() == QKeychain::NoBackendAvailable || job->error() == QKeychain::OtherError
        || job->error() == QKeychain::AccessDenied)
        return QStringLiteral(
            "the system keychain is not available (%1 %2: %3); type the secret for this session only, "
            "or cancel")
            .arg(what, reference, job->errorString());
    return QStringLiteral("keychain: %1 %2 failed: %3").arg(what, reference, job->errorString());
}
} // namespace

KeychainCredentialStore::KeychainCredentialStore(const QString& service, QObject* parent)
    : CredentialStore(parent)
    , m_service(service)
{ }

void KeychainCredentialStore::write(const QString& reference, const QString& secret, DoneCallback done)
{
    auto* job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plaintext file
    job->setKey(reference);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [reference, done = std::move(done)](QKeychain::Job* j) {
        if (j->error() != QKeychain::NoError)
            done(Result<bool>::failure(explain(j, QStringLiteral("storing"), reference)));
        else
            done(Result<bool>::success(true));
    });
    job->start();
}

void KeychainCredentialStore::read(const QString& reference, SecretCallback done)
{
    auto* job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(reference);
    connect(job, &QKeychain::Job::finished, this, [reference, done = std::move(done)](QKeychain::Job* j) {
        if (j->error() != QKeychain::NoError)
            done(Result<QString>::failure(explain(j, QStringLiteral("reading"), reference)));
        else
            done(Result<QString>::success(static_cast<QKeychain::ReadPasswordJob*>(j)->textData()));
    });
    job->start();
}

void KeychainCredentialStore::forget(const QString& reference, DoneCallback done)
{
    auto* job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(reference);
    connect(job, &QKeychain::Job::finished, this, [reference, done = std::move(done)](QKeychain::Job* j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            done(Result<bool>::failure(explain(j, QStringLiteral("forgetting"), reference)));
        else
            done(Result<bool>::success(true));
    });
    job->start();
}

SessionCredentialStore::SessionCredentialStore(QObject* parent)
    : CredentialStore(parent)
{ }

void SessionCredentialStore::write(const QString& reference, const QString& secret, DoneCallback done)
{
    m_secrets.insert(reference, secret);
    done(Result<bool>::success(true));
}

void SessionCredentialStore::read(const QString& reference, SecretCallback done)
{
    const auto it = m_secrets.constFind(reference);
    if (it == m_secrets.cend())
        done(Result<QString>::failure(QStringLiteral("no secret for %1 in this session").arg(reference)));
    else
        done(Result<QString>::success(*it));
}

void SessionCredentialStore::forget(const QString& reference, DoneCallback done)
{
    m_secrets.remove(reference);
    done(Result<bool>::success(true));
}

} // namespace Fleetdeck
