// Rill::Server's WebSocket side end to end, with a real QWebSocket on
// 127.0.0.1: join, the errors a page can provoke, events and their stream,
// render and reply frames, handlers running side by side, and a handler
// that throws. Every frame goes through Protocol::decodeServer.

#include "servertest.h"

#include <rill/canceltoken.h>
#include <rill/templateengine.h>
#include "testregistry.h"

#include <QSignalSpy>
#include <QTemporaryDir>

#include <algorithm>

using namespace RillServerTest;

namespace {

// The kinds of \a ops with runs of Text folded into one (how tokens merge
// depends on timing; their order does not).
QList<StreamOp::Kind> shape(const QList<StreamOp> &ops)
{
    QList<StreamOp::Kind> kinds;
    for (const StreamOp &op : ops)
        if (!(op.kind == StreamOp::Kind::Text && !kinds.isEmpty() && kinds.constLast() == StreamOp::Kind::Text))
            kinds.append(op.kind);
    return kinds;
}

const QString AllHandlers = u"bulky, fail, flood, fragment, hold, inc, pour, release, slow, stop, tokens"_s;

} // namespace

class TstServer : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void joinMounts();
    void unknownToken();
    void beforeJoin_data();
    void beforeJoin();
    void badFrameKeepsSession_data();
    void badFrameKeepsSession();
    void unknownEvent();
    void badParams_data();
    void badParams();
    void handlerRendersAndReplies();
    void patchesOff();
    void streamedEvent();
    void textModes_data();
    void textModes();
    void textModeFollowsTemplateChanges();
    void streamToFragment();
    void pushStateMidHandler();
    void concurrentEvents();
    void handlerFailure();
    void failureKeepsToItsOwnStreams();
    void mountFailsAfterPaint();
    void jobs();
    void devModeWarnsOfMissingTargets();

private:
    std::unique_ptr<WsClient> joined();

    Harness m_h;
};

void TstServer::init()
{
    // The session logs each error frame it sends; nothing else may warn.
    QTest::failOnWarning(
        QRegularExpression(u"^(?!(bad_frame|unknown_type|unknown_event|bad_params|handler_failed) )"_s));
    QVERIFY2(m_h.start(), qPrintable(m_h.server->errorString()));
}

void TstServer::cleanup()
{
    m_h.stop();
}

std::unique_ptr<WsClient> TstServer::joined()
{
    const QString token = m_h.newPage();
    if (token.isEmpty())
        return nullptr;
    return m_h.join(token);
}

void TstServer::joinMounts()
{
    const QString token = m_h.newPage();
    QVERIFY(!token.isEmpty());
    auto client = m_h.connect();
    QVERIFY(client);
    client->join(token, 0);
    QVERIFY(client->waitForFrames(1));
    QCOMPARE(client->frames[0], Protocol::ServerFrame(Protocol::Mount{1, std::nullopt}));
    // Nothing else was sent in between.
    client->send(Protocol::encode(Protocol::Ping{11}));
    QVERIFY(client->waitForFrames(2));
    QCOMPARE(client->frames[1], Protocol::ServerFrame(Protocol::Pong{2, 11}));
    QCOMPARE(client->frames.size(), 2);
}

void TstServer::unknownToken()
{
    QVERIFY(!m_h.newPage().isEmpty());
    auto client = m_h.connect();
    QVERIFY(client);
    QSignalSpy disconnected(&client->socket, &QWebSocket::disconnected);
    client->join(u"not-a-token"_s, 0);
    QVERIFY(client->waitForFrames(1));
    QCOMPARE(client->frames[0],
             Protocol::ServerFrame(Protocol::Error{
                 0, Protocol::ErrorCode::UnknownSession,
                 u"no session for this token (it ended, or the server restarted): reload the page"_s, std::nullopt}));
    QTRY_COMPARE(disconnected.size(), 1);
    QCOMPARE(client->socket.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(client->socket.closeReason(), u"unknown session"_s);
    QCOMPARE(client->frames.size(), 1);
    QVERIFY(client->undecodable.isEmpty());
}

void TstServer::beforeJoin_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Protocol::ErrorCode>("code");
    QTest::addColumn<QString>("message");

    QTest::newRow("event") << QByteArray(R"({"type":"event","event":"inc","params":{"by":1},"ref":1})")
                           << Protocol::ErrorCode::NotJoined << u"send a join frame first"_s;
    QTest::newRow("ping") << QByteArray(R"({"type":"ping","ref":1})") << Protocol::ErrorCode::NotJoined
                          << u"send a join frame first"_s;
    QTest::newRow("not JSON") << QByteArray("{") << Protocol::ErrorCode::BadFrame
                              << u"not JSON: line 1, column 2: expected a string key"_s;
    QTest::newRow("join lastSeq a string") << QByteArray(R"({"type":"join","token":"t","lastSeq":"3"})")
                                           << Protocol::ErrorCode::BadFrame
                                           << u"join: key 'lastSeq' must be an integer, got a string"_s;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"jump"})") << Protocol::ErrorCode::UnknownType
                                  << u"unknown frame type 'jump'"_s;
}

