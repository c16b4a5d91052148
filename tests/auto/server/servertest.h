#pragma once

// Shared by the server tests: a view with one handler per behaviour under
// test, a WebSocket client that decodes every frame with
// Protocol::decodeServer, and blocking HTTP helpers built on QTest::qWaitFor
// (they wait for a condition, never for a fixed time).

#include <rill/liveview.h>
#include <rill/protocol.h>
#include <rill/request.h>
#include <rill/server.h>

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <qcoro/qcorosignal.h>
#include <qcoro/qcorotimer.h>

#include <chrono>
#include <memory>
#include <stdexcept>

// QCOMPARE prints frames as their JSON (found by argument-dependent lookup).
namespace Rill {
inline char *toString(const Protocol::ServerFrame &frame)
{
    return qstrdup(Protocol::encode(frame).constData());
}
} // namespace Rill

namespace RillServerTest {

using namespace Qt::StringLiterals;
using Rill::Protocol;
using Rill::StreamOp;

constexpr int WaitMs = 5000;

/*
  One handler per behaviour:
    inc       count += by (Params::integer)
    pour      kib KiB of text in 1 KiB tokens on "log", yielding every `every` tokens
    tokens    start, the comma-separated `text` as synchronous tokens, done, on stream `stream`
    slow      n tokens "tN " on "log", ms between them, until stop; count = tokens sent
    stop      makes a running slow stop after its current token
    fail      start, "partial ", "text", then throws (on `stream`, default "log")
    fragment  count = 5, streamTo("counter") without html
    hold      count = 7, pushState(), waits for release (the event or release()), count = 8
    release   ends a hold
    flood     n inserts alternating between "log" and "plain": 2n stream frames
*/
class TestView : public Rill::LiveView
{
    Q_OBJECT
    Q_PROPERTY(QString name MEMBER m_name)
    Q_PROPERTY(int count MEMBER m_count)

public:
    static inline const QString Source = uR"(<h1>{{ name }}</h1>
<p id="count">Count: {{ count }}</p>
<div dj-stream="log" dj-stream-mode="append"></div>
<div dj-stream="title" dj-stream-mode="replace"></div>
<div dj-stream="plain"></div>
<div dj-stream="counter">Count is {{ count }}</div>
)"_s;

    TestView()
    {
        setTemplateSource(Source);
        handle(u"inc"_s, &TestView::inc);
        handle(u"tokens"_s, &TestView::tokens);
        handle(u"slow"_s, &TestView::slow);
        handle(u"stop"_s, &TestView::stop);
        handle(u"fail"_s, &TestView::fail);
        handle(u"fragment"_s, &TestView::fragment);
        handle(u"hold"_s, &TestView::hold);
        handle(u"release"_s, &TestView::releaseEvent);
        handle(u"flood"_s, &TestView::flood);
        handle(u"bulky"_s, &TestView::bulky);
        handle(u"pour"_s, &TestView::pour);
    }

    QCoro::Task<> mount(const Rill::Request &request) override
    {
        if (request.query.contains(u"name"))
            m_name = request.query.value(u"name");
        // ?fail=now: mount throws before its first suspension (the page is
        // refused); ?fail=later: after the page was served (an error frame).
        const QString fail = request.query.value(u"fail");
        if (fail == u"now")
            throw std::runtime_error("no such conversation");
        if (fail == u"later") {
            co_await QCoro::sleepFor(std::chrono::milliseconds(50));
            throw std::runtime_error("the database went away");
        }
    }

    void release() { Q_EMIT released(); }
    int count() const { return m_count; }

Q_SIGNALS:
    void released();

private:
    QCoro::Task<> inc(QVariantMap params)
    {
        m_count += int(Rill::Params::integer(params, u"by"_s));
        co_return;
    }

    QCoro::Task<> tokens(QVariantMap params)
    {
        const QString stream = Rill::Params::string(params, u"stream"_s);
        streamStart(stream);
        for (const QString &token : Rill::Params::string(params, u"text"_s).split(u','))
            streamText(stream, token);
        streamDone(stream);
        co_return;
    }

