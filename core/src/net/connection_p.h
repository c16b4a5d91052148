#pragma once

// One TCP connection of Rill's server: HTTP/1.1 requests until it upgrades
// to a WebSocket, then WebSocket messages. It reads into bounded buffers,
// parses with HttpRequestParser / WebSocketReader, and hands whole requests
// and messages to its Owner (the server). What it sends is queued and
// written at the end of the event loop's turn (Reactor::deferFlush), with
// every other connection's, in as few system calls as the kernel takes;
// what the kernel cannot take waits for the socket to become writable. The
// owner sees that backlog (backlogBytes()) and is told when it drains, which
// is how slow readers are kept cheap (see Session). Closing is always
// deferred to the event loop, so an owner may close a connection from any
// callback.

#include "http_p.h"
#include "reactor_p.h"
#include "websocket_p.h"

#include <QHostAddress>
#include <QObject>

#include <deque>

namespace Rill::detail {

class Connection;

class ConnectionOwner
{
public:
    virtual ~ConnectionOwner() = default;
    //! A whole request (and its body). Answer with respond(), upgrade() or close().
    virtual void httpRequest(Connection *c, const HttpRequest &request, const QByteArray &body) = 0;
    //! A request that could not be parsed: the connection answers and closes by itself.
    virtual void httpError(Connection *c, int status, const QString &message) = 0;
    //! A whole text message on an upgraded connection (valid UTF-8).
    virtual void webSocketMessage(Connection *c, const QByteArray &payload) = 0;
    //! A backlog (bytes the kernel would not take) has been written.
    virtual void drained(Connection *c) = 0;
    //! The connection is gone (either side, or an error); it is deleted soon after.
    virtual void closed(Connection *c) = 0;
};

class Connection : public QObject, public Reactor::Watcher
{
public:
    enum class State { Http, WebSocket, Closing, Closed };

    struct Limits
    {
        HttpLimits http;
        WebSocketReader::Limits webSocket;
    };

    Connection(int fd, const QHostAddress &peer, Reactor *reactor, ConnectionOwner *owner, const Limits &limits);
    ~Connection() override;

    State state() const { return m_state; }
    bool isWebSocket() const { return m_state == State::WebSocket; }
    const QHostAddress &peer() const { return m_peer; }
    int descriptor() const { return m_fd; }
    quint64 id() const { return m_id; }

    //! When the connection must have made progress by (monotonic ms, 0: none).
    qint64 deadline() const { return m_deadline; }
    void setDeadline(qint64 msecs) { m_deadline = msecs; }
    //! Monotonic ms of the last bytes received.
    qint64 lastHeard() const { return m_lastHeard; }
    //! Bytes of a request or message received but not yet whole.
    bool hasPartialInput() const { return !m_in.isEmpty(); }

    // ---- HTTP
    //! Writes a response. \a keepAlive false (or the request's) closes after it.
    void respond(int status, const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &body,
                 bool keepAlive, bool headOnly = false);
    //! Answers the handshake with 101 and speaks WebSocket from now on.
    void upgrade(QByteArrayView clientKey);

    // ---- WebSocket
    //! A text frame holding \a utf8 (shared, not copied).
    void sendText(const QByteArray &utf8);
    //! Sends a close frame and closes once it is written.
    void closeWebSocket(quint16 code, QByteArrayView reason);

    // ---- both
    //! Bytes written by us but not yet taken by the kernel.
    qsizetype queuedBytes() const { return m_outBytes; }
    //! Of those, bytes waiting because the kernel would not take them (0
    //! while the queue waits only for the end of the turn).
    qsizetype backlogBytes() const { return m_wantWrite ? m_outBytes : 0; }
    //! Stops (or resumes) reading from the peer; used while it is behind.
    void setReadingPaused(bool paused);
    bool isReadingPaused() const { return m_readingPaused; }
    //! Closes once everything queued is written.
    void closeAfterWrite();
    //! Closes now, dropping what is queued.
    void abort();
    //! Sent everything and waits for the peer to close (see deadline()).
    bool isLingering() const { return m_lingering; }
    //! How long a closing connection waits for its peer.
    static constexpr qint64 LingerMsecs = 2000;

    void onEvents(std::uint32_t events) override;
    void onFlush() override;

private:
    void readSome();
    void processInput();
    void processHttp();
    void processWebSocket();
    void writeQueued();
    //! Queues \a head (at most WebSocket::MaxHeader bytes, copied) then \a body (shared).
    void enqueue(QByteArrayView head, const QByteArray &body);
    void enqueue(const QByteArray &bytes) { enqueue({}, bytes); }
    void updateInterest();
    void linger();
    void finish(); // closes the descriptor, tells the owner, deletes later

    int m_fd;
    quint64 m_id;
    QHostAddress m_peer;
    Reactor *m_reactor;
    ConnectionOwner *m_owner;
    Limits m_limits;
    State m_state = State::Http;
    HttpRequestParser m_http;
    WebSocketReader m_ws;
    QByteArray m_in;
    struct Chunk
    {
        char head[WebSocket::MaxHeader];
        quint8 headSize;
        QByteArray body;
        qsizetype size() const { return headSize + body.size(); }
    };
    std::deque<Chunk> m_out;
    qsizetype m_outOffset = 0; // into m_out.front(), its head then its body
    qsizetype m_outBytes = 0;
    bool m_readingPaused = false;
    bool m_closeAfterWrite = false;
    bool m_wantWrite = false;  // the kernel refused some: waiting for EPOLLOUT
    bool m_flushQueued = false; // asked the reactor for onFlush()
    bool m_lingering = false;
    qint64 m_deadline = 0;
    qint64 m_lastHeard = 0;
    std::uint32_t m_interest = 0;
};

//! Monotonic milliseconds, the clock deadlines use.
qint64 monotonicMsecs();

} // namespace Rill::detail
