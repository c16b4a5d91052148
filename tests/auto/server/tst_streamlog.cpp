// StreamLog: the rules a re-render follows at stream targets, and the
// restore of a page that comes back after the replay ring moved on. Checked
// on a model of the web client (ops.js, patch.js and the full render's keep
// rule of morph.js) over random histories and random points of
// disconnection: the page that came back must look exactly like a page
// that never left. Plus the seed's cases, and the bound and its honest
// failure.

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
// elements with ids), the inline error, and the attributes that make a
// full render keep it (data-stream-active, -error, and -owned, which any
// stream op sets and only the server's reset clears).
struct Target
{
    QStringList content; // "t:text", "e:<id>", or "h:<template html>"
    QString error;
    bool active = false;
    bool errored = false;
    bool owned = false;
    bool held() const { return active || errored || owned; }
};
using Page = std::map<QString, Target>;

// As the page shows it: adjacent text nodes read as one text.
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

QString templateHtml(const QString &target, int version)
{
    return u"h:"_s + target + u"@"_s + QString::number(version);
}

// Inserted HTML on the model: <i id="N"></i> is the item "e:N".
QString item(const QString &html)
{
    static const QRegularExpression re(u"^<i id=\"([^\"]+)\"></i>$"_s);
    const auto m = re.match(html);
    return m.hasMatch() ? u"e:"_s + m.captured(1) : html;
}

void appendText(QStringList &content, const QString &text)
{
    if (!content.isEmpty() && content.last().startsWith(u"t:"_s))
        content.last() += text;
    else
        content << u"t:"_s + text;
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
        t.owned = true;
        break;
    case Kind::Append:
        t.content << item(op.html);
        t.owned = true;
        break;
    case Kind::Prepend:
        t.content.prepend(item(op.html));
        t.owned = true;
        break;
    case Kind::Text:
        if (op.mode == Mode::Replace)
            t.content = QStringList{u"t:"_s + op.content};
        else if (op.mode == Mode::Prepend)
            t.content.prepend(u"t:"_s + op.content);
        else
            appendText(t.content, op.content);
        t.owned = true;
        break;
    case Kind::Error:
        t.error = op.content;
        t.errored = true;
        t.active = false;
        t.owned = true;
        break;
    case Kind::Start:
        t.active = true;
        t.errored = false;
        t.error.clear();
        t.owned = true;
        break;
    case Kind::Done:
        t.active = false; // the page still holds it (data-stream-owned) until a reset
        break;
    default:
        break;
    }
}

// patch.js's Html op: the template's content, and the stream's hold gone.
void reset(Target &t, const QString &html)
{
    t = Target{{html}, {}, false, false, false};
}

// A full render (mount) with morph.js's keep rule.
void fullRender(Page &page, const std::map<QString, int> &versions)
{
    for (auto &[name, t] : page)
        if (!t.held())
            t.content = QStringList{templateHtml(name, versions.at(name))};
}

} // namespace

class TstStreamLog : public QObject
{
    Q_OBJECT
private slots:
    void seedChatAnswerShowsOnce();
    void seedLogLinesSurviveDone();
    void insertedItemsKeptUntilTheTemplateChanges();
    void errorKeptUntilTheNextStart();
    void chatAnswerMissedMidStream();
    void boundIsHonest();
    void modelBased();
};

void TstStreamLog::seedChatAnswerShowsOnce()
{
    // Streamed text gives way at the first render after done: the answer is
    // then in the message list the template renders.
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"response"_s);
    log.record(1, StreamOp::start(u"response"_s, t), QString());
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Locked);
    log.record(2, StreamOp::text(u"response"_s, u"Hello"_s, Mode::Append, t));
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Locked);
    log.record(3, StreamOp::done(u"response"_s, t));
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Reset);
    log.rendered(4, {t}, {});
    QVERIFY(log.modes().isEmpty());
    QCOMPARE(log.entryCount(), 0);
}

void TstStreamLog::seedLogLinesSurviveDone()
{
    // Inserted lines are not live text: after done they stay.
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"logs"_s);
    log.record(1, StreamOp::start(u"logs"_s, t), QString());
    log.record(2, StreamOp::insert(u"logs"_s, u"<div>line</div>"_s));
    log.record(3, StreamOp::done(u"logs"_s, t));
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Owned);
}

