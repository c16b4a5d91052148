#include <rill/streambatcher.h>

#include <QElapsedTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

namespace Rill {

namespace {

Q_LOGGING_CATEGORY(lcBatcher, "rill.core.batcher", QtWarningMsg)

using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

bool supersedes(const StreamOp &op)
{
    return op.kind == Kind::Replace || (op.kind == Kind::Text && op.mode == Mode::Replace);
}

bool isContent(const StreamOp &op)
{
    return op.kind == Kind::Replace || op.kind == Kind::Append || op.kind == Kind::Prepend || op.kind == Kind::Text;
}

bool isLifecycle(const StreamOp &op)
{
    return op.kind == Kind::Start || op.kind == Kind::Done || op.kind == Kind::Error || op.kind == Kind::Delete;
}

// Folds \a next into \a prev when applying the one merged op leaves the same
// text as applying both; the client's append extends the trailing text node,
// so one longer node is what it would have built anyway.
bool mergeText(StreamOp &prev, const StreamOp &next)
{
    if (prev.kind != Kind::Text || next.kind != Kind::Text || prev.target != next.target
        || prev.stream != next.stream)
        return false;
    // Default defers to the element's dj-stream-mode, which only the page
    // knows: two Default texts on a "replace" element must stay two ops.
    // LiveView::streamText() resolves the mode from the template when it
    // can, so the common case still merges.
    if (next.mode == Mode::Append && prev.mode == Mode::Append) {
        prev.content += next.content;
        return true;
    }
    if (next.mode == Mode::Append && prev.mode == Mode::Replace) {
        prev.content += next.content;
        return true;
    }
    if (next.mode == Mode::Prepend && prev.mode == Mode::Prepend) {
        prev.content = next.content + prev.content;
        return true;
    }
    return false;
}

} // namespace

class StreamBatcher::Private
{
public:
    explicit Private(StreamBatcher *q) : q(q)
    {
        elapsed.start();
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer);
    }

    qint64 now() const { return clock ? clock() : elapsed.elapsed(); }

    void arm(qint64 at)
    {
        if (!timerEnabled)
            return;
        // Never 0 ms while the clock says "not yet": a fake clock that does
        // not move would otherwise spin the event loop.
        timer.start(int(std::clamp<qint64>(deadline - at, 1, std::numeric_limits<int>::max())));
    }

    void startInterval(qint64 at)
    {
        active = true;
        deadline = at + interval;
        arm(at);
    }

    StreamBatcher *q;
    QTimer timer;
    QElapsedTimer elapsed;
    Clock clock;
    // Queues \a op behind what is pending, joining it to the last text
    // when that gives the same page; while paused (when the queue can grow
    // long) it also compacts now and then, so held text costs its size once.
    void append(const StreamOp &op)
    {
        pendingChars += op.html.size() + op.content.size();
        if (!pending.isEmpty() && mergeText(pending.last(), op))
            return;
        pending.append(op);
        if (paused && pending.size() >= compactAt) {
            pending = StreamBatcher::coalesce(pending);
            pendingChars = 0;
            for (const StreamOp &p : std::as_const(pending))
                pendingChars += p.html.size() + p.content.size();
            compactAt = std::max<qsizetype>(256, pending.size() * 2);
        }
    }

    QList<StreamOp> takePending()
    {
        pendingChars = 0;
        compactAt = 256;
        return StreamBatcher::coalesce(std::exchange(pending, {}));
    }

    QList<StreamOp> pending;
    qsizetype pendingChars = 0;
    qsizetype compactAt = 256;
    qint64 deadline = 0;
    int interval = 16;
    bool active = false;
    bool paused = false;
    bool timerEnabled = true;
};

StreamBatcher::StreamBatcher(QObject *parent) : QObject(parent), d(std::make_unique<Private>(this))
{
    connect(&d->timer, &QTimer::timeout, this, [this] {
        if (!poll() && d->active)
            d->arm(d->now());
    });
}

StreamBatcher::~StreamBatcher()
{
    if (!d->pending.isEmpty())
        qCWarning(lcBatcher) << "destroyed with" << d->pending.size() << "ops unsent";
}

int StreamBatcher::interval() const
{
    return d->interval;
}

void StreamBatcher::setInterval(int msec)
{
    msec = std::max(msec, 0);
    if (msec == d->interval)
        return;
    d->interval = msec;
    Q_EMIT intervalChanged(msec);
}

