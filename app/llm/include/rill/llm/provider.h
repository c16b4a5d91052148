#pragma once

#include <rill/llm/canceltoken.h>
#include <rill/llm/chat.h>
#include <rill/llm/providererror.h>

#include <QObject>
#include <QStringList>

#include <qcoro/qcoroasyncgenerator.h>
#include <qcoro/qcorotask.h>

#include <chrono>

namespace Rill::Llm {

//! How long a provider waits before giving up with ProviderError::Kind::Timeout.
struct Timeouts
{
    //! From sending the request to the first token: generous, because a
    //! local server may load the model from disk first.
    std::chrono::milliseconds firstToken{60'000};
    //! The longest silence after the first token.
    std::chrono::milliseconds idle{30'000};
    //! For requests that are not streams (the model list, discovery probes).
    std::chrono::milliseconds request{10'000};
};

//! The most events Provider::chat() yields without letting the event loop
//! run (a server can send a whole answer in one read).
inline constexpr int MaxEventsPerTurn = 256;

/*!
  A source of chat completions: lists models and streams answers.

  \code
  QCoro::Task<> ChatView::ask(QVariantMap params)
  {
      Rill::Llm::ChatRequest request{m_model, m_history};
      streamStart(u"response"_s);
      try {
          QCORO_FOREACH (const Rill::Llm::ChatEvent &event, m_provider->chat(request, &m_cancel)) {
              if (event.kind == Rill::Llm::ChatEvent::Kind::Content)
                  streamText(u"response"_s, event.text);
          }
          streamDone(u"response"_s);
      } catch (const Rill::Llm::ProviderError &e) {
          streamError(u"response"_s, e.message()); // what already streamed stays
      }
  }
  \endcode

  The provider must outlive the generators it returned. Providers live in
  one thread and are not thread-safe.
*/
class Provider : public QObject
{
    Q_OBJECT
public:
    explicit Provider(QObject *parent = nullptr);
    ~Provider() override;

    //! "openai", "ollama" or "demo".
    virtual QString kind() const = 0;
    //! For the user: "Ollama at http://127.0.0.1:11434", "Offline demo".
    virtual QString displayName() const = 0;
    //! True for the built-in responder, which no real model stands behind.
    virtual bool isDemo() const { return false; }

    Timeouts timeouts() const;
    void setTimeouts(const Timeouts &timeouts);

    //! The models the server offers, as names chat() accepts. Throws ProviderError.
    virtual QCoro::Task<QStringList> models() = 0;

    //! Streams the answer to \a request. Throws ProviderError (after the
    //! events already yielded) when the request or the stream fails; ends
    //! with a "cancelled" Finished event when \a cancel fires. Destroying
    //! the generator early aborts the request. However much the server
    //! sends at once, the event loop runs at least every MaxEventsPerTurn
    //! events.
    virtual QCoro::AsyncGenerator<ChatEvent> chat(ChatRequest request, CancelToken *cancel = nullptr) = 0;

private:
    Timeouts m_timeouts;
};

} // namespace Rill::Llm