void TstStreamLog::insertedItemsKeptUntilTheTemplateChanges()
{
    // The seed's stand-alone snippet: streamInsert without a start.
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"messages"_s);
    QVERIFY(log.needsBase(StreamOp::insert(u"messages"_s, u"<p>x</p>"_s)));
    log.record(1, StreamOp::insert(u"messages"_s, u"<div class=\"msg\">New message</div>"_s), QString());
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Owned);
    log.rendered(2, {}, {}); // the template's output for it unchanged: kept
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Owned);
    log.rendered(3, {t}, {}); // changed: reset
    QVERIFY(log.modes().isEmpty());
}

void TstStreamLog::errorKeptUntilTheNextStart()
{
    StreamLog log(1 << 20);
    const QString t = u"#out"_s;
    log.record(1, StreamOp::start(u"s"_s, t), QString());
    log.record(2, StreamOp::text(u"s"_s, u"partial"_s, Mode::Append, t));
    log.record(3, StreamOp::error(u"s"_s, u"model went away"_s, t));
    log.record(3, StreamOp::done(u"s"_s, t)); // the session's failure path sends both
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Locked);
    log.rendered(4, {}, {});
    const StreamLog::Restore r = log.restore(1);
    QVERIFY(r.resets.isEmpty());
    QCOMPARE(r.after.size(), 3);
    QCOMPARE(r.after.at(1).kind, Kind::Error);
    log.record(5, StreamOp::start(u"s"_s, t));
    QCOMPARE(log.modes().value(t), StreamLog::Mode::Locked);
}

void TstStreamLog::chatAnswerMissedMidStream()
{
    StreamLog log(1 << 20);
    const QString t = StreamOp::defaultTarget(u"response"_s);
    log.record(1, StreamOp::start(u"response"_s, t), QString());
    log.record(2, StreamOp::text(u"response"_s, u"Hel"_s, Mode::Append, t));
    log.record(3, StreamOp::text(u"response"_s, u"lo"_s, Mode::Append, t));
    StreamLog::Restore r = log.restore(2);
    QVERIFY(r.complete && r.resets.isEmpty());
    QCOMPARE(r.after.size(), 1);
    QCOMPARE(r.after.at(0).content, u"lo"_s);
    r = log.restore(0); // missed the start too: from the base on
    QCOMPARE(r.after.size(), 4);
    QCOMPARE(r.after.at(0).kind, Kind::Replace);
    log.record(4, StreamOp::done(u"response"_s, t));
    log.rendered(5, {t}, {});
    r = log.restore(2); // held it, missed the reset: told to reset it
    QCOMPARE(r.resets, QStringList{t});
    QVERIFY(r.after.isEmpty());
    QVERIFY(log.restore(0).resets.isEmpty()); // never held it
}