bool StreamBatcher::isActive() const
{
    return d->active;
}

qint64 StreamBatcher::remainingTime() const
{
    if (!d->active)
        return -1;
    return std::max<qint64>(d->deadline - d->now(), 0);
}

qsizetype StreamBatcher::pendingCount() const
{
    return d->pending.size();
}

qsizetype StreamBatcher::pendingSize() const
{
    return d->pendingChars;
}

void StreamBatcher::setPaused(bool paused)
{
    if (d->paused == paused)
        return;
    d->paused = paused;
    if (paused) {
        d->timer.stop();
        return;
    }
    // Resuming: what waited goes now, and a new interval starts.
    if (d->pending.isEmpty())
        return;
    const QList<StreamOp> batch = d->takePending();
    d->startInterval(d->now());
    Q_EMIT flushed(batch);
}

bool StreamBatcher::isPaused() const
{
    return d->paused;
}

void StreamBatcher::setTimerEnabled(bool enabled)
{
    d->timerEnabled = enabled;
    if (!enabled)
        d->timer.stop();
}

void StreamBatcher::setClock(Clock clock)
{
    d->clock = std::move(clock);
    if (d->active) {
        const qint64 at = d->now();
        d->deadline = at + d->interval;
        d->arm(at);
    }
}

qint64 StreamBatcher::now() const
{
    return d->now();
}

void StreamBatcher::enqueue(const StreamOp &op)
{
    if (d->paused) {
        d->append(op);
        return;
    }
    // The timer may be overdue (a busy event loop, or a test that moved its
    // clock): what was queued before goes first, and only then may this op
    // count as the first after idle.
    poll();
    if (d->active) {
        d->append(op);
        return;
    }
    d->startInterval(d->now());
    qCDebug(lcBatcher) << "leading edge";
    Q_EMIT flushed(QList<StreamOp>{op});
}

void StreamBatcher::flushNow()
{
    if (d->pending.isEmpty())
        return;
    const QList<StreamOp> batch = d->takePending();
    Q_EMIT flushed(batch);
}

bool StreamBatcher::poll()
{
    if (!d->active || d->paused)
        return false;
    const qint64 at = d->now();
    if (at < d->deadline)
        return false;
    if (d->pending.isEmpty()) {
        d->active = false;
        d->timer.stop();
        return true;
    }
    const QList<StreamOp> batch = d->takePending();
    // State first: a slot connected to flushed() may enqueue, or delete us.
    d->startInterval(at);
    qCDebug(lcBatcher) << "flush of" << batch.size() << "ops";
    Q_EMIT flushed(batch);
    return true;
}

QList<StreamOp> StreamBatcher::coalesce(const QList<StreamOp> &ops)
{
    QList<StreamOp> out;
    out.reserve(ops.size());
    const bool anyReplace = std::any_of(ops.cbegin(), ops.cend(), supersedes);
    if (!anyReplace) {
        // The common case (token streams): only adjacent texts can merge.
        for (const StreamOp &op : ops) {
            if (out.isEmpty() || !mergeText(out.last(), op))
                out.append(op);
        }
        return out;
    }

    // Content ops per target since that target's last barrier, so that a
    // replace finds what it overwrites without rescanning the batch.
    QHash<QString, std::vector<qsizetype>> open;
    std::vector<bool> alive;
    alive.reserve(size_t(ops.size()));
    for (const StreamOp &op : ops) {
        if (supersedes(op)) {
            auto it = open.find(op.target);
            if (it != open.end()) {
                for (qsizetype i : *it)
                    alive[size_t(i)] = false;
                it->clear();
            }
        } else if (!out.isEmpty() && alive.back() && mergeText(out.last(), op)) {
            // The last op appended is always alive: only a later replace kills,
            // and that replace is then the last.
            continue;
        }
        out.append(op);
        alive.push_back(true);
        const qsizetype index = out.size() - 1;
        if (isContent(op))
            open[op.target].push_back(index);
        else if (isLifecycle(op))
            open.remove(op.target);
        else if (op.kind == Kind::Render)
            open.clear();
    }
    QList<StreamOp> kept;
    kept.reserve(out.size());
    for (qsizetype i = 0; i < out.size(); ++i) {
        if (alive[size_t(i)])
            kept.append(std::move(out[i]));
    }
    return kept;
}

} // namespace Rill
