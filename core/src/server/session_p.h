#pragma once

// One page's live connection: its view, its batcher, the frames it sent
// (kept in a bounded ring so a reconnecting page can catch up) and its
// connection while one is attached. It keeps slow readers cheap: while its
// connection holds more than the low-water mark of unsent bytes, the batcher
// is paused (stream ops merge instead of piling up as frames) and the
// connection is not read (a peer that does not read cannot make work
// either); beyond the queue limit the connection is dropped and the page
// resumes when it reconnects.

#include "../net/connection_p.h"
#include "streamlog_p.h"

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
    //! Starts the view's mount; a mount that finishes later re-renders.
    void startMount(QCoro::Task<> mount);
    //! The view's HTML as the page was first served: what a page that comes
    //! back long after starts from until the next render.
    void setRendered(const QString &html) { m_lastRender = html; }

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
    void sendFrame(Protocol::ServerFrame frame);
    // Sends (when a connection is bound) and keeps the frame for replay.
    void record(qint64 seq, QByteArray bytes);
    void checkBackpressure();
    void sendControl(Protocol::ServerFrame frame); // after everything queued
    void sendError(Protocol::ErrorCode code, const QString &message, std::optional<qint64> ref);
    bool admitEvent(const Protocol::Event &event);
    QCoro::Task<> runHandler(QString event, QVariantMap params, qint64 ref);

    QString m_token;
    std::unique_ptr<LiveView> m_view;
    const ServerLimits *m_limits;
    Ticker *m_ticker;
    StreamBatcher m_batcher;
    bool m_pollScheduled = false;
    QPointer<Connection> m_connection;
    qint64 m_seq = 0;
    std::deque<std::pair<qint64, QByteArray>> m_ring;
    qsizetype m_ringBytes = 0;
    StreamLog m_log;
    QString m_lastRender;
    // The content of targets just before their stream started, taken when
    // the start was made (the log wants it when the start is sent).
    QHash<QString, QString> m_bases;
    QHash<QString, QString> m_activeStreams; // target -> stream, between start and done/error
    // Token bucket for events (ServerLimits::eventsPerSecond, eventBurst).
    double m_eventTokens = 0;
    qint64 m_eventTokensAt = 0;
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

//! \a text made safe for a log line: control characters (newlines, ANSI
//! escapes) shown as \xNN, cut to \a max characters with a note of the rest.
QString printable(QStringView text, qsizetype max = 120);

} // namespace Rill::detail
