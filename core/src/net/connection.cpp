#include "connection_p.h"

#include <QLoggingCategory>

#include <algorithm>

#include <cerrno>
#include <ctime>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcConnection, "rill.server.connection", QtWarningMsg)

namespace Rill::detail {

namespace {
constexpr qsizetype ReadChunk = 64 * 1024;
// Read at most this much per readiness: one busy peer does not hold the
// loop while others wait.
constexpr qsizetype ReadPerTurn = 256 * 1024;
quint64 nextId = 1;
} // namespace

qint64 monotonicMsecs()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

Connection::Connection(int fd, const QHostAddress &peer, Reactor *reactor, ConnectionOwner *owner,
                       const Limits &limits)
    : m_fd(fd), m_id(nextId++), m_peer(peer), m_reactor(reactor), m_owner(owner), m_limits(limits),
      m_http(limits.http), m_ws(limits.webSocket)
{
    m_lastHeard = monotonicMsecs();
    m_interest = EPOLLIN | EPOLLRDHUP;
    m_reactor->add(m_fd, this, m_interest);
}

Connection::~Connection()
{
    if (m_fd >= 0) {
        m_reactor->remove(m_fd);
        ::close(m_fd);
    }
}

void Connection::onEvents(std::uint32_t events)
{
    if (m_state == State::Closed)
        return;
    if (events & (EPOLLERR)) {
        finish();
        return;
    }
    if (events & EPOLLOUT)
        writeQueued();
    if (m_state == State::Closed)
        return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
        readSome();
}

void Connection::readSome()
{
    qsizetype total = 0;
    while (total < ReadPerTurn && !m_readingPaused && m_state != State::Closed) {
        const qsizetype before = m_in.size();
        m_in.resize(before + ReadChunk);
        const ssize_t n = ::recv(m_fd, m_in.data() + before, size_t(ReadChunk), 0);
        if (n > 0) {
            m_in.resize(before + n);
            total += n;
            m_lastHeard = monotonicMsecs();
            processInput();
            if (n < ReadChunk)
                break;
            continue;
        }
        m_in.resize(before);
        if (n == 0) { // the peer is done sending
            if (m_lingering || m_outBytes == 0)
                finish();
            else
                closeAfterWrite(); // what we owe it still goes out
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            finish();
        return;
    }
}

void Connection::processInput()
{
    if (m_state == State::Http)
        processHttp();
    if (m_state == State::WebSocket)
        processWebSocket();
    if (m_state == State::Closing)
        m_in.clear(); // after a close, what the peer sends is ignored
    if (m_lingering)
        m_in.clear();
}

void Connection::processHttp()
{
    while (m_state == State::Http && !m_in.isEmpty()) {
        const auto status = m_http.feed(m_in);
        if (status == HttpRequestParser::Status::NeedMore)
            return;
        if (status == HttpRequestParser::Status::Error) {
            const int code = m_http.errorStatus();
            const QString message = m_http.errorMessage();
            m_in.clear();
            m_owner->httpError(this, code, message);
            if (m_state == State::Http) { // the owner did not answer: we do
                respond(code, {{"Content-Type", "text/plain; charset=utf-8"}}, message.toUtf8() + '\n', false);
            }
            return;
        }
        const qsizetype head = m_http.headLength();
        const qint64 bodyLength = m_http.request().contentLength;
        if (m_in.size() < head + bodyLength)
            return; // the body is bounded by the parser's limit; wait for it
        const HttpRequest request = m_http.request();
        const QByteArray body = m_in.mid(head, bodyLength);
        m_in.remove(0, head + bodyLength);
        m_http.reset();
        m_owner->httpRequest(this, request, body);
    }
}

void Connection::processWebSocket()
{
    qsizetype used = 0;
    while (m_state == State::WebSocket) {
        qsizetype n = 0;
        WebSocketReader::Message message;
        const auto status = m_ws.read(QByteArrayView(m_in).sliced(used), &n, &message);
        used += n;
        if (status == WebSocketReader::Status::NeedMore)
            break;
        if (status == WebSocketReader::Status::Error) {
            qCDebug(lcConnection) << "websocket error from" << m_peer << m_ws.errorMessage();
            closeWebSocket(m_ws.errorCode(), m_ws.errorMessage().toUtf8());
            break;
        }
        switch (message.opcode) {
        case WebSocket::Opcode::Text:
            m_owner->webSocketMessage(this, message.payload);
            break;
        case WebSocket::Opcode::Binary:
            closeWebSocket(WebSocket::CloseCode(1003), "binary messages are not accepted");
            break;
        case WebSocket::Opcode::Ping:
            enqueue(WebSocket::frame(WebSocket::Opcode::Pong, message.payload));
            break;
        case WebSocket::Opcode::Close: {
            quint16 code = WebSocket::Normal;
            if (message.payload.size() >= 2)
                code = quint16((quint8(message.payload[0]) << 8) | quint8(message.payload[1]));
            // Echo the close, then end the connection once it is written.
            closeWebSocket(code == 1005 || code == 1006 || code == 1015 ? quint16(WebSocket::ProtocolError) : code,
                           {});
            break;
        }
        default: // Pong: proof of life, already noted
            break;
        }
    }
    if (used > 0)
        m_in.remove(0, used);
}

void Connection::respond(int status, const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &body,
                         bool keepAlive, bool headOnly)
{
    if (m_state != State::Http)
        return;
    QByteArray head;
    head.reserve(256);
    head += "HTTP/1.1 " + QByteArray::number(status) + ' ' + httpReason(status) + "\r\n";
    bool hasLength = false;
    for (const auto &h : headers) {
        head += h.first + ": " + h.second + "\r\n";
        hasLength = hasLength || h.first.compare("Content-Length", Qt::CaseInsensitive) == 0;
    }
    if (!hasLength)
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (!keepAlive)
        head += "Connection: close\r\n";
    head += "\r\n";
    enqueue(head);
    if (!headOnly)
        enqueue(body);
    if (!keepAlive)
        closeAfterWrite();
}

void Connection::upgrade(QByteArrayView clientKey)
{
    if (m_state != State::Http)
        return;
    const QByteArray head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: "
                            + WebSocket::acceptKey(clientKey) + "\r\n\r\n";
    enqueue(head);
    m_state = State::WebSocket;
    if (!m_in.isEmpty()) // frames sent right behind the handshake
        processWebSocket();
}

void Connection::sendText(const QByteArray &utf8)
{
    if (m_state != State::WebSocket)
        return;
    char header[WebSocket::MaxHeader];
    const int size = WebSocket::writeHeader(header, WebSocket::Opcode::Text, utf8.size());
    enqueue(QByteArrayView(header, size), utf8);
}

void Connection::closeWebSocket(quint16 code, QByteArrayView reason)
{
    if (m_state != State::WebSocket)
        return;
    enqueue(WebSocket::closeFrame(code, reason));
    m_state = State::Closing;
    closeAfterWrite();
}

void Connection::enqueue(QByteArrayView head, const QByteArray &body)
{
    if (m_state == State::Closed || m_lingering)
        return;
    Chunk chunk;
    if (head.size() > qsizetype(sizeof chunk.head)) { // an HTTP head: a chunk of its own
        enqueue(head.toByteArray());
        head = {};
    }
    chunk.headSize = quint8(head.size());
    std::copy(head.begin(), head.end(), chunk.head);
    chunk.body = body;
    if (chunk.size() == 0)
        return;
    m_outBytes += chunk.size();
    m_out.push_back(std::move(chunk));
    // Written at the end of this turn, unless the kernel is full already
    // (then EPOLLOUT says when).
    if (!m_wantWrite && !m_flushQueued) {
        m_flushQueued = true;
        m_reactor->deferFlush(m_fd);
    }
}

void Connection::onFlush()
{
    m_flushQueued = false;
    if (!m_wantWrite && m_state != State::Closed)
        writeQueued();
}

void Connection::writeQueued()
{
    constexpr int MaxParts = 64;
    while (!m_out.empty()) {
        iovec parts[MaxParts];
        int count = 0;
        qsizetype skip = m_outOffset;
        for (auto it = m_out.begin(); it != m_out.end() && count + 2 <= MaxParts; ++it) {
            const qsizetype headLeft = std::max<qsizetype>(0, it->headSize - skip);
            if (headLeft > 0)
                parts[count++] = {it->head + (it->headSize - headLeft), size_t(headLeft)};
            const qsizetype bodySkip = std::max<qsizetype>(0, skip - it->headSize);
            if (it->body.size() > bodySkip)
                parts[count++] = {const_cast<char *>(it->body.constData() + bodySkip), size_t(it->body.size() - bodySkip)};
            skip = 0;
        }
        msghdr msg{};
        msg.msg_iov = parts;
        msg.msg_iovlen = size_t(count);
        const ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!m_wantWrite) { // full: wait until the kernel takes more
                    m_wantWrite = true;
                    updateInterest();
                }
                return;
            }
            finish();
            return;
        }
        qsizetype left = n;
        m_outBytes -= n;
        while (left > 0) {
            const qsizetype inFront = m_out.front().size() - m_outOffset;
            if (left >= inFront) {
                left -= inFront;
                m_out.pop_front();
                m_outOffset = 0;
            } else {
                m_outOffset += left;
                left = 0;
            }
        }
    }
    const bool wasBehind = m_wantWrite;
    if (wasBehind) {
        m_wantWrite = false;
        updateInterest();
    }
    if (m_closeAfterWrite) {
        linger();
        return;
    }
    if (wasBehind)
        m_owner->drained(this);
}

