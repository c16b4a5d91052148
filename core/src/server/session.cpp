#include "session_p.h"

#include "../dom/htmldiff_p.h"
#include "../net/connection_p.h"
#include "ticker_p.h"

#include <rill/templateerror.h>

#include <QLoggingCategory>
#include <QTimer>

#include <cmath>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSession, "rill.server.session", QtWarningMsg)
Q_LOGGING_CATEGORY(lcDev, "rill.dev", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTrace, "rill.trace", QtWarningMsg)

namespace Rill::detail {

Session::Session(QString token, std::unique_ptr<LiveView> view, const ServerLimits *limits, int batchInterval,
                 Ticker *ticker, QObject *parent)
    : QObject(parent), m_token(std::move(token)), m_view(std::move(view)), m_limits(limits), m_ticker(ticker),
      m_log(limits->resumeLogBytes)
{
    m_batcher.setInterval(batchInterval);
    m_batcher.setTimerEnabled(false); // the server's ticker polls it
    m_eventTokens = m_limits->eventBurst;
    m_eventTokensAt = monotonicMsecs();
    connect(m_view.get(), &LiveView::streamOp, this, &Session::onViewOp);
    connect(m_view.get(), &LiveView::renderFailed, this, [this](const QString &message) {
        sendError(Protocol::ErrorCode::RenderFailed, message, std::nullopt);
    });
    connect(&m_batcher, &StreamBatcher::flushed, this, &Session::onFlushed);
}

Session::~Session()
{
    m_ticker->cancel(this);
    if (m_connection)
        m_connection->closeWebSocket(WebSocket::GoingAway, "the session ended");
    if (m_running->count > 0) {
        // A handler is suspended in a co_await on the view; deleting the view
        // would resume it into freed memory. The server's engine may go next.
        m_view->setTemplateEngine(nullptr);
        m_running->orphan = std::move(m_view);
    }
}

void Session::Running::finished()
{
    --count;
    if (!count && orphan)
        orphan.release()->deleteLater(); // not under the handler's own frames
}

std::optional<QString> Session::startMount(QCoro::Task<> mount)
{
    auto state = std::make_shared<MountState>();
    ++m_running->count;
    watchMount(std::move(mount), state); // detached: it reports by itself
    state->painted = true;
    return state->failure;
}

QCoro::Task<> Session::watchMount(QCoro::Task<> mount, std::shared_ptr<MountState> state)
{
    QPointer<Session> self(this);
    const std::shared_ptr<Running> running = m_running;
    std::optional<QString> failure;
    try {
        co_await std::move(mount);
    } catch (const std::exception &e) {
        failure = QString::fromUtf8(e.what());
    } catch (...) {
        failure = u"an unknown exception"_s;
    }
    running->finished();
    if (!self)
        co_return;
    if (failure) {
        qCWarning(lcSession).noquote() << "mount failed:" << printable(*failure, 2000);
        if (!state->painted)
            state->failure = failure;
        else
            sendError(Protocol::ErrorCode::HandlerFailed, u"mount failed: %1"_s.arg(*failure), std::nullopt);
    } else if (state->painted) {
        m_view->pushState(); // the page was painted before mount finished
    }
    if (!running->count)
        Q_EMIT idle();
}

void Session::onViewOp(const StreamOp &op)
{
    switch (op.kind) {
    case StreamOp::Kind::Start: {
        quint64 owner = m_currentHandler;
        if (!owner && m_handlers.size() == 1)
            owner = *m_handlers.cbegin();
        m_activeStreams.insert(op.target, ActiveStream{op.stream, owner});
        break;
    }
    case StreamOp::Kind::Done:
    case StreamOp::Kind::Error:
    case StreamOp::Kind::Delete:
        m_activeStreams.remove(op.target);
        break;
    default:
        break;
    }
    m_batcher.enqueue(op);
    if (m_batcher.isPaused())
        checkBackpressure();
    else
        schedulePoll();
}

void Session::schedulePoll()
{
    // Only a batcher holding ops needs its interval's end: an idle one
    // finds out it is idle at the next enqueue by itself.
    if (m_pollScheduled || m_batcher.pendingCount() == 0 || m_batcher.isPaused())
        return;
    m_pollScheduled = true;
    m_ticker->schedule(this, monotonicMsecs() + std::max<qint64>(m_batcher.remainingTime(), 0), [this] {
        m_pollScheduled = false;
        if (!m_batcher.poll() && m_batcher.pendingCount() > 0) // early: not yet over by the batcher's clock
            schedulePoll();
    });
}

void Session::onFlushed(const QList<StreamOp> &ops)
{
    // Runs of ops of one stream become one stream frame; a render becomes
    // a patch. Each stream op also goes into the log, and a delete takes
    // its node out of the tree the next render is diffed against.
    qsizetype i = 0;
    while (i < ops.size()) {
        if (ops[i].kind == StreamOp::Kind::Render) {
            sendRender(ops[i].html);
            ++i;
            continue;
        }
        Protocol::Stream frame{++m_seq, ops[i].stream, {}};
        while (i < ops.size() && ops[i].kind != StreamOp::Kind::Render && ops[i].stream == frame.stream) {
            const StreamOp &op = ops[i++];
            std::optional<QString> base;
            const bool needsBase = m_log.needsBase(op);
            // Text into a target the log holds (token after token) needs
            // nothing from the tree: it was looked up when first held.
            const int node = needsBase || op.kind != StreamOp::Kind::Text ? m_tree.find(op.target) : 1;
            if (needsBase && node > 0)
                base = m_tree.innerHtml(node);
            if (node <= 0 && op.kind != StreamOp::Kind::Delete && !m_warnedTargets.contains(op.target)) {
                m_warnedTargets.insert(op.target);
                if (m_devMode)
                    qCWarning(lcDev).noquote()
                        << "stream" << printable(op.stream) << "names" << printable(op.target)
                        << "but the view's last render has no element it matches (or the selector is more than"
                           " tag, #id, .class and [attr]): re-renders cannot keep what is streamed there";
            }
            m_log.record(m_seq, op, base);
            if (op.kind == StreamOp::Kind::Delete)
                m_tree.remove(m_tree.find(op.target));
            frame.ops.append(op);
        }
        record(m_seq, Protocol::encode(Protocol::ServerFrame(frame)));
    }
    schedulePoll();
}

void Session::sendRender(const QString &html)
{
    HtmlTree next = HtmlTree::parse(html);
    const QHash<QString, StreamLog::Mode> held = m_log.modes();
    QHash<int, HtmlDiff::Mode> modes;
    QHash<int, QString> targetAt;
    for (auto it = held.cbegin(); it != held.cend(); ++it) {
        const int node = m_tree.find(it.key());
        if (node <= 0)
            continue; // not in the page's tree: a dev-mode warning said so
        targetAt.insert(node, it.key());
        switch (it.value()) {
        case StreamLog::Mode::Locked: modes.insert(node, HtmlDiff::Mode::Locked); break;
        case StreamLog::Mode::Owned: modes.insert(node, HtmlDiff::Mode::Owned); break;
        case StreamLog::Mode::Reset: modes.insert(node, HtmlDiff::Mode::Reset); break;
        case StreamLog::Mode::Template: break;
        }
    }
    // Patches off: sent whole, as a render that cannot be patched is.
    HtmlDiff::Result diff;
    if (m_patches)
        diff = HtmlDiff::diff(m_tree, next, modes);
    else
        diff.fullRender = true;
    QSet<QString> resets;
    QSet<QString> gone;
    for (auto it = targetAt.cbegin(); it != targetAt.cend(); ++it)
        if (next.find(it.value()) <= 0)
            gone.insert(it.value());
    if (diff.fullRender) {
        // The page morphs to the whole render (keeping what it holds for
        // streams); then the targets to reset, by selector.
        Protocol::Patch resetOps{0, {}};
        for (auto it = targetAt.cbegin(); it != targetAt.cend(); ++it) {
            const int now = next.find(it.value());
            const HtmlDiff::Mode mode = modes.value(it.key());
            if (now <= 0 || mode == HtmlDiff::Mode::Locked)
                continue;
            if (mode == HtmlDiff::Mode::Reset || m_tree.innerHtml(it.key()) != next.innerHtml(now)) {
                resets.insert(it.value());
                Protocol::PatchOp op;
                op.kind = Protocol::PatchOp::Kind::Html;
                op.target = it.value();
                op.html = next.innerHtml(now);
                resetOps.ops.append(std::move(op));
            }
        }
        sendFrame(Protocol::Render{0, html});
        if (!resetOps.ops.isEmpty())
            sendFrame(resetOps);
    } else {
        for (int node : diff.resetNodes)
            if (targetAt.contains(node))
                resets.insert(targetAt.value(node));
        if (!diff.ops.isEmpty())
            sendFrame(Protocol::Patch{0, diff.ops});
    }
    m_log.rendered(m_seq, resets, gone);
    m_tree = std::move(next);
}

void Session::sendFrame(Protocol::ServerFrame frame)
{
    std::visit([this](auto &f) { f.seq = ++m_seq; }, frame);
    if (std::holds_alternative<Protocol::Mount>(frame))
        m_lastMountSeq = m_seq;
    record(m_seq, Protocol::encode(frame));
}

void Session::record(qint64 seq, QByteArray bytes)
{
    qCDebug(lcTrace).noquote() << "frame" << seq << bytes.size() << "bytes:" << printable(QString::fromUtf8(bytes.left(200)), 200);
    if (m_connection) {
        m_connection->sendText(bytes);
        checkBackpressure();
    }
    m_ringBytes += bytes.size();
    m_ring.emplace_back(seq, std::move(bytes));
    // Bounded in frames and in bytes: render frames carry whole pages. The
    // newest frame always stays, however large.
    while (m_ring.size() > 1 && (m_ring.size() > RingFrames || m_ringBytes > RingBytes)) {
        m_ringBytes -= m_ring.front().second.size();
        m_ring.pop_front();
    }
}

void Session::checkBackpressure()
{
    Connection *c = m_connection.data();
    if (!c)
        return;
    // The limit counts everything queued, this turn's frames too; merging
    // starts only once the kernel has refused bytes (frames waiting for
    // the end of the turn are not a slow reader).
    const qsizetype queued = c->queuedBytes();
    if (queued + m_batcher.pendingSize() > m_limits->sendQueueLimit) {
        // Too far behind to catch up by merging: drop the socket. The page
        // reconnects and resumes from what it applied.
        qCInfo(lcSession) << "dropping a connection" << queued << "bytes behind";
        m_connection.clear();
        c->closeWebSocket(WebSocket::PolicyViolation, "too far behind: reconnect to resume");
        m_batcher.setPaused(false);
        Q_EMIT droppedSlowReader();
        lostSocket();
        return;
    }
    if (c->backlogBytes() > m_limits->sendQueueLowWater && !m_batcher.isPaused()) {
        m_batcher.setPaused(true);
        c->setReadingPaused(true);
    }
}

void Session::connectionDrained(Connection *connection)
{
    if (connection != m_connection || !m_batcher.isPaused())
        return;
    connection->setReadingPaused(false);
    m_batcher.setPaused(false); // flushes what merged meanwhile
    schedulePoll();
}

void Session::sendControl(Protocol::ServerFrame frame)
{
    // Nothing overtakes anything: stream ops queued before this go first.
    m_batcher.flushNow();
    sendFrame(std::move(frame));
}

void Session::sendError(Protocol::ErrorCode code, const QString &message, std::optional<qint64> ref)
{
    qCWarning(lcSession).noquote() << Protocol::errorCodeName(code) << printable(message, 500);
    sendControl(Protocol::Error{0, code, message, ref});
}

void Session::attach(Connection *connection, qint64 lastSeq)
{
    // Ops still queued become frames now, before the new connection is
    // bound: bound, it would get them live ahead of the replay below and
    // then again inside it.
    m_batcher.setPaused(false);
    m_batcher.flushNow();
    if (m_connection && m_connection != connection) {
        Connection *old = m_connection.data();
        m_connection.clear(); // replaced, not lost
        old->closeWebSocket(WebSocket::Normal, "replaced by a newer connection");
    }
    m_connection = connection;
    // A replay must not hold a mount (one that answered a resync, or an
    // earlier join, before the page applied it): the page takes the first
    // mount after its join as the answer, lastRef and all. Such a page gets
    // the view instead, which it was waiting for anyway.
    const bool haveAllMissed = lastSeq >= 0 && lastSeq <= m_seq && lastSeq >= m_lastMountSeq
                               && (lastSeq == m_seq || (!m_ring.empty() && m_ring.front().first <= lastSeq + 1));
    if (haveAllMissed) {
        for (const auto &[seq, bytes] : m_ring)
            if (seq > lastSeq)
                connection->sendText(bytes);
        sendFrame(Protocol::Mount{0, std::nullopt, false, m_lastEventRef});
        return;
    }
    restore(lastSeq);
}

void Session::restore(qint64 lastSeq)
{
    // Further behind than the ring covers: the last render (what a page
    // that stayed shows), then resets of what it held and a render since
    // took back, then what the stream log restores.
    const StreamLog::Restore restore = m_log.restore(std::clamp<qint64>(lastSeq, 0, m_seq));
    sendFrame(Protocol::Mount{0, m_tree.innerHtml(0), !restore.complete, m_lastEventRef});
    Protocol::Patch resets{0, {}};
    for (const QString &target : restore.resets) {
        const int node = m_tree.find(target);
        if (node <= 0)
            continue;
        Protocol::PatchOp op;
        op.kind = Protocol::PatchOp::Kind::Html;
        op.path = m_tree.path(node);
        op.tag = m_tree.node(node).tag;
        op.html = m_tree.innerHtml(node);
        resets.ops.append(std::move(op));
    }
    if (!resets.ops.isEmpty())
        sendFrame(resets);
    qint64 seq = m_seq;
    for (const auto &frame : Protocol::framesForBatch(restore.after, seq))
        sendFrame(frame);
    if (!restore.complete)
        qCInfo(lcSession) << "a page came back after more than the resume log keeps; it was told";
}

void Session::lostSocket()
{
    ++m_losses; // before the signal: a grace timer it starts counts from this loss
    Q_EMIT socketLost();
}

void Session::connectionClosed(Connection *connection)
{
    if (connection != m_connection)
        return;
    m_connection.clear();
    m_batcher.setPaused(false); // frames go to the ring while nobody listens
    schedulePoll();
    lostSocket();
}

void Session::refillEventTokens()
{
    const qint64 now = monotonicMsecs();
    m_eventTokens = std::min<double>(m_limits->eventBurst,
                                     m_eventTokens + double(now - m_eventTokensAt) * m_limits->eventsPerSecond / 1000.0);
    m_eventTokensAt = now;
}

bool Session::admitEvent(const Protocol::Event &event)
{
    refillEventTokens();
    if (m_eventTokens < 1) {
        sendError(Protocol::ErrorCode::RateLimited,
                  u"event '%1' dropped: more than %2 events per second"_s.arg(printable(event.event, 80))
                      .arg(m_limits->eventsPerSecond),
                  event.ref);
        return false;
    }
    if (m_running->count >= m_limits->maxConcurrentHandlers) {
        sendError(Protocol::ErrorCode::Busy,
                  u"event '%1' dropped: %2 handlers are already running in this page"_s
                      .arg(printable(event.event, 80))
                      .arg(m_running->count),
                  event.ref);
        return false;
    }
    m_eventTokens -= 1;
    return true;
}

void Session::resync(qint64 lastSeq)
{
    m_resyncFrom = lastSeq;
    if (m_resyncWaiting)
        return; // the one already waiting sends the view
    refillEventTokens();
    if (m_eventTokens < 1) {
        m_resyncWaiting = true;
        const int wait = int(std::ceil(1000.0 / std::max(1.0, double(m_limits->eventsPerSecond))));
        QTimer::singleShot(wait, this, [this] {
            m_resyncWaiting = false;
            resync(m_resyncFrom);
        });
        return;
    }
    m_eventTokens -= 1;
    qCInfo(lcSession) << "a page asked to be sent the view again (a patch did not apply)";
    m_batcher.flushNow();
    restore(m_resyncFrom);
}

void Session::handleFrame(const Protocol::ClientFrame &frame)
{
    if (lcTrace().isDebugEnabled())
        qCDebug(lcTrace).noquote() << "from the page:" << printable(QString::fromUtf8(Protocol::encode(frame)), 300);
    if (const auto *event = std::get_if<Protocol::Event>(&frame)) {
        // Read, whatever becomes of it (run, or refused with an error that
        // names its ref): a page that lost its socket must not send it again.
        m_lastEventRef = std::max(m_lastEventRef, event->ref);
        if (!m_view->hasHandler(event->event)) {
            QStringList names = m_view->handlerNames();
            names.sort();
            sendError(Protocol::ErrorCode::UnknownEvent,
                      u"no handler for event '%1'; this view handles: %2"_s.arg(printable(event->event, 80),
                                                                              names.join(u", "_s)),
                      event->ref);
            return;
        }
        if (!admitEvent(*event))
            return;
        // Detached on purpose: the session keeps reading frames while it runs.
        runHandler(event->event, event->params, event->ref);
        return;
    }
    if (const auto *ping = std::get_if<Protocol::Ping>(&frame)) {
        sendControl(Protocol::Pong{0, ping->ref});
        return;
    }
    if (const auto *ask = std::get_if<Protocol::Resync>(&frame)) {
        resync(ask->lastSeq);
        return;
    }
    sendError(Protocol::ErrorCode::BadFrame, u"already joined"_s, std::nullopt);
}

QCoro::Task<> Session::runHandler(QString event, QVariantMap params, qint64 ref)
{
    QPointer<Session> self(this);
    const std::shared_ptr<Running> running = m_running;
    ++running->count;
    const quint64 id = ++m_lastHandler;
    m_handlers.insert(id);
    std::optional<Protocol::ErrorCode> failure;
    QString message;
    try {
        std::optional<QCoro::Task<>> task;
        {
            // What invoke() starts before its first suspension is this handler's.
            struct Current
            {
                quint64 &slot;
                quint64 saved;
                ~Current() { slot = saved; }
            } current{m_currentHandler, std::exchange(m_currentHandler, id)};
            task.emplace(m_view->invoke(event, std::move(params)));
        }
        co_await std::move(*task);
    } catch (const ParamError &e) {
        failure = Protocol::ErrorCode::BadParams;
        message = u"event '%1': %2"_s.arg(event, QString::fromUtf8(e.what()));
    } catch (const std::exception &e) {
        failure = Protocol::ErrorCode::HandlerFailed;
        message = u"handler '%1' failed: %2"_s.arg(event, QString::fromUtf8(e.what()));
    } catch (...) {
        failure = Protocol::ErrorCode::HandlerFailed;
        message = u"handler '%1' failed with an unknown exception"_s.arg(event);
    }
    running->finished();
    if (!self)
        co_return;
    m_handlers.remove(id);
    if (failure) {
        // Streams the handler left open end in an error, keeping their
        // content; streams other handlers run go on.
        const auto active = m_activeStreams;
        for (auto it = active.cbegin(); it != active.cend(); ++it) {
            if (it->owner != id)
                continue;
            m_view->streamError(it->stream, message, it.key());
            m_view->streamDone(it->stream, it.key());
        }
        sendError(*failure, message, ref);
    }
    m_view->pushState();
    sendControl(Protocol::Reply{0, ref});
    if (!running->count)
        Q_EMIT idle();
}

} // namespace Rill::detail
