// A LiveServer declared in QML serving a QML view over a real socket: the
// session's reply to an event comes only after the handler's Promise
// settles, and a throwing handler's error frame names File.qml:LINE.

#include "qmltest.h"
#include "servertest.h"
#include "testregistry.h"

#include <qmlserver.h>

#include <rill/protocol.h>
#include <rill/pubsub.h>
#include <rill/server.h>

#include <QQmlComponent>
#include <QTemporaryDir>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace RillServerTest;

class TstQmlServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        RillQmlTest::setUpEngine(m_engine);
        m_nam.setProxy(QNetworkProxy::NoProxy);
        QFile file(m_dir.filePath(u"Server.qml"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"(import QtQml
import Rill
LiveServer {
    port: 0
    Route {
        path: "/view"
        view: Component {
            LiveView {
                property int count: 0
                templateSource: '<p>{{ count }}</p><div dj-stream="s"></div>'
                function slow(params) {
                    streamStart("s")
                    return Rill.sleep(150).then(function () { count = 2; streamDone("s") })
                }
                function fail(params) {
                    throw new Error("boom")
                }
            }
        }
    }
    Route {
        path: "/feed"
        view: Component {
            LiveView {
                templateSource: '<ul dj-stream="feed"></ul>'
                function mount(request) {
                    subscribe("feed", function (m) {
                        streamInsert("feed", "<li>" + Rill.escapeHtml(m.text) + " " + m.n + "</li>")
                    })
                }
                function post(params) { publish("feed", { text: Rill.param(params, "text"), n: 1 }) }
            }
        }
    }
    Route {
        path: "/mountfail"
        view: Component {
            LiveView {
                templateSource: '<p>never shown</p>'
                function mount(request) { throw new Error("no such room") }
            }
        }
    }
    Route {
        path: "/mountlater"
        view: Component {
            LiveView {
                templateSource: '<p>shown</p>'
                function mount(request) {
                    return Rill.sleep(30).then(function () { throw new Error("the room went away") })
                }
            }
        }
    }
}
)");
        file.close();
        QQmlComponent component(&m_engine, QUrl::fromLocalFile(file.fileName()));
        m_server.reset(qobject_cast<Rill::QmlServer *>(component.create()));
        QVERIFY2(m_server, qPrintable(component.errorString()));
        QVERIFY(m_server->start());
        QVERIFY(m_server->isListening());
        QVERIFY(m_server->url().port() > 0);
    }

    void cleanupTestCase() { m_server.reset(); }

    void replyComesAfterThePromise()
    {
        auto client = join();
        QVERIFY(client);
        const qsizetype before = client->frames.size();
        client->event(u"slow"_s, {}, 7);
        QTest::qWait(60);
        QCOMPARE(client->replyIndex(7), -1); // the Promise has not settled yet
        QVERIFY(client->waitForReply(7));
        // Before the reply: the done op and the re-render with count 2.
        const qsizetype reply = client->replyIndex(7);
        bool rendered = false;
        bool done = false;
        // The re-render: a patch setting the paragraph's text to 2 (or a
        // whole render holding it).
        for (qsizetype i = before; i < reply; ++i) {
            const QString what = RillServerTest::rendered(client->frames[i]);
            rendered = rendered || what == u"2\n"_s || what.contains(u"<p>2</p>"_s);
        }
        for (const Rill::StreamOp &op : client->ops(before, reply))
            done = done || op.kind == Rill::StreamOp::Kind::Done;
        QVERIFY(done);
        QVERIFY(rendered);
    }

    void throwingHandlerNamesFileAndLine()
    {
        auto client = join();
        QVERIFY(client);
        client->event(u"fail"_s, {}, 9);
        QVERIFY(client->waitForReply(9));
        QString message;
        for (const auto &f : client->frames)
            if (const auto *e = std::get_if<Rill::Protocol::Error>(&f))
                message = e->message;
        QCOMPARE(message, u"handler 'fail' failed: Server.qml:16: Error: boom"_s);
    }

    void mountFailureIsShown()
    {
        // Before the page is served: a 500 saying why (development mode),
        // never a page whose view did not start.
        m_server->server()->setDevMode(true);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^mount failed: .*Error: no such room$"_s));
        const HttpResult page = httpGet(m_nam, m_server->server()->url(u"/mountfail"_s));
        m_server->server()->setDevMode(false);
        QCOMPARE(page.status, 500);
        QVERIFY2(page.body.startsWith("The view failed to start: mount() threw: ") && page.body.contains("no such room"),
                 page.body.constData());

        // After it: an error frame.
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^mount failed: .*the room went away$"_s));
        auto client = join(u"/mountlater"_s);
        QVERIFY(client);
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(client->frames.cbegin(), client->frames.cend(),
                                             [](const Rill::Protocol::ServerFrame &f) {
                                                 const auto *e = std::get_if<Rill::Protocol::Error>(&f);
                                                 return e && e->message.startsWith(u"mount failed: "_s)
                                                     && e->message.contains(u"the room went away"_s);
                                             }),
                                 WaitMs);
    }

    void topicsFromQml()
    {
        // Two pages of a QML view subscribed to "feed": a post from one, and
        // a publish from C++, reach both.
        auto one = join(u"/feed"_s);
        auto two = join(u"/feed"_s);
        QVERIFY(one && two);
        QCOMPARE(m_server->server()->pubSub().subscriberCount(u"feed"_s), 2);
        one->event(u"post"_s, {{u"text"_s, u"<hi>"_s}}, 1);
        QVERIFY(one->waitForReply(1));
        m_server->publish(u"feed"_s, m_engine.toScriptValue(QVariantMap{{u"text"_s, u"from C++"_s}, {u"n"_s, 2}}));
        const auto items = [](const WsClient &c) { return WsClient::appendedHtml(c.ops()); };
        const QStringList expected{u"<li>&lt;hi&gt; 1</li>"_s, u"<li>from C++ 2</li>"_s};
        QTRY_COMPARE(items(*one), expected);
        QTRY_COMPARE(items(*two), expected);
    }

    void devModeReloadsAChangedFile()
    {
        const QString path = m_dir.filePath(u"Reload.qml"_s);
        const auto write = [&](const char *word) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(QByteArray("import Rill\nLiveView { templateSource: '<p>") + word + "</p>' }\n");
        };
        write("one");
        QQmlComponent component(&m_engine, QUrl::fromLocalFile(path));
        QVERIFY2(component.isReady(), qPrintable(component.errorString()));
        Rill::QmlServer server;
        server.addRoute(u"/"_s, &component, true);
        server.server()->setDevMode(true);
        QVERIFY(server.start());
        const QUrl url = server.server()->url(u"/"_s);
        QVERIFY(httpGet(m_nam, url).body.contains("<p>one</p>"));

        write("two");
        QVERIFY(httpGet(m_nam, url).body.contains("<p>two</p>"));

        // A file that no longer compiles: the page says why.
        write("three' oops");
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"cannot create its view"_s));
        const HttpResult broken = httpGet(m_nam, url);
        QVERIFY2(broken.body.contains("Reload.qml"), broken.body.constData());

        // Out of development mode the route keeps what it compiled.
        write("four");
        const HttpResult fixed = httpGet(m_nam, url);
        QVERIFY2(fixed.body.contains("<p>four</p>"), fixed.body.constData());
        server.server()->setDevMode(false);
        write("five");
        QVERIFY(httpGet(m_nam, url).body.contains("<p>four</p>"));
    }

private:
    std::unique_ptr<WsClient> join(const QString &path = u"/view"_s)
    {
        const HttpResult page = httpGet(m_nam, m_server->server()->url(path));
        if (page.status != 200)
            return nullptr;
        auto client = std::make_unique<WsClient>(u"http://127.0.0.1:%1"_s.arg(m_server->server()->port()));
        QUrl url = m_server->server()->url(u"/rill/socket"_s);
        url.setScheme(u"ws"_s);
        if (!client->open(url))
            return nullptr;
        client->join(tokenIn(page.body));
        if (!QTest::qWaitFor([&] { return !client->frames.isEmpty(); }, WaitMs))
            return nullptr;
        return client;
    }

    QTemporaryDir m_dir;
    QQmlEngine m_engine;
    QNetworkAccessManager m_nam;
    std::unique_ptr<Rill::QmlServer> m_server;
};

RILL_TEST_CLASS(TstQmlServer)
#include "tst_qmlserver.moc"
