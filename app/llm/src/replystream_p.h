#pragma once

// Waiting on a QNetworkReply from a coroutine, with the provider timeouts
// and a CancelToken folded into one wake-up, and the error messages every
// HTTP provider shares.

#include <rill/llm/provider.h>

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

#include <coroutine>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcLlm)

class QNetworkAccessManager;
class QNetworkRequest;

namespace Rill::Llm::Detail {

/*!
  Owns a reply for the length of a coroutine. `co_await stream.wait()`
  returns once there is something to look at: bytes, the end, a timeout or
  a cancellation. Destroying it aborts a reply still running, which is how
  a generator destroyed mid-stream closes the connection.

  Resumption is always posted to the event loop rather than done inside the
  reply's signal: the resumed code may yield to a consumer that destroys
  this stream, and the reply must not be deleted from inside its own signal.
*/
class ReplyStream
{
public:
    enum class Timing {
        Stream,  //!< Timeouts::firstToken until tokenSeen(), then Timeouts::idle per silence
        Request, //!< Timeouts::request for the whole exchange
    };

    ReplyStream(QNetworkReply *reply, const Timeouts &timeouts, Timing timing, CancelToken *cancel = nullptr);
    ~ReplyStream();
    ReplyStream(const ReplyStream &) = delete;
    ReplyStream &operator=(const ReplyStream &) = delete;

    struct Awaiter
    {
        ReplyStream *stream;
        bool await_ready() const noexcept { return stream->hasNews(); }
        void await_suspend(std::coroutine_handle<> handle) noexcept;
        void await_resume() const noexcept {}
    };
    Awaiter wait() { return Awaiter{this}; }

    QByteArray readAll();
    bool isFinished() const;
    bool isCancelled() const;
    bool isTimedOut() const;
    //! 0 until the status line arrived (and for connection failures).
    int httpStatus() const;
    //! Switches from the first-token deadline to the idle deadline.
    void tokenSeen();

    //! The ProviderError for how this exchange failed (timeout, HTTP status,
    //! network error, or \a cutMessage when it just ended too soon).
    ProviderError error(const QByteArray &body) const;

private:
    bool hasNews() const;
    struct State;
    std::shared_ptr<State> m_state;
};

//! "Could not connect to 127.0.0.1:8080: connection refused. Is the server running?" and friends.
ProviderError networkError(const QNetworkReply &reply);
//! "The server returned HTTP 401: <message from the JSON body>".
ProviderError httpError(int status, const QByteArray &reasonPhrase, const QByteArray &body);
ProviderError malformedLine(const QByteArray &line);
ProviderError cutError();
//! The message of an error object a server sent: {"error":{"message":..}}, {"error":".."}, {"message":..}, {"detail":..}.
QString errorMessageIn(const QJsonDocument &doc);
QString seconds(std::chrono::milliseconds duration);

QNetworkRequest jsonRequest(const QUrl &url);
//! [{"role":..,"content":..}, ...]: the messages array both APIs take.
//! How a message's images are sent: OpenAI's content parts with data: URLs,
//! or Ollama's "images" (base64).
enum class ImageStyle { OpenAIParts, OllamaImages };
QJsonArray messagesJson(const QList<ChatMessage> &messages, ImageStyle images);

/*!
  Keeps chat()'s promise of MaxEventsPerTurn. One read can hold a whole
  answer, and its events are yielded without a suspension between them:
  the event loop would wait for all of them, and where the compiler makes
  no tail call of the coroutines' resumptions (the sanitizers; a long
  enough burst at -O2 too) each event nests in the one before on the stack.

      co_yield event;
      if (pacer.due())
          co_await QCoro::sleepFor(std::chrono::milliseconds(0)); // a turn of the event loop
*/
class EventPacer
{
public:
    bool due()
    {
        if (++m_events < MaxEventsPerTurn)
            return false;
        m_events = 0;
        return true;
    }

private:
    int m_events = 0;
};

//! GETs \a url and returns the JSON body; throws ProviderError.
QCoro::Task<QJsonDocument> fetchJson(QNetworkAccessManager *network, QNetworkRequest request, Timeouts timeouts);

} // namespace Rill::Llm::Detail
