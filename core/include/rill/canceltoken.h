#pragma once

#include <rill/rillcore_export.h>

#include <QObject>

#include <qcoro/qcorotask.h>

#include <chrono>

namespace Rill {

/*!
  Asks a long piece of work to stop from outside it. A Stop button's
  handler runs while the handler it stops is suspended in a co_await, so it
  cannot break out of that loop itself; it cancels the loop's token, and
  whatever the loop waits on (Rill::sleepFor(), an LLM request, a
  TokenSource) ends at once instead of at its next step.

  A view hands them out by job name (LiveView::beginJob()): starting a job
  cancels the one of that name still running, cancelJob() is the Stop, and
  closing the view cancels them all.

  \code
  QCoro::Task<> Chat::ask(QVariantMap params)
  {
      const auto job = beginJob(u"answer"_s);
      streamStart(u"response"_s);
      QCORO_FOREACH (const QString &token, m_llm.stream(content, job.get())) // ends when cancelled
          streamText(u"response"_s, token);
      streamDone(u"response"_s);
  }
  QCoro::Task<> Chat::stop(QVariantMap) { cancelJob(u"answer"_s); co_return; }
  \endcode

  In QML the same token is what beginJob() returns; Rill.sleep(ms, job) and
  TokenSource.generate(prompt, onToken, job) end early when it is cancelled.
*/
class RILL_CORE_EXPORT CancelToken : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool cancelled READ isCancelled NOTIFY cancelled)
public:
    using QObject::QObject;

    //! Cancels (once: later calls do nothing) and emits cancelled().
    Q_INVOKABLE void cancel();
    bool isCancelled() const { return m_cancelled; }
    //! Makes the token usable again.
    void reset() { m_cancelled = false; }

Q_SIGNALS:
    void cancelled();

private:
    bool m_cancelled = false;
};

/*!
  Waits \a duration, or less when \a token (may be null) is cancelled
  first. True when the whole time passed, false when cancelled (also when
  it already was).
*/
RILL_CORE_EXPORT QCoro::Task<bool> sleepFor(std::chrono::milliseconds duration, CancelToken *token);

} // namespace Rill
