// StreamBatcher: pacing (leading edge, one flush per interval, idle) on a
// clock the test drives, and the merge rules, in tables and against a model.
//
// Ops in the tables are written one per ';' as KIND TARGET[@STREAM] PAYLOAD:
//   text A x      Text, mode Default       text+ A x   mode Append
//   text= A x     mode Replace             text^ A x   mode Prepend
//   replace A <b> append A <i>  prepend A <u>  (html)
//   error A msg   start A   done A   delete A   render <p>
// The stream is the target's name unless written as A@s.

#include "testregistry.h"

#include <rill/streambatcher.h>

#include <QElapsedTimer>
#include <QMap>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using Rill::StreamBatcher;
using Rill::StreamOp;
using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

namespace {

struct Spelling
{
    Kind kind;
    Mode mode;
    QStringView word;
};
const Spelling spellings[] = {
    {Kind::Text, Mode::Default, u"text"},     {Kind::Text, Mode::Append, u"text+"},
    {Kind::Text, Mode::Replace, u"text="},    {Kind::Text, Mode::Prepend, u"text^"},
    {Kind::Replace, Mode::Default, u"replace"}, {Kind::Append, Mode::Default, u"append"},
    {Kind::Prepend, Mode::Default, u"prepend"}, {Kind::Error, Mode::Default, u"error"},
    {Kind::Start, Mode::Default, u"start"},   {Kind::Done, Mode::Default, u"done"},
    {Kind::Delete, Mode::Default, u"delete"}, {Kind::Render, Mode::Default, u"render"},
};

QList<StreamOp> parseOps(const QString &spec)
{
    QList<StreamOp> ops;
    const QStringList parts = spec.split(u';', Qt::SkipEmptyParts);
    for (const QString &rawPart : parts) {
        const QString part = rawPart.trimmed();
        const qsizetype sp = part.indexOf(u' ');
        const QString word = sp < 0 ? part : part.left(sp);
        QString rest = sp < 0 ? QString() : part.mid(sp + 1);
        StreamOp op;
        bool known = false;
        for (const Spelling &s : spellings) {
            if (s.word == word) {
                op.kind = s.kind;
                op.mode = s.mode;
                known = true;
            }
        }
        if (!known)
            qFatal("bad op spelling");
        if (op.kind == Kind::Render) {
            op.html = rest;
            ops.append(op);
            continue;
        }
        const qsizetype sp2 = rest.indexOf(u' ');
        const QString where = sp2 < 0 ? rest : rest.left(sp2);
        const QString payload = sp2 < 0 ? QString() : rest.mid(sp2 + 1);
        const qsizetype at = where.indexOf(u'@');
        op.target = at < 0 ? where : where.left(at);
        op.stream = at < 0 ? where : where.mid(at + 1);
        if (op.kind == Kind::Replace || op.kind == Kind::Append || op.kind == Kind::Prepend)
            op.html = payload;
        else
            op.content = payload;
        ops.append(op);
    }
    return ops;
}

QString formatOps(const QList<StreamOp> &ops)
{
    QStringList out;
    for (const StreamOp &op : ops) {
        QString word;
        for (const Spelling &s : spellings) {
            if (s.kind == op.kind && (op.kind != Kind::Text || s.mode == op.mode))
                word = s.word.toString();
        }
        if (op.kind == Kind::Render) {
            out << word + u' ' + op.html;
            continue;
        }
        QString s = word + u' ' + op.target;
        if (op.stream != op.target)
            s += u'@' + op.stream;
        const QString payload = op.html.isEmpty() ? op.content : op.html;
        if (!payload.isEmpty())
            s += u' ' + payload;
        out << s;
    }
    return out.join(u"; "_s);
}

// The page as far as the ops can tell: one element per target, plus what a
// listener of each lifecycle event (and each re-render) saw of its content:
// the client fires an op's event right after applying it, so merging must
// not change the DOM as of a start, done, error, delete or render.
struct Node
{
    QString content;
    QString error; //!< message of the error element, if any
    bool active = false;
    bool hasError = false;
    bool deleted = false;
    QStringList seen;
    bool operator==(const Node &) const = default;
};
using Dom = QMap<QString, Node>;

void apply(Dom &dom, const StreamOp &op)
{
    if (op.kind == Kind::Render) {
        // A re-render recreates deleted elements and morphs the others,
        // leaving the content of active ones alone.
        for (Node &n : dom) {
            n.seen << u"render:"_s + (n.deleted ? u"(deleted)"_s : n.content);
            if (n.deleted)
                n = Node{op.html, {}, false, false, false, n.seen};
            else if (!n.active)
                n.content = op.html;
        }
        return;
    }
    Node &n = dom[op.target];
    if (n.deleted)
        return;
    switch (op.kind) {
    case Kind::Replace: n.content = op.html; break;
    case Kind::Append: n.content += op.html; break;
    case Kind::Prepend: n.content = op.html + n.content; break;
    case Kind::Text:
        switch (op.mode) {
        case Mode::Default: // dj-stream-mode's default
        case Mode::Append: n.content += op.content; break;
        case Mode::Replace: n.content = op.content; break;
        case Mode::Prepend: n.content = op.content + n.content; break;
        }
        break;
    case Kind::Delete:
        n.seen << u"delete:"_s + n.content;
        n.deleted = true;
        break;
    case Kind::Error:
        n.hasError = true;
        n.error = op.content;
        n.active = false;
        n.seen << u"error:"_s + n.content;
        break;
    case Kind::Start:
        n.active = true;
        n.hasError = false;
        n.error.clear();
        n.seen << u"start:"_s + n.content;
        break;
    case Kind::Done:
        n.active = false;
        n.seen << u"done:"_s + n.content;
        break;
    case Kind::Render: break;
    }
}

Dom applyAll(const QStringList &targets, const QList<StreamOp> &ops)
{
    Dom dom;
    for (const QString &t : targets)
        dom.insert(t, Node{});
    for (const StreamOp &op : ops)
        apply(dom, op);
    return dom;
}

QString formatDom(const Dom &dom)
{
    QStringList out;
    for (auto it = dom.cbegin(); it != dom.cend(); ++it) {
        const Node &n = it.value();
        out << u"%1{content=%2 active=%3 error=%4:%5 deleted=%6 seen=[%7]}"_s.arg(it.key(), n.content)
                   .arg(n.active)
                   .arg(n.hasError)
                   .arg(n.error)
                   .arg(n.deleted)
                   .arg(n.seen.join(u", "_s));
    }
    return out.join(u' ');
}

// A batcher on a clock the test owns.
struct Rig
{
    explicit Rig(int interval = 16)
    {
        batcher.setInterval(interval);
        batcher.setClock([this] { return now; });
    }
    void at(qint64 t)
    {
        now = t;
        batcher.poll();
    }
    qint64 now = 0;
    StreamBatcher batcher;
};

QList<StreamOp> flushAt(const QSignalSpy &spy, qsizetype i)
{
    return spy.at(i).at(0).value<QList<StreamOp>>();
}

} // namespace

