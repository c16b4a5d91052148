#include "redisconnection_p.h"

#include <QSocketNotifier>
#include <QTimer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

namespace Rill::detail {

namespace {

// A command's handler, owned by hiredis until its last reply (see onReply).
struct Pending
{
    RedisConnection::ReplyHandler handler;
    bool subscription; // SUBSCRIBE/UNSUBSCRIBE: hiredis keeps calling back
};

RedisConnection *connectionOf(const redisAsyncContext *ac) { return static_cast<RedisConnection *>(ac->data); }

} // namespace

RedisConnection::RedisConnection(QObject *parent) : QObject(parent) {}

RedisConnection::~RedisConnection() { close(); }

bool RedisConnection::open(const QString &host, int port, const QByteArray &user, const QByteArray &password)
{
    close();
    m_closing = false;
    m_user = user;
    m_password = password;
    m_ctx = redisAsyncConnect(host.toUtf8().constData(), port);
    if (!m_ctx)
        return false;
    if (m_ctx->err) {
        const QString why = QString::fromUtf8(m_ctx->errstr);
        redisAsyncFree(m_ctx);
        m_ctx = nullptr;
        Q_EMIT lost(why);
        return false;
    }
    m_ctx->data = this;
    m_ctx->ev.data = this;
    m_ctx->ev.addRead = [](void *self) { static_cast<RedisConnection *>(self)->setReading(true); };
    m_ctx->ev.delRead = [](void *self) { static_cast<RedisConnection *>(self)->setReading(false); };
    m_ctx->ev.addWrite = [](void *self) { static_cast<RedisConnection *>(self)->setWriting(true); };
    m_ctx->ev.delWrite = [](void *self) { static_cast<RedisConnection *>(self)->setWriting(false); };
    m_ctx->ev.cleanup = [](void *self) { static_cast<RedisConnection *>(self)->dropNotifiers(); };
    redisAsyncSetConnectCallback(m_ctx, &RedisConnection::onConnect);
    redisAsyncSetDisconnectCallback(m_ctx, &RedisConnection::onDisconnect);
    return true;
}

void RedisConnection::setReading(bool on)
{
    if (on && !m_read && m_ctx) {
        m_read = new QSocketNotifier(m_ctx->c.fd, QSocketNotifier::Read, this);
        connect(m_read, &QSocketNotifier::activated, this, &RedisConnection::readable);
    } else if (!on && m_read) {
        m_read->setEnabled(false);
        m_read->deleteLater();
        m_read = nullptr;
    }
}

void RedisConnection::readable()
{
    if (!m_ctx)
        return;
    redisAsyncHandleRead(m_ctx); // reads one chunk (16 KB), parses what is complete
    // What is left is the start of a reply still coming: bounded here, one
    // chunk past the limit at most.
    if (m_ctx && m_ctx->c.reader && m_ctx->c.reader->len - m_ctx->c.reader->pos > size_t(m_maxReplyBytes))
        fail(QStringLiteral("Redis sent a reply of more than %1 bytes (the limit); closed the connection")
                 .arg(m_maxReplyBytes));
}

void RedisConnection::fail(const QString &why)
{
    close();
    Q_EMIT lost(why);
}

void RedisConnection::setWriting(bool on)
{
    if (on && !m_write && m_ctx) {
        m_write = new QSocketNotifier(m_ctx->c.fd, QSocketNotifier::Write, this);
        connect(m_write, &QSocketNotifier::activated, this, [this] {
            if (m_ctx)
                redisAsyncHandleWrite(m_ctx);
        });
    } else if (!on && m_write) {
        m_write->setEnabled(false);
        m_write->deleteLater();
        m_write = nullptr;
    }
}

void RedisConnection::dropNotifiers()
{
    setReading(false);
    setWriting(false);
}

void RedisConnection::onConnect(const redisAsyncContext *ac, int status)
{
    RedisConnection *self = connectionOf(ac);
    if (!self)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context after this callback.
        const QString why = QString::fromUtf8(ac->errstr);
        self->m_ctx = nullptr;
        self->dropNotifiers();
        Q_EMIT self->lost(why);
        return;
    }
    self->greet();
}

