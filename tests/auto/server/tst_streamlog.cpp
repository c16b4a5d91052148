// StreamLog: a page that comes back after the replay ring moved on gets a
// full render plus what the log restores, and must then look exactly like
// a page that never left. Checked on a model of the web client (ops.js and
// the re-render rule of morph.js) over random histories and random points
// of disconnection; plus the bound and its honest failure.

#include "testregistry.h"

#include "server/streamlog_p.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <map>

using namespace Qt::StringLiterals;
using Rill::StreamOp;
using Rill::detail::StreamLog;
using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

namespace {

// A stream target as the page holds it: content (items: text runs and
// elements with ids), the inline error, data-stream-active/-error.
struct Target
{
    QStringList content; // "t:text" or "e:<id>" or "h:<template html>"
    QString error;
    bool active = false;
    bool errored = false;
    bool operator==(const Target &) const = default;
};
using Page = std::map<QString, Target>;

// As the page shows it: adjacent text nodes read as one text (a deleted
// element between them may have kept two apart on one page and not the
// other; the page looks the same).
QString show(const Page &page)
{
    QStringList out;
    for (const auto &[name, t] : page) {
        QStringList merged;
        for (const QString &c : t.content) {
            if (c.startsWith(u"t:"_s) && !merged.isEmpty() && merged.last().startsWith(u"t:"_s))
                merged.last() += c.mid(2);
            else
                merged << c;
        }
        out << name + u"=["_s + merged.join(u',') + u"]"_s + (t.active ? u" active"_s : QString())
                   + (t.errored ? u" error:"_s + t.error : QString());
    }
    return out.join(u" | "_s);
}

// The template's rendering of a target at a version of the view's state.
QString templateHtml(const QString &target, int version)
{
    return u"h:"_s + target + u"@"_s + QString::number(version);
}

void appendText(QStringList &content, const QString &text)
{
    if (!content.isEmpty() && content.last().startsWith(u"t:"_s))
        content.last() += text;
    else
        content << u"t:"_s + text;
}

// Inserted HTML on the model: <i id="N"></i> is the item "e:N".
QString item(const QString &html)
{
    static const QRegularExpression re(u"^<i id=\"([^\"]+)\"></i>$"_s);
    const auto m = re.match(html);
    return m.hasMatch() ? u"e:"_s + m.captured(1) : html;
}

// ops.js, on the model.
void applyOp(Page &page, const StreamOp &op)
{
    if (op.kind == Kind::Delete) {
        const QString id = op.target.mid(1);
        for (auto &[name, t] : page)
            t.content.removeAll(u"e:"_s + id);
        return;
    }
    auto it = page.find(op.target);
    if (it == page.end())
        return;
    Target &t = it->second;
    switch (op.kind) {
    case Kind::Replace:
        t.content = QStringList{item(op.html)};
        break;
    case Kind::Append:
        t.content << item(op.html);
        break;
    case Kind::Prepend:
        t.content.prepend(item(op.html));
        break;
    case Kind::Text:
        if (op.mode == Mode::Replace)
            t.content = QStringList{u"t:"_s + op.content};
        else if (op.mode == Mode::Prepend)
            t.content.prepend(u"t:"_s + op.content);
        else
            appendText(t.content, op.content);
        break;
    case Kind::Error:
        t.error = op.content;
        t.errored = true;
        t.active = false;
        break;
    case Kind::Start:
        t.active = true;
        t.errored = false;
        t.error.clear();
        break;
    case Kind::Done:
        t.active = false;
        break;
    default:
        break;
    }
}

// morph.js: a render keeps the content of active and errored targets.
void render(Page &page, int version)
{
    for (auto &[name, t] : page)
        if (!t.active && !t.errored)
            t.content = QStringList{templateHtml(name, version)};
}

} // namespace

class TstStreamLog : public QObject
{
    Q_OBJECT
private slots:
    void chatAnswerMissedMidStream();
    void logLinesWhileAway();
    void errorKeptThroughRestore();
    void boundIsHonest();
    void modelBased();
};

