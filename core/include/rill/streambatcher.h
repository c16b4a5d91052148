#pragma once

#include <rill/rillcore_export.h>
#include <rill/streamop.h>

#include <QList>
#include <QObject>

#include <functional>
#include <memory>

namespace Rill {

/*!
  Paces a session's outbound ops: at most one flush per interval (16 ms,
  about one animation frame), with no added latency for the first op after a
  quiet spell. The first op that arrives while the batcher is idle leaves at
  once, synchronously inside enqueue(); ops that arrive during the interval
  that follows are flushed together when it ends, which starts another
  interval; an interval that ends with nothing queued makes the batcher idle.

  Lossless and ordered: a flush carries coalesce() of what was queued, which
  only concatenates adjacent text ops and drops content that a later replace
  of the same target overwrites. Start, done, error, inserts, deletes and
  renders keep their place, so nothing overtakes anything (a done never
  overtakes the text before it).

  Threading: lives in the session's thread; call everything from there.

  \code
  auto *batcher = new Rill::StreamBatcher(session);
  connect(view, &Rill::LiveView::streamOp, batcher, &Rill::StreamBatcher::enqueue);
  connect(batcher, &Rill::StreamBatcher::flushed, session, [session](const QList<Rill::StreamOp> &ops) {
      for (const auto &frame : Rill::Protocol::framesForBatch(ops, session->seq))
          session->send(Rill::Protocol::encode(frame));
  });
  // The error path goes through the same queue, so the partial text before
  // it is never lost or reordered:
  batcher->enqueue(Rill::StreamOp::text(u"response"_s, partial));
  batcher->enqueue(Rill::StreamOp::error(u"response"_s, u"model went away"_s));
  // Before closing the socket, send what is still queued:
  batcher->flushNow();
  \endcode

  Driving the clock in tests: setClock() replaces the time source (milliseconds,
  monotonic) and poll() does what the QTimer does when it fires, judged by
  that clock. A test keeps its own counter, advances it (by remainingTime()
  to land exactly where the timer would fire) and calls poll(); no sleeps,
  no event loop, fully deterministic. The QTimer also consults the
  clock, so if an event loop does run, a stopped fake clock keeps it idle.

  \code
  qint64 now = 0;
  Rill::StreamBatcher batcher;
  batcher.setClock([&now] { return now; });
  QSignalSpy spy(&batcher, &Rill::StreamBatcher::flushed);
  batcher.enqueue(a);      // idle: flushed({a}) at once
  now = 5;
  batcher.enqueue(b);      // queued
  now = 16;
  batcher.poll();          // interval over: flushed({b})
  \endcode
*/
class RILL_CORE_EXPORT StreamBatcher : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int interval READ interval WRITE setInterval NOTIFY intervalChanged)
    Q_PROPERTY(bool active READ isActive)

public:
    //! Milliseconds from any fixed origin; must never go backwards.
    using Clock = std::function<qint64()>;

    explicit StreamBatcher(QObject *parent = nullptr);
    //! Queued ops are dropped: call flushNow() first to send them.
    ~StreamBatcher() override;

    //! Milliseconds between flushes; 16 by default. A change applies from the next interval on.
    int interval() const;
    void setInterval(int msec);

    //! True from a flush until an interval ends with nothing queued.
    bool isActive() const;
    //! Milliseconds by now() until the current interval ends (0 if overdue); -1 when idle.
    qint64 remainingTime() const;
    //! Ops queued for the next flush (adjacent texts are joined as they arrive).
    qsizetype pendingCount() const;
    //! Characters of text and HTML queued, roughly the bytes a flush would send.
    qsizetype pendingSize() const;

    /*!
      While paused the batcher queues, merging as it goes (texts join,
      replaces drop what they overwrite), but never flushes; resume() flushes
      what was queued at once. A consumer that cannot take more pauses it:
      Rill::Server does while a socket's peer reads slower than the view
      streams, so that peer's memory stays bounded and nothing is lost.
    */
    void setPaused(bool paused);
    bool isPaused() const;

    /*!
      Whether the batcher runs a timer of its own (the default). Without
      one, whoever owns it calls poll() once remainingTime() has passed;
      Rill::Server drives all its sessions' batchers from one shared tick
      that way.
    */
    void setTimerEnabled(bool enabled);

    //! Replaces the time source; an empty function restores the monotonic default.
    void setClock(Clock clock);
    qint64 now() const;

    /*!
      The merge rules, alone: the shortest list with the same effect on the
      page as \a ops applied one by one.
      - Adjacent Text ops on the same target and stream with the same mode
        concatenate when the mode is Append or Default (Default is taken as
        the seed's default, append) or both are Prepend; a Text Replace
        absorbs Text Appends that follow it.
      - A Replace (or Text with mode Replace) drops the earlier Replace,
        Append, Prepend and Text ops on the same target string, back to the
        last Start, Done, Error or Delete of that target or the last Render.
      - Everything else keeps its place and its order.
    */
    static QList<StreamOp> coalesce(const QList<StreamOp> &ops);

public Q_SLOTS:
    //! Sends \a op at once when idle, else queues it for the end of the interval.
    void enqueue(const Rill::StreamOp &op);
    //! Emits everything queued now (if anything), without touching the interval.
    void flushNow();
    //! What the timer does when it fires: if the interval is over by now(), flush or go idle. Returns whether it was over.
    bool poll();

Q_SIGNALS:
    void flushed(const QList<Rill::StreamOp> &ops);
    void intervalChanged(int interval);

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
