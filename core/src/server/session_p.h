#pragma once

// One page's live connection: its view, its batcher, the frames it sent
// (kept in a bounded ring so a reconnecting page can catch up) and its
// connection while one is attached. It keeps slow readers cheap: while its
// connection holds more than the low-water mark of unsent bytes, the batcher
// is paused (stream ops merge instead of piling up as frames) and the
// connection is not read (a peer that does not read cannot make work
// either); beyond the queue limit the connection is dropped and the page
// resumes when it reconnects.

#include "../dom/htmltree_p.h"
#include "../net/connection_p.h"
#include "streamlog_p.h"
#include "../util/printable_p.h"

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/server.h>
#include <rill/streambatcher.h>

#include <QHash>
#include <QPointer>

#include <deque>
#include <memory>

namespace Rill::detail {

class Ticker;

class Session : public QObject
{
    Q_OBJECT
public:
    Session(QString token, std::unique_ptr<LiveView> view, const ServerLimits *limits, int batchInterval,
            Ticker *ticker, QObject *parent);
    ~Session() override;

    const QString &token() const { return m_token; }
    LiveView *view() const { return m_view.get(); }
    bool hasConnection() const { return !m_connection.isNull(); }
    //! How many sockets it has lost; a grace timer started for an earlier
    //! loss is stale once this has moved on.
    quint64 lossCount() const { return m_losses; }
    Connection *connection() const { return m_connection.data(); }
    bool isBusy() const { return m_running->count > 0; }
    qint64 lastSeq() const { return m_seq; }
    qsizetype heldBytes() const { return m_batcher.pendingSize(); }
    qsizetype replayBytes() const { return m_ringBytes + m_log.bytes(); }

    //! Binds \a connection (replacing any earlier one) and catches it up from \a lastSeq.
    void attach(Connection *connection, qint64 lastSeq);
    //! The bound connection is gone (its peer closed, or it was dropped).
    void connectionClosed(Connection *connection);
    //! The bound connection's send queue emptied.
    void connectionDrained(Connection *connection);
    //! Handles one client frame other than join.
    void handleFrame(const Protocol::ClientFrame &frame);
    //! Sends an error frame in this session's sequence.
    void reportError(Protocol::ErrorCode code, const QString &message) { sendError(code, message, std::nullopt); }
    //! Starts the view's mount (\a mount is its task, already begun). A
    //! mount that finishes later re-renders; one that fails later sends an
    //! error frame. Returns the error of a mount that failed before its
    //! first suspension (the page must not be served then).
    std::optional<QString> startMount(QCoro::Task<> mount);
    //! The view's HTML as the page was first served: what re-renders are
    //! diffed against, and what a page that comes back long after starts from.
    void setRendered(const QString &html) { m_tree = HtmlTree::parse(html); }
    void setDevMode(bool on) { m_devMode = on; }
    //! Off: every re-render goes out whole (Server::setPatchesEnabled).
    void setPatchesEnabled(bool on) { m_patches = on; }

    // How much a reconnecting page can catch up on: at most this many
    // frames and bytes; further behind, it gets a full render.
    static constexpr size_t RingFrames = 512;
    static constexpr qsizetype RingBytes = 1024 * 1024;

Q_SIGNALS:
    void socketLost();
    void droppedSlowReader();
    void idle(); // no handler runs any more

private:
    void onViewOp(const StreamOp &op);
    void onFlushed(const QList<StreamOp> &ops);
    void schedulePoll();
    //! Counts the loss (lossCount()) and says so (socketLost()).
    void lostSocket();
    void sendFrame(Protocol::ServerFrame frame);
    // A re-render, as what changed since the last one (or whole, when the
    // page's tree cannot be patched).
    void sendRender(const QString &html);
    // What a page that applied up to lastSeq (and no further) needs to show
    // the view as a page that never left does.
    void restore(qint64 lastSeq);
    // Sends (when a connection is bound) and keeps the frame for replay.
    void record(qint64 seq, QByteArray bytes);
    void checkBackpressure();
    void sendControl(Protocol::ServerFrame frame); // after everything queued
    void sendError(Protocol::ErrorCode code, const QString &message, std::optional<qint64> ref);
    bool admitEvent(const Protocol::Event &event);
    void refillEventTokens();
    // A page whose DOM a patch did not fit: the view again (as often as
    // the event rate allows; asks beyond it wait and merge).
    void resync(qint64 lastSeq);
    QCoro::Task<> runHandler(QString event, QVariantMap params, qint64 ref);
    struct MountState
    {
        bool painted = false; // startMount() returned: failures go out as frames
        std::optional<QString> failure;
    };
    QCoro::Task<> watchMount(QCoro::Task<> mount, std::shared_ptr<MountState> state);

    QString m_token;
    std::unique_ptr<LiveView> m_view;
    const ServerLimits *m_limits;
    Ticker *m_ticker;
    StreamBatcher m_batcher;
    bool m_pollScheduled = false;
    QPointer<Connection> m_connection;
    qint64 m_seq = 0;
    quint64 m_losses = 0; // sockets lost (lossCount())
    qint64 m_lastEventRef = 0; // the highest event ref read, told to a page that rejoins
    qint64 m_lastMountSeq = 0; // the newest mount sent (a join's or a resync's answer)
    std::deque<std::pair<qint64, QByteArray>> m_ring;
    qsizetype m_ringBytes = 0;
    StreamLog m_log;
    // The last render as the page has it (nodes stream deletes took out
    // marked removed): what the next render is diffed against.
    HtmlTree m_tree;
    bool m_devMode = false;
    bool m_patches = true;
    QSet<QString> m_warnedTargets; // dev mode: each missing target said once
    // Streams between start and done/error, by target, with the handler
    // that started them (0: not known): a failing handler errors its own
    // streams only. A start is the handler's when it happens during the
    // synchronous part of its invoke() (QCoro tasks start eagerly) or while
    // it is the only handler running.
    struct ActiveStream
    {
        QString stream;
        quint64 owner = 0;
    };
    QHash<QString, ActiveStream> m_activeStreams;
    QSet<quint64> m_handlers;     // running handlers
    quint64 m_currentHandler = 0; // the handler whose invoke() is on the stack
    quint64 m_lastHandler = 0;
    // Token bucket for events (ServerLimits::eventsPerSecond, eventBurst).
    double m_eventTokens = 0;
    qint64 m_eventTokensAt = 0;
    bool m_resyncWaiting = false;
    qint64 m_resyncFrom = 0;
    // Shared with the coroutines of running handlers (and mount), which
    // outlive the session when it is destroyed under them (the server going
    // away mid-stream): the view then stays alive, as `orphan`, until the
    // last of them returns, so none resumes into a deleted view.
    struct Running
    {
        int count = 0;
        std::unique_ptr<LiveView> orphan;
        void finished();
    };
    std::shared_ptr<Running> m_running = std::make_shared<Running>();
};

} // namespace Rill::detail
