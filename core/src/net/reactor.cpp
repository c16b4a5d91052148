#include "reactor_p.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <utility>
#include <sys/epoll.h>
#include <unistd.h>

namespace Rill::detail {

namespace {
// fd in the low half, its slot's generation in the high half: an event
// fetched for a descriptor that was closed and reused within the same turn
// is recognised as stale and dropped.
std::uint64_t pack(int fd, std::uint32_t generation)
{
    return (std::uint64_t(generation) << 32) | std::uint32_t(fd);
}
} // namespace

Reactor::Reactor(QObject *parent) : QObject(parent)
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        m_error = QString::fromLocal8Bit(std::strerror(errno));
        return;
    }
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &Reactor::dispatch);
}

Reactor::~Reactor()
{
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool Reactor::add(int fd, Watcher *watcher, std::uint32_t events)
{
    if (fd < 0 || m_epoll < 0)
        return false;
    if (size_t(fd) >= m_slots.size())
        m_slots.resize(size_t(fd) + 64);
    Slot &slot = m_slots[size_t(fd)];
    ++slot.generation;
    slot.watcher = watcher;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = pack(fd, slot.generation);
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        slot.watcher = nullptr;
        return false;
    }
    ++m_watched;
    return true;
}

void Reactor::modify(int fd, std::uint32_t events)
{
    if (fd < 0 || size_t(fd) >= m_slots.size() || !m_slots[size_t(fd)].watcher)
        return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = pack(fd, m_slots[size_t(fd)].generation);
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
}

void Reactor::remove(int fd)
{
    if (fd < 0 || size_t(fd) >= m_slots.size() || !m_slots[size_t(fd)].watcher)
        return;
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    Slot &slot = m_slots[size_t(fd)];
    slot.watcher = nullptr;
    ++slot.generation;
    --m_watched;
}

Reactor::Watcher *Reactor::watcherOf(std::uint64_t packed) const
{
    const int fd = int(packed & 0xffffffffu);
    if (size_t(fd) >= m_slots.size())
        return nullptr;
    const Slot &slot = m_slots[size_t(fd)];
    return slot.generation == std::uint32_t(packed >> 32) ? slot.watcher : nullptr;
}

void Reactor::deferFlush(int fd)
{
    if (fd < 0 || size_t(fd) >= m_slots.size() || !m_slots[size_t(fd)].watcher)
        return;
    if (m_flushes.empty())
        QMetaObject::invokeMethod(this, &Reactor::flush, Qt::QueuedConnection);
    m_flushes.push_back(pack(fd, m_slots[size_t(fd)].generation));
}

void Reactor::flush()
{
    // Taken first: a watcher may ask again, for the next turn.
    const std::vector<std::uint64_t> due = std::exchange(m_flushes, {});
    for (const std::uint64_t packed : due)
        if (Watcher *watcher = watcherOf(packed))
            watcher->onFlush();
}

void Reactor::dispatch()
{
    // One batch per activation: if more are ready, the notifier fires again
    // on the next turn, after timers and other sources had theirs.
    epoll_event events[256];
    const int n = ::epoll_wait(m_epoll, events, 256, 0);
    for (int i = 0; i < n; ++i)
        if (Watcher *watcher = watcherOf(events[i].data.u64)) // not removed earlier in this batch
            watcher->onEvents(events[i].events);
}

} // namespace Rill::detail
