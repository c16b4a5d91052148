// Rill::Protocol against raw bytes: every frame and op both ways, malformed
// input with its exact code and message, Unicode, ints versus floats, and
// how a batcher flush becomes frames.

#include "testregistry.h"

#include <rill/json.h>
#include <rill/protocol.h>

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStringDecoder>
#include <QTest>

using namespace Qt::StringLiterals;
using Rill::Protocol;
using Rill::StreamOp;

Q_DECLARE_METATYPE(Rill::Protocol::ClientFrame)
Q_DECLARE_METATYPE(Rill::Protocol::ServerFrame)

namespace {

const QVariant Null = QVariant::fromValue(nullptr);

QByteArray renderFrame(const QByteArray &jsonString)
{
    return R"({"type":"render","seq":1,"html":)" + jsonString + '}';
}

// Describes a frame for failure messages.
QByteArray show(const Protocol::ClientFrame &f)
{
    return Protocol::encode(f);
}
QByteArray show(const Protocol::ServerFrame &f)
{
    return Protocol::encode(f);
}

StreamOp withTarget(StreamOp op, const QString &target)
{
    op.target = target;
    return op;
}

} // namespace

class TstProtocol : public QObject
{
    Q_OBJECT
private slots:
    void encodeClient_data() { clientFrames(); }
    void encodeClient();
    void decodeClient_data() { clientFrames(); }
    void decodeClient();
    void encodeServer_data() { serverFrames(); }
    void encodeServer();
    void decodeServer_data() { serverFrames(); }
    void decodeServer();
    void decodeEscapes_data();
    void decodeEscapes();
    void malformedClient_data();
    void malformedClient();
    void malformedServer_data();
    void malformedServer();
    void unicode_data();
    void unicode();
    void unicodeFuzz();
    void escapedLoneSurrogates();
    void numbers_data();
    void numbers();
    void encodeVariantTypes();
    void renderOpInStreamFrameDropped();
    void batchToFrames_data();
    void batchToFrames();
    void errorCodeNames();

private:
    void clientFrames();
    void serverFrames();
};

void TstProtocol::clientFrames()
{
    QTest::addColumn<Protocol::ClientFrame>("frame");
    QTest::addColumn<QByteArray>("json");

    QTest::newRow("join, first connect") << Protocol::ClientFrame(Protocol::Join{u"tok-1"_s, 0})
                                         << QByteArray(R"({"type":"join","token":"tok-1","lastSeq":0})");
    QTest::newRow("join, resuming") << Protocol::ClientFrame(Protocol::Join{u"a\"b"_s, 42})
                                    << QByteArray(R"({"type":"join","token":"a\"b","lastSeq":42})");
    QTest::newRow("event, string params")
        << Protocol::ClientFrame(Protocol::Event{u"send_message"_s, {{u"content"_s, u"hi"_s}}, 7})
        << QByteArray(R"({"type":"event","event":"send_message","params":{"content":"hi"},"ref":7})");
    QTest::newRow("event, no params") << Protocol::ClientFrame(Protocol::Event{u"stop"_s, {}, 1})
                                      << QByteArray(R"({"type":"event","event":"stop","params":{},"ref":1})");
    QTest::newRow("event, typed params")
        << Protocol::ClientFrame(Protocol::Event{u"e"_s,
                                                 {{u"a"_s, qint64(1)},
                                                  {u"b"_s, 1.5},
                                                  {u"c"_s, true},
                                                  {u"d"_s, Null},
                                                  {u"e"_s, QVariantList{qint64(1), u"x"_s}},
                                                  {u"f"_s, QVariantMap{{u"g"_s, 2.0}}}},
                                                 3})
        << QByteArray(R"({"type":"event","event":"e","params":{"a":1,"b":1.5,"c":true,"d":null,"e":[1,"x"],"f":{"g":2.0}},"ref":3})");
    QTest::newRow("ping") << Protocol::ClientFrame(Protocol::Ping{9}) << QByteArray(R"({"type":"ping","ref":9})");
    QTest::newRow("resync") << Protocol::ClientFrame(Protocol::Resync{12})
                            << QByteArray(R"({"type":"resync","lastSeq":12})");
}

void TstProtocol::encodeClient()
{
    QFETCH(Protocol::ClientFrame, frame);
    QFETCH(QByteArray, json);
    QCOMPARE(Protocol::encode(frame), json);
}

void TstProtocol::decodeClient()
{
    QFETCH(Protocol::ClientFrame, frame);
    QFETCH(QByteArray, json);
    Protocol::DecodeError error;
    const auto decoded = Protocol::decodeClient(json, &error);
    QVERIFY2(decoded, qPrintable(error.message));
    QVERIFY2(*decoded == frame, show(*decoded).constData());
}

