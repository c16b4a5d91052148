#include "listener_p.h"

#include "connection_p.h"

#include <QLoggingCategory>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcListener, "rill.server", QtWarningMsg)

namespace Rill::detail {

Listener::Listener(Reactor *reactor, Accepted accepted, QObject *parent)
    : QObject(parent), m_reactor(reactor), m_accepted(std::move(accepted))
{
    m_resume = new QTimer(this);
    m_resume->setSingleShot(true);
    connect(m_resume, &QTimer::timeout, this, [this] {
        if (m_fd >= 0)
            m_reactor->modify(m_fd, EPOLLIN);
    });
}

Listener::~Listener()
{
    close();
}

void Listener::close()
{
    if (m_fd >= 0) {
        m_reactor->remove(m_fd);
        ::close(m_fd);
        m_fd = -1;
    }
    if (m_spare >= 0) {
        ::close(m_spare);
        m_spare = -1;
    }
}

bool Listener::listen(const QHostAddress &address, quint16 port)
{
    close();
    sockaddr_storage storage{};
    socklen_t length = 0;
    const bool v6 = address.protocol() == QAbstractSocket::IPv6Protocol || address == QHostAddress::Any;
    QHostAddress bindAddress = address == QHostAddress::Any ? QHostAddress(QHostAddress::AnyIPv6) : address;
    if (v6) {
        auto *sa = reinterpret_cast<sockaddr_in6 *>(&storage);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        const Q_IPV6ADDR a = bindAddress.toIPv6Address();
        std::memcpy(&sa->sin6_addr, &a, 16);
        sa->sin6_scope_id = bindAddress.scopeId().toUInt();
        length = sizeof(sockaddr_in6);
    } else {
        auto *sa = reinterpret_cast<sockaddr_in *>(&storage);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(port);
        sa->sin_addr.s_addr = htonl(bindAddress.toIPv4Address());
        length = sizeof(sockaddr_in);
    }
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        m_error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6) {
        // "Any" means both families; a specific IPv6 address only IPv6.
        const int only = address == QHostAddress::Any ? 0 : 1;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
    }
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0 || ::listen(fd, 1024) != 0) {
        m_error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return false;
    }
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    m_port = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                      : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
    m_address = address;
    m_fd = fd;
    m_spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    m_reactor->add(m_fd, this, EPOLLIN);
    m_error.clear();
    return true;
}

void Listener::pause(int msecs)
{
    m_reactor->modify(m_fd, 0);
    m_resume->start(msecs);
}

void Listener::onEvents(std::uint32_t)
{
    // Bounded per turn, so a connection storm does not starve the rest.
    for (int i = 0; i < 128 && m_fd >= 0; ++i) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const int fd = ::accept4(m_fd, reinterpret_cast<sockaddr *>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            const int one = 1;
            // Small frames must not wait for Nagle's algorithm, or batching is lost.
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            QHostAddress address(reinterpret_cast<sockaddr *>(&peer));
            if (address.protocol() == QAbstractSocket::IPv6Protocol) {
                bool mapped = false;
                const quint32 v4 = address.toIPv4Address(&mapped);
                if (mapped)
                    address = QHostAddress(v4);
            }
            m_accepted(fd, address);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EMFILE || errno == ENFILE) {
            const qint64 now = monotonicMsecs();
            if (now - m_lastWarning > 10'000) {
                m_lastWarning = now;
                qCWarning(lcListener) << "out of file descriptors: refusing new connections for now"
                                      << "(raise the limit with ulimit -n, or lower ServerLimits::maxConnections)";
            }
            if (m_spare >= 0) {
                ::close(m_spare);
                const int victim = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (victim >= 0)
                    ::close(victim);
                m_spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            }
            pause(100);
            return;
        }
        qCWarning(lcListener) << "accept failed:" << std::strerror(errno);
        pause(100);
        return;
    }
}

} // namespace Rill::detail
