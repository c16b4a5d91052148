#pragma once

// One page's live connection: its view, its batcher, the frames it sent
// (kept in a bounded ring so a reconnecting page can catch up) and its
// socket while one is attached.

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/streambatcher.h>

#include <QHash>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <memory>

class QWebSocket;

namespace Rill::detail {

class Session : public QObject
{
    Q_OBJECT
public:
    Session(QString token, std::unique_ptr<LiveView> view, int batchInterval, QObject *parent);
    ~Session() override;

    const QString &token() const { return m_token; }
    LiveView *view() const { return m_view.get(); }
    bool hasSocket() const { return !m_socket.isNull(); }
    bool isBusy() const { return m_running->count > 0; }
    qint64 lastSeq() const { return m_seq; }

    //! Binds \a socket (replacing any earlier one) and catches it up from \a lastSeq.
    void attach(QWebSocket *socket, qint64 lastSeq);
    //! Handles one client frame other than join.
    void handleFrame(const Protocol::ClientFrame &frame);
    //! Sends an error frame in this session's sequence.
    void reportError(Protocol::ErrorCode code, const QString &message) { sendError(code, message, std::nullopt); }
    //! Starts the view's mount; a mount that finishes later re-renders.
    void startMount(QCoro::Task<> mount);

    // How much a reconnecting page can catch up on: at most this many
    // frames and bytes; further behind, it gets a full render.
    static constexpr size_t RingFrames = 512;
    static constexpr qsizetype RingBytes = 1024 * 1024;

Q_SIGNALS:
    void socketLost();
    void idle(); // no handler runs any more

private:
    void onViewOp(const StreamOp &op);
    void onFlushed(const QList<StreamOp> &ops);
    void sendFrame(Protocol::ServerFrame frame);
    // Sends (when a socket is bound) and keeps the frame for replay.
    void record(qint64 seq, QByteArray bytes);
    void sendControl(Protocol::ServerFrame frame); // after everything queued
    void sendError(Protocol::ErrorCode code, const QString &message, std::optional<qint64> ref);
    QCoro::Task<> runHandler(QString event, QVariantMap params, qint64 ref);

    QString m_token;
    std::unique_ptr<LiveView> m_view;
    StreamBatcher m_batcher;
    QPointer<QWebSocket> m_socket;
    qint64 m_seq = 0;
    std::deque<std::pair<qint64, QByteArray>> m_ring;
    qsizetype m_ringBytes = 0;
    QHash<QString, QString> m_activeStreams; // target -> stream, between start and done/error
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
