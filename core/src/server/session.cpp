#include "session_p.h"

#include "../net/connection_p.h"
#include "ticker_p.h"

#include <rill/templateerror.h>

#include <QLoggingCategory>
#include <QSignalBlocker>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSession, "rill.server.session", QtWarningMsg)

namespace Rill::detail {

QString printable(QStringView text, qsizetype max)
{
    QString out;
    const qsizetype n = std::min(text.size(), max);
    out.reserve(n + 16);
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text[i];
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || (c.unicode() >= 0x80 && c.unicode() < 0xa0)
            || c.unicode() == 0x2028 || c.unicode() == 0x2029)
            out += u"\\x%1"_s.arg(uint(c.unicode()), 2, 16, QChar(u'0'));
        else
            out += c;
    }
    if (text.size() > max)
        out += u"… (%1 more characters)"_s.arg(text.size() - max);
    return out;
}

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

void Session::startMount(QCoro::Task<> mount)
{
    if (mount.isReady())
        return;
    ++m_running->count;
    QPointer<Session> self(this);
    mount.then(
        [self, running = m_running]() {
            running->finished();
            if (!self)
                return;
            self->m_view->pushState(); // the page was painted before mount finished
            if (!running->count)
                Q_EMIT self->idle();
        },
        [self, running = m_running](const std::exception &e) {
            running->finished();
            if (!self)
                return;
            self->sendError(Protocol::ErrorCode::HandlerFailed,
                            u"mount failed: %1"_s.arg(QString::fromUtf8(e.what())), std::nullopt);
            if (!running->count)
                Q_EMIT self->idle();
        });
}

void Session::onViewOp(const StreamOp &op)
{
    if (m_log.needsBase(op) && !m_bases.contains(op.target)) {
        // What the page shows there now: a page that misses this start
        // gets it back from there. Quietly: a failure is not this op's.
        const QSignalBlocker quiet(m_view.get());
        if (const std::optional<QString> base = m_view->renderFragment(op.target))
            m_bases.insert(op.target, *base);
    }
    switch (op.kind) {
    case StreamOp::Kind::Start:
        m_activeStreams.insert(op.target, op.stream);
        break;
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
    qint64 seq = m_seq;
    const QList<Protocol::ServerFrame> frames = Protocol::framesForBatch(ops, seq);
    for (const auto &frame : frames) {
        m_seq = std::visit([](const auto &f) { return f.seq; }, frame);
        if (const auto *render = std::get_if<Protocol::Render>(&frame)) {
            m_lastRender = render->html;
            m_log.record(m_seq, StreamOp::render(QString()));
        } else if (const auto *stream = std::get_if<Protocol::Stream>(&frame)) {
            for (const StreamOp &op : stream->ops) {
                std::optional<QString> base;
                if (m_log.needsBase(op)) {
                    auto it = m_bases.find(op.target);
                    if (it != m_bases.end()) {
                        base = std::move(it.value());
                        m_bases.erase(it);
                    }
                }
                m_log.record(m_seq, op, base);
            }
        }
        record(m_seq, Protocol::encode(frame));
    }
    schedulePoll();
}

void Session::sendFrame(Protocol::ServerFrame frame)
{
    std::visit([this](auto &f) { f.seq = ++m_seq; }, frame);
    record(m_seq, Protocol::encode(frame));
}

void Session::record(qint64 seq, QByteArray bytes)
{
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
    const qsizetype queued = c->queuedBytes();
    if (queued + m_batcher.pendingSize() > m_limits->sendQueueLimit) {
        // Too far behind to catch up by merging: drop the socket. The page
        // reconnects and resumes from what it applied.
        qCInfo(lcSession) << "dropping a connection" << queued << "bytes behind";
        m_connection.clear();
        c->closeWebSocket(WebSocket::PolicyViolation, "too far behind: reconnect to resume");
        m_batcher.setPaused(false);
        Q_EMIT droppedSlowReader();
        Q_EMIT socketLost();
        return;
    }
    if (queued > m_limits->sendQueueLowWater && !m_batcher.isPaused()) {
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
    const bool haveAllMissed = lastSeq >= 0 && lastSeq <= m_seq
                               && (lastSeq == m_seq || (!m_ring.empty() && m_ring.front().first <= lastSeq + 1));
    if (haveAllMissed) {
        for (const auto &[seq, bytes] : m_ring)
            if (seq > lastSeq)
                connection->sendText(bytes);
        sendFrame(Protocol::Mount{0, std::nullopt});
        return;
    }
    // Further behind than the ring covers: the last render (what a page
    // that stayed shows), with what the stream log restores around it.
    const StreamLog::Restore restore = m_log.restore(std::clamp<qint64>(lastSeq, 0, m_seq));
    qint64 seq = m_seq;
    for (const auto &frame : Protocol::framesForBatch(restore.before, seq))
        sendFrame(frame);
    sendFrame(Protocol::Mount{0, m_lastRender, !restore.complete});
    seq = m_seq;
    for (const auto &frame : Protocol::framesForBatch(restore.after, seq))
        sendFrame(frame);
    if (!restore.complete)
        qCInfo(lcSession) << "a page came back after more than the resume log keeps; it was told";
}

void Session::connectionClosed(Connection *connection)
{
    if (connection != m_connection)
        return;
    m_connection.clear();
    m_batcher.setPaused(false); // frames go to the ring while nobody listens
    schedulePoll();
    Q_EMIT socketLost();
}

bool Session::admitEvent(const Protocol::Event &event)
{
    const qint64 now = monotonicMsecs();
    m_eventTokens = std::min<double>(m_limits->eventBurst,
                                     m_eventTokens + double(now - m_eventTokensAt) * m_limits->eventsPerSecond / 1000.0);
    m_eventTokensAt = now;
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

void Session::handleFrame(const Protocol::ClientFrame &frame)
{
    if (const auto *event = std::get_if<Protocol::Event>(&frame)) {
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
    sendError(Protocol::ErrorCode::BadFrame, u"already joined"_s, std::nullopt);
}

QCoro::Task<> Session::runHandler(QString event, QVariantMap params, qint64 ref)
{
    QPointer<Session> self(this);
    const std::shared_ptr<Running> running = m_running;
    ++running->count;
    std::optional<Protocol::ErrorCode> failure;
    QString message;
    try {
        co_await m_view->invoke(event, std::move(params));
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
    if (failure) {
        // Streams the handler left open end in an error, keeping their content.
        const auto active = m_activeStreams;
        for (auto it = active.cbegin(); it != active.cend(); ++it) {
            m_view->streamError(it.value(), message, it.key());
            m_view->streamDone(it.value(), it.key());
        }
        sendError(*failure, message, ref);
    }
    m_view->pushState();
    sendControl(Protocol::Reply{0, ref});
    if (!running->count)
        Q_EMIT idle();
}

} // namespace Rill::detail