void TstServer::beforeJoin()
{
    QFETCH(QByteArray, json);
    QFETCH(Protocol::ErrorCode, code);
    QFETCH(QString, message);

    const QString token = m_h.newPage();
    auto client = m_h.connect();
    QVERIFY(client);
    client->send(json);
    QVERIFY(client->waitForFrames(1));
    // Outside any session's sequence: seq 0.
    QCOMPARE(client->frames[0], Protocol::ServerFrame(Protocol::Error{0, code, message, std::nullopt}));
    // The socket may still join, and the session's sequence starts at 1.
    QCOMPARE(client->socket.state(), QAbstractSocket::ConnectedState);
    client->join(token);
    QVERIFY(client->waitForFrames(2));
    QCOMPARE(client->frames[1], Protocol::ServerFrame(Protocol::Mount{1, std::nullopt}));
}

void TstServer::badFrameKeepsSession_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Protocol::ErrorCode>("code");
    QTest::addColumn<QString>("message");

    QTest::newRow("not JSON") << QByteArray("hello") << Protocol::ErrorCode::BadFrame
                              << u"not JSON: line 1, column 1: expected a value"_s;
    QTest::newRow("array") << QByteArray("[1]") << Protocol::ErrorCode::BadFrame
                           << u"frame must be a JSON object, got an array"_s;
    QTest::newRow("no type") << QByteArray("{}") << Protocol::ErrorCode::BadFrame
                             << u"missing key 'type' (a string)"_s;
    QTest::newRow("params an array") << QByteArray(R"({"type":"event","event":"inc","params":[],"ref":1})")
                                     << Protocol::ErrorCode::BadFrame
                                     << u"event: key 'params' must be an object, got an array"_s;
    QTest::newRow("ref a string") << QByteArray(R"({"type":"event","event":"inc","params":{},"ref":"1"})")
                                  << Protocol::ErrorCode::BadFrame << u"event: key 'ref' must be an integer, got a string"_s;
    QTest::newRow("event name a number") << QByteArray(R"({"type":"event","event":1,"params":{},"ref":1})")
                                         << Protocol::ErrorCode::BadFrame
                                         << u"event: key 'event' must be a string, got an integer"_s;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"jump"})") << Protocol::ErrorCode::UnknownType
                                  << u"unknown frame type 'jump'"_s;
}

void TstServer::badFrameKeepsSession()
{
    QFETCH(QByteArray, json);
    QFETCH(Protocol::ErrorCode, code);
    QFETCH(QString, message);

    auto client = joined();
    QVERIFY(client);
    client->send(json);
    QVERIFY(client->waitForFrames(2));
    // In the session's sequence, after the mount.
    QCOMPARE(client->frames[1], Protocol::ServerFrame(Protocol::Error{2, code, message, std::nullopt}));
    client->send(Protocol::encode(Protocol::Ping{5}));
    QVERIFY(client->waitForFrames(3));
    QCOMPARE(client->frames[2], Protocol::ServerFrame(Protocol::Pong{3, 5}));
    QCOMPARE(client->socket.state(), QAbstractSocket::ConnectedState);
}