class TstBatcher : public QObject
{
    Q_OBJECT
private slots:
    void opConstructors();
    void defaults();
    void leadingEdge();
    void interval();
    void goesIdle();
    void atMostOneFlushPerInterval();
    void overdueTimerFlushesBeforeNewOp();
    void doneNeverOvertakesText();
    void twoTokensOneMsApart();
    void replaceSupersedesOnlyItsOwnTarget();
    void flushNowAndPendingCount();
    void reentrantEnqueue();
    void realTimer();
    void coalesce_data();
    void coalesce();
    void ordering_data();
    void ordering();
    void modelBased();
    void pausedMergesUntilResumed();
    void pausedCompactsLongRuns();
    void withoutTimerOnlyPollFlushes();
    void pausedModelBased();
};

void TstBatcher::opConstructors()
{
    QCOMPARE(StreamOp::defaultTarget(u"response"_s), u"[dj-stream='response']"_s);
    QCOMPARE(StreamOp::defaultTarget(u"it's"_s), u"[dj-stream='it\\'s']"_s);
    QCOMPARE(StreamOp::text(u"r"_s, u"t"_s).target, u"[dj-stream='r']"_s);
    QCOMPARE(StreamOp::text(u"r"_s, u"t"_s, Mode::Default, u"#a"_s).target, u"#a"_s);
    QCOMPARE(formatOps({StreamOp::replace(u"r"_s, u"<b>"_s, u"#a"_s), StreamOp::insert(u"r"_s, u"<i>"_s, Kind::Prepend),
                        StreamOp::text(u"r"_s, u"t"_s, Mode::Replace), StreamOp::error(u"r"_s, u"oops"_s),
                        StreamOp::start(u"r"_s), StreamOp::done(u"r"_s), StreamOp::remove(u"r"_s, u"#m1"_s),
                        StreamOp::render(u"<v>"_s)}),
             u"replace #a@r <b>; prepend [dj-stream='r']@r <i>; text= [dj-stream='r']@r t; error [dj-stream='r']@r oops; "
             u"start [dj-stream='r']@r; done [dj-stream='r']@r; delete #m1@r; render <v>"_s);
    // Only append and prepend insert; anything else is taken as append.
    QCOMPARE(StreamOp::insert(u"r"_s, u"<i>"_s, Kind::Replace).kind, Kind::Append);
    QCOMPARE(StreamOp::remove(u"r"_s, QString()).target, u"[dj-stream='r']"_s);
    QCOMPARE(StreamOp::render(u"<v>"_s).stream, QString());
}

