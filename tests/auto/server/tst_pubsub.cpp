// Rill::PubSub: topics delivered in publish order, to each subscriber
// once, never inside publish(); subscriptions end with their context; and
// one topic fanned out to the pages of two sessions over real sockets.

#include "servertest.h"
#include "testregistry.h"

#include <rill/html.h>
#include <rill/pubsub.h>

#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>

using namespace RillServerTest;

namespace {

// Inserts every message of topic "feed" into its stream target.
class FeedView : public Rill::LiveView
{
public:
    explicit FeedView(Rill::PubSub *pubsub)
    {
        setTemplateSource(u"<ul dj-stream=\"feed\"></ul>"_s);
        pubsub->subscribe(u"feed"_s, this, [this](const QVariant &message) {
            streamInsert(u"feed"_s, renderItem(message.toString()));
        });
    }

private:
    static QString renderItem(const QString &text) { return u"<li>"_s + Rill::escapeHtml(text) + u"</li>"_s; }
};

// A real redis-server on a free loopback port, nothing saved to disk.
class RedisServer
{
public:
    ~RedisServer() { stop(); }
    //! \a extra: more of redis-server's settings ("--requirepass", "pw", ...).
    bool start(quint16 port = 0, const QStringList &extra = {})
    {
        if (!port) {
            QTcpServer probe;
            if (!probe.listen(QHostAddress::LocalHost, 0))
                return false;
            port = probe.serverPort();
        }
        m_port = port;
        const QString exe = QStandardPaths::findExecutable(u"redis-server"_s);
        if (exe.isEmpty())
            return false;
        m_process.setProgram(exe);
        m_process.setArguments(QStringList{u"--port"_s, QString::number(port), u"--bind"_s, u"127.0.0.1"_s, u"--save"_s,
                                           u""_s, u"--appendonly"_s, u"no"_s, u"--protected-mode"_s, u"yes"_s}
                               + extra);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        // Ready when it accepts a connection.
        return QTest::qWaitFor([&] {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port);
            return s.waitForConnected(100);
        }, 5000);
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    QUrl url(const QString &userInfo = {}) const
    {
        return QUrl(u"redis://"_s + (userInfo.isEmpty() ? QString() : userInfo + u'@') + u"127.0.0.1:"_s
                    + QString::number(m_port));
    }
    quint16 port() const { return m_port; }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

// Publishes probes from \a from until every one of \a all has one: then
// every subscription is in place at Redis.
bool settle(Rill::PubSub &from, const QList<QStringList *> &all)
{
    const bool ok = QTest::qWaitFor([&] {
        from.publish(u"t"_s, u"probe"_s);
        QTest::qWait(20);
        return std::all_of(all.cbegin(), all.cend(), [](const QStringList *l) { return l->contains(u"probe"_s); });
    }, 10000);
    QTest::qWait(100); // the probes still on their way
    for (QStringList *l : all)
        l->clear();
    return ok;
}

// PUBLISH as any other Redis client could, in Redis's own protocol.
bool rawPublish(quint16 port, const QByteArray &channel, const QByteArray &payload)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return false;
    QByteArray command = "*3\r\n$7\r\nPUBLISH\r\n";
    for (const QByteArray &arg : {channel, payload})
        command += '$' + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    s.write(command);
    while (s.bytesToWrite() > 0)
        if (!s.waitForBytesWritten(10000))
            return false;
    return s.waitForReadyRead(10000) && s.readAll().startsWith(':'); // the number of receivers
}

} // namespace

class TstPubSub : public QObject
{
    Q_OBJECT
private slots:
    void orderAndOnce();
    void neverInsidePublish();
    void subscriptionsEnd();
    void fanOutToPages();
    void redisSharesTopics();
    void redisRestarts();
    void redisDown();
    void redisForeignMessages();
    void redisPassword_data();
    void redisPassword();
    void redisSilent();
};