void TstServer::unknownEvent()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"nope"_s, {}, 3);
    QVERIFY(client->waitForFrames(2));
    QCOMPARE(client->frames[1],
             Protocol::ServerFrame(Protocol::Error{2, Protocol::ErrorCode::UnknownEvent,
                                                   u"no handler for event 'nope'; this view handles: "_s + AllHandlers,
                                                   3}));
    // No handler ran, so no reply; the session goes on.
    client->send(Protocol::encode(Protocol::Ping{4}));
    QVERIFY(client->waitForFrames(3));
    QCOMPARE(client->frames[2], Protocol::ServerFrame(Protocol::Pong{3, 4}));
}

void TstServer::badParams_data()
{
    QTest::addColumn<QVariantMap>("params");
    QTest::addColumn<QString>("message");

    QTest::newRow("not an integer") << QVariantMap{{u"by"_s, u"abc"_s}}
                                    << u"event 'inc': parameter 'by' must be an integer, got 'abc'"_s;
    QTest::newRow("a float") << QVariantMap{{u"by"_s, 1.5}}
                             << u"event 'inc': parameter 'by' must be an integer, got '1.5'"_s;
    QTest::newRow("missing") << QVariantMap{{u"By"_s, u"1"_s}} << u"event 'inc': missing parameter 'by'"_s;
}

void TstServer::badParams()
{
    QFETCH(QVariantMap, params);
    QFETCH(QString, message);

    auto client = joined();
    QVERIFY(client);
    client->event(u"inc"_s, params, 9);
    QVERIFY(client->waitForReply(9));
    // Nothing changed, so the re-render sends nothing: error, then reply.
    QCOMPARE(client->frames.size(), 3);
    QCOMPARE(client->frames[1],
             Protocol::ServerFrame(Protocol::Error{2, Protocol::ErrorCode::BadParams, message, 9}));
    QCOMPARE(client->frames[2], Protocol::ServerFrame(Protocol::Reply{3, 9}));
}

void TstServer::handlerRendersAndReplies()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"inc"_s, {{u"by"_s, u"4"_s}}, 1); // a string, as the DOM has it
    QVERIFY(client->waitForReply(1));
    client->event(u"inc"_s, {{u"by"_s, 3}}, 2);
    QVERIFY(client->waitForReply(2));

    QCOMPARE(client->frames.size(), 5);
    QVERIFY(seqProblem(*client).isEmpty());
    // Only what changed: the two counters' texts, by path, nothing else.
    const auto *first = std::get_if<Protocol::Patch>(&client->frames[1]);
    QVERIFY2(first, show(client->frames[1]).constData());
    QCOMPARE(first->ops.size(), 2);
    QCOMPARE(first->ops[0].kind, Protocol::PatchOp::Kind::Text);
    QCOMPARE(first->ops[0].tag, u"#text"_s);
    QCOMPARE(first->ops[0].text, u"Count: 4"_s);
    QCOMPARE(first->ops[1].text, u"Count is 4"_s);
    QVERIFY(!rendered(client->frames[1]).contains(u"Rill &amp; co"_s));
    QCOMPARE(client->frames[2], Protocol::ServerFrame(Protocol::Reply{3, 1}));
    QVERIFY(rendered(client->frames[3]).contains(u"Count: 7"_s));
    QCOMPARE(client->frames[4], Protocol::ServerFrame(Protocol::Reply{5, 2}));
}

void TstServer::patchesOff()
{
    // For comparison (bench/diff): every re-render whole, as a render frame.
    QVERIFY(m_h.server->patchesEnabled());
    m_h.server->setPatchesEnabled(false);
    auto client = joined();
    QVERIFY(client);
    client->event(u"inc"_s, {{u"by"_s, 4}}, 1);
    QVERIFY(client->waitForReply(1));
    QCOMPARE(client->frames.size(), 3);
    const auto *render = std::get_if<Protocol::Render>(&client->frames[1]);
    QVERIFY2(render, show(client->frames[1]).constData());
    QVERIFY(render->html.contains(u"Count: 4"_s));
    QVERIFY(render->html.contains(u"Rill &amp; co"_s)); // the whole view, unchanged parts too
    QCOMPARE(client->frames[2], Protocol::ServerFrame(Protocol::Reply{3, 1}));
}