    QCoro::Task<> slow(QVariantMap params)
    {
        const qint64 n = Rill::Params::integer(params, u"n"_s);
        const std::chrono::milliseconds gap(Rill::Params::integer(params, u"ms"_s));
        m_stop = false;
        m_count = 0;
        streamStart(u"log"_s);
        for (qint64 i = 0; i < n && !m_stop; ++i) {
            streamText(u"log"_s, u"t%1 "_s.arg(i));
            ++m_count;
            co_await QCoro::sleepFor(gap);
        }
        streamDone(u"log"_s);
    }

    QCoro::Task<> stop(QVariantMap)
    {
        m_stop = true;
        co_return;
    }

    QCoro::Task<> fail(QVariantMap params)
    {
        const QString stream = params.contains(u"stream"_s) ? Rill::Params::string(params, u"stream"_s) : u"log"_s;
        streamStart(stream);
        streamText(stream, u"partial "_s);
        co_await QCoro::sleepFor(std::chrono::milliseconds(20));
        streamText(stream, u"text"_s);
        co_await QCoro::sleepFor(std::chrono::milliseconds(20));
        throw std::runtime_error("model went away");
    }

    QCoro::Task<> fragment(QVariantMap)
    {
        m_count = 5;
        streamTo(u"counter"_s);
        co_return;
    }

    QCoro::Task<> hold(QVariantMap)
    {
        m_count = 7;
        pushState();
        co_await qCoro(this, &TestView::released);
        m_count = 8;
    }

    QCoro::Task<> releaseEvent(QVariantMap)
    {
        release();
        co_return;
    }

    QCoro::Task<> flood(QVariantMap params)
    {
        const qint64 n = Rill::Params::integer(params, u"n"_s);
        for (qint64 i = 0; i < n; ++i) {
            streamInsert(u"log"_s, u"<i>%1</i>"_s.arg(i));
            streamInsert(u"plain"_s, u"<i>%1</i>"_s.arg(i));
        }
        co_return;
    }

    // n frames of `kib` KiB each (replaces, which the batcher keeps apart
    // only across flushes: one per event loop turn here).
    QCoro::Task<> bulky(QVariantMap params)
    {
        const qint64 n = Rill::Params::integer(params, u"n"_s);
        const QString chunk(int(Rill::Params::integer(params, u"kib"_s)) * 1024, u'x');
        for (qint64 i = 0; i < n; ++i) {
            streamTo(u"log"_s, {}, chunk);
            co_await QCoro::sleepFor(std::chrono::milliseconds(1));
        }
    }

    // `kib` KiB of text on "log" in 1 KiB tokens "<n>:xxx…|", yielding to
    // the event loop every `every` tokens: a fast model and a chatty view.
    QCoro::Task<> pour(QVariantMap params)
    {
        const qint64 kib = Rill::Params::integer(params, u"kib"_s);
        const qint64 every = params.contains(u"every"_s) ? Rill::Params::integer(params, u"every"_s) : 16;
        streamStart(u"log"_s);
        for (qint64 i = 0; i < kib; ++i) {
            QString token = QString::number(i) + u':';
            token += QString(1023 - token.size(), u'x');
            token += u'|';
            streamText(u"log"_s, token);
            if (i % every == every - 1)
                co_await QCoro::sleepFor(std::chrono::milliseconds(1));
        }
        streamDone(u"log"_s);
        m_count = int(kib);
    }

    QString m_name = u"Rill & co"_s;
    int m_count = 0;
    bool m_stop = false;
};

inline QByteArray show(const Protocol::ServerFrame &frame)
{
    return Protocol::encode(frame);
}