void TstProtocol::serverFrames()
{
    QTest::addColumn<Protocol::ServerFrame>("frame");
    QTest::addColumn<QByteArray>("json");

    using F = Protocol::ServerFrame;
    const QString t = u"[dj-stream='r']"_s;
    QTest::newRow("mount with html") << F(Protocol::Mount{1, u"<p>hi</p>"_s})
                                     << QByteArray(R"({"type":"mount","seq":1,"html":"<p>hi</p>"})");
    QTest::newRow("mount, nothing missed") << F(Protocol::Mount{5, std::nullopt})
                                           << QByteArray(R"({"type":"mount","seq":5})");
    QTest::newRow("mount with lastRef") << F(Protocol::Mount{3, std::nullopt, false, 41})
                                        << QByteArray(R"({"type":"mount","seq":3,"lastRef":41})");
    QTest::newRow("mount with empty html") << F(Protocol::Mount{2, QString()})
                                           << QByteArray(R"({"type":"mount","seq":2,"html":""})");
    QTest::newRow("render") << F(Protocol::Render{2, u"<div class=\"x\">\n</div>"_s})
                            << QByteArray(R"({"type":"render","seq":2,"html":"<div class=\"x\">\n</div>"})");
    QTest::newRow("op replace") << F(Protocol::Stream{3, u"r"_s, {StreamOp::replace(u"r"_s, u"<b>"_s)}})
                                << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"replace","target":"[dj-stream='r']","html":"<b>"}]})");
    QTest::newRow("op append") << F(Protocol::Stream{3, u"r"_s, {StreamOp::insert(u"r"_s, u"<li>"_s)}})
                               << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"append","target":"[dj-stream='r']","html":"<li>"}]})");
    QTest::newRow("op prepend")
        << F(Protocol::Stream{3, u"r"_s, {StreamOp::insert(u"r"_s, u"<li>"_s, StreamOp::Kind::Prepend, u"#l"_s)}})
        << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"prepend","target":"#l","html":"<li>"}]})");
    QTest::newRow("op text, element's mode") << F(Protocol::Stream{3, u"r"_s, {StreamOp::text(u"r"_s, u"tok"_s)}})
                                             << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"text","target":"[dj-stream='r']","text":"tok"}]})");
    QTest::newRow("op text append")
        << F(Protocol::Stream{3, u"r"_s, {StreamOp::text(u"r"_s, u"tok"_s, StreamOp::TextMode::Append)}})
        << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"text","target":"[dj-stream='r']","text":"tok","mode":"append"}]})");
    QTest::newRow("op text replace")
        << F(Protocol::Stream{3, u"r"_s, {StreamOp::text(u"r"_s, u"tok"_s, StreamOp::TextMode::Replace)}})
        << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"text","target":"[dj-stream='r']","text":"tok","mode":"replace"}]})");
    QTest::newRow("op text prepend")
        << F(Protocol::Stream{3, u"r"_s, {StreamOp::text(u"r"_s, u"tok"_s, StreamOp::TextMode::Prepend)}})
        << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"text","target":"[dj-stream='r']","text":"tok","mode":"prepend"}]})");
    QTest::newRow("op delete") << F(Protocol::Stream{3, u"m"_s, {StreamOp::remove(u"m"_s, u"#msg-42"_s)}})
                               << QByteArray(R"({"type":"stream","seq":3,"stream":"m","ops":[{"op":"delete","target":"#msg-42"}]})");
    QTest::newRow("op error") << F(Protocol::Stream{3, u"r"_s, {StreamOp::error(u"r"_s, u"Error: timeout"_s)}})
                              << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"error","target":"[dj-stream='r']","error":"Error: timeout"}]})");
    QTest::newRow("op start") << F(Protocol::Stream{3, u"r"_s, {StreamOp::start(u"r"_s)}})
                              << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"start","target":"[dj-stream='r']"}]})");
    QTest::newRow("op done") << F(Protocol::Stream{3, u"r"_s, {StreamOp::done(u"r"_s)}})
                             << QByteArray(R"({"type":"stream","seq":3,"stream":"r","ops":[{"op":"done","target":"[dj-stream='r']"}]})");
    QTest::newRow("several ops in order")
        << F(Protocol::Stream{4, u"r"_s,
                              {StreamOp::start(u"r"_s), StreamOp::text(u"r"_s, u"a"_s), withTarget(StreamOp::done(u"r"_s), t)}})
        << QByteArray(R"({"type":"stream","seq":4,"stream":"r","ops":[{"op":"start","target":"[dj-stream='r']"},)"
                      R"({"op":"text","target":"[dj-stream='r']","text":"a"},{"op":"done","target":"[dj-stream='r']"}]})");
    QTest::newRow("stream with no ops") << F(Protocol::Stream{6, u"r"_s, {}})
                                        << QByteArray(R"({"type":"stream","seq":6,"stream":"r","ops":[]})");
    QTest::newRow("reply") << F(Protocol::Reply{7, 3}) << QByteArray(R"({"type":"reply","seq":7,"ref":3})");
    QTest::newRow("error with ref")
        << F(Protocol::Error{8, Protocol::ErrorCode::HandlerFailed, u"boom"_s, 3})
        << QByteArray(R"({"type":"error","seq":8,"code":"handler_failed","message":"boom","ref":3})");
    QTest::newRow("error without ref")
        << F(Protocol::Error{9, Protocol::ErrorCode::BadFrame, u"not JSON"_s, std::nullopt})
        << QByteArray(R"({"type":"error","seq":9,"code":"bad_frame","message":"not JSON"})");
    QTest::newRow("pong") << F(Protocol::Pong{10, 9}) << QByteArray(R"({"type":"pong","seq":10,"ref":9})");
    {
        using PK = Protocol::PatchOp::Kind;
        Protocol::PatchOp attrs{PK::Attributes, {0, 2}, {}, u"li"_s, {{u"class"_s, u"a &amp; b"_s}, {u"id"_s, u"x"_s}},
                                {u"title"_s}, {}, {}, {}};
        Protocol::PatchOp text{PK::Text, {0, 2, 0}, {}, u"#text"_s, {}, {}, u"two"_s, {}, {}};
        Protocol::PatchOp kids{PK::Children, {1}, {}, u"ul"_s, {}, {}, {}, {{2, 1, {}}, {0, 0, u"<li>n</li>"_s}, {0, 2, {}}}, {}};
        Protocol::PatchOp html{PK::Html, {}, u"#out"_s, {}, {}, {}, {}, {}, u"<b>fresh</b>"_s};
        Protocol::PatchOp outer{PK::Outer, {3}, {}, u"span"_s, {}, {}, {}, {}, u"<em>e</em>"_s};
        QTest::newRow("patch, every kind of op")
            << F(Protocol::Patch{11, {attrs, text, kids, html, outer}})
            << QByteArray(R"({"type":"patch","seq":11,"ops":[)"
                          R"({"path":[0,2],"tag":"li","set":{"class":"a &amp; b","id":"x"},"unset":["title"]},)"
                          R"({"path":[0,2,0],"tag":"#text","text":"two"},)"
                          R"({"path":[1],"tag":"ul","children":[[2,1],"<li>n</li>",[0,2]]},)"
                          R"({"target":"#out","html":"<b>fresh</b>"},)"
                          R"({"path":[3],"tag":"span","outer":"<em>e</em>"}]})");
        QTest::newRow("patch on the view root") << F(Protocol::Patch{12, {{PK::Html, {}, {}, u"div"_s, {}, {}, {}, {}, u"x"_s}}})
                                                << QByteArray(R"({"type":"patch","seq":12,"ops":[{"path":[],"tag":"div","html":"x"}]})");
    }
    QTest::newRow("large seq") << F(Protocol::Pong{9007199254740993, -1})
                               << QByteArray(R"({"type":"pong","seq":9007199254740993,"ref":-1})");
}