void TstServer::streamedEvent()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"slow"_s, {{u"n"_s, 5}, {u"ms"_s, 5}}, 1);
    QVERIFY(client->waitForReply(1));

    const qsizetype reply = client->replyIndex(1);
    QCOMPARE(reply, client->frames.size() - 1);
    QVERIFY(seqProblem(*client).isEmpty());
    // mount, stream frames only, then the re-render's patch, then reply.
    for (qsizetype i = 1; i < reply - 1; ++i) {
        const auto *stream = std::get_if<Protocol::Stream>(&client->frames[i]);
        QVERIFY2(stream, show(client->frames[i]).constData());
        QCOMPARE(stream->stream, u"log"_s);
        for (const StreamOp &op : stream->ops)
            QCOMPARE(op.target, u"[dj-stream='log']"_s);
    }
    const auto *patch = std::get_if<Protocol::Patch>(&client->frames[reply - 1]);
    QVERIFY2(patch, show(client->frames[reply - 1]).constData());
    QVERIFY(rendered(*patch).contains(u"Count: 5"_s));
    // The streamed text gives way to the template's output (empty) after done.
    bool resetLog = false;
    for (const Protocol::PatchOp &op : patch->ops)
        resetLog = resetLog || (op.kind == Protocol::PatchOp::Kind::Html && op.tag == u"div" && op.html.isEmpty());
    QVERIFY2(resetLog, show(*patch).constData());

    const QList<StreamOp> ops = client->ops();
    QCOMPARE(shape(ops), (QList<StreamOp::Kind>{StreamOp::Kind::Start, StreamOp::Kind::Text, StreamOp::Kind::Done}));
    QCOMPARE(WsClient::textOf(ops), u"t0 t1 t2 t3 t4 "_s);
    // Tokens 5 ms apart with a 16 ms interval: at least the first leaves alone.
    QVERIFY(client->frames.size() >= 5);
}

void TstServer::textModes_data()
{
    QTest::addColumn<QString>("stream");
    QTest::addColumn<StreamOp::TextMode>("mode");
    QTest::addColumn<QString>("text");

    // Tokens made in one go reach the page as one op, its mode said outright.
    QTest::newRow("dj-stream-mode=append") << u"log"_s << StreamOp::TextMode::Append << u"abc"_s;
    QTest::newRow("dj-stream-mode=replace") << u"title"_s << StreamOp::TextMode::Replace << u"c"_s;
    QTest::newRow("no dj-stream-mode") << u"plain"_s << StreamOp::TextMode::Append << u"abc"_s;
}

void TstServer::textModes()
{
    QFETCH(QString, stream);
    QFETCH(StreamOp::TextMode, mode);
    QFETCH(QString, text);

    auto client = joined();
    QVERIFY(client);
    client->event(u"tokens"_s, {{u"stream"_s, stream}, {u"text"_s, u"a,b,c"_s}}, 1);
    QVERIFY(client->waitForReply(1));
    QVERIFY(seqProblem(*client).isEmpty());

    const QList<StreamOp> ops = client->ops();
    QCOMPARE(ops.size(), 3);
    QCOMPARE(ops[0], StreamOp::start(stream));
    QCOMPARE(ops[1], StreamOp::text(stream, text, mode));
    QCOMPARE(ops[2], StreamOp::done(stream));
    // The start left at once; the tokens and done waited out the interval together.
    const auto *last = std::get_if<Protocol::Stream>(&client->frames[2]);
    QVERIFY2(last, show(client->frames[2]).constData());
    QCOMPARE(last->ops.size(), 2);
}