void TstBatcher::defaults()
{
    StreamBatcher b;
    QCOMPARE(b.interval(), 16);
    QCOMPARE(b.property("interval").toInt(), 16);
    QVERIFY(!b.isActive());
    QCOMPARE(b.remainingTime(), -1);
    QCOMPARE(b.pendingCount(), 0);

    QSignalSpy changed(&b, &StreamBatcher::intervalChanged);
    b.setInterval(33);
    b.setInterval(33);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toInt(), 33);
    b.setInterval(-5); // no negative intervals
    QCOMPARE(b.interval(), 0);
}

void TstBatcher::leadingEdge()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    const StreamOp op = StreamOp::text(u"r"_s, u"hi"_s);
    rig.batcher.enqueue(op);
    // Synchronously, inside enqueue(), with no clock movement.
    QCOMPARE(spy.count(), 1);
    QCOMPARE(flushAt(spy, 0), QList<StreamOp>{op});
    QVERIFY(rig.batcher.isActive());
    QCOMPARE(rig.batcher.remainingTime(), 16);
    QCOMPARE(rig.batcher.pendingCount(), 0);
}

void TstBatcher::interval()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::start(u"r"_s));
    rig.at(5);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"a"_s, Mode::Append));
    rig.at(10);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"b"_s, Mode::Append));
    QCOMPARE(rig.batcher.pendingCount(), 1); // joined as they arrive
    QCOMPARE(rig.batcher.pendingSize(), 2);
    rig.at(15);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(rig.batcher.remainingTime(), 1);
    rig.at(16);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(formatOps(flushAt(spy, 1)), u"text+ [dj-stream='r']@r ab"_s);
    QCOMPARE(rig.batcher.pendingCount(), 0);
    // The flush at 16 opened the next interval, to 32.
    rig.at(20);
    rig.batcher.enqueue(StreamOp::done(u"r"_s));
    rig.at(31);
    QCOMPARE(spy.count(), 2);
    rig.at(32);
    QCOMPARE(spy.count(), 3);
    QCOMPARE(flushAt(spy, 2), QList<StreamOp>{StreamOp::done(u"r"_s)});
}

void TstBatcher::goesIdle()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"a"_s));
    rig.at(16); // nothing came during the interval
    QVERIFY(!rig.batcher.isActive());
    QCOMPARE(rig.batcher.remainingTime(), -1);
    QCOMPARE(spy.count(), 1);
    rig.at(17);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"b"_s));
    QCOMPARE(spy.count(), 2); // leading edge again
    QCOMPARE(flushAt(spy, 1).at(0).content, u"b"_s);
}

void TstBatcher::atMostOneFlushPerInterval()
{
    Rig rig(10);
    QList<qint64> flushTimes;
    QObject context;
    connect(&rig.batcher, &StreamBatcher::flushed, &context, [&](const QList<StreamOp> &) { flushTimes << rig.now; });
    // One op per millisecond for 100 ms, the timer firing on time.
    for (qint64 t = 0; t < 100; ++t) {
        rig.at(t);
        rig.batcher.enqueue(StreamOp::text(u"r"_s, QString::number(t)));
    }
    rig.at(100);
    QCOMPARE(flushTimes, (QList<qint64>{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
}

void TstBatcher::overdueTimerFlushesBeforeNewOp()
{
    // The event loop was busy past the deadline: enqueue() acts as the
    // timer would have, so the queued op still goes before the new one.
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"a"_s));
    rig.now = 5;
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"b"_s));
    rig.now = 40; // no poll: the timer did not get to run
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"c"_s));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(flushAt(spy, 1).at(0).content, u"b"_s);
    QCOMPARE(rig.batcher.pendingCount(), 1);
    rig.at(56);
    QCOMPARE(spy.count(), 3);
    QCOMPARE(flushAt(spy, 2).at(0).content, u"c"_s);
}