void TstProtocol::encodeServer()
{
    QFETCH(Protocol::ServerFrame, frame);
    QFETCH(QByteArray, json);
    QCOMPARE(Protocol::encode(frame), json);
}

void TstProtocol::decodeServer()
{
    QFETCH(Protocol::ServerFrame, frame);
    QFETCH(QByteArray, json);
    Protocol::DecodeError error;
    const auto decoded = Protocol::decodeServer(json, &error);
    QVERIFY2(decoded, qPrintable(error.message));
    QVERIFY2(*decoded == frame, show(*decoded).constData());
}

void TstProtocol::decodeEscapes_data()
{
    // Other writers escape more than we do, order keys otherwise and add keys
    // we do not know; all of that decodes.
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<Protocol::ClientFrame>("frame");

    QTest::newRow("unicode escapes") << QByteArray(R"({"type":"join","token":"\u00e9\ud83d\ude00\/","lastSeq":1})")
                                     << Protocol::ClientFrame(Protocol::Join{u"é😀/"_s, 1});
    QTest::newRow("key order and spaces") << QByteArray(" {\"ref\" : 2 ,\n\"type\":\"ping\"} ")
                                          << Protocol::ClientFrame(Protocol::Ping{2});
    QTest::newRow("unknown keys ignored") << QByteArray(R"({"type":"ping","ref":2,"future":[1,{}]})")
                                          << Protocol::ClientFrame(Protocol::Ping{2});
    QTest::newRow("raw UTF-8") << QByteArray("{\"type\":\"join\",\"token\":\"\xe2\x82\xac\",\"lastSeq\":0}")
                               << Protocol::ClientFrame(Protocol::Join{u"€"_s, 0});
}

void TstProtocol::decodeEscapes()
{
    QFETCH(QByteArray, json);
    QFETCH(Protocol::ClientFrame, frame);
    Protocol::DecodeError error;
    const auto decoded = Protocol::decodeClient(json, &error);
    QVERIFY2(decoded, qPrintable(error.message));
    QVERIFY2(*decoded == frame, show(*decoded).constData());
}