void TstStreamLog::chatAnswerMissedMidStream()
{
    // The seed's chat: start, tokens; the page left after "Hel".
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"response"_s);
    log.record(1, StreamOp::start(u"response"_s, t));
    log.record(2, StreamOp::text(u"response"_s, u"Hel"_s, Mode::Append, t));
    log.record(3, StreamOp::text(u"response"_s, u"lo"_s, Mode::Append, t));
    log.record(4, StreamOp::text(u"response"_s, u" world"_s, Mode::Append, t));
    StreamLog::Restore r = log.restore(2);
    QVERIFY(r.complete);
    QVERIFY(r.before.isEmpty());
    QCOMPARE(r.after.size(), 2);
    QCOMPARE(r.after.at(0).content + r.after.at(1).content, u"lo world"_s);
    // A page that missed the start gets it, and everything after.
    r = log.restore(0);
    QCOMPARE(r.after.size(), 4);
    QCOMPARE(r.after.at(0).kind, Kind::Start);
    // Done: until the next render the page keeps the answer; one that saw
    // the start gets the rest and the done.
    log.record(5, StreamOp::done(u"response"_s, t));
    r = log.restore(2);
    QVERIFY(r.before.isEmpty());
    QCOMPARE(r.after.size(), 3);
    QCOMPARE(r.after.last().kind, Kind::Done);
    // After a render the template owns it: a page that still thinks the
    // stream active is told it is done before the render, so the render
    // may replace the partial answer it kept.
    log.record(6, StreamOp::render(u"<p>Hello world</p>"_s));
    r = log.restore(2);
    QCOMPARE(r.before.size(), 2);
    QCOMPARE(r.before.at(1).kind, Kind::Done);
    QVERIFY(r.after.isEmpty());
    QVERIFY(log.restore(0).before.isEmpty()); // never saw it start: nothing to undo
    QCOMPARE(log.entryCount(), 0);
}

void TstStreamLog::logLinesWhileAway()
{
    // The seed's log viewer: 300 lines while the page was away.
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"logs"_s);
    log.record(1, StreamOp::start(u"logs"_s, t));
    for (int i = 0; i < 300; ++i)
        log.record(2 + i, StreamOp::insert(u"logs"_s, u"<div class=\"log-line info\">line %1</div>"_s.arg(i)));
    const StreamLog::Restore r = log.restore(1);
    QVERIFY(r.complete);
    QCOMPARE(r.after.size(), 300);
    QVERIFY(r.after.last().html.contains(u"line 299"_s));
}

void TstStreamLog::errorKeptThroughRestore()
{
    StreamLog log(1 << 20);
    const QString t = u"#out"_s;
    log.record(1, StreamOp::start(u"s"_s, t));
    log.record(2, StreamOp::text(u"s"_s, u"partial"_s, Mode::Append, t));
    log.record(3, StreamOp::error(u"s"_s, u"model went away"_s, t));
    log.record(3, StreamOp::done(u"s"_s, t)); // the session's failure path sends both
    log.record(4, StreamOp::render(u"..."_s)); // errored: the page keeps content and error
    const StreamLog::Restore r = log.restore(1);
    QVERIFY(r.before.isEmpty());
    QCOMPARE(r.after.size(), 3);
    QCOMPARE(r.after.at(1).kind, Kind::Error);
}

void TstStreamLog::boundIsHonest()
{
    StreamLog log(64 * 1024);
    const QString t = StreamOp::defaultTarget(u"logs"_s);
    log.record(1, StreamOp::start(u"logs"_s, t));
    for (int i = 0; i < 10000; ++i)
        log.record(2 + i, StreamOp::insert(u"logs"_s, u"<div>line %1 ................................</div>"_s.arg(i)));
    QVERIFY(log.bytes() <= 64 * 1024);
    QVERIFY(!log.restore(1).complete);      // what it needs is gone: say so
    QVERIFY(log.restore(10000).complete);   // a page only a little behind is fine
    // Lines deleted by id leave no trace for pages that never got them.
    StreamLog pruned(64 * 1024);
    pruned.record(1, StreamOp::start(u"logs"_s, t));
    qint64 seq = 2;
    for (int i = 0; i < 10000; ++i) {
        pruned.record(seq++, StreamOp::insert(u"logs"_s, u"<div id=\"l%1\">line %1</div>"_s.arg(i)));
        if (i >= 100)
            pruned.record(seq++, StreamOp::remove(u"logs"_s, u"#l%1"_s.arg(i - 100)));
    }
    int inserts = 0;
    for (const StreamOp &op : pruned.restore(1).after)
        inserts += op.kind == Kind::Append;
    QCOMPARE(inserts, 100);
}