void TstBatcher::doneNeverOvertakesText()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::start(u"r"_s));
    rig.at(1);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"Hel"_s, Mode::Append));
    rig.at(2);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"lo"_s, Mode::Append));
    rig.at(3);
    rig.batcher.enqueue(StreamOp::done(u"r"_s));
    rig.at(4);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"late"_s, Mode::Append));
    rig.at(16);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(formatOps(flushAt(spy, 1)),
             u"text+ [dj-stream='r']@r Hello; done [dj-stream='r']@r; text+ [dj-stream='r']@r late"_s);
}

void TstBatcher::twoTokensOneMsApart()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"one "_s));
    rig.at(1);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"two"_s));
    QCOMPARE(spy.count(), 1); // the second waits for the interval, it is not dropped
    rig.at(16);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(flushAt(spy, 0).at(0).content + flushAt(spy, 1).at(0).content, u"one two"_s);
}

void TstBatcher::replaceSupersedesOnlyItsOwnTarget()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.enqueue(StreamOp::start(u"x"_s)); // leading edge
    const QList<StreamOp> queued = parseOps(
        u"text A a; append B <b>; text A b; text B c; replace A <p>; text A d; replace B <q>"_s);
    for (const StreamOp &op : queued)
        rig.batcher.enqueue(op);
    rig.at(16);
    QCOMPARE(formatOps(flushAt(spy, 1)), u"replace A <p>; text A d; replace B <q>"_s);
}

void TstBatcher::flushNowAndPendingCount()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.flushNow(); // nothing queued: no empty flush
    QCOMPARE(spy.count(), 0);
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"a"_s, Mode::Append));
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"b"_s, Mode::Append));
    rig.batcher.enqueue(StreamOp::text(u"r"_s, u"c"_s, Mode::Append));
    QCOMPARE(rig.batcher.pendingCount(), 1); // "b" and "c" joined as they arrived
    rig.batcher.flushNow();
    QCOMPARE(spy.count(), 2);
    QCOMPARE(flushAt(spy, 1).at(0).content, u"bc"_s);
    QCOMPARE(rig.batcher.pendingCount(), 0);
    // The interval runs on; with nothing queued it ends idle.
    QVERIFY(rig.batcher.isActive());
    rig.at(16);
    QVERIFY(!rig.batcher.isActive());
    QCOMPARE(spy.count(), 2);
}

void TstBatcher::reentrantEnqueue()
{
    // A slot that answers a flush with another op: it queues, it does not recurse.
    Rig rig;
    QList<QList<StreamOp>> flushes;
    QObject context;
    connect(&rig.batcher, &StreamBatcher::flushed, &context, [&](const QList<StreamOp> &ops) {
        flushes << ops;
        if (flushes.size() == 1)
            rig.batcher.enqueue(StreamOp::done(u"r"_s));
    });
    rig.batcher.enqueue(StreamOp::start(u"r"_s));
    QCOMPARE(flushes.size(), 1);
    QCOMPARE(rig.batcher.pendingCount(), 1);
    rig.at(16);
    QCOMPARE(flushes.size(), 2);
    QCOMPARE(flushes.at(1), QList<StreamOp>{StreamOp::done(u"r"_s)});
}

void TstBatcher::realTimer()
{
    // The default clock and the real QTimer, through the event loop.
    StreamBatcher b;
    b.setInterval(5);
    QSignalSpy spy(&b, &StreamBatcher::flushed);
    QElapsedTimer clock;
    clock.start();
    b.enqueue(StreamOp::text(u"r"_s, u"a"_s));
    b.enqueue(StreamOp::text(u"r"_s, u"b"_s));
    QCOMPARE(spy.count(), 1);
    QTRY_COMPARE(spy.count(), 2);
    QVERIFY(clock.elapsed() >= 5);
    QCOMPARE(flushAt(spy, 1).at(0).content, u"b"_s);
    QTRY_VERIFY(!b.isActive());
}