void TstProtocol::malformedClient_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty") << QByteArray() << u"bad_frame"_s << u"not JSON: line 1, column 1: unexpected end of input"_s;
    QTest::newRow("truncated") << QByteArray(R"({"type":"join")") << u"bad_frame"_s
                               << u"not JSON: line 1, column 15: expected ',' or '}'"_s;
    QTest::newRow("trailing data") << QByteArray(R"({"type":"ping","ref":1} x)") << u"bad_frame"_s
                                   << u"not JSON: line 1, column 25: unexpected data after the JSON value"_s;
    QTest::newRow("array") << QByteArray("[1]") << u"bad_frame"_s << u"frame must be a JSON object, got an array"_s;
    QTest::newRow("string") << QByteArray(R"("join")") << u"bad_frame"_s << u"frame must be a JSON object, got a string"_s;
    QTest::newRow("null") << QByteArray("null") << u"bad_frame"_s << u"frame must be a JSON object, got null"_s;
    QTest::newRow("no type") << QByteArray("{}") << u"bad_frame"_s << u"missing key 'type' (a string)"_s;
    QTest::newRow("type not a string") << QByteArray(R"({"type":7})") << u"bad_frame"_s
                                       << u"key 'type' must be a string, got an integer"_s;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"jump"})") << u"unknown_type"_s
                                  << u"unknown frame type 'jump'"_s;
    QTest::newRow("server type from a client") << QByteArray(R"({"type":"mount","seq":1})") << u"unknown_type"_s
                                               << u"unknown frame type 'mount'"_s;
    QTest::newRow("join without token") << QByteArray(R"({"type":"join","lastSeq":0})") << u"bad_frame"_s
                                        << u"join: missing key 'token' (a string)"_s;
    QTest::newRow("join token a number") << QByteArray(R"({"type":"join","token":5,"lastSeq":0})") << u"bad_frame"_s
                                         << u"join: key 'token' must be a string, got an integer"_s;
    QTest::newRow("join without lastSeq") << QByteArray(R"({"type":"join","token":"t"})") << u"bad_frame"_s
                                          << u"join: missing key 'lastSeq' (an integer)"_s;
    QTest::newRow("join lastSeq a string") << QByteArray(R"({"type":"join","token":"t","lastSeq":"3"})")
                                           << u"bad_frame"_s << u"join: key 'lastSeq' must be an integer, got a string"_s;
    QTest::newRow("join lastSeq 3.0") << QByteArray(R"({"type":"join","token":"t","lastSeq":3.0})") << u"bad_frame"_s
                                      << u"join: key 'lastSeq' must be an integer, got a float"_s;
    QTest::newRow("join lastSeq 1e2") << QByteArray(R"({"type":"join","token":"t","lastSeq":1e2})") << u"bad_frame"_s
                                      << u"join: key 'lastSeq' must be an integer, got a float"_s;
    QTest::newRow("join lastSeq beyond int64")
        << QByteArray(R"({"type":"join","token":"t","lastSeq":99999999999999999999})") << u"bad_frame"_s
        << u"join: key 'lastSeq' must be an integer, got a float"_s;
    QTest::newRow("event params an array") << QByteArray(R"({"type":"event","event":"e","params":[],"ref":1})")
                                           << u"bad_frame"_s << u"event: key 'params' must be an object, got an array"_s;
    QTest::newRow("event without params") << QByteArray(R"({"type":"event","event":"e","ref":1})") << u"bad_frame"_s
                                          << u"event: missing key 'params' (an object)"_s;
    QTest::newRow("event without ref") << QByteArray(R"({"type":"event","event":"e","params":{}})") << u"bad_frame"_s
                                       << u"event: missing key 'ref' (an integer)"_s;
    QTest::newRow("event ref null") << QByteArray(R"({"type":"event","event":"e","params":{},"ref":null})")
                                    << u"bad_frame"_s << u"event: key 'ref' must be an integer, got null"_s;
    QTest::newRow("event name a boolean") << QByteArray(R"({"type":"event","event":true,"params":{},"ref":1})")
                                          << u"bad_frame"_s << u"event: key 'event' must be a string, got a boolean"_s;
    QTest::newRow("ping ref an object") << QByteArray(R"({"type":"ping","ref":{}})") << u"bad_frame"_s
                                        << u"ping: key 'ref' must be an integer, got an object"_s;
    QTest::newRow("resync without lastSeq") << QByteArray(R"({"type":"resync"})") << u"bad_frame"_s
                                            << u"resync: missing key 'lastSeq' (an integer)"_s;
    QTest::newRow("resync lastSeq a string") << QByteArray(R"({"type":"resync","lastSeq":"1"})") << u"bad_frame"_s
                                             << u"resync: key 'lastSeq' must be an integer, got a string"_s;
}

void TstProtocol::malformedClient()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, code);
    QFETCH(QString, message);
    Protocol::DecodeError error;
    QVERIFY(!Protocol::decodeClient(json, &error));
    QCOMPARE(Protocol::errorCodeName(error.code), code);
    QCOMPARE(error.message, message);
    QVERIFY(!Protocol::decodeClient(json)); // the error out-parameter is optional
}