// What a re-render frame carries, as text to look for: a whole render's
// HTML, or everything a patch writes (texts, HTML, attribute values).
// Empty for other frames.
inline QString rendered(const Protocol::ServerFrame &frame)
{
    if (const auto *render = std::get_if<Protocol::Render>(&frame))
        return render->html;
    const auto *patch = std::get_if<Protocol::Patch>(&frame);
    if (!patch)
        return QString();
    QString out;
    for (const Protocol::PatchOp &op : patch->ops) {
        out += op.text + op.html;
        for (const auto &[name, value] : op.set)
            out += name + u'=' + value;
        for (const auto &run : op.children)
            out += run.html;
        out += u'\n';
    }
    return out;
}

inline bool isRender(const Protocol::ServerFrame &frame)
{
    return std::holds_alternative<Protocol::Render>(frame) || std::holds_alternative<Protocol::Patch>(frame);
}

inline qint64 seqOf(const Protocol::ServerFrame &frame)
{
    return std::visit([](const auto &f) { return f.seq; }, frame);
}

// A page's socket, as the web client would drive it.
class WsClient : public QObject
{
public:
    explicit WsClient(const QString &origin) : socket(origin)
    {
        socket.setProxy(QNetworkProxy::NoProxy);
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            Protocol::DecodeError error;
            const auto frame = Protocol::decodeServer(text.toUtf8(), &error);
            if (frame)
                frames.append(*frame);
            else
                undecodable.append(text + u" -- "_s + error.message);
        });
    }

    bool open(const QUrl &url)
    {
        socket.open(url);
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, WaitMs);
    }

    void send(const QByteArray &json) { socket.sendTextMessage(QString::fromUtf8(json)); }
    void join(const QString &token, qint64 lastSeq = 0) { send(Protocol::encode(Protocol::Join{token, lastSeq})); }
    void event(const QString &name, const QVariantMap &params, qint64 ref)
    {
        send(Protocol::encode(Protocol::Event{name, params, ref}));
    }

    bool waitForFrames(qsizetype count)
    {
        return QTest::qWaitFor([this, count] { return frames.size() >= count; }, WaitMs);
    }

    qsizetype replyIndex(qint64 ref) const
    {
        for (qsizetype i = 0; i < frames.size(); ++i)
            if (const auto *reply = std::get_if<Protocol::Reply>(&frames[i]); reply && reply->ref == ref)
                return i;
        return -1;
    }
    bool waitForReply(qint64 ref)
    {
        return QTest::qWaitFor([this, ref] { return replyIndex(ref) >= 0; }, WaitMs);
    }

    qint64 lastSeq() const { return frames.isEmpty() ? 0 : seqOf(frames.constLast()); }

    // The ops of all stream frames in [from, to), in order.
    QList<StreamOp> ops(qsizetype from = 0, qsizetype to = -1) const
    {
        QList<StreamOp> result;
        for (qsizetype i = from; i < (to < 0 ? frames.size() : to); ++i)
            if (const auto *stream = std::get_if<Protocol::Stream>(&frames[i]))
                result += stream->ops;
        return result;
    }

    static QString textOf(const QList<StreamOp> &ops)
    {
        QString text;
        for (const StreamOp &op : ops)
            if (op.kind == StreamOp::Kind::Text)
                text += op.content;
        return text;
    }
    //! The HTML of the append ops among \a ops (of \a stream only, when given), in order.
    static QStringList appendedHtml(const QList<StreamOp> &ops, const QString &stream = {})
    {
        QStringList html;
        for (const StreamOp &op : ops)
            if (op.kind == StreamOp::Kind::Append && (stream.isEmpty() || op.stream == stream))
                html << op.html;
        return html;
    }

    QWebSocket socket;
    QList<Protocol::ServerFrame> frames;
    QStringList undecodable;
};

// Empty when every frame has the next seq after \a first - 1; else what is wrong.
inline QString seqProblem(const WsClient &client, qint64 first = 1)
{
    if (!client.undecodable.isEmpty())
        return u"undecodable: "_s + client.undecodable.join(u'\n');
    qint64 expected = first;
    for (const auto &frame : client.frames) {
        if (seqOf(frame) != expected)
            return u"expected seq %1 in %2"_s.arg(expected).arg(QString::fromUtf8(show(frame)));
        ++expected;
    }
    return {};
}