void TstBatcher::coalesce_data()
{
    QTest::addColumn<QString>("ops");
    QTest::addColumn<QString>("expected");

    QTest::newRow("empty") << u""_s << u""_s;
    // Default defers to the element's dj-stream-mode, unknown here: on a
    // "replace" element, "a" then "b" must end as "b", not "ab".
    QTest::newRow("adjacent default texts stay apart") << u"text A a; text A b"_s << u"text A a; text A b"_s;
    QTest::newRow("adjacent append texts concatenate, three") << u"text+ A a; text+ A b; text+ A c"_s << u"text+ A abc"_s;
    QTest::newRow("adjacent append texts concatenate") << u"text+ A a; text+ A b"_s << u"text+ A ab"_s;
    QTest::newRow("default and append do not mix") << u"text A a; text+ A b"_s << u"text A a; text+ A b"_s;
    QTest::newRow("texts of other targets are not adjacent")
        << u"text A a; text B x; text A b"_s << u"text A a; text B x; text A b"_s;
    QTest::newRow("same target, other stream: kept apart") << u"text A@s a; text A@t b"_s << u"text A@s a; text A@t b"_s;
    QTest::newRow("prepends concatenate in reverse") << u"text^ A a; text^ A b"_s << u"text^ A ba"_s;
    QTest::newRow("text replace absorbs following appends") << u"text= A a; text+ A b; text+ A c"_s << u"text= A abc"_s;
    QTest::newRow("text replace does not absorb default texts") << u"text= A a; text A b"_s << u"text= A a; text A b"_s;
    QTest::newRow("texts around a start stay apart") << u"text A a; start A; text A b"_s << u"text A a; start A; text A b"_s;
    QTest::newRow("replace drops earlier content of its target")
        << u"text A a; append A <i>; prepend A <u>; replace A <b>; text A c"_s << u"replace A <b>; text A c"_s;
    QTest::newRow("text replace drops earlier content too") << u"append A <i>; text A a; text= A z"_s << u"text= A z"_s;
    QTest::newRow("replace drops an earlier replace") << u"replace A <1>; replace A <2>"_s << u"replace A <2>"_s;
    QTest::newRow("replace keeps other targets")
        << u"text B b; text A a; replace A <p>"_s << u"text B b; replace A <p>"_s;
    QTest::newRow("replace across another stream on the same target")
        << u"text A@s a; replace A@t <p>"_s << u"replace A@t <p>"_s;
    QTest::newRow("replace stops at start of its target")
        << u"text A a; start A; text A b; replace A <p>"_s << u"text A a; start A; replace A <p>"_s;
    QTest::newRow("replace stops at done of its target")
        << u"text A a; done A; replace A <p>"_s << u"text A a; done A; replace A <p>"_s;
    QTest::newRow("replace stops at error of its target")
        << u"text A a; error A oops; replace A <p>"_s << u"text A a; error A oops; replace A <p>"_s;
    QTest::newRow("replace stops at delete of its target")
        << u"text A a; delete A; replace A <p>"_s << u"text A a; delete A; replace A <p>"_s;
    QTest::newRow("replace stops at any render")
        << u"text A a; render <v>; replace A <p>"_s << u"text A a; render <v>; replace A <p>"_s;
    QTest::newRow("replace crosses lifecycle ops of other targets")
        << u"text A a; start B; done B; error B e; delete B; replace A <p>"_s
        << u"start B; done B; error B e; delete B; replace A <p>"_s;
    QTest::newRow("lifecycle ops keep their place")
        << u"start A; text+ A a; text+ A b; error A e; start A; text+ A c; done A"_s
        << u"start A; text+ A ab; error A e; start A; text+ A c; done A"_s;
    QTest::newRow("inserts keep their place") << u"append A <1>; append A <2>; prepend A <0>"_s
                                              << u"append A <1>; append A <2>; prepend A <0>"_s;
    QTest::newRow("render keeps its place") << u"text A a; render <v>; text A b"_s << u"text A a; render <v>; text A b"_s;
    QTest::newRow("merge after a superseded op in between")
        << u"text A a; text B x; replace B <q>; text A b"_s << u"text A a; replace B <q>; text A b"_s;
    QTest::newRow("merge across dropped op of another target")
        << u"text B x; text A a; text B y; text A b; replace B <q>"_s << u"text A a; text A b; replace B <q>"_s;
}

void TstBatcher::coalesce()
{
    QFETCH(QString, ops);
    QFETCH(QString, expected);
    QCOMPARE(formatOps(StreamBatcher::coalesce(parseOps(ops))), expected);
}