void RedisConnection::greet()
{
    // A Redis that wants a password answers every command but AUTH with
    // NOAUTH: without this, SUBSCRIBE and PUBLISH would fail one by one
    // while the backend looked up.
    QList<QByteArray> hello{"PING"};
    if (!m_password.isEmpty())
        hello = m_user.isEmpty() ? QList<QByteArray>{"AUTH", m_password} : QList<QByteArray>{"AUTH", m_user, m_password};
    if (!m_greeting) {
        m_greeting = new QTimer(this);
        m_greeting->setSingleShot(true);
        connect(m_greeting, &QTimer::timeout, this,
                [this] { fail(QStringLiteral("no answer from Redis within 5 s (is it Redis on that port?)")); });
    }
    m_greeting->start(5000);
    const bool sent = command(hello, [this](redisReply *r) {
        m_greeting->stop();
        if (!r)
            return; // the connection went: onDisconnect says so
        if (r->type == REDIS_REPLY_ERROR) {
            const QString why = QString::fromUtf8(r->str, qsizetype(r->len));
            // Not from inside hiredis' callback: closing frees its context.
            QMetaObject::invokeMethod(this, [this, why] { fail(why); }, Qt::QueuedConnection);
            return;
        }
        m_connected = true;
        Q_EMIT connected();
    });
    if (!sent)
        QMetaObject::invokeMethod(this, [this] { fail(QStringLiteral("could not send the first command")); },
                                  Qt::QueuedConnection);
}

void RedisConnection::onDisconnect(const redisAsyncContext *ac, int status)
{
    RedisConnection *self = connectionOf(ac);
    if (!self)
        return;
    // The context is freed by hiredis after this returns.
    const QString why = status == REDIS_OK ? QStringLiteral("closed") : QString::fromUtf8(ac->errstr);
    self->m_ctx = nullptr;
    self->m_connected = false;
    self->dropNotifiers();
    if (!self->m_closing)
        Q_EMIT self->lost(why);
}

void RedisConnection::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    auto *pending = static_cast<Pending *>(privdata);
    RedisConnection *self = connectionOf(ac);
    if (pending->handler && self && !self->m_closing)
        pending->handler(static_cast<redisReply *>(reply));
    // A subscription's callback stays registered until its channel's
    // "unsubscribe" reply or the end of the connection (reply null then);
    // other commands reply once.
    const auto *r = static_cast<const redisReply *>(reply);
    const bool unsubscribed = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0
        && r->element[0]->type == REDIS_REPLY_STRING && qstrnicmp(r->element[0]->str, "unsubscribe", 11) == 0;
    if (!pending->subscription || !reply || unsubscribed) {
        if (self)
            --self->m_pending;
        delete pending;
    }
}

bool RedisConnection::command(const QList<QByteArray> &args, ReplyHandler onReply)
{
    if (!m_ctx || args.isEmpty())
        return false;
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        argvlen.push_back(size_t(a.size()));
    }
    const QByteArray name = args.constFirst().toUpper();
    if (name == "UNSUBSCRIBE" || name == "PUNSUBSCRIBE") {
        // No reply of its own: each channel's subscription callback gets it.
        return redisAsyncCommandArgv(m_ctx, nullptr, nullptr, int(args.size()), argv.data(), argvlen.data()) == REDIS_OK;
    }
    auto *pending = new Pending{std::move(onReply), name == "SUBSCRIBE" || name == "PSUBSCRIBE"};
    if (redisAsyncCommandArgv(m_ctx, &RedisConnection::onReply, pending, int(args.size()), argv.data(), argvlen.data())
        != REDIS_OK) {
        delete pending;
        return false;
    }
    ++m_pending;
    return true;
}

void RedisConnection::close()
{
    m_closing = true;
    m_connected = false;
    if (m_greeting)
        m_greeting->stop();
    if (m_ctx) {
        redisAsyncContext *ac = std::exchange(m_ctx, nullptr);
        // Called back while freeing (or later, when freed from inside one
        // of its callbacks), hiredis must not reach this object.
        ac->data = nullptr;
        ac->ev = {};
        // Frees the context; pending callbacks are called with a null reply.
        redisAsyncFree(ac);
    }
    dropNotifiers();
}

} // namespace Rill::detail
