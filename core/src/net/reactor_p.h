#pragma once

// Readiness of many sockets through one epoll instance, and that instance
// through one QSocketNotifier, so Qt's event loop polls one descriptor
// however many connections are open (glib's and Qt's own dispatchers both
// walk every registered socket on every turn, which dominated the server's
// profile at a thousand connections; see shared/notes/server-profile.md).
// Level-triggered: a watcher that leaves bytes unread is called again.
//
//   Reactor reactor;
//   reactor.add(fd, &connection, EPOLLIN | EPOLLRDHUP);
//   ...
//   reactor.modify(fd, EPOLLIN | EPOLLOUT);   // also wants to write
//   reactor.remove(fd);                       // before close(fd)
//   reactor.deferFlush(fd);                   // onFlush() at the end of this turn
//
// Deferred flushes are the write phase of a turn: connections queue what
// they send while timers and events run, and write it all at the end, back
// to back. Sent one at a time between other work, each frame woke its
// reader on its own (a context switch per frame for a local client, paid
// for inside the sender's system call); sent together, one wake-up serves
// many, and several frames for one socket leave in one system call.

#include <QObject>

#include <cstdint>
#include <vector>

class QSocketNotifier;

namespace Rill::detail {

class Reactor : public QObject
{
public:
    class Watcher
    {
    public:
        virtual ~Watcher() = default;
        //! EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP as epoll reports them.
        virtual void onEvents(std::uint32_t events) = 0;
        //! Asked for with deferFlush().
        virtual void onFlush() {}
    };

    explicit Reactor(QObject *parent = nullptr);
    ~Reactor() override;

    //! False when epoll could not be created (errorString() says why).
    bool isValid() const { return m_epoll >= 0; }
    QString errorString() const { return m_error; }

    bool add(int fd, Watcher *watcher, std::uint32_t events);
    void modify(int fd, std::uint32_t events);
    //! Stops events for \a fd, including ones already fetched in this turn.
    void remove(int fd);
    int watchedCount() const { return m_watched; }
    //! Calls onFlush() of \a fd's watcher once, after the events, timers and
    //! posted calls now running (a posted call of its own). Dropped if \a fd
    //! is removed first.
    void deferFlush(int fd);

private:
    void dispatch();
    void flush();
    //! The watcher of a pack(fd, generation), if \a fd still has that one.
    Watcher *watcherOf(std::uint64_t packed) const;

    struct Slot
    {
        Watcher *watcher = nullptr;
        std::uint32_t generation = 0;
    };
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::vector<Slot> m_slots; // indexed by fd
    int m_watched = 0;
    std::vector<std::uint64_t> m_flushes; // fd and generation, as in dispatch()
    QString m_error;
};

} // namespace Rill::detail
