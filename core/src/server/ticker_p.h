#pragma once

// One timer for every session's batcher (a QTimer per session cost more in
// Qt's timer bookkeeping than the sessions' own work at a thousand sessions).
// A session asks to be polled at a time; all sessions of a server share one
// batch interval, so requests arrive in deadline order and a FIFO is the
// whole schedule.

#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

namespace Rill::detail {

class Ticker : public QObject
{
public:
    using Clock = std::function<qint64()>;

    explicit Ticker(Clock clock, QObject *parent = nullptr) : QObject(parent), m_clock(std::move(clock))
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, &Ticker::fire);
    }

    //! Calls \a poll (once) at or soon after \a deadline; \a owner identifies
    //! the request for cancel().
    void schedule(const void *owner, qint64 deadline, std::function<void()> poll)
    {
        // Deadlines arrive nearly in order; keep the queue sorted anyway.
        auto it = m_queue.end();
        while (it != m_queue.begin() && std::prev(it)->deadline > deadline)
            --it;
        m_queue.insert(it, Entry{deadline, owner, std::move(poll)});
        arm();
    }

    void cancel(const void *owner)
    {
        std::erase_if(m_queue, [owner](const Entry &e) { return e.owner == owner; });
        arm();
    }

    qsizetype pendingCount() const { return qsizetype(m_queue.size()); }

private:
    struct Entry
    {
        qint64 deadline;
        const void *owner;
        std::function<void()> poll;
    };

    void arm()
    {
        if (m_queue.empty()) {
            m_timer.stop();
            return;
        }
        const qint64 wait = std::max<qint64>(0, m_queue.front().deadline - m_clock());
        if (!m_timer.isActive() || m_armedFor != m_queue.front().deadline) {
            m_armedFor = m_queue.front().deadline;
            m_timer.start(int(std::min<qint64>(wait, 60'000)));
        }
    }

    void fire()
    {
        const qint64 now = m_clock();
        while (!m_queue.empty() && m_queue.front().deadline <= now) {
            Entry e = std::move(m_queue.front());
            m_queue.pop_front();
            e.poll(); // may schedule again, or cancel others
        }
        m_armedFor = -1;
        arm();
    }

    Clock m_clock;
    QTimer m_timer;
    qint64 m_armedFor = -1;
    std::deque<Entry> m_queue;
};

} // namespace Rill::detail