void TstBatcher::ordering_data()
{
    // Ops one per millisecond; every flush, concatenated, is the coalesced
    // input in the same order.
    QTest::addColumn<QString>("ops");
    QTest::addColumn<int>("interval");
    QTest::addColumn<QStringList>("flushes");

    QTest::newRow("chat reply") << u"start R; text+ R He; text+ R llo; text+ R !; done R"_s << 16
                                << QStringList{u"start R"_s, u"text+ R Hello!; done R"_s};
    QTest::newRow("error after partial text")
        << u"start R; text+ R par; text+ R tial; error R boom"_s << 16
        << QStringList{u"start R"_s, u"text+ R partial; error R boom"_s};
    QTest::newRow("render between texts") << u"text+ R a; text+ R b; render <v>; text+ R c"_s << 16
                                          << QStringList{u"text+ R a"_s, u"text+ R b; render <v>; text+ R c"_s};
    QTest::newRow("interval 2 splits") << u"text+ R a; text+ R b; text+ R c; text+ R d; text+ R e"_s << 2
                                       << QStringList{u"text+ R a"_s, u"text+ R b"_s, u"text+ R cd"_s, u"text+ R e"_s};
    QTest::newRow("default texts are not merged") << u"start R; text R a; text R b; done R"_s << 16
                                                  << QStringList{u"start R"_s, u"text R a; text R b; done R"_s};
    QTest::newRow("interval 0 sends each") << u"text R a; text R b"_s << 0
                                           << QStringList{u"text R a"_s, u"text R b"_s};
}

void TstBatcher::ordering()
{
    QFETCH(QString, ops);
    QFETCH(int, interval);
    QFETCH(QStringList, flushes);
    Rig rig(interval);
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    const QList<StreamOp> list = parseOps(ops);
    for (qsizetype i = 0; i < list.size(); ++i) {
        rig.at(i);
        rig.batcher.enqueue(list.at(i));
    }
    rig.at(1000);
    QStringList got;
    for (qsizetype i = 0; i < spy.count(); ++i)
        got << formatOps(flushAt(spy, i));
    QCOMPARE(got, flushes);
}

void TstBatcher::modelBased()
{
    // Random op sequences, applied op by op and through the batcher (random
    // interval, random arrival times, the timer firing exactly on time), must
    // leave every target in the same state. Pacing invariants are checked on
    // the way.
    const QStringList targets{u"#a"_s, u"#b"_s, u"[dj-stream='c']"_s};
    const QStringList streams{u"s"_s, u"t"_s};
    const quint32 seed = qEnvironmentVariableIsSet("RILL_SEED") ? quint32(qEnvironmentVariableIntValue("RILL_SEED"))
                                                                : 20261124u;
    QRandomGenerator rng(seed);
    constexpr int Sequences = 100000;

    qint64 now = 0;
    StreamBatcher batcher;
    batcher.setClock([&now] { return now; });
    QList<StreamOp> received;
    qint64 lastFlush = -1;
    int interval = 0;
    QString pacingError;
    QObject context;
    connect(&batcher, &StreamBatcher::flushed, &context, [&](const QList<StreamOp> &ops) {
        if (ops.isEmpty())
            pacingError = u"empty flush"_s;
        if (lastFlush >= 0 && now - lastFlush < interval)
            pacingError = u"flushes %1 ms apart, interval %2"_s.arg(now - lastFlush).arg(interval);
        lastFlush = now;
        received += ops;
    });

    qint64 totalOps = 0;
    qint64 totalFlushes = 0;
    for (int seq = 0; seq < Sequences; ++seq) {
        interval = int(rng.bounded(41));
        batcher.setInterval(interval);
        received.clear();
        lastFlush = -1;

        const int length = 1 + int(rng.bounded(24));
        QList<StreamOp> ops;
        QList<qint64> times;
        qint64 t = now;
        for (int i = 0; i < length; ++i) {
            StreamOp op;
            op.target = targets.at(rng.bounded(targets.size()));
            op.stream = streams.at(rng.bounded(streams.size()));
            const QString payload = QString::number(i) + u'.';
            const quint32 r = rng.bounded(100);
            if (r < 45) {
                op.kind = Kind::Text;
                op.mode = Mode(rng.bounded(4));
                op.content = payload;
            } else if (r < 55) {
                op.kind = Kind::Replace;
                op.html = u'<' + payload + u'>';
            } else if (r < 62) {
                op.kind = Kind::Append;
                op.html = u'<' + payload + u'>';
            } else if (r < 68) {
                op.kind = Kind::Prepend;
                op.html = u'<' + payload + u'>';
            } else if (r < 76) {
                op.kind = Kind::Start;
            } else if (r < 84) {
                op.kind = Kind::Done;
            } else if (r < 90) {
                op.kind = Kind::Error;
                op.content = payload;
            } else if (r < 94) {
                op.kind = Kind::Delete;
            } else {
                op = StreamOp::render(u"<v" + payload + u'>');
            }
            // Bursts (same or next ms) and gaps longer than an interval.
            t += rng.bounded(4) == 0 ? qint64(rng.bounded(2 * interval + 3)) : qint64(rng.bounded(2));
            ops << op;
            times << t;
        }

        qsizetype flushesBefore = 0;
        qint64 flushCount = 0;
        for (qsizetype i = 0; i < ops.size(); ++i) {
            // Let the timer fire wherever it would have before this op arrives.
            while (batcher.isActive() && now + batcher.remainingTime() <= times.at(i)) {
                now += batcher.remainingTime();
                batcher.poll();
                ++flushCount;
            }
            now = times.at(i);
            const bool idle = !batcher.isActive();
            flushesBefore = received.size();
            batcher.enqueue(ops.at(i));
            if (idle && (received.size() != flushesBefore + 1 || received.last() != ops.at(i)))
                pacingError = u"op %1 after idle did not leave at once"_s.arg(i);
        }
        while (batcher.isActive()) {
            now += batcher.remainingTime();
            batcher.poll();
            ++flushCount;
        }
        totalOps += ops.size();
        totalFlushes += flushCount;

        const Dom direct = applyAll(targets, ops);
        const Dom batched = applyAll(targets, received);
        const Dom coalesced = applyAll(targets, StreamBatcher::coalesce(ops));
        if (!pacingError.isEmpty() || batched != direct || coalesced != direct || batcher.pendingCount() != 0) {
            qWarning().noquote() << "seed" << seed << "sequence" << seq << "interval" << interval;
            qWarning().noquote() << "ops:     " << formatOps(ops);
            QStringList ts;
            for (qint64 x : times)
                ts << QString::number(x);
            qWarning().noquote() << "times:   " << ts.join(u' ');
            qWarning().noquote() << "received:" << formatOps(received);
            qWarning().noquote() << "direct:  " << formatDom(direct);
            qWarning().noquote() << "batched: " << formatDom(batched);
            qWarning().noquote() << "coalesce:" << formatDom(coalesced);
            QVERIFY2(pacingError.isEmpty(), qPrintable(pacingError));
            QCOMPARE(formatDom(batched), formatDom(direct));
            QCOMPARE(formatDom(coalesced), formatDom(direct));
            QCOMPARE(batcher.pendingCount(), 0);
        }
    }
    qDebug("%d sequences, %lld ops, %lld timer firings", Sequences, totalOps, totalFlushes);
}