void TstPubSub::orderAndOnce()
{
    Rill::PubSub pubsub;
    QObject context;
    QStringList a, b, other;
    pubsub.subscribe(u"t"_s, &context, [&](const QVariant &m) { a << m.toString(); });
    pubsub.subscribe(u"t"_s, &context, [&](const QVariant &m) { b << m.toString(); });
    pubsub.subscribe(u"u"_s, &context, [&](const QVariant &m) { other << m.toString(); });
    QCOMPARE(pubsub.subscriberCount(u"t"_s), 2);
    QSignalSpy delivered(&pubsub, &Rill::PubSub::delivered);
    for (int i = 0; i < 100; ++i)
        pubsub.publish(i % 3 ? u"t"_s : u"u"_s, QString::number(i));
    pubsub.publish(u"nobody"_s, u"x"_s);
    QTRY_COMPARE(delivered.size(), 101);
    QStringList expected, expectedOther;
    for (int i = 0; i < 100; ++i)
        (i % 3 ? expected : expectedOther) << QString::number(i);
    QCOMPARE(a, expected);
    QCOMPARE(b, expected);
    QCOMPARE(other, expectedOther);
    QTest::qWait(20);
    QCOMPARE(a.size(), expected.size()); // nothing twice
}

void TstPubSub::neverInsidePublish()
{
    Rill::PubSub pubsub;
    QObject context;
    QStringList got;
    bool inPublish = false;
    pubsub.subscribe(u"t"_s, &context, [&](const QVariant &m) {
        QVERIFY(!inPublish);
        got << m.toString();
        if (m.toString().size() < 4) { // a handler that publishes: later, not recursively
            inPublish = true;
            pubsub.publish(u"t"_s, QString(m.toString() + u'+'));
            inPublish = false;
            got << u"after"_s;
        }
    });
    inPublish = true;
    pubsub.publish(u"t"_s, u"a"_s);
    inPublish = false;
    QVERIFY(got.isEmpty());
    QTRY_COMPARE(got.size(), 7);
    QCOMPARE(got, (QStringList{u"a"_s, u"after"_s, u"a+"_s, u"after"_s, u"a++"_s, u"after"_s, u"a+++"_s}));
}

void TstPubSub::subscriptionsEnd()
{
    Rill::PubSub pubsub;
    QStringList got;
    auto context = std::make_unique<QObject>();
    pubsub.subscribe(u"t"_s, context.get(), [&](const QVariant &m) { got << u"ctx:"_s + m.toString(); });
    quint64 self = 0;
    self = pubsub.subscribe(u"t"_s, nullptr, [&](const QVariant &m) {
        got << u"once:"_s + m.toString();
        pubsub.unsubscribe(self); // ends itself from inside
    });
    pubsub.publish(u"t"_s, u"1"_s);
    pubsub.publish(u"t"_s, u"2"_s);
    QTRY_COMPARE(got.size(), 3);
    QCOMPARE(got, (QStringList{u"ctx:1"_s, u"once:1"_s, u"ctx:2"_s}));
    context.reset();
    QCOMPARE(pubsub.subscriberCount(u"t"_s), 0);
    pubsub.publish(u"t"_s, u"3"_s);
    QTest::qWait(20);
    QCOMPARE(got.size(), 3);
    // A subscription ended before its message is delivered does not get it.
    QObject later;
    const quint64 id = pubsub.subscribe(u"t"_s, &later, [&](const QVariant &m) { got << m.toString(); });
    pubsub.publish(u"t"_s, u"4"_s);
    pubsub.unsubscribe(id);
    QTest::qWait(20);
    QCOMPARE(got.size(), 3);
}