void TstStreamLog::boundIsHonest()
{
    StreamLog log(64 * 1024);
    const QString t = StreamOp::defaultTarget(u"logs"_s);
    log.record(1, StreamOp::start(u"logs"_s, t), QString());
    for (int i = 0; i < 10000; ++i)
        log.record(2 + i, StreamOp::insert(u"logs"_s, u"<div>line %1 ................................</div>"_s.arg(i)));
    QVERIFY(log.bytes() <= 64 * 1024);
    QVERIFY(!log.restore(1).complete);      // what it needs is gone: say so
    QVERIFY(log.restore(10000).complete);   // a page only a little behind is fine
    // Lines deleted by id leave no trace for pages that never got them.
    StreamLog pruned(64 * 1024);
    pruned.record(1, StreamOp::start(u"logs"_s, t), QString());
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
        // What the template renders at each target now, and as of the last
        // render (what a page shows where it does not hold the target).
        std::map<QString, int> now;
        std::map<QString, int> rendered;
        Page server; // a page that never left
        for (const QString &t : targets) {
            now[t] = rendered[t] = 0;
            server[t] = Target{{templateHtml(t, 0)}, {}, false, false, false};
        }
        struct Frame
        {
            qint64 seq;
            QList<StreamOp> ops;
            bool render = false;
            std::map<QString, int> versions; // render: the template's, per target
            QStringList resets;              // render: the targets it reset
        };
        QList<Frame> frames;
        int nextId = 0;
        QStringList liveIds;
        qint64 seq = 0;
        const int length = 1 + int(rng.bounded(60));
        for (int i = 0; i < length; ++i) {
            ++seq;
            if (rng.bounded(7) == 0) {
                // The view's state moved on for some targets; then a render.
                for (const QString &t : targets)
                    if (rng.bounded(3) == 0)
                        ++now[t];
                Frame f{seq, {}, true, now, {}};
                const QHash<QString, StreamLog::Mode> modes = log.modes();
                QSet<QString> resets;
                for (const QString &t : targets) {
                    const StreamLog::Mode m = modes.value(t, StreamLog::Mode::Template);
                    if (m == StreamLog::Mode::Reset || (m == StreamLog::Mode::Owned && now[t] != rendered[t]))
                        resets.insert(t);
                }
                for (const QString &t : targets) {
                    if (resets.contains(t))
                        reset(server[t], templateHtml(t, now[t]));
                    else if (!modes.contains(t))
                        server[t].content = QStringList{templateHtml(t, now[t])};
                }
                f.resets = QStringList(resets.cbegin(), resets.cend());
                log.rendered(seq, resets, {});
                rendered = now;
                frames.append(f);
                continue;
            }
            Frame frame{seq, {}};
            const int ops = 1 + int(rng.bounded(3));
            for (int k = 0; k < ops; ++k) {
                const QString target = targets.at(rng.bounded(targets.size()));
                const QString stream = streams.at(rng.bounded(streams.size()));
                const quint32 r = rng.bounded(100);
                StreamOp op;
                if (r < 35) {
                    op = StreamOp::text(stream, u"x%1"_s.arg(i), Mode(1 + rng.bounded(3)), target);
                } else if (r < 50) {
                    const QString id = u"e%1"_s.arg(nextId++);
                    liveIds << id;
                    op = StreamOp::insert(stream, u"<i id=\"%1\"></i>"_s.arg(id),
                                          rng.bounded(4) ? Kind::Append : Kind::Prepend, target);
                } else if (r < 55) {
                    op = StreamOp::replace(stream, u"<i id=\"r%1\"></i>"_s.arg(nextId++), target);
                } else if (r < 62 && !liveIds.isEmpty()) {
                    op = StreamOp::remove(stream, u"#"_s + liveIds.takeAt(int(rng.bounded(liveIds.size()))));
                } else if (r < 77) {
                    op = StreamOp::start(stream, target);
                } else if (r < 90) {
                    op = StreamOp::done(stream, target);
                } else {
                    op = StreamOp::error(stream, u"err%1"_s.arg(i), target);
                }
                frame.ops << op;
                // The target's part of the last render, as the session
                // takes it from its tree.
                const std::optional<QString> base =
                    log.needsBase(op) ? std::optional<QString>(templateHtml(op.target, rendered[op.target]))
                                      : std::nullopt;
                log.record(seq, op, base);
                applyOp(server, op);
            }
            frames.append(frame);
        }
        // A page that left after frame k comes back now.
        for (qsizetype k = 0; k <= frames.size(); ++k) {
            Page page;
            for (const QString &t : targets)
                page[t] = Target{{templateHtml(t, 0)}, {}, false, false, false};
            qint64 lastSeq = 0;
            for (qsizetype f = 0; f < k; ++f) {
                if (frames[f].render) {
                    // The patch: resets, then the template's content where
                    // the page does not hold the target.
                    for (const QString &t : targets) {
                        if (frames[f].resets.contains(t))
                            reset(page[t], templateHtml(t, frames[f].versions.at(t)));
                        else if (!page[t].held())
                            page[t].content = QStringList{templateHtml(t, frames[f].versions.at(t))};
                    }
                }
                for (const StreamOp &op : frames[f].ops)
                    applyOp(page, op);
                lastSeq = frames[f].seq;
            }
            const StreamLog::Restore r = log.restore(lastSeq);
            QVERIFY(r.complete);
            fullRender(page, rendered);
            for (const QString &t : r.resets)
                reset(page[t], templateHtml(t, rendered[t]));
            for (const StreamOp &op : r.after)
                applyOp(page, op);
            if (show(page) != show(server)) {
                QStringList lines;
                for (const Frame &f : frames) {
                    if (f.render) {
                        QStringList v;
                        for (const auto &[t, n] : f.versions)
                            v << t + u'@' + QString::number(n);
                        lines << u"%1: render %2 resets %3"_s.arg(f.seq).arg(v.join(u' '), f.resets.join(u' '));
                        continue;
                    }
                    QStringList ops;
                    for (const StreamOp &op : f.ops)
                        ops << QString::fromLatin1(QMetaEnum::fromType<Kind>().valueToKey(int(op.kind))) + u' '
                                   + op.target + u' ' + op.html + op.content;
                    lines << u"%1: "_s.arg(f.seq) + ops.join(u"; "_s);
                }
                qWarning().noquote() << u"history\n"_s + lines.join(u'\n');
                qWarning().noquote() << "left after seq" << lastSeq << "resets" << r.resets;
                QCOMPARE(show(page), show(server));
            }
            ++checked;
        }
    }
    qDebug("%d resumes checked", checked);
}

RILL_TEST_CLASS(TstStreamLog)
#include "tst_streamlog.moc"
