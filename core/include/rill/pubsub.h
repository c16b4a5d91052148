#pragma once

#include <rill/rillcore_export.h>

#include <QObject>
#include <QString>
#include <QUrl>
#include <QVariant>

#include <functional>
#include <memory>

namespace Rill {

/*!
  Named topics that any view, handler or other code can publish to and
  subscribe to: the way to fan one stream out to every page watching the
  same thing (a log, a shared conversation, a dashboard).

  \code
  // every page of the log view follows the same file:
  QCoro::Task<> LogView::mount(const Rill::Request &)
  {
      m_pubsub->subscribe(u"logs/app"_s, this, [this](const QVariant &line) {
          streamInsert(u"logs"_s, renderTemplate(u"log_line.html"_s, {{u"line"_s, line}}));
      });
      co_return;
  }
  // wherever the lines come from:
  pubsub.publish(u"logs/app"_s, line);
  \endcode

  Messages reach a topic's subscribers in the order they were published to
  that topic, each subscriber once, always later (from the event loop),
  never inside publish(): a handler that publishes cannot recurse into
  itself. A subscription ends when its context object is destroyed (a
  view, when its page is gone) or with unsubscribe().

  One PubSub serves one process; Server::pubSub() is the server's. Several
  processes share topics through a backend (see docs/deployment.md).
  Like views, it lives in the server's thread and is not thread-safe.
*/
class RILL_CORE_EXPORT PubSub : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(const QVariant &message)>;

    explicit PubSub(QObject *parent = nullptr);
    ~PubSub() override;

    /*!
      Calls \a handler with each message published to \a topic from now on,
      until \a context is destroyed or unsubscribe(). Returns the
      subscription's id (never 0).
    */
    quint64 subscribe(const QString &topic, QObject *context, Handler handler);
    //! Ends the subscription \a id; messages already on their way are not delivered.
    void unsubscribe(quint64 id);
    //! Sends \a message to \a topic's subscribers (see the ordering above).
    Q_INVOKABLE void publish(const QString &topic, const QVariant &message);
    //! How many subscriptions \a topic has in this process.
    Q_INVOKABLE int subscriberCount(const QString &topic) const;

    /*!
      Shares topics with every process connected to the Redis server at
      \a url (redis://[[USER]:PASSWORD@]HOST[:PORT], default port 6379; with
      a password, percent-encoded, AUTH is sent first, and a Redis that
      refuses it or wants one is an error like a Redis that is down; user
      and password appear in no message): a message published
      in any of them reaches the subscribers of all, in the order Redis
      received them, the same order everywhere. Messages travel as JSON
      (what QJsonValue can hold). While Redis cannot be reached the
      instance delivers its own messages to its own subscribers, says so
      with redisError() and reconnects (backoff up to 5 s); messages
      published elsewhere meanwhile are not seen here. Server picks up
      RILL_REDIS_URL by itself. False for a URL it cannot use.

      What arrives from Redis is checked like any input: a message on a
      rill: channel that is not one of ours is dropped with a warning, and
      a reply of more than 16 MiB closes the connection (and reconnects)
      rather than grow the process; so a message over 16 MiB as JSON is
      not published (a warning says so) while Redis is in use.
    */
    bool connectToRedis(const QUrl &url);
    //! True while both of its Redis connections are up.
    bool isRedisConnected() const;

Q_SIGNALS:
    //! Every message delivered, whatever its topic, after its subscribers had it.
    void delivered(const QString &topic, const QVariant &message);
    //! The Redis backend is up (again); topics are shared from now on.
    void redisConnected();
    //! The Redis backend failed or went away (this instance's own
    //! messages still reach its own subscribers).
    void redisError(const QString &message);

private:
    void deliver();
    void enqueueLocal(const QString &topic, const QVariant &message);
    void redisUp();
    void redisDown(const QString &why);
    void redisSubscribe(const QString &topic);
    void redisPublish(const QString &topic, const QVariant &message);
    void redisMessage(const QByteArray &channel, const QByteArray &payload);
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