void TstPubSub::fanOutToPages()
{
    Harness h;
    QVERIFY(h.start());
    Rill::PubSub *pubsub = &h.server->pubSub();
    h.server->route(u"/feed"_s, [pubsub] { return std::make_unique<FeedView>(pubsub); });
    const QString t1 = h.newPage(u"/feed"_s);
    const QString t2 = h.newPage(u"/feed"_s);
    QVERIFY(!t1.isEmpty() && !t2.isEmpty());
    auto c1 = h.join(t1);
    auto c2 = h.join(t2);
    QVERIFY(c1 && c2);
    QCOMPARE(pubsub->subscriberCount(u"feed"_s), 2);
    for (int i = 0; i < 50; ++i)
        pubsub->publish(u"feed"_s, u"<%1>"_s.arg(i));
    const auto items = [](const WsClient &c) { return WsClient::appendedHtml(c.ops()); };
    QTRY_COMPARE_WITH_TIMEOUT(items(*c1).size(), 50, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(items(*c2).size(), 50, WaitMs);
    QCOMPARE(items(*c1), items(*c2));
    QCOMPARE(items(*c1).constFirst(), u"<li>&lt;0&gt;</li>"_s);
    QCOMPARE(items(*c1).constLast(), u"<li>&lt;49&gt;</li>"_s);
    h.stop(); // the views go, and their subscriptions with them
}

void TstPubSub::redisSharesTopics()
{
    // Two PubSubs, as in two processes, through one real Redis: the same
    // messages in the same order on both, whoever published them.
    RedisServer redis;
    QVERIFY2(redis.start(), "redis-server did not start (scripts/install-deps.sh installs it)");
    Rill::PubSub a, b;
    QSignalSpy upA(&a, &Rill::PubSub::redisConnected), upB(&b, &Rill::PubSub::redisConnected);
    QVERIFY(a.connectToRedis(redis.url()));
    QVERIFY(b.connectToRedis(redis.url()));
    QTRY_COMPARE(upA.size(), 1);
    QTRY_COMPARE(upB.size(), 1);
    QVERIFY(a.isRedisConnected() && b.isRedisConnected());
    QStringList gotA, gotB, gotB2;
    QObject context;
    a.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotA << m.toString(); });
    b.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotB << m.toString(); });
    b.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotB2 << m.toString(); });
    QVERIFY(settle(a, {&gotA, &gotB, &gotB2}));

    for (int i = 0; i < 100; ++i) {
        a.publish(u"t"_s, u"a%1"_s.arg(i));
        b.publish(u"t"_s, u"b%1"_s.arg(i));
    }
    QTRY_COMPARE_WITH_TIMEOUT(gotA.size(), 200, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(gotB.size(), 200, WaitMs);
    QCOMPARE(gotA, gotB); // one order for everyone
    QCOMPARE(gotB2, gotB);
    QStringList fromA, fromB;
    for (const QString &m : std::as_const(gotA))
        (m.startsWith(u'a') ? fromA : fromB) << m;
    for (int i = 0; i < 100; ++i) { // each publisher's order kept
        QCOMPARE(fromA[i], u"a%1"_s.arg(i));
        QCOMPARE(fromB[i], u"b%1"_s.arg(i));
    }
    // Values other than strings travel as JSON.
    gotA.clear();
    QVariant structured;
    a.subscribe(u"json"_s, &context, [&](const QVariant &m) { structured = m; });
    QTRY_VERIFY_WITH_TIMEOUT([&] { b.publish(u"json"_s, QVariantMap{{u"n"_s, 3}, {u"list"_s, QVariantList{u"x"_s, true}}});
                                   QTest::qWait(20); return structured.isValid(); }(), WaitMs);
    QCOMPARE(structured.toMap().value(u"list"_s).toList().value(1).toBool(), true);
    QCOMPARE(structured.toMap().value(u"n"_s).toInt(), 3);
}

void TstPubSub::redisRestarts()
{
    // Redis goes away mid-stream: both instances say so and go on serving
    // their own subscribers; when it is back they share topics again.
    RedisServer redis;
    QVERIFY(redis.start());
    Rill::PubSub a, b;
    QSignalSpy upA(&a, &Rill::PubSub::redisConnected), upB(&b, &Rill::PubSub::redisConnected);
    QSignalSpy errorsA(&a, &Rill::PubSub::redisError);
    a.connectToRedis(redis.url());
    b.connectToRedis(redis.url());
    QTRY_COMPARE(upA.size(), 1);
    QTRY_COMPARE(upB.size(), 1);
    QStringList gotA, gotB;
    QObject context;
    a.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotA << m.toString(); });
    b.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotB << m.toString(); });
    QVERIFY(settle(a, {&gotA, &gotB}));

    a.publish(u"t"_s, u"before"_s);
    QTRY_COMPARE(gotB, QStringList{u"before"_s});
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^Redis at .* went away"_s));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^Redis at .* went away"_s));
    redis.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!errorsA.isEmpty(), WaitMs);
    QVERIFY(errorsA.constFirst().constFirst().toString().contains(u"this instance's subscribers only"_s));
    QVERIFY(!a.isRedisConnected());
    // Alone, but not silent: a's own subscribers get a's messages.
    a.publish(u"t"_s, u"alone"_s);
    QTRY_COMPARE(gotA.constLast(), u"alone"_s);

    // Back (reconnect attempts meanwhile may fail, and say so in the log).
    QVERIFY(redis.start(redis.port()));
    QTRY_COMPARE_WITH_TIMEOUT(upA.size(), 2, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(upB.size(), 2, 15000);
    gotA.clear();
    gotB.clear();
    QVERIFY(settle(b, {&gotA, &gotB}));
    b.publish(u"t"_s, u"after"_s);
    QTRY_COMPARE(gotA, QStringList{u"after"_s});
    QTRY_COMPARE(gotB, QStringList{u"after"_s});
}

