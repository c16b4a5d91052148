#pragma once

#include <QString>

#include <stdexcept>

namespace Rill::Llm {

/*!
  Why a model list or a streamed answer failed, in words a user can act on
  ("Could not connect to 127.0.0.1:11434: connection refused. Is the server
  running?"). Thrown by Provider::models() and by the chat() generator; in
  the latter case after every token that did arrive was yielded, so the
  caller keeps the partial answer:

  \code
  try {
      QCORO_FOREACH (const ChatEvent &event, provider->chat(request, &m_cancel))
          ...
  } catch (const Rill::Llm::ProviderError &e) {
      streamError(u"response"_s, e.message());   // partial answer stays
  }
  \endcode
*/
class ProviderError : public std::runtime_error
{
public:
    enum class Kind {
        Http,       //!< the server answered 4xx/5xx; httpStatus() says which
        Connection, //!< refused, unknown host, TLS, ... before an answer
        Protocol,   //!< the stream held something that is not the protocol
        Server,     //!< the server reported an error inside the stream
        Cut,        //!< the connection ended before the answer was complete
        Timeout,    //!< first-token, idle or request timeout
    };

    ProviderError(Kind kind, const QString &message, int httpStatus = 0)
        : std::runtime_error(message.toStdString()), m_kind(kind), m_message(message), m_httpStatus(httpStatus)
    {
    }

    Kind kind() const { return m_kind; }
    QString message() const { return m_message; }
    int httpStatus() const { return m_httpStatus; }

private:
    Kind m_kind;
    QString m_message;
    int m_httpStatus;
};

} // namespace Rill::Llm
