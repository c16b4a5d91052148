#pragma once

#include <rill/rillqml_export.h>

#include <QJSValue>
#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace Rill {

/*!
  An offline stand-in for an LLM (the examples' token source, for QML):
  streams "t1 ", "t2 ", ... at tokensPerSecond, and can fail after
  failAfter tokens to show the error path.

  \qml
  TokenSource { id: llm; tokens: 200; tokensPerSecond: 50 }
  function ask(params) {
      const job = beginJob("answer")                  // stop(): cancelJob("answer")
      streamStart("response")
      return llm.generate(params.content, token => { streamText("response", token) }, job)
          .then(() => streamDone("response"),
                e => streamError("response", "Error: " + e.message)) // "the token source failed after 5 tokens"
  }
  \endqml
*/
class RILL_QML_EXPORT QmlTokenSource : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(TokenSource)
    Q_PROPERTY(int tokens MEMBER m_tokens NOTIFY changed)
    Q_PROPERTY(double tokensPerSecond MEMBER m_tokensPerSecond NOTIFY changed)
    Q_PROPERTY(int failAfter MEMBER m_failAfter NOTIFY changed)
public:
    using QObject::QObject;

    /*!
      Calls \a onToken(token) per token; returning false from it stops early,
      and so does cancelling \a job (a view's beginJob() token), at once,
      even between tokens. The Promise resolves after the last token (or
      the stop), and rejects with an Error when the source fails or onToken
      throws.
    */
    Q_INVOKABLE QJSValue generate(const QString &prompt, const QJSValue &onToken, const QJSValue &job = QJSValue());

Q_SIGNALS:
    void changed();

private:
    int m_tokens = 200;
    double m_tokensPerSecond = 50;
    int m_failAfter = -1;
};

} // namespace Rill