void TstPubSub::redisDown()
{
    // Nothing listens there: a clear error, and local delivery still works.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    Rill::PubSub pubsub;
    QSignalSpy errors(&pubsub, &Rill::PubSub::redisError);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^Redis at redis://127.0.0.1:%1 cannot be reached"_s.arg(port)));
    QVERIFY(pubsub.connectToRedis(QUrl(u"redis://127.0.0.1:%1"_s.arg(port))));
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), WaitMs);
    QStringList got;
    QObject context;
    pubsub.subscribe(u"t"_s, &context, [&](const QVariant &m) { got << m.toString(); });
    pubsub.publish(u"t"_s, u"local"_s);
    QTRY_COMPARE(got, QStringList{u"local"_s});
    QVERIFY(!pubsub.connectToRedis(QUrl(u"http://127.0.0.1:6379"_s)));
    QVERIFY(errors.constLast().constFirst().toString().startsWith(u"not a Redis URL"_s));
}

void TstPubSub::redisForeignMessages()
{
    // Any client of the Redis server can publish on our channels: what is
    // not ours is dropped (with a warning that cannot forge log lines), a
    // message too large to hold closes the connection, which comes back;
    // the subscribers go on.
    RedisServer redis;
    QVERIFY(redis.start());
    Rill::PubSub pubsub;
    QSignalSpy up(&pubsub, &Rill::PubSub::redisConnected);
    QSignalSpy errors(&pubsub, &Rill::PubSub::redisError);
    QVERIFY(pubsub.connectToRedis(redis.url()));
    QTRY_COMPARE(up.size(), 1);
    QStringList got;
    QObject context;
    pubsub.subscribe(u"t"_s, &context, [&](const QVariant &m) { got << m.toString(); });
    QVERIFY(settle(pubsub, {&got}));

    const QList<QByteArray> foreign{"not json{", "{\"a\":1}", "[1,2]", "[]", "\xff\xfe[", "[\"x\"]\n\x1b[31mFORGED line"};
    for (const QByteArray &payload : foreign) {
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^dropped a message on rill:t that is not ours: [^\n\x1b]*$"_s));
        QVERIFY(rawPublish(redis.port(), "rill:t", payload));
    }
    QVERIFY(rawPublish(redis.port(), "rill:t", "[\"theirs, well formed\"]"));
    pubsub.publish(u"t"_s, u"ours"_s);
    QTRY_COMPARE_WITH_TIMEOUT(got, (QStringList{u"theirs, well formed"_s, u"ours"_s}), WaitMs);
    QCOMPARE(errors.size(), 0);

    // 17 MiB on the channel: not buffered whole; the connection is closed
    // and opened again.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"more than 16777216 bytes"_s));
    QVERIFY(rawPublish(redis.port(), "rill:t", "[\"" + QByteArray(17 * 1024 * 1024, 'x') + "\"]"));
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, WaitMs);
    QVERIFY2(errors.constFirst().constFirst().toString().contains(u"more than 16777216 bytes"_s),
             qPrintable(errors.constFirst().constFirst().toString()));
    QTRY_COMPARE_WITH_TIMEOUT(up.size(), 2, WaitMs);
    got.clear();
    QVERIFY(settle(pubsub, {&got}));
    pubsub.publish(u"t"_s, u"after"_s);
    QTRY_COMPARE_WITH_TIMEOUT(got, QStringList{u"after"_s}, WaitMs);

    // Ours too large for the others is not published, and says so.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^not published: a message of \\d+ bytes on t is over the limit"_s));
    pubsub.publish(u"t"_s, QString(17 * 1024 * 1024, u'y'));
    pubsub.publish(u"t"_s, u"small"_s);
    QTRY_COMPARE_WITH_TIMEOUT(got, (QStringList{u"after"_s, u"small"_s}), WaitMs);
}

