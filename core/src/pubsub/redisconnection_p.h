#pragma once

// One asynchronous hiredis connection on the Qt event loop: QSocketNotifiers
// stand in for the event library hiredis expects (no threads of our own).
// Used by PubSub's Redis backend, one for PUBLISH and one in subscriber mode.

#include <QObject>
#include <QString>

#include <functional>

struct redisAsyncContext;
struct redisReply;
class QSocketNotifier;
class QTimer;

namespace Rill::detail {

class RedisConnection : public QObject
{
    Q_OBJECT
public:
    using ReplyHandler = std::function<void(redisReply *reply)>;

    explicit RedisConnection(QObject *parent = nullptr);
    ~RedisConnection() override;

    //! Starts connecting; connected() or lost() follows. With a \a password
    //! (and \a user, for an ACL user) AUTH goes first, else a PING: either
    //! way connected() means Redis answered, and a refusal (NOAUTH,
    //! WRONGPASS) is lost() with Redis's words; no answer within 5 s
    //! (something else on that port, a stalled Redis) is lost() too.
    bool open(const QString &host, int port, const QByteArray &user = {}, const QByteArray &password = {});
    bool isConnected() const { return m_connected; }
    //! Sends a command (arguments as given, binary-safe). \a onReply, if
    //! set, gets each reply (several for SUBSCRIBE: the acknowledgement and
    //! every message); null when the connection went before it came.
    bool command(const QList<QByteArray> &args, ReplyHandler onReply = {});
    //! Closes at once; no signal follows.
    void close();
    /*!
      The most a reply may take before it is complete: Redis passes on
      whatever any of its clients publishes, so a reply over this (bytes
      read but not yet parsed) closes the connection with lost() instead
      of growing the process. Default 16 MiB.
    */
    void setMaxReplyBytes(qsizetype bytes) { m_maxReplyBytes = bytes; }
    qsizetype maxReplyBytes() const { return m_maxReplyBytes; }

Q_SIGNALS:
    void connected();
    void lost(const QString &why);

private:
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    void setReading(bool on);
    void setWriting(bool on);
    void dropNotifiers();
    void readable();
    void fail(const QString &why);
    void greet();

    redisAsyncContext *m_ctx = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_connected = false;
    bool m_closing = false;
    int m_pending = 0;
    qsizetype m_maxReplyBytes = 16 * 1024 * 1024;
    QByteArray m_user;
    QByteArray m_password;
    QTimer *m_greeting = nullptr; // the deadline for the answer to AUTH or PING
};

} // namespace Rill::detail