void TstProtocol::malformedServer_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");

    QTest::newRow("client type from a server") << QByteArray(R"({"type":"ping","ref":1})") << u"unknown_type"_s
                                               << u"unknown frame type 'ping'"_s;
    QTest::newRow("render without seq") << QByteArray(R"({"type":"render","html":""})") << u"bad_frame"_s
                                        << u"render: missing key 'seq' (an integer)"_s;
    QTest::newRow("mount html null") << QByteArray(R"({"type":"mount","seq":1,"html":null})") << u"bad_frame"_s
                                     << u"mount: key 'html' must be a string, got null"_s;
    QTest::newRow("stream ops an object") << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":{}})")
                                          << u"bad_frame"_s << u"stream: key 'ops' must be an array, got an object"_s;
    QTest::newRow("stream without name") << QByteArray(R"({"type":"stream","seq":1,"ops":[]})") << u"bad_frame"_s
                                         << u"stream: missing key 'stream' (a string)"_s;
    QTest::newRow("op not an object") << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":["x"]})")
                                      << u"bad_frame"_s << u"stream: ops[0] must be an object, got a string"_s;
    QTest::newRow("unknown op")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"done","target":"#a"},{"op":"explode","target":"#a"}]})")
        << u"bad_frame"_s << u"stream: ops[1]: unknown op 'explode'"_s;
    QTest::newRow("op without op") << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"target":"#a"}]})")
                                   << u"bad_frame"_s << u"stream: ops[0]: missing key 'op' (a string)"_s;
    QTest::newRow("op without target") << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"start"}]})")
                                       << u"bad_frame"_s << u"stream: ops[0]: missing key 'target' (a string)"_s;
    QTest::newRow("text without text")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"text","target":"#a"}]})") << u"bad_frame"_s
        << u"stream: ops[0]: missing key 'text' (a string)"_s;
    QTest::newRow("text with unknown mode")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"text","target":"#a","text":"","mode":"sideways"}]})")
        << u"bad_frame"_s << u"stream: ops[0]: key 'mode' must be 'append', 'replace' or 'prepend', got 'sideways'"_s;
    QTest::newRow("text mode a number")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"text","target":"#a","text":"","mode":1}]})")
        << u"bad_frame"_s << u"stream: ops[0]: key 'mode' must be a string, got an integer"_s;
    QTest::newRow("replace html null")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"replace","target":"#a","html":null}]})")
        << u"bad_frame"_s << u"stream: ops[0]: key 'html' must be a string, got null"_s;
    QTest::newRow("error op without message")
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"error","target":"#a"}]})") << u"bad_frame"_s
        << u"stream: ops[0]: missing key 'error' (a string)"_s;
    QTest::newRow("error frame, unknown code")
        << QByteArray(R"({"type":"error","seq":1,"code":"oops","message":"m"})") << u"bad_frame"_s
        << u"error: key 'code' must be an error code, got 'oops'"_s;
    QTest::newRow("error frame, ref a string")
        << QByteArray(R"({"type":"error","seq":1,"code":"bad_frame","message":"m","ref":"1"})") << u"bad_frame"_s
        << u"error: key 'ref' must be an integer, got a string"_s;
    QTest::newRow("reply seq a float") << QByteArray(R"({"type":"reply","seq":1.5,"ref":1})") << u"bad_frame"_s
                                       << u"reply: key 'seq' must be an integer, got a float"_s;
    QTest::newRow("patch op not an object") << QByteArray(R"({"type":"patch","seq":1,"ops":[1]})") << u"bad_frame"_s
                                            << u"patch op 0 must be an object"_s;
    QTest::newRow("patch path of strings") << QByteArray(R"({"type":"patch","seq":1,"ops":[{"path":["0"],"html":""}]})")
                                           << u"bad_frame"_s << u"patch op 0: path steps must be integers"_s;
    QTest::newRow("patch run of three") << QByteArray(R"({"type":"patch","seq":1,"ops":[{"path":[],"children":[[0,1,2]]}]})")
                                        << u"bad_frame"_s << u"patch op 0: a run is [first, count]"_s;
}

void TstProtocol::malformedServer()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, code);
    QFETCH(QString, message);
    Protocol::DecodeError error;
    QVERIFY(!Protocol::decodeServer(json, &error));
    QCOMPARE(Protocol::errorCodeName(error.code), code);
    QCOMPARE(error.message, message);
}