void TstServer::textModeFollowsTemplateChanges()
{
    // streamText() remembers the last stream's selector and mode; a new
    // template (set, or a file reloaded and seen by the next render) and
    // another stream or target must not get the remembered ones.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"view.html"_s);
    auto write = [&](const char *mode, const QDateTime &mtime) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QByteArray("<div dj-stream=\"s\" dj-stream-mode=\"") + mode + "\"></div><p id=\"p\" dj-stream-mode=\"prepend\"></p>");
        QVERIFY(f.flush());
        QVERIFY(f.setFileTime(mtime, QFileDevice::FileModificationTime));
    };
    const QDateTime then = QDateTime::currentDateTimeUtc().addSecs(-60);
    write("replace", then);

    Rill::TemplateEngine engine;
    engine.setSearchPaths({dir.path()});
    Rill::LiveView view;
    view.setTemplateEngine(&engine);
    view.setTemplateName(u"view.html"_s);
    QList<StreamOp> ops;
    connect(&view, &Rill::LiveView::streamOp, &view, [&ops](const StreamOp &op) { ops.append(op); });
    auto last = [&ops] { return ops.isEmpty() ? StreamOp() : ops.constLast(); };

    view.streamText(u"s"_s, u"a"_s);
    QCOMPARE(last(), StreamOp::text(u"s"_s, u"a"_s, StreamOp::TextMode::Replace));
    view.streamText(u"s"_s, u"b"_s, StreamOp::TextMode::Append); // said outright: as said
    QCOMPARE(last(), StreamOp::text(u"s"_s, u"b"_s, StreamOp::TextMode::Append));
    view.streamText(u"s"_s, u"c"_s, StreamOp::TextMode::Default, u"#p"_s); // another target
    QCOMPARE(last(), StreamOp::text(u"s"_s, u"c"_s, StreamOp::TextMode::Prepend, u"#p"_s));
    view.streamText(u"t"_s, u"d"_s); // another stream, no element: the client's default
    QCOMPARE(last(), StreamOp::text(u"t"_s, u"d"_s, StreamOp::TextMode::Default));

    // The file changes: the next render reads it (tokens in between may
    // still carry the mode they had), and tokens after it follow.
    view.streamText(u"s"_s, u"e"_s);
    write("append", then.addSecs(30));
    QVERIFY(!view.render().isEmpty());
    view.streamText(u"s"_s, u"f"_s);
    QCOMPARE(last(), StreamOp::text(u"s"_s, u"f"_s, StreamOp::TextMode::Append));

    // A template set in code counts at once.
    view.setTemplateSource(u"<div dj-stream=\"s\" dj-stream-mode=\"prepend\"></div>"_s);
    view.streamText(u"s"_s, u"g"_s);
    QCOMPARE(last(), StreamOp::text(u"s"_s, u"g"_s, StreamOp::TextMode::Prepend));
}

void TstServer::streamToFragment()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"fragment"_s, {}, 1);
    QVERIFY(client->waitForReply(1));
    QCOMPARE(client->frames.size(), 4);
    QVERIFY(seqProblem(*client).isEmpty());
    QCOMPARE(client->frames[1],
             Protocol::ServerFrame(Protocol::Stream{2, u"counter"_s,
                                                    {StreamOp::replace(u"counter"_s, u"Count is 5"_s,
                                                                       u"[dj-stream='counter']"_s)}}));
    QVERIFY(isRender(client->frames[2]));
    QCOMPARE(client->frames[3], Protocol::ServerFrame(Protocol::Reply{4, 1}));
}

void TstServer::pushStateMidHandler()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"hold"_s, {}, 1);
    QVERIFY(client->waitForFrames(2));
    QVERIFY2(rendered(client->frames[1]).contains(u"Count: 7"_s), show(client->frames[1]).constData());
    QCOMPARE(client->replyIndex(1), -1); // the handler is still waiting

    client->event(u"release"_s, {}, 2);
    QVERIFY(client->waitForReply(1));
    QVERIFY(client->waitForReply(2));
    QVERIFY(seqProblem(*client).isEmpty());
    // The held handler's own render precedes its reply.
    const qsizetype reply = client->replyIndex(1);
    QVERIFY2(rendered(client->frames[reply - 1]).contains(u"Count: 8"_s), show(client->frames[reply - 1]).constData());
}

