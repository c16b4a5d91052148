// A LiveServer declared in QML serving a QML view over a real socket: the
// session's reply to an event comes only after the handler's Promise
// settles, and a throwing handler's error frame names File.qml:LINE.

#include "qmltest.h"
#include "servertest.h"
#include "testregistry.h"

#include <qmlserver.h>

#include <rill/protocol.h>
#include <rill/server.h>

#include <QQmlComponent>
#include <QTemporaryDir>

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
        for (qsizetype i = before; i < reply; ++i) {
            if (const auto *r = std::get_if<Rill::Protocol::Render>(&client->frames[i]))
                rendered = rendered || r->html.contains(u"<p>2</p>"_s);
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

private:
    std::unique_ptr<WsClient> join()
    {
        const HttpResult page = httpGet(m_nam, m_server->server()->url(u"/view"_s));
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