void TstBatcher::pausedMergesUntilResumed()
{
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.setPaused(true);
    QVERIFY(rig.batcher.isPaused());
    rig.batcher.enqueue(StreamOp::start(u"r"_s)); // no leading edge while paused
    for (int i = 0; i < 1000; ++i)
        rig.batcher.enqueue(StreamOp::text(u"r"_s, u"t"_s + QString::number(i) + u' ', Mode::Append));
    rig.at(1000);
    QCOMPARE(spy.count(), 0);
    QCOMPARE(rig.batcher.pendingCount(), 2); // start, and one text holding all 1000
    QCOMPARE(rig.batcher.pendingSize(), 4890); // "t0 " to "t999 "
    rig.batcher.setPaused(false);
    QCOMPARE(spy.count(), 1);
    const QList<StreamOp> batch = flushAt(spy, 0);
    QCOMPARE(batch.size(), 2);
    QVERIFY(batch.at(1).content.startsWith(u"t0 t1 t2 "_s));
    QVERIFY(batch.at(1).content.endsWith(u"t999 "_s));
    QCOMPARE(rig.batcher.pendingSize(), 0);
    QVERIFY(rig.batcher.isActive()); // the resume flush starts an interval
}

void TstBatcher::pausedCompactsLongRuns()
{
    // A status line replaced 100,000 times while its reader is away holds
    // one replace, not 100,000.
    Rig rig;
    QSignalSpy spy(&rig.batcher, &StreamBatcher::flushed);
    rig.batcher.setPaused(true);
    for (int i = 0; i < 100000; ++i) {
        rig.batcher.enqueue(StreamOp::replace(u"status"_s, u"<b>"_s + QString::number(i) + u"</b>"_s));
        rig.batcher.enqueue(StreamOp::text(u"log"_s, u"x"_s, Mode::Append));
        QVERIFY2(rig.batcher.pendingCount() <= 512, qPrintable(QString::number(rig.batcher.pendingCount())));
    }
    QVERIFY(rig.batcher.pendingSize() < 200000);
    rig.batcher.setPaused(false);
    QCOMPARE(spy.count(), 1);
    const QList<StreamOp> batch = flushAt(spy, 0);
    QString log;
    QString status;
    for (const StreamOp &op : batch) {
        if (op.target == StreamOp::defaultTarget(u"log"_s))
            log += op.content;
        else
            status = op.html;
    }
    QCOMPARE(log, QString(100000, u'x'));
    QCOMPARE(status, u"<b>99999</b>"_s);
}