void TstServer::concurrentEvents()
{
    auto client = joined();
    QVERIFY(client);
    client->event(u"slow"_s, {{u"n"_s, 300}, {u"ms"_s, 10}}, 1);
    QTRY_VERIFY(WsClient::textOf(client->ops()).size() >= 6);

    // Another event while the stream runs: handled, replied, the stream goes on.
    client->event(u"inc"_s, {{u"by"_s, 1}}, 2);
    QVERIFY(client->waitForReply(2));
    QCOMPARE(client->replyIndex(1), -1);

    // And one that makes it stop early.
    client->event(u"stop"_s, {}, 3);
    QVERIFY(client->waitForReply(1));
    QVERIFY(client->replyIndex(3) >= 0);
    QVERIFY(client->replyIndex(3) < client->replyIndex(1));
    QVERIFY(seqProblem(*client).isEmpty());

    const QList<StreamOp> ops = client->ops();
    QCOMPARE(shape(ops), (QList<StreamOp::Kind>{StreamOp::Kind::Start, StreamOp::Kind::Text, StreamOp::Kind::Done}));
    const QStringList tokens = WsClient::textOf(ops).split(u' ', Qt::SkipEmptyParts);
    QVERIFY2(tokens.size() < 300, qPrintable(QString::number(tokens.size())));
    for (qsizetype i = 0; i < tokens.size(); ++i)
        QCOMPARE(tokens[i], u"t%1"_s.arg(i));
}

void TstServer::handlerFailure()
{
    const QString message = u"handler 'fail' failed: model went away"_s;
    auto client = joined();
    QVERIFY(client);
    client->event(u"fail"_s, {}, 1);
    QVERIFY(client->waitForReply(1));
    QVERIFY(seqProblem(*client).isEmpty());

    const qsizetype reply = client->replyIndex(1);
    QCOMPARE(reply, client->frames.size() - 1);
    // Nothing of the template changed (the errored stream keeps its
    // content): no patch between the error and the reply.
    QCOMPARE(client->frames[reply - 1],
             Protocol::ServerFrame(
                 Protocol::Error{seqOf(client->frames[reply - 1]), Protocol::ErrorCode::HandlerFailed, message, 1}));
    // Before the error frame: the stream, its partial text kept, then error and done.
    const QList<StreamOp> ops = client->ops(0, reply - 1);
    QCOMPARE(shape(ops), (QList<StreamOp::Kind>{StreamOp::Kind::Start, StreamOp::Kind::Text, StreamOp::Kind::Error,
                                                StreamOp::Kind::Done}));
    QCOMPARE(WsClient::textOf(ops), u"partial text"_s);
    QCOMPARE(ops[ops.size() - 2], StreamOp::error(u"log"_s, message));
    QCOMPARE(ops.constLast(), StreamOp::done(u"log"_s));
    for (qsizetype i = 1; i < reply - 1; ++i)
        QVERIFY2(std::holds_alternative<Protocol::Stream>(client->frames[i]), show(client->frames[i]).constData());

    // The session keeps working.
    client->event(u"inc"_s, {{u"by"_s, 2}}, 2);
    QVERIFY(client->waitForReply(2));
    QVERIFY(rendered(client->frames[client->replyIndex(2) - 1]).contains(u"Count: 2"_s));
    QVERIFY(seqProblem(*client).isEmpty());
}

void TstServer::failureKeepsToItsOwnStreams()
{
    // Two handlers at once; the one that fails errors the stream it
    // started, and the other's stream goes on to its own end.
    auto client = joined();
    QVERIFY(client);
    client->event(u"slow"_s, {{u"n"_s, 12}, {u"ms"_s, 10}}, 1);
    client->event(u"fail"_s, {{u"stream"_s, u"plain"_s}}, 2);
    QVERIFY(client->waitForReply(2));
    QVERIFY(client->waitForReply(1));
    QVERIFY(seqProblem(*client).isEmpty());

    QList<StreamOp> log, plain;
    for (const StreamOp &op : client->ops())
        (op.stream == u"log"_s ? log : plain).append(op);
    const QString message = u"handler 'fail' failed: model went away"_s;
    QVERIFY(plain.size() >= 4);
    QCOMPARE(WsClient::textOf(plain), u"partial text"_s);
    QCOMPARE(plain[plain.size() - 2], StreamOp::error(u"plain"_s, message));
    QCOMPARE(plain.constLast(), StreamOp::done(u"plain"_s));
    QCOMPARE(log.constFirst().kind, StreamOp::Kind::Start);
    QCOMPARE(log.constLast(), StreamOp::done(u"log"_s));
    for (const StreamOp &op : log)
        QVERIFY2(op.kind != StreamOp::Kind::Error, qPrintable(op.content));
    QStringList tokens = WsClient::textOf(log).split(u' ', Qt::SkipEmptyParts);
    QCOMPARE(tokens.size(), 12);
}

