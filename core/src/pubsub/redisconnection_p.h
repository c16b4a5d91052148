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

namespace Rill::detail {

class RedisConnection : public QObject
{
    Q_OBJECT
public:
    using ReplyHandler = std::function<void(redisReply *reply)>;

    explicit RedisConnection(QObject *parent = nullptr);
    ~RedisConnection() override;

    //! Starts connecting; connected() or lost() follows.
    bool open(const QString &host, int port);
    bool isConnected() const { return m_connected; }
    //! Sends a command (arguments as given, binary-safe). \a onReply, if
    //! set, gets each reply (several for SUBSCRIBE: the acknowledgement and
    //! every message); null when the connection went before it came.
    bool command(const QList<QByteArray> &args, ReplyHandler onReply = {});
    //! Closes at once; no signal follows.
    void close();

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

    redisAsyncContext *m_ctx = nullptr;
    QSocketNotifier *m_read = nullptr;
    QSocketNotifier *m_write = nullptr;
    bool m_connected = false;
    bool m_closing = false;
    int m_pending = 0;
};

} // namespace Rill::detail