void TstBatcher::withoutTimerOnlyPollFlushes()
{
    StreamBatcher batcher; // the real clock
    batcher.setTimerEnabled(false);
    QSignalSpy spy(&batcher, &StreamBatcher::flushed);
    batcher.enqueue(StreamOp::text(u"r"_s, u"a"_s, Mode::Append)); // leading edge
    batcher.enqueue(StreamOp::text(u"r"_s, u"b"_s, Mode::Append));
    QCOMPARE(spy.count(), 1);
    QTest::qWait(60); // an event loop runs well past the interval: no timer of its own
    QCOMPARE(spy.count(), 1);
    QVERIFY(batcher.remainingTime() == 0);
    QVERIFY(batcher.poll());
    QCOMPARE(spy.count(), 2);
    QCOMPARE(flushAt(spy, 1).at(0).content, u"b"_s);
}

void TstBatcher::pausedModelBased()
{
    // Random ops with the batcher paused and resumed at random points (as a
    // slow reader's socket does), long paused runs included: the page ends
    // as if every op were applied one by one.
    const QStringList targets{u"#a"_s, u"#b"_s, u"[dj-stream='c']"_s};
    const QStringList streams{u"s"_s, u"t"_s};
    QRandomGenerator rng(20261205u);
    qint64 now = 0;
    StreamBatcher batcher;
    batcher.setClock([&now] { return now; });
    QList<StreamOp> received;
    QObject context;
    connect(&batcher, &StreamBatcher::flushed, &context, [&](const QList<StreamOp> &ops) { received += ops; });
    for (int seq = 0; seq < 3000; ++seq) {
        batcher.setInterval(int(rng.bounded(20)));
        received.clear();
        const int length = 1 + int(rng.bounded(seq % 10 == 0 ? 800 : 40));
        QList<StreamOp> ops;
        for (int i = 0; i < length; ++i) {
            StreamOp op;
            op.target = targets.at(rng.bounded(targets.size()));
            op.stream = streams.at(rng.bounded(streams.size()));
            const QString payload = QString::number(i) + u'.';
            const quint32 r = rng.bounded(100);
            if (r < 50) {
                op.kind = Kind::Text;
                op.mode = Mode(rng.bounded(4));
                op.content = payload;
            } else if (r < 62) {
                op.kind = Kind::Replace;
                op.html = u'<' + payload + u'>';
            } else if (r < 70) {
                op.kind = Kind::Append;
                op.html = u'<' + payload + u'>';
            } else if (r < 75) {
                op.kind = Kind::Prepend;
                op.html = u'<' + payload + u'>';
            } else if (r < 82) {
                op.kind = Kind::Start;
            } else if (r < 88) {
                op.kind = Kind::Done;
            } else if (r < 92) {
                op.kind = Kind::Error;
                op.content = payload;
            } else if (r < 95) {
                op.kind = Kind::Delete;
            } else {
                op = StreamOp::render(u"<v" + payload + u'>');
            }
            ops << op;
            if (rng.bounded(30) == 0)
                batcher.setPaused(!batcher.isPaused());
            now += rng.bounded(3);
            batcher.poll();
            batcher.enqueue(op);
        }
        batcher.setPaused(false);
        while (batcher.isActive()) {
            now += batcher.remainingTime();
            batcher.poll();
        }
        const Dom direct = applyAll(targets, ops);
        const Dom batched = applyAll(targets, received);
        if (batched != direct) {
            qWarning().noquote() << "sequence" << seq << "ops:" << formatOps(ops);
            qWarning().noquote() << "received:" << formatOps(received);
            QCOMPARE(formatDom(batched), formatDom(direct));
        }
        QCOMPARE(batcher.pendingCount(), 0);
    }
}

RILL_TEST_CLASS(TstBatcher)
#include "tst_batcher.moc"