void TstProtocol::unicode_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("json");    // the encoded JSON string, quotes included
    QTest::addColumn<QString>("roundTrip"); // what decoding it gives back

    const QChar high(char16_t(0xd83d));
    const QChar low(char16_t(0xde00));
    const QString fffd(QChar::ReplacementCharacter);

    QTest::newRow("ascii") << u"abc"_s << QByteArray(R"("abc")") << u"abc"_s;
    QTest::newRow("empty") << QString() << QByteArray(R"("")") << QString();
    QTest::newRow("quote and backslash") << u"a\"b\\c"_s << QByteArray(R"("a\"b\\c")") << u"a\"b\\c"_s;
    QTest::newRow("short escapes") << u"\b\f\n\r\t"_s << QByteArray(R"("\b\f\n\r\t")") << u"\b\f\n\r\t"_s;
    QTest::newRow("other controls") << QString(u"\u0000\u0001\u001f"_s) << QByteArray(R"("\u0000\u0001\u001f")")
                                    << QString(u"\u0000\u0001\u001f"_s);
    QTest::newRow("DEL is not a control in JSON") << u"\x7f"_s << QByteArray("\"\x7f\"") << u"\x7f"_s;
    QTest::newRow("slash and script end") << u"</script>"_s << QByteArray(R"("</script>")") << u"</script>"_s;
    QTest::newRow("two-byte") << u"é"_s << QByteArray("\"\xc3\xa9\"") << u"é"_s;
    QTest::newRow("three-byte") << u"€漢"_s << QByteArray("\"\xe2\x82\xac\xe6\xbc\xa2\"") << u"€漢"_s;
    QTest::newRow("line separator") << u"\u2028"_s << QByteArray("\"\xe2\x80\xa8\"") << u"\u2028"_s;
    QTest::newRow("U+FFFF") << u"\uffff"_s << QByteArray("\"\xef\xbf\xbf\"") << u"\uffff"_s;
    QTest::newRow("surrogate pair") << u"😀"_s << QByteArray("\"\xf0\x9f\x98\x80\"") << u"😀"_s;
    QTest::newRow("U+10FFFF") << QStringView(QChar::fromUcs4(0x10ffff)).toString() << QByteArray("\"\xf4\x8f\xbf\xbf\"")
                              << QStringView(QChar::fromUcs4(0x10ffff)).toString();
    QTest::newRow("lone high surrogate") << (u"a"_s + high + u"b"_s) << QByteArray("\"a\xef\xbf\xbd" "b\"")
                                         << (u"a"_s + fffd + u"b"_s);
    QTest::newRow("lone low surrogate") << QString(low) << QByteArray("\"\xef\xbf\xbd\"") << fffd;
    QTest::newRow("high surrogate at the end") << (u"a"_s + high) << QByteArray("\"a\xef\xbf\xbd\"") << (u"a"_s + fffd);
    QTest::newRow("reversed pair") << (QString(low) + high) << QByteArray("\"\xef\xbf\xbd\xef\xbf\xbd\"")
                                   << (fffd + fffd);
    QTest::newRow("two highs then a low") << (QString(high) + high + low)
                                          << QByteArray("\"\xef\xbf\xbd\xf0\x9f\x98\x80\"") << (fffd + u"😀"_s);
}

void TstProtocol::unicode()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, json);
    QFETCH(QString, roundTrip);
    const QByteArray bytes = Protocol::encode(Protocol::Render{1, text});
    QCOMPARE(bytes, renderFrame(json));
    const auto decoded = Protocol::decodeServer(bytes);
    QVERIFY(decoded);
    QCOMPARE(std::get<Protocol::Render>(*decoded).html, roundTrip);
}

void TstProtocol::escapedLoneSurrogates()
{
    // Found by fuzz_protocol: "\ud800" escaped in a key, and a key of invalid
    // UTF-8, decoded to two different keys that encode to the same one. Half
    // a pair becomes U+FFFD when parsed, as invalid UTF-8 does: one key,
    // the last value (as JSON.parse keeps), and the frame encodes back to
    // what decodes to it.
    const QByteArray frame = "{\"type\":\"event\",\"event\":\"a\\udc00b\",\"params\":"
                             "{\"\xa5\":\"x\",\"\\ud800\":\"y\\ud800\"},\"ref\":7}";
    const auto decoded = Protocol::decodeClient(frame);
    QVERIFY(decoded);
    const auto &event = std::get<Protocol::Event>(*decoded);
    const QString fffd(QChar::ReplacementCharacter);
    QCOMPARE(event.event, u"a"_s + fffd + u"b"_s);
    QCOMPARE(event.params, (QVariantMap{{fffd, QString(u"y"_s + fffd)}}));
    const QByteArray encoded = Protocol::encode(*decoded);
    const auto again = Protocol::decodeClient(encoded);
    QVERIFY(again);
    QCOMPARE(Protocol::encode(*again), encoded);
}

void TstProtocol::unicodeFuzz()
{
    // Random UTF-16, weighted towards the awkward parts: whatever goes in
    // comes out as valid JSON (checked by QJsonDocument too) and decodes to
    // the same text, lone surrogates replaced by U+FFFD.
    QRandomGenerator rng(7);
    const char16_t interesting[] = {0x0, 0x1f, 0x20, u'"', u'\\', 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800,
                                    0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfffd, 0xfffe, 0xffff};
    for (int i = 0; i < 5000; ++i) {
        QString s;
        const int n = int(rng.bounded(20));
        for (int k = 0; k < n; ++k) {
            const quint32 r = rng.bounded(4);
            char16_t c;
            if (r == 0)
                c = interesting[rng.bounded(int(std::size(interesting)))];
            else if (r == 1)
                c = char16_t(0xd800 + rng.bounded(0x800));
            else if (r == 2)
                c = char16_t(rng.bounded(0x80));
            else
                c = char16_t(rng.bounded(0x10000));
            s += QChar(c);
        }
        const QByteArray bytes = Protocol::encode(Protocol::Render{1, s});
        QJsonParseError jsonError;
        QJsonDocument::fromJson(bytes, &jsonError);
        QVERIFY2(jsonError.error == QJsonParseError::NoError, bytes.toHex().constData());
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString roundTrip = utf8(bytes);
        QVERIFY2(!utf8.hasError(), bytes.toHex().constData());
        const auto decoded = Protocol::decodeServer(bytes);
        QVERIFY(decoded);
        QString expected;
        for (qsizetype k = 0; k < s.size(); ++k) {
            if (s.at(k).isHighSurrogate() && k + 1 < s.size() && s.at(k + 1).isLowSurrogate()) {
                expected += s.at(k);
                expected += s.at(++k);
            } else {
                expected += s.at(k).isSurrogate() ? QChar(QChar::ReplacementCharacter) : s.at(k);
            }
        }
        QCOMPARE(std::get<Protocol::Render>(*decoded).html, expected);
    }
}