struct HttpResult
{
    int status = 0;
    QByteArray contentType;
    QByteArray csp;
    QByteArray body;
};

inline HttpResult httpGet(QNetworkAccessManager &nam, const QUrl &url, bool post = false)
{
    QNetworkRequest request(url);
    if (post)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/x-www-form-urlencoded"));
    std::unique_ptr<QNetworkReply> reply(post ? nam.post(request, QByteArray("x=1")) : nam.get(request));
    QNetworkReply *r = reply.get();
    if (!QTest::qWaitFor([r] { return r->isFinished(); }, WaitMs))
        return {};
    return {r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), r->rawHeader("Content-Type"),
            r->rawHeader("Content-Security-Policy"), r->readAll()};
}

inline QString tokenIn(const QByteArray &page)
{
    static const QRegularExpression re(u"data-rill-token=\"([A-Za-z0-9_-]+)\""_s);
    return re.match(QString::fromUtf8(page)).captured(1);
}

// A request written byte for byte (QNetworkAccessManager would be free to
// tidy the path). Returns the status code, 0 on timeout.
inline int rawStatus(quint16 port, const QByteArray &requestLine, const QByteArray &extraHeaders = {})
{
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(WaitMs))
        return 0;
    socket.write(requestLine + "\r\nHost: 127.0.0.1:" + QByteArray::number(port) + "\r\n" + extraHeaders
                 + "Connection: close\r\n\r\n");
    QByteArray response;
    QObject context;
    QObject::connect(&socket, &QTcpSocket::readyRead, &context, [&] { response += socket.readAll(); });
    if (!QTest::qWaitFor([&] { return response.contains("\r\n"); }, WaitMs))
        return 0;
    // "HTTP/1.1 404 Not Found"
    const QList<QByteArray> parts = response.left(response.indexOf("\r\n")).split(' ');
    return parts.size() > 1 ? parts[1].toInt() : -1;
}

// A server on 127.0.0.1:0 serving TestView at /view, and pages and
// sockets for it. The helpers return empty values on timeout; tests check.
class Harness
{
public:
    bool start()
    {
        nam.setProxy(QNetworkProxy::NoProxy);
        server = std::make_unique<Rill::Server>();
        server->route<TestView>(u"/view"_s);
        return server->listen(QHostAddress::LocalHost, 0);
    }
    void stop()
    {
        server.reset();
        nam.clearConnectionCache();
    }

    QString origin() const { return u"http://127.0.0.1:%1"_s.arg(server->port()); }
    QUrl socketUrl() const
    {
        QUrl url = server->url(u"/rill/socket"_s);
        url.setScheme(u"ws"_s);
        return url;
    }

    //! GETs /view and returns the page's token.
    QString newPage(const QString &path = u"/view"_s)
    {
        const HttpResult r = httpGet(nam, server->url(path));
        return r.status == 200 ? tokenIn(r.body) : QString();
    }

    //! A connected socket, not joined yet.
    std::unique_ptr<WsClient> connect()
    {
        auto client = std::make_unique<WsClient>(origin());
        if (!client->open(socketUrl()))
            return nullptr;
        return client;
    }

    //! A socket joined to \a token, its mount received.
    std::unique_ptr<WsClient> join(const QString &token, qint64 lastSeq = 0)
    {
        auto client = connect();
        if (!client)
            return nullptr;
        client->join(token, lastSeq);
        if (!QTest::qWaitFor(
                [&client] {
                    for (const auto &f : client->frames)
                        if (std::holds_alternative<Protocol::Mount>(f))
                            return true;
                    return false;
                },
                WaitMs))
            return nullptr;
        return client;
    }

    std::unique_ptr<Rill::Server> server;
    QNetworkAccessManager nam;
};

} // namespace RillServerTest