void TstStreamLog::modelBased()
{
    const QStringList targets{u"#a"_s, u"#b"_s, u"#c"_s};
    const QStringList streams{u"s"_s, u"t"_s};
    QRandomGenerator rng(20261205u);
    int checked = 0;
    for (int history = 0; history < 4000; ++history) {
        StreamLog log(1 << 20);
        Page server; // what a page that never left shows
        for (const QString &t : targets)
            server[t] = Target{{templateHtml(t, 0)}, {}, false, false};
        int version = 0;
        int renderedVersion = 0; // of the last render sent
        int nextId = 0;
        QList<QString> liveIds;
        // Frames: (seq, ops) or a render (empty ops, renderVersion).
        struct Frame
        {
            qint64 seq;
            QList<StreamOp> ops;
            int renderVersion = -1;
        };
        QList<Frame> frames;
        qint64 seq = 0;
        const int length = 1 + int(rng.bounded(60));
        for (int i = 0; i < length; ++i) {
            ++seq;
            if (rng.bounded(8) == 0) {
                version += int(rng.bounded(2)); // state may change between renders
                frames.append(Frame{seq, {}, version});
                log.record(seq, StreamOp::render(QString()));
                render(server, version);
                renderedVersion = version;
                continue;
            }
            Frame frame{seq, {}};
            const int ops = 1 + int(rng.bounded(3));
            for (int k = 0; k < ops; ++k) {
                const QString target = targets.at(rng.bounded(targets.size()));
                const QString stream = streams.at(rng.bounded(streams.size()));
                const quint32 r = rng.bounded(100);
                StreamOp op;
                std::optional<QString> base;
                if (r < 35) {
                    op = StreamOp::text(stream, u"x%1"_s.arg(i), Mode(1 + rng.bounded(3)), target);
                } else if (r < 50) {
                    const QString id = u"e%1"_s.arg(nextId++);
                    liveIds << id;
                    op = StreamOp::insert(stream, u"<i id=\"%1\"></i>"_s.arg(id), rng.bounded(4) ? Kind::Append : Kind::Prepend,
                                          target);
                } else if (r < 55) {
                    op = StreamOp::replace(stream, u"<i id=\"r%1\"></i>"_s.arg(nextId++), target);
                } else if (r < 62 && !liveIds.isEmpty()) {
                    op = StreamOp::remove(stream, u"#"_s + liveIds.takeAt(int(rng.bounded(liveIds.size()))));
                } else if (r < 77) {
                    op = StreamOp::start(stream, target);
                    base = templateHtml(target, version); // renderFragment() when it starts
                } else if (r < 90) {
                    op = StreamOp::done(stream, target);
                } else {
                    op = StreamOp::error(stream, u"err%1"_s.arg(i), target);
                    base = templateHtml(target, version);
                }
                frame.ops << op;
                log.record(seq, op, log.needsBase(op) ? base : std::nullopt);
                applyOp(server, op);
            }
            frames.append(frame);
        }
        // A page that left after frame k comes back now.
        for (qsizetype k = 0; k <= frames.size(); ++k) {
            Page page;
            for (const QString &t : targets)
                page[t] = Target{{templateHtml(t, 0)}, {}, false, false};
            qint64 lastSeq = 0;
            for (qsizetype f = 0; f < k; ++f) {
                if (frames[f].renderVersion >= 0)
                    render(page, frames[f].renderVersion);
                for (const StreamOp &op : frames[f].ops)
                    applyOp(page, op);
                lastSeq = frames[f].seq;
            }
            const StreamLog::Restore r = log.restore(lastSeq);
            QVERIFY(r.complete);
            for (const StreamOp &op : r.before)
                applyOp(page, op);
            render(page, renderedVersion); // the session's last render, as the page that stayed has it
            for (const StreamOp &op : r.after)
                applyOp(page, op);
            if (show(page) != show(server)) {
                QStringList history;
                for (const Frame &f : frames) {
                    if (f.renderVersion >= 0) {
                        history << u"%1:render v%2"_s.arg(f.seq).arg(f.renderVersion);
                        continue;
                    }
                    QStringList ops;
                    for (const StreamOp &op : f.ops)
                        ops << QString::fromLatin1(QMetaEnum::fromType<Kind>().valueToKey(int(op.kind))) + u' '
                                   + op.target + u' ' + op.html + op.content;
                    history << u"%1:"_s.arg(f.seq) + ops.join(u"; "_s);
                }
                qWarning().noquote() << "history" << history.join(u'\n');
                qWarning().noquote() << "left after seq" << lastSeq;
                QCOMPARE(show(page), show(server));
            }
            ++checked;
        }
    }
    qDebug("%d resumes checked", checked);
}

RILL_TEST_CLASS(TstStreamLog)
#include "tst_streamlog.moc"
