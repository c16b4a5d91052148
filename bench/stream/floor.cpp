// rill-bench-stream-floor: the least a server can do for the streaming
// benchmark's workload, as a reference line next to Rill and the peer. One
// thread, plain epoll, no framework: it serves the bench page (a token),
// upgrades /rill/socket, answers join with mount, and on a "run" event
// streams the same frames Rill sends (same JSON shape and size, one write()
// per frame), paced from one shared heap of due times; then done, render,
// reply. No batching (at 30 tokens/s a session's tokens are 33 ms apart, so
// a 16 ms batcher sends one token per frame anyway), no resume, no checks
// beyond what the load generator needs: not a server, a measuring stick for
// what the kernel and the wire cost per frame on this machine.
//
//   rill-bench-stream-floor [--port 0]   (prints "listening port P pid PID nofile N")

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace {

using i64 = std::int64_t;

i64 nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return i64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

const char ViewHtml[] = "<div id=\\\"out\\\" dj-stream=\\\"tokens\\\" dj-stream-mode=\\\"append\\\"></div>\\n";

struct Conn
{
    int fd = -1;
    unsigned gen = 0;
    bool ws = false;
    bool closeAfterWrite = false;
    std::string in, out;
    i64 seq = 0;
    // The running stream.
    bool streaming = false;
    i64 ref = 0, rate = 1, total = 0, sent = 0, start = 0;
    bool burst = false;
};

struct Due
{
    i64 at;
    int fd;
    unsigned gen;
    bool operator>(const Due &o) const { return at > o.at; }
};

int epfd = -1;
std::vector<Conn> conns;
std::priority_queue<Due, std::vector<Due>, std::greater<Due>> heap;
unsigned nextGen = 1;
i64 nextToken = 1;

void closeConn(Conn &c)
{
    if (c.fd < 0)
        return;
    ::epoll_ctl(epfd, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    c = Conn{};
}

void flushOut(Conn &c)
{
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.out.erase(0, size_t(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            epoll_event e{};
            e.events = EPOLLIN | EPOLLOUT;
            e.data.fd = c.fd;
            ::epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &e);
            return;
        }
        closeConn(c);
        return;
    }
    if (c.closeAfterWrite) {
        closeConn(c);
        return;
    }
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = c.fd;
    ::epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &e);
}

void write(Conn &c, std::string_view bytes)
{
    if (c.out.empty()) {
        const ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == ssize_t(bytes.size()))
            return;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            closeConn(c);
            return;
        }
        bytes.remove_prefix(size_t(std::max<ssize_t>(0, n)));
    }
    c.out.append(bytes);
    flushOut(c);
}

//! One unmasked text frame: header and payload in one write().
void sendText(Conn &c, std::string_view payload)
{
    char frame[16 + 512];
    std::string big;
    char *p = frame;
    const size_t n = payload.size();
    if (n + 16 > sizeof frame) {
        big.resize(n + 16);
        p = big.data();
    }
    char *w = p;
    *w++ = char(0x81);
    if (n < 126) {
        *w++ = char(n);
    } else if (n < 65536) {
        *w++ = char(126);
        *w++ = char(n >> 8);
        *w++ = char(n & 0xff);
    } else {
        *w++ = char(127);
        for (int i = 7; i >= 0; --i)
            *w++ = char((u_int64_t(n) >> (8 * i)) & 0xff);
    }
    std::memcpy(w, payload.data(), n);
    write(c, std::string_view(p, size_t(w - p) + n));
}

void sendToken(Conn &c, i64 token, i64 ns)
{
    char buf[256];
    char *w = buf;
    auto lit = [&w](std::string_view s) {
        std::memcpy(w, s.data(), s.size());
        w += s.size();
    };
    lit("{\"type\":\"stream\",\"seq\":");
    w = std::to_chars(w, w + 24, ++c.seq).ptr;
    lit(",\"stream\":\"tokens\",\"ops\":[{\"op\":\"text\",\"target\":\"[dj-stream='tokens']\",\"text\":\"");
    w = std::to_chars(w, w + 24, token).ptr;
    *w++ = ':';
    w = std::to_chars(w, w + 24, ns).ptr;
    lit(";\",\"mode\":\"append\"}]}");
    sendText(c, std::string_view(buf, size_t(w - buf)));
}

void sendOp(Conn &c, const char *op)
{
    sendText(c, "{\"type\":\"stream\",\"seq\":" + std::to_string(++c.seq) + ",\"stream\":\"tokens\",\"ops\":[{\"op\":\"" +
                    op + "\",\"target\":\"[dj-stream='tokens']\"}]}");
}

void finishRun(Conn &c)
{
    sendOp(c, "done");
    sendText(c, "{\"type\":\"render\",\"seq\":" + std::to_string(++c.seq) + ",\"html\":\"" + ViewHtml + "\"}");
    sendText(c, "{\"type\":\"reply\",\"seq\":" + std::to_string(++c.seq) + ",\"ref\":" + std::to_string(c.ref) + "}");
    c.streaming = false;
}

i64 numberAfter(std::string_view s, std::string_view key)
{
    const size_t at = s.find(key);
    if (at == std::string_view::npos)
        return 0;
    i64 v = 0;
    const char *p = s.data() + at + key.size();
    while (p < s.data() + s.size() && (*p == ' ' || *p == '"'))
        ++p;
    std::from_chars(p, s.data() + s.size(), v);
    return v;
}

