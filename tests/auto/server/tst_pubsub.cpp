// Rill::PubSub: topics delivered in publish order, to each subscriber
// once, never inside publish(); subscriptions end with their context; and
// one topic fanned out to the pages of two sessions over real sockets.

#include "servertest.h"
#include "testregistry.h"

#include <rill/html.h>
#include <rill/pubsub.h>

#include <QSignalSpy>

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

} // namespace

class TstPubSub : public QObject
{
    Q_OBJECT
private slots:
    void orderAndOnce();
    void neverInsidePublish();
    void subscriptionsEnd();
    void fanOutToPages();
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
    const auto items = [](const WsClient &c) {
        QStringList out;
        for (const StreamOp &op : c.ops())
            if (op.kind == StreamOp::Kind::Append)
                out << op.html;
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(items(*c1).size(), 50, WaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(items(*c2).size(), 50, WaitMs);
    QCOMPARE(items(*c1), items(*c2));
    QCOMPARE(items(*c1).constFirst(), u"<li>&lt;0&gt;</li>"_s);
    QCOMPARE(items(*c1).constLast(), u"<li>&lt;49&gt;</li>"_s);
    h.stop(); // the views go, and their subscriptions with them
}

RILL_TEST_CLASS(TstPubSub)
#include "tst_pubsub.moc"