void TstServer::mountFailsAfterPaint()
{
    QTest::ignoreMessage(QtWarningMsg, "mount failed: the database went away");
    const QString token = m_h.newPage(u"/view?fail=later"_s);
    QVERIFY(!token.isEmpty());
    auto client = m_h.join(token);
    QVERIFY(client);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(client->frames.cbegin(), client->frames.cend(),
                                         [](const Protocol::ServerFrame &f) {
                                             const auto *e = std::get_if<Protocol::Error>(&f);
                                             return e && e->code == Protocol::ErrorCode::HandlerFailed
                                                 && e->message == u"mount failed: the database went away"_s;
                                         }),
                             WaitMs);
    QVERIFY(seqProblem(*client).isEmpty());
}

void TstServer::jobs()
{
    Rill::LiveView view;
    const std::shared_ptr<Rill::CancelToken> first = view.beginJob(u"answer"_s);
    QVERIFY(!first->isCancelled());
    // A second job of the name replaces the first.
    const std::shared_ptr<Rill::CancelToken> second = view.beginJob(u"answer"_s);
    QVERIFY(first->isCancelled());
    QVERIFY(!second->isCancelled());

    // sleepFor() ends at the cancel, not at its time.
    std::optional<bool> slept;
    auto nap = [&]() -> QCoro::Task<> { slept = co_await Rill::sleepFor(std::chrono::minutes(10), second.get()); };
    auto task = nap();
    QTest::qWait(20);
    QVERIFY(!slept);
    QVERIFY(view.cancelJob(u"answer"_s));
    QVERIFY(!view.cancelJob(u"answer"_s)); // none runs any more
    QVERIFY(!view.cancelJob(u"other"_s));
    QTRY_VERIFY_WITH_TIMEOUT(slept.has_value(), WaitMs);
    QCOMPARE(*slept, false);

    // Uncancelled, it sleeps its time; without a token too.
    slept.reset();
    auto shortNap = [&]() -> QCoro::Task<> { slept = co_await Rill::sleepFor(std::chrono::milliseconds(5), nullptr); };
    auto task2 = shortNap();
    QTRY_VERIFY(slept.has_value());
    QCOMPARE(*slept, true);

    // Closing the view cancels every job, and any begun later.
    const auto a = view.beginJob(u"a"_s);
    const auto b = view.beginJob(u"b"_s);
    view.close();
    QVERIFY(a->isCancelled());
    QVERIFY(b->isCancelled());
    QVERIFY(view.beginJob(u"c"_s)->isCancelled());
}

void TstServer::devModeWarnsOfMissingTargets()
{
    // Out of development mode: nothing said.
    auto quiet = joined();
    QVERIFY(quiet);
    quiet->event(u"tokens"_s, {{u"stream"_s, u"nowhere"_s}, {u"text"_s, u"a"_s}}, 1);
    QVERIFY(quiet->waitForReply(1));

    // In it: one warning per target, naming stream and selector.
    m_h.server->setDevMode(true);
    auto client = joined();
    QVERIFY(client);
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(u"^stream nowhere names \\[dj-stream='nowhere'\\] but the view's last "
                                            u"render has no element it matches"_s));
    client->event(u"tokens"_s, {{u"stream"_s, u"nowhere"_s}, {u"text"_s, u"a,b"_s}}, 1);
    QVERIFY(client->waitForReply(1));
    client->event(u"tokens"_s, {{u"stream"_s, u"nowhere"_s}, {u"text"_s, u"c"_s}}, 2);
    QVERIFY(client->waitForReply(2));
    // A target the template has: nothing said (failOnWarning in init()).
    client->event(u"tokens"_s, {{u"stream"_s, u"log"_s}, {u"text"_s, u"d"_s}}, 3);
    QVERIFY(client->waitForReply(3));
    m_h.server->setDevMode(false);
}

RILL_TEST_CLASS(TstServer)
#include "tst_server.moc"