void onMessage(Conn &c, std::string_view m)
{
    if (m.find("\"join\"") != std::string_view::npos) {
        sendText(c, "{\"type\":\"mount\",\"seq\":" + std::to_string(++c.seq) + "}");
    } else if (m.find("\"ping\"") != std::string_view::npos) {
        sendText(c, "{\"type\":\"pong\",\"seq\":" + std::to_string(++c.seq) + ",\"ref\":" +
                        std::to_string(numberAfter(m, "\"ref\":")) + "}");
    } else if (m.find("\"event\"") != std::string_view::npos && !c.streaming) {
        c.ref = numberAfter(m, "\"ref\":");
        c.burst = numberAfter(m, "\"mode\":") == 0;
        c.total = c.burst ? numberAfter(m, "\"n\":") : numberAfter(m, "\"rate\":") * numberAfter(m, "\"ms\":") / 1000;
        c.rate = std::max<i64>(1, numberAfter(m, "\"rate\":"));
        c.sent = 0;
        c.start = nowNs();
        c.streaming = true;
        sendOp(c, "start");
        if (c.total <= 0) {
            finishRun(c);
            return;
        }
        if (c.burst) {
            while (c.sent < c.total && c.fd >= 0)
                sendToken(c, ++c.sent, nowNs());
            if (c.fd >= 0)
                finishRun(c);
            return;
        }
        heap.push(Due{c.start, c.fd, c.gen});
    }
}

void onReadable(Conn &c)
{
    char buf[65536];
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        closeConn(c);
        return;
    }
    if (n < 0)
        return;
    c.in.append(buf, size_t(n));
    if (!c.ws) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        const std::string head = c.in.substr(0, end);
        c.in.erase(0, end + 4);
        if (head.compare(0, 17, "GET /rill/socket ") == 0) {
            c.ws = true;
            write(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        } else {
            const std::string body = "<!DOCTYPE html><div data-rill-root data-rill-token=\"t" +
                                     std::to_string(nextToken++) + "\"></div>\n";
            c.closeAfterWrite = true;
            write(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body);
            return;
        }
    }
    size_t pos = 0;
    while (c.fd >= 0 && c.in.size() - pos >= 6) {
        const unsigned char b1 = static_cast<unsigned char>(c.in[pos + 1]);
        size_t len = b1 & 0x7f, hdr = 2;
        if (len == 126) {
            len = (size_t(static_cast<unsigned char>(c.in[pos + 2])) << 8) | static_cast<unsigned char>(c.in[pos + 3]);
            hdr = 4;
        } else if (len == 127) {
            closeConn(c); // never sent by the load generator
            return;
        }
        hdr += 4; // mask
        if (c.in.size() - pos < hdr + len)
            break;
        const int opcode = c.in[pos] & 0x0f;
        std::string payload = c.in.substr(pos + hdr, len);
        const char *mask = c.in.data() + pos + hdr - 4;
        for (size_t i = 0; i < len; ++i)
            payload[i] = char(payload[i] ^ mask[i % 4]);
        pos += hdr + len;
        if (opcode == 0x8) {
            closeConn(c);
            return;
        }
        if (opcode == 0x1)
            onMessage(c, payload);
    }
    if (c.fd >= 0)
        c.in.erase(0, pos);
}

void pace()
{
    const i64 now = nowNs();
    while (!heap.empty() && heap.top().at <= now) {
        const Due d = heap.top();
        heap.pop();
        Conn &c = conns[size_t(d.fd)];
        if (c.fd < 0 || c.gen != d.gen || !c.streaming)
            continue;
        ++c.sent;
        sendToken(c, c.sent, d.at);
        if (c.fd < 0)
            continue;
        if (c.sent < c.total)
            heap.push(Due{c.start + c.sent * 1000000000LL / c.rate, c.fd, c.gen});
        else
            finishRun(c);
    }
}

} // namespace

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--port") == 0)
            port = std::atoi(argv[++i]);
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(lfd, 1024) != 0) {
        std::perror("rill-bench-stream-floor: listen");
        return 1;
    }
    socklen_t len = sizeof addr;
    ::getsockname(lfd, reinterpret_cast<sockaddr *>(&addr), &len);
    epfd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.fd = lfd;
    ::epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &e);
    std::printf("listening port %d pid %d nofile %llu\n", ntohs(addr.sin_port), int(getpid()),
                static_cast<unsigned long long>(rl.rlim_cur));
    std::fflush(stdout);
    std::vector<epoll_event> events(1024);
    for (;;) {
        int timeout = -1;
        if (!heap.empty())
            timeout = int(std::clamp<i64>((heap.top().at - nowNs() + 999999) / 1000000, 1, 1000));
        const int n = ::epoll_wait(epfd, events.data(), int(events.size()), timeout);
        for (int k = 0; k < n; ++k) {
            const int fd = events[size_t(k)].data.fd;
            if (fd == lfd) {
                for (;;) {
                    const int c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0)
                        break;
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (size_t(c) >= conns.size())
                        conns.resize(size_t(c) + 1024);
                    conns[size_t(c)] = Conn{};
                    conns[size_t(c)].fd = c;
                    conns[size_t(c)].gen = nextGen++;
                    epoll_event ce{};
                    ce.events = EPOLLIN;
                    ce.data.fd = c;
                    ::epoll_ctl(epfd, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            Conn &c = conns[size_t(fd)];
            if (c.fd < 0)
                continue;
            if (events[size_t(k)].events & EPOLLOUT)
                flushOut(c);
            if (c.fd >= 0 && events[size_t(k)].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                onReadable(c);
        }
        pace();
    }
}
