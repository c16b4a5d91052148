#pragma once

#include <QObject>

namespace Rill::Llm {

/*!
  Stops a streamed answer from outside the loop that consumes it: a chat's
  Stop handler runs while the ask handler is suspended inside the stream, so
  it cannot simply break out. cancel() aborts the HTTP request at once (the
  server sees the connection close) and the stream then ends with a Finished
  event whose finishReason is "cancelled" — not an exception.

  \code
  // ask():
  m_cancel.reset();
  try {
      QCORO_FOREACH (const ChatEvent &e, provider->chat(request, &m_cancel)) { ... }
  } catch (const ProviderError &e) { streamError(u"response"_s, e.message()); }
  // stop():
  m_cancel.cancel();
  \endcode

  A token cancelled before chat() starts makes it send nothing. Breaking out
  of the loop (destroying the generator) also aborts the request.
*/
class CancelToken : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    void cancel()
    {
        if (m_cancelled)
            return;
        m_cancelled = true;
        Q_EMIT cancelled();
    }
    bool isCancelled() const { return m_cancelled; }
    //! Makes the token usable for the next request.
    void reset() { m_cancelled = false; }

Q_SIGNALS:
    void cancelled();

private:
    bool m_cancelled = false;
};

} // namespace Rill::Llm
