#include "session_p.h"

#include <rill/templateerror.h>

#include <QLoggingCategory>
#include <QWebSocket>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcSession, "rill.server.session", QtWarningMsg)

namespace Rill::detail {

Session::Session(QString token, std::unique_ptr<LiveView> view, int batchInterval, QObject *parent)
    : QObject(parent), m_token(std::move(token)), m_view(std::move(view))
{
    m_batcher.setInterval(batchInterval);
    connect(m_view.get(), &LiveView::streamOp, this, &Session::onViewOp);
    connect(m_view.get(), &LiveView::renderFailed, this, [this](const QString &message) {
        sendError(Protocol::ErrorCode::RenderFailed, message, std::nullopt);
    });
    connect(&m_batcher, &StreamBatcher::flushed, this, &Session::onFlushed);
}

Session::~Session()
{
    if (m_socket)
        m_socket->close();
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
}

void Session::onFlushed(const QList<StreamOp> &ops)
{
    qint64 seq = m_seq;
    const QList<Protocol::ServerFrame> frames = Protocol::framesForBatch(ops, seq);
    for (const auto &frame : frames) {
        m_seq = std::visit([](const auto &f) { return f.seq; }, frame);
        record(m_seq, Protocol::encode(frame));
    }
}

void Session::sendFrame(Protocol::ServerFrame frame)
{
    std::visit([this](auto &f) { f.seq = ++m_seq; }, frame);
    record(m_seq, Protocol::encode(frame));
}

void Session::record(qint64 seq, QByteArray bytes)
{
    if (m_socket)
        m_socket->sendTextMessage(QString::fromUtf8(bytes));
    m_ringBytes += bytes.size();
    m_ring.emplace_back(seq, std::move(bytes));
    // Bounded in frames and in bytes: render frames carry whole pages. The
    // newest frame always stays, however large.
    while (m_ring.size() > 1 && (m_ring.size() > RingFrames || m_ringBytes > RingBytes)) {
        m_ringBytes -= m_ring.front().second.size();
        m_ring.pop_front();
    }
}

void Session::sendControl(Protocol::ServerFrame frame)
{
    // Nothing overtakes anything: stream ops queued before this go first.
    m_batcher.flushNow();
    sendFrame(std::move(frame));
}

void Session::sendError(Protocol::ErrorCode code, const QString &message, std::optional<qint64> ref)
{
    qCWarning(lcSession).noquote() << Protocol::errorCodeName(code) << message;
    sendControl(Protocol::Error{0, code, message, ref});
}

void Session::attach(QWebSocket *socket, qint64 lastSeq)
{
    // Ops still queued become frames now, before the new socket is bound:
    // bound, it would get them live ahead of the replay below and then again
    // inside it.
    m_batcher.flushNow();
    if (m_socket && m_socket != socket) {
        // Unbound first: a server-side close() emits disconnected() at once,
        // which must neither clear m_socket under us nor report the session's
        // socket as lost (it is replaced, not lost).
        QWebSocket *old = m_socket.data();
        m_socket.clear();
        old->close(QWebSocketProtocol::CloseCodeNormal, u"replaced by a newer connection"_s);
        old->deleteLater();
    }
    m_socket = socket;
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (m_socket == socket) {
            m_socket.clear();
            Q_EMIT socketLost();
        }
        socket->deleteLater();
    });
    const bool haveAllMissed = lastSeq >= 0 && lastSeq <= m_seq
                               && (lastSeq == m_seq || (!m_ring.empty() && m_ring.front().first <= lastSeq + 1));
    if (haveAllMissed) {
        for (const auto &[seq, bytes] : m_ring)
            if (seq > lastSeq)
                socket->sendTextMessage(QString::fromUtf8(bytes));
        sendFrame(Protocol::Mount{0, std::nullopt});
        return;
    }
    // Too far behind (or from another life of this server): a full render.
    TemplateError error;
    const QString html = m_view->render(&error);
    sendFrame(Protocol::Mount{0, error.isError() ? std::nullopt : std::optional<QString>(html)});
}

void Session::handleFrame(const Protocol::ClientFrame &frame)
{
    if (const auto *event = std::get_if<Protocol::Event>(&frame)) {
        if (!m_view->hasHandler(event->event)) {
            QStringList names = m_view->handlerNames();
            names.sort();
            sendError(Protocol::ErrorCode::UnknownEvent,
                      u"no handler for event '%1'; this view handles: %2"_s.arg(event->event, names.join(u", "_s)),
                      event->ref);
            return;
        }
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