void TstProtocol::numbers_data()
{
    // An event param as the client writes it: its type after decoding, and
    // how it is written back.
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("integer") << QByteArray("1") << int(QMetaType::LongLong) << QByteArray("1");
    QTest::newRow("negative integer") << QByteArray("-7") << int(QMetaType::LongLong) << QByteArray("-7");
    QTest::newRow("minus zero integer") << QByteArray("-0") << int(QMetaType::LongLong) << QByteArray("0");
    QTest::newRow("int64 max") << QByteArray("9223372036854775807") << int(QMetaType::LongLong)
                               << QByteArray("9223372036854775807");
    QTest::newRow("int64 min") << QByteArray("-9223372036854775808") << int(QMetaType::LongLong)
                               << QByteArray("-9223372036854775808");
    QTest::newRow("beyond int64 is a float") << QByteArray("9223372036854775808") << int(QMetaType::Double)
                                             << QByteArray("9223372036854775808.0");
    QTest::newRow("1.0 stays a float") << QByteArray("1.0") << int(QMetaType::Double) << QByteArray("1.0");
    QTest::newRow("fraction") << QByteArray("1.5") << int(QMetaType::Double) << QByteArray("1.5");
    QTest::newRow("0.1 shortest") << QByteArray("0.1") << int(QMetaType::Double) << QByteArray("0.1");
    QTest::newRow("exponent") << QByteArray("1e3") << int(QMetaType::Double) << QByteArray("1000.0");
    QTest::newRow("large exponent") << QByteArray("1E300") << int(QMetaType::Double) << QByteArray("1e+300");
    QTest::newRow("minus zero float") << QByteArray("-0.0") << int(QMetaType::Double) << QByteArray("-0.0");
    QTest::newRow("digits in a string") << QByteArray(R"("4")") << int(QMetaType::QString) << QByteArray(R"("4")");
    QTest::newRow("boolean") << QByteArray("false") << int(QMetaType::Bool) << QByteArray("false");
    QTest::newRow("null") << QByteArray("null") << int(QMetaType::Nullptr) << QByteArray("null");
}

void TstProtocol::numbers()
{
    QFETCH(QByteArray, json);
    QFETCH(int, type);
    QFETCH(QByteArray, encoded);
    const QByteArray frame = R"({"type":"event","event":"e","params":{"v":)" + json + R"(},"ref":1})";
    Protocol::DecodeError error;
    const auto decoded = Protocol::decodeClient(frame, &error);
    QVERIFY2(decoded, qPrintable(error.message));
    const Protocol::Event event = std::get<Protocol::Event>(*decoded);
    QCOMPARE(event.params.value(u"v"_s).typeId(), type);
    QCOMPARE(Protocol::encode(*decoded),
             QByteArray(R"({"type":"event","event":"e","params":{"v":)" + encoded + R"(},"ref":1})"));
}

void TstProtocol::encodeVariantTypes()
{
    // Params a C++ test client builds by hand, in Qt's own types.
    const QVariantMap params{
        {u"int"_s, 5},
        {u"uint"_s, 7u},
        {u"u64"_s, quint64(18446744073709551615ull)},
        {u"float"_s, 0.5f},
        {u"nan"_s, qQNaN()},
        {u"inf"_s, qInf()},
        {u"invalid"_s, QVariant()},
        {u"list"_s, QStringList{u"a"_s, u"b"_s}},
        {u"hash"_s, QVariantHash{{u"z"_s, 1}, {u"a"_s, 2}}},
        {u"bytes"_s, QByteArray("\xc3\xa9")},
    };
    QCOMPARE(Protocol::encode(Protocol::Event{u"e"_s, params, 1}),
             QByteArray("{\"type\":\"event\",\"event\":\"e\",\"params\":{\"bytes\":\"\xc3\xa9\",\"float\":0.5,"
                        "\"hash\":{\"a\":2,\"z\":1},\"inf\":null,\"int\":5,\"invalid\":null,\"list\":[\"a\",\"b\"],"
                        "\"nan\":null,\"u64\":18446744073709551615,\"uint\":7},\"ref\":1}"));
}

