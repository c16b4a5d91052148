#pragma once

// One timer for every session's batcher (a QTimer per session cost more in
// Qt's timer bookkeeping than the sessions' own work at a thousand sessions).
// A session asks to be polled at a time. Requests arrive nearly, not
// exactly, in deadline order (each session's interval starts with its own
// first token), so the schedule is a binary heap: O(log n) per request,
// where keeping a sorted queue cost a shift of half of it whenever the
// server fell behind (measured at 2,000 sessions).

#include <QObject>
#include <QTimer>

#include <algorithm>
#include <vector>
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
        m_queue.push_back(Entry{deadline, m_order++, owner, std::move(poll)});
        std::push_heap(m_queue.begin(), m_queue.end(), later);
        arm();
    }

    void cancel(const void *owner)
    {
        std::erase_if(m_queue, [owner](const Entry &e) { return e.owner == owner; });
        std::make_heap(m_queue.begin(), m_queue.end(), later);
        arm();
    }

    qsizetype pendingCount() const { return qsizetype(m_queue.size()); }

private:
    struct Entry
    {
        qint64 deadline;
        quint64 order; // requests due at the same time run in the order made
        const void *owner;
        std::function<void()> poll;
    };
    //! The heap's order: the earliest deadline on top.
    static bool later(const Entry &a, const Entry &b)
    {
        return a.deadline != b.deadline ? a.deadline > b.deadline : a.order > b.order;
    }

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
            std::pop_heap(m_queue.begin(), m_queue.end(), later);
            Entry e = std::move(m_queue.back());
            m_queue.pop_back();
            e.poll(); // may schedule again, or cancel others
        }
        m_armedFor = -1;
        arm();
    }

    Clock m_clock;
    QTimer m_timer;
    qint64 m_armedFor = -1;
    std::vector<Entry> m_queue; // a heap (later())
    quint64 m_order = 0;
};

} // namespace Rill::detail