void Connection::linger()
{
    // Our side is done; read (and drop) what the peer still sends until it
    // closes too, so it sees our last bytes instead of a reset. The owner's
    // sweep ends it if the peer never closes (deadline below).
    if (m_lingering || m_state == State::Closed)
        return;
    m_lingering = true;
    ::shutdown(m_fd, SHUT_WR);
    m_deadline = monotonicMsecs() + LingerMsecs;
    if (m_readingPaused) {
        m_readingPaused = false;
        updateInterest();
    }
}

void Connection::setReadingPaused(bool paused)
{
    if (m_readingPaused == paused)
        return;
    m_readingPaused = paused;
    updateInterest();
}

void Connection::updateInterest()
{
    if (m_state == State::Closed)
        return;
    std::uint32_t interest = EPOLLRDHUP;
    if (!m_readingPaused)
        interest |= EPOLLIN;
    if (m_wantWrite)
        interest |= EPOLLOUT;
    if (interest != m_interest) {
        m_interest = interest;
        m_reactor->modify(m_fd, interest);
    }
}

void Connection::closeAfterWrite()
{
    if (m_state == State::Closed)
        return;
    m_closeAfterWrite = true;
    if (m_state == State::Http)
        m_state = State::Closing;
    if (m_outBytes == 0)
        linger();
}

void Connection::abort()
{
    finish();
}

void Connection::finish()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_reactor->remove(m_fd);
    ::close(m_fd);
    m_fd = -1;
    m_out.clear();
    m_outBytes = 0;
    m_in.clear();
    m_owner->closed(this);
    deleteLater();
}

} // namespace Rill::detail
