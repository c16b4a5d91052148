#include "secretstore.h"

// libsecret is a GLib library: its headers use "signals" and friends, which
// Qt's keywords would rewrite; they are off in this file's includes.
#undef signals
#include <libsecret/secret.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace Qt::StringLiterals;

namespace RillChat::SecretStore {

namespace {

const SecretSchema *schema()
{
    static const SecretSchema s = {
        "org.rill.Chat",
        SECRET_SCHEMA_NONE,
        {
            {"scope", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {"account", SECRET_SCHEMA_ATTRIBUTE_STRING},
            {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING},
        },
        0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
    };
    return &s;
}

// Each call gets a cancellable that a watchdog cancels after TimeoutS: a
// store that hangs (a prompt nobody answers, a stuck service) cannot keep
// rill-chat from starting.
constexpr int TimeoutS = 30;

class Deadline
{
public:
    Deadline() : m_cancellable(g_cancellable_new())
    {
        m_watchdog = std::thread([this] {
            std::unique_lock lock(m_mutex);
            if (!m_done.wait_for(lock, std::chrono::seconds(TimeoutS), [this] { return m_finished; }))
                g_cancellable_cancel(m_cancellable);
        });
    }
    ~Deadline()
    {
        {
            std::lock_guard lock(m_mutex);
            m_finished = true;
        }
        m_done.notify_all();
        m_watchdog.join();
        g_object_unref(m_cancellable);
    }
    GCancellable *get() const { return m_cancellable; }

private:
    GCancellable *m_cancellable;
    std::mutex m_mutex;
    std::condition_variable m_done;
    bool m_finished = false;
    std::thread m_watchdog;
};

QString take(GError *error)
{
    const QString message = error ? QString::fromUtf8(error->message) : u"unknown error"_s;
    if (error)
        g_error_free(error);
    return message;
}

} // namespace

bool enabled()
{
    return qEnvironmentVariable("RILL_CHAT_SECRET_STORE").compare(u"off"_s, Qt::CaseInsensitive) != 0;
}

std::optional<QString> lookup(const QString &scope, const QString &account, QString *error)
{
    GError *failure = nullptr;
    const QByteArray s = scope.toUtf8(), a = account.toUtf8();
    const Deadline deadline;
    gchar *secret = secret_password_lookup_sync(schema(), deadline.get(), &failure, "scope", s.constData(), "account",
                                                a.constData(), nullptr);
    if (failure) {
        *error = take(failure);
        return std::nullopt;
    }
    const QString out = secret ? QString::fromUtf8(secret) : QString();
    if (secret)
        secret_password_free(secret);
    return out;
}

bool store(const QString &scope, const QString &account, const QString &secret, QString *error)
{
    GError *failure = nullptr;
    const QByteArray s = scope.toUtf8(), a = account.toUtf8(), value = secret.toUtf8();
    const QByteArray label = u"Rill Chat API key (%1)"_s.arg(scope).toUtf8();
    const Deadline deadline;
    const gboolean ok = secret_password_store_sync(schema(), SECRET_COLLECTION_DEFAULT, label.constData(),
                                                   value.constData(), deadline.get(), &failure, "scope", s.constData(),
                                                   "account", a.constData(), nullptr);
    if (!ok || failure) {
        *error = take(failure);
        return false;
    }
    return true;
}

bool remove(const QString &scope, const QString &account, QString *error)
{
    GError *failure = nullptr;
    const QByteArray s = scope.toUtf8(), a = account.toUtf8();
    const Deadline deadline;
    secret_password_clear_sync(schema(), deadline.get(), &failure, "scope", s.constData(), "account", a.constData(), nullptr);
    if (failure) {
        *error = take(failure);
        return false;
    }
    return true;
}

} // namespace RillChat::SecretStore