void TstProtocol::renderOpInStreamFrameDropped()
{
    // Renders travel as render frames (framesForBatch); one that strays into
    // a stream frame is left out rather than sent under a made-up op name.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"Render op has no place in a stream frame"_s));
    QCOMPARE(Protocol::encode(Protocol::Stream{1, u"r"_s, {StreamOp::render(u"<p>"_s), StreamOp::done(u"r"_s)}}),
             QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"done","target":"[dj-stream='r']"}]})"));
}

void TstProtocol::batchToFrames_data()
{
    QTest::addColumn<QList<StreamOp>>("ops");
    QTest::addColumn<qint64>("seqBefore");
    QTest::addColumn<QByteArray>("frames"); // one per line
    QTest::addColumn<qint64>("seqAfter");

    QTest::newRow("empty batch") << QList<StreamOp>{} << qint64(4) << QByteArray() << qint64(4);
    QTest::newRow("one stream, one frame")
        << QList<StreamOp>{StreamOp::start(u"r"_s), StreamOp::text(u"r"_s, u"Hi"_s), StreamOp::done(u"r"_s)} << qint64(0)
        << QByteArray(R"({"type":"stream","seq":1,"stream":"r","ops":[{"op":"start","target":"[dj-stream='r']"},)"
                      R"({"op":"text","target":"[dj-stream='r']","text":"Hi"},{"op":"done","target":"[dj-stream='r']"}]})")
        << qint64(1);
    QTest::newRow("streams alternate")
        << QList<StreamOp>{StreamOp::text(u"a"_s, u"1"_s), StreamOp::text(u"b"_s, u"2"_s), StreamOp::text(u"a"_s, u"3"_s)}
        << qint64(10)
        << QByteArray(R"({"type":"stream","seq":11,"stream":"a","ops":[{"op":"text","target":"[dj-stream='a']","text":"1"}]})"
                      "\n"
                      R"({"type":"stream","seq":12,"stream":"b","ops":[{"op":"text","target":"[dj-stream='b']","text":"2"}]})"
                      "\n"
                      R"({"type":"stream","seq":13,"stream":"a","ops":[{"op":"text","target":"[dj-stream='a']","text":"3"}]})")
        << qint64(13);
    QTest::newRow("render splits a stream")
        << QList<StreamOp>{StreamOp::text(u"a"_s, u"1"_s), StreamOp::render(u"<v>"_s), StreamOp::text(u"a"_s, u"2"_s)}
        << qint64(0)
        << QByteArray(R"({"type":"stream","seq":1,"stream":"a","ops":[{"op":"text","target":"[dj-stream='a']","text":"1"}]})"
                      "\n"
                      R"({"type":"render","seq":2,"html":"<v>"})"
                      "\n"
                      R"({"type":"stream","seq":3,"stream":"a","ops":[{"op":"text","target":"[dj-stream='a']","text":"2"}]})")
        << qint64(3);
    QTest::newRow("renders only") << QList<StreamOp>{StreamOp::render(u"1"_s), StreamOp::render(u"2"_s)} << qint64(99)
                                  << QByteArray(R"({"type":"render","seq":100,"html":"1"})"
                                                "\n"
                                                R"({"type":"render","seq":101,"html":"2"})")
                                  << qint64(101);
    QTest::newRow("targets do not split a stream")
        << QList<StreamOp>{StreamOp::insert(u"m"_s, u"<li>"_s), StreamOp::remove(u"m"_s, u"#msg-1"_s)} << qint64(0)
        << QByteArray(R"({"type":"stream","seq":1,"stream":"m","ops":[{"op":"append","target":"[dj-stream='m']","html":"<li>"},)"
                      R"({"op":"delete","target":"#msg-1"}]})")
        << qint64(1);
}

void TstProtocol::batchToFrames()
{
    QFETCH(QList<StreamOp>, ops);
    QFETCH(qint64, seqBefore);
    QFETCH(QByteArray, frames);
    QFETCH(qint64, seqAfter);
    qint64 seq = seqBefore;
    QByteArrayList encoded;
    for (const Protocol::ServerFrame &frame : Protocol::framesForBatch(ops, seq))
        encoded << Protocol::encode(frame);
    QCOMPARE(encoded.join('\n'), frames);
    QCOMPARE(seq, seqAfter);
}

void TstProtocol::errorCodeNames()
{
    const QStringList documented{u"bad_frame"_s,      u"unknown_type"_s,  u"unknown_event"_s,   u"bad_params"_s,
                                 u"handler_failed"_s, u"render_failed"_s, u"unknown_session"_s, u"not_joined"_s};
    for (const QString &name : documented) {
        const auto code = Protocol::errorCodeFromName(name);
        QVERIFY2(code, qPrintable(name));
        QCOMPARE(Protocol::errorCodeName(*code), name);
    }
    QVERIFY(!Protocol::errorCodeFromName(u"Bad_Frame"));
}

RILL_TEST_CLASS(TstProtocol)
#include "tst_protocol.moc"