// A Redis that asks for a password (requirepass, or an ACL user): the URL's
// password (and user) are sent first; without them, or with wrong ones,
// Redis's refusal is the error, never a backend that looks up and drops
// every message. The password shows in no message.
void TstPubSub::redisPassword_data()
{
    QTest::addColumn<QString>("userInfo"); // in the URL, before '@'
    QTest::addColumn<QString>("refusal"); // empty: accepted

    QTest::newRow("password") << u":s3cr%2Ft"_s << QString(); // "s3cr/t", percent-encoded
    QTest::newRow("ACL user") << u"feed:fe3d"_s << QString();
    QTest::newRow("no password") << QString() << u"NOAUTH"_s;
    QTest::newRow("wrong password") << u":guess"_s << u"WRONGPASS"_s;
    QTest::newRow("wrong user") << u"nobody:fe3d"_s << u"WRONGPASS"_s;
}

void TstPubSub::redisPassword()
{
    QFETCH(QString, userInfo);
    QFETCH(QString, refusal);
    RedisServer redis;
    QVERIFY(redis.start(0, {u"--requirepass"_s, u"s3cr/t"_s, u"--user"_s, u"feed"_s, u"on"_s, u">fe3d"_s, u"~*"_s,
                            u"&*"_s, u"+@all"_s}));
    Rill::PubSub a, b;
    QSignalSpy upA(&a, &Rill::PubSub::redisConnected), upB(&b, &Rill::PubSub::redisConnected);
    QSignalSpy errors(&a, &Rill::PubSub::redisError);
    if (!refusal.isEmpty()) {
        // Refused, said in Redis's words, and tried again later (as for a
        // Redis that is down); meanwhile local delivery.
        const QRegularExpression said(u"^Redis at redis://127.0.0.1:%1 cannot be reached: %2"_s.arg(redis.port()).arg(refusal));
        QTest::ignoreMessage(QtWarningMsg, said);
        QVERIFY(a.connectToRedis(redis.url(userInfo)));
        QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), WaitMs);
        const QString message = errors.constFirst().constFirst().toString();
        QVERIFY2(message.contains(refusal), qPrintable(message));
        QVERIFY2(!message.contains(u"guess"_s) && !message.contains(u"fe3d"_s), qPrintable(message));
        QVERIFY(!a.isRedisConnected());
        QCOMPARE(upA.size(), 0);
        return;
    }
    QVERIFY(a.connectToRedis(redis.url(userInfo)));
    QVERIFY(b.connectToRedis(redis.url(userInfo)));
    QTRY_COMPARE(upA.size(), 1);
    QTRY_COMPARE(upB.size(), 1);
    QStringList gotA, gotB;
    QObject context;
    a.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotA << m.toString(); });
    b.subscribe(u"t"_s, &context, [&](const QVariant &m) { gotB << m.toString(); });
    QVERIFY(settle(a, {&gotA, &gotB}));
    b.publish(u"t"_s, u"through"_s);
    QTRY_COMPARE(gotA, QStringList{u"through"_s});
    QCOMPARE(errors.size(), 0);
}

// Something that accepts connections on the Redis port and never answers
// (another program, a stalled Redis): an error after the deadline, not a
// backend waiting forever.
void TstPubSub::redisSilent()
{
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> held;
    connect(&silent, &QTcpServer::newConnection, &silent, [&] {
        while (QTcpSocket *s = silent.nextPendingConnection())
            held.append(s); // read nothing, answer nothing
    });
    Rill::PubSub pubsub;
    QSignalSpy errors(&pubsub, &Rill::PubSub::redisError);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"cannot be reached: no answer from Redis within 5 s"_s));
    QVERIFY(pubsub.connectToRedis(QUrl(u"redis://127.0.0.1:%1"_s.arg(silent.serverPort()))));
    QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 15000);
    QVERIFY2(errors.constFirst().constFirst().toString().contains(u"no answer from Redis within 5 s"_s),
             qPrintable(errors.constFirst().constFirst().toString()));
    QVERIFY(!pubsub.isRedisConnected());
}

RILL_TEST_CLASS(TstPubSub)
#include "tst_pubsub.moc"
