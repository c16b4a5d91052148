// HtmlDiff: the ops it emits, applied to a model of the page (a small DOM
// built from the previous render, as the web client's patch.js applies
// them), must give the next render, with work and bytes that follow the
// change. Cases by hand, then random documents and random edits.

#include "testregistry.h"

#include "dom/htmldiff_p.h"

#include <QRandomGenerator>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Rill::detail::HtmlDiff;
using Rill::detail::HtmlTree;
using Rill::detail::PatchOp;

namespace {

// The page, as far as patching sees it.
struct Dom
{
    HtmlTree::Kind kind = HtmlTree::Kind::Element;
    QString tag;
    QList<std::pair<QString, QString>> attrs; // in order, raw values
    QString text;                             // text/comment: raw
    QString opaque;                           // atomic elements: their raw content
    bool atomic = false;
    std::vector<std::unique_ptr<Dom>> children;

    QString show() const
    {
        if (kind == HtmlTree::Kind::Text)
            return u'\'' + text + u'\'';
        if (kind == HtmlTree::Kind::Comment)
            return u"<!"_s + text + u'>';
        QStringList a;
        auto sorted = attrs;
        std::sort(sorted.begin(), sorted.end());
        for (const auto &[n, v] : sorted)
            a << n + u'=' + v;
        QString out = tag + (a.isEmpty() ? QString() : u'[' + a.join(u',') + u']');
        if (atomic)
            return out + u"{"_s + opaque + u'}';
        QStringList kids;
        for (const auto &c : children)
            kids << c->show();
        return out + u'(' + kids.join(u' ') + u')';
    }
};

std::unique_ptr<Dom> build(const HtmlTree &t, int i)
{
    auto d = std::make_unique<Dom>();
    const auto &n = t.node(i);
    d->kind = n.kind;
    if (n.kind != HtmlTree::Kind::Element) {
        d->text = t.text(i).toString();
        return d;
    }
    d->tag = n.tag;
    for (int a = n.attrBegin; a < n.attrEnd; ++a)
        d->attrs.append({t.attributes()[size_t(a)].name, t.attributeValue(t.attributes()[size_t(a)]).toString()});
    d->atomic = n.atomic;
    if (n.atomic) {
        d->opaque = t.innerHtml(i);
        return d;
    }
    for (int c : t.children(i))
        d->children.push_back(build(t, c));
    return d;
}

std::vector<std::unique_ptr<Dom>> parseChildren(const QString &html)
{
    const HtmlTree t = HtmlTree::parse(html);
    std::vector<std::unique_ptr<Dom>> out;
    for (int c : t.children(0))
        out.push_back(build(t, c));
    return out;
}

QString tagOf(const Dom &d)
{
    return d.kind == HtmlTree::Kind::Text ? u"#text"_s : d.kind == HtmlTree::Kind::Comment ? u"#comment"_s : d.tag;
}

// patch.js, on the model. Returns an error, or an empty string.
QString apply(Dom &root, const PatchOp &op)
{
    Dom *parent = nullptr;
    Dom *node = &root;
    size_t last = 0;
    for (int step : op.path) {
        if (node->atomic || step < 0 || size_t(step) >= node->children.size())
            return u"path %1 leaves the page"_s.arg(QString::number(step));
        parent = node;
        last = size_t(step);
        node = node->children[last].get();
    }
    if (!op.path.isEmpty() && tagOf(*node) != op.tag)
        return u"expected %1, found %2"_s.arg(op.tag, tagOf(*node));
    switch (op.kind) {
    case PatchOp::Kind::Attributes:
        for (const QString &name : op.unset)
            node->attrs.removeIf([&](const auto &a) { return a.first == name; });
        for (const auto &[name, value] : op.set) {
            bool found = false;
            for (auto &a : node->attrs)
                if (a.first == name) {
                    a.second = value;
                    found = true;
                }
            if (!found)
                node->attrs.append({name, value});
        }
        break;
    case PatchOp::Kind::Text:
        node->text = op.text;
        break;
    case PatchOp::Kind::Children: {
        std::vector<std::unique_ptr<Dom>> now;
        for (const PatchOp::Run &run : op.children) {
            if (run.count == 0) {
                for (auto &c : parseChildren(run.html))
                    now.push_back(std::move(c));
                continue;
            }
            for (int k = run.first; k < run.first + run.count; ++k) {
                if (size_t(k) >= node->children.size() || !node->children[size_t(k)])
                    return u"run %1 refers to a child not there (or twice)"_s.arg(k);
                now.push_back(std::move(node->children[size_t(k)]));
            }
        }
        node->children = std::move(now);
        break;
    }
    case PatchOp::Kind::Html:
        if (node->atomic)
            node->opaque = op.html;
        else
            node->children = parseChildren(op.html);
        break;
    case PatchOp::Kind::Outer: {
        auto replacement = parseChildren(op.html);
        if (!parent || replacement.size() != 1)
            return u"outer replacement is not one node"_s;
        parent->children[last] = std::move(replacement.front());
        break;
    }
    }
    return {};
}

struct Outcome
{
    QString patched;
    QString expected;
    QString error;
    qsizetype bytes = 0;
    int ops = 0;
    HtmlDiff::Result result;
};

Outcome check(const QString &before, const QString &after, const QHash<QString, HtmlDiff::Mode> &modesBySelector = {})
{
    Outcome o;
    const HtmlTree a = HtmlTree::parse(before);
    HtmlTree b = HtmlTree::parse(after);
    QHash<int, HtmlDiff::Mode> modes;
    for (auto it = modesBySelector.cbegin(); it != modesBySelector.cend(); ++it)
        if (const int i = a.find(it.key()); i > 0)
            modes.insert(i, it.value());
    o.result = HtmlDiff::diff(a, b, modes);
    auto page = build(a, 0);
    for (const PatchOp &op : o.result.ops) {
        o.error = apply(*page, op);
        if (!o.error.isEmpty())
            break;
        o.bytes += op.text.size() + op.html.size() + op.path.size() * 2 + 16;
        for (const auto &[n, v] : op.set)
            o.bytes += n.size() + v.size();
        for (const auto &r : op.children)
            o.bytes += r.html.size() + 8;
    }
    o.ops = int(o.result.ops.size());
    o.patched = page->show();
    o.expected = build(b, 0)->show();
    return o;
}

} // namespace

class TstHtmlDiff : public QObject
{
    Q_OBJECT
private slots:
    void cases_data();
    void cases();
    void oneRowOfTenThousand();
    void insertIntoUnkeyedList();
    void keyedReorder();
    void streamTargets();
    void deletedStaysDeleted();
    void inexactIsAFullRender();
    void randomDocuments();
};

void TstHtmlDiff::cases_data()
{
    QTest::addColumn<QString>("before");
    QTest::addColumn<QString>("after");
    QTest::addColumn<int>("ops");
    QTest::newRow("same") << u"<p>a</p>"_s << u"<p>a</p>"_s << 0;
    QTest::newRow("text") << u"<p>a</p><p>b</p>"_s << u"<p>a</p><p>c</p>"_s << 1;
    QTest::newRow("attribute set") << u"<p class=a>x</p>"_s << u"<p class=b>x</p>"_s << 1;
    QTest::newRow("attribute added and removed") << u"<p class=a>x</p>"_s << u"<p id=z>x</p>"_s << 1;
    QTest::newRow("button label") << u"<form><button class=send>Send</button></form>"_s
                                  << u"<form><button class=stop>Stop</button></form>"_s << 2;
    QTest::newRow("append") << u"<ul><li>a</li></ul>"_s << u"<ul><li>a</li><li>b</li></ul>"_s << 1;
    QTest::newRow("remove") << u"<ul><li>a</li><li>b</li></ul>"_s << u"<ul><li>b</li></ul>"_s << 1;
    QTest::newRow("tag changes") << u"<div><p>a</p></div>"_s << u"<div><h1>a</h1></div>"_s << 1;
    QTest::newRow("text to element") << u"<div>a</div>"_s << u"<div><b>a</b></div>"_s << 1;
    QTest::newRow("empty to content") << u"<div></div>"_s << u"<div>x<b>y</b></div>"_s << 1;
    QTest::newRow("content to empty") << u"<div>x<b>y</b></div>"_s << u"<div></div>"_s << 1;
    QTest::newRow("implied rows") << u"<table><tr><td>a<td>b</table>"_s << u"<table><tr><td>a<td>c</table>"_s << 1;
    QTest::newRow("select (atomic)") << u"<select><option>a</select>"_s << u"<select><option>b</select>"_s << 1;
    QTest::newRow("textarea") << u"<textarea>a</textarea>"_s << u"<textarea>b</textarea>"_s << 1;
    QTest::newRow("comment") << u"<!--a--><p>x</p>"_s << u"<!--b--><p>x</p>"_s << 1;
    QTest::newRow("whole root") << u"<p>a</p>"_s << u"<section>b</section>"_s << 1;
}

void TstHtmlDiff::cases()
{
    QFETCH(QString, before);
    QFETCH(QString, after);
    QFETCH(int, ops);
    const Outcome o = check(before, after);
    QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
    QCOMPARE(o.patched, o.expected);
    QCOMPARE(o.ops, ops);
}

void TstHtmlDiff::oneRowOfTenThousand()
{
    auto list = [](int changed) -> QString {
        QString html = u"<h1>Rows</h1><table><tbody>"_s;
        for (int i = 0; i < 10000; ++i)
            html += u"<tr><td>row %1</td><td class=\"n\">%2</td></tr>\n"_s.arg(i).arg(i == changed ? u"changed"_s
                                                                                                     : u"value"_s);
        return html + u"</tbody></table>"_s;
    };
    const Outcome o = check(list(-1), list(5123));
    QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
    QCOMPARE(o.patched, o.expected);
    QCOMPARE(o.ops, 1);
    QVERIFY2(o.bytes < 200, qPrintable(QString::number(o.bytes)));
    QVERIFY2(o.result.nodesVisited < 50, qPrintable(QString::number(o.result.nodesVisited)));
}

void TstHtmlDiff::insertIntoUnkeyedList()
{
    QStringList rows;
    for (int i = 0; i < 1000; ++i)
        rows << u"<li>item %1</li>"_s.arg(i);
    const QString before = u"<ul>"_s + rows.join(QString()) + u"</ul>"_s;
    rows.insert(500, u"<li>new</li>"_s);
    rows.removeAt(800);
    const QString after = u"<ul>"_s + rows.join(QString()) + u"</ul>"_s;
    const Outcome o = check(before, after);
    QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
    QCOMPARE(o.patched, o.expected);
    QCOMPARE(o.ops, 1); // one rewrite of the list: runs and the new row
    QVERIFY2(o.bytes < 200, qPrintable(QString::number(o.bytes)));
}

void TstHtmlDiff::keyedReorder()
{
    const QString before = u"<ul><li id=a>A</li><li id=b>B</li><li id=c>C</li><li id=d>D</li></ul>"_s;
    const QString after = u"<ul><li id=d>D</li><li id=b>B!</li><li id=a>A</li><li id=e>E</li></ul>"_s;
    const Outcome o = check(before, after);
    QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
    QCOMPARE(o.patched, o.expected);
    QCOMPARE(o.result.ops.at(0).kind, PatchOp::Kind::Children);
    QCOMPARE(o.result.ops.at(0).children.size(), 4); // d, b, a moved; e new; c dropped
    QCOMPARE(o.result.ops.at(1).kind, PatchOp::Kind::Text); // B -> B!, at its new place
    QCOMPARE(o.result.ops.at(1).path, QList<int>({0, 1, 0}));
}

void TstHtmlDiff::streamTargets()
{
    const QString page = u"<div id=chat><p>%1</p></div><div dj-stream=\"response\">%2</div>"_s;
    const QString target = u"[dj-stream='response']"_s;
    // Active: content untouched even if the template's changed.
    Outcome o = check(page.arg(u"1", u"x"), page.arg(u"2", u"y"), {{target, HtmlDiff::Mode::Locked}});
    QCOMPARE(o.ops, 1); // the <p> only
    // Owned (inserted items): kept while the template's output is the same...
    o = check(page.arg(u"1", u""), page.arg(u"2", u""), {{target, HtmlDiff::Mode::Owned}});
    QCOMPARE(o.ops, 1);
    // ...and reset when it changes.
    o = check(page.arg(u"1", u""), page.arg(u"1", u"<i>new</i>"), {{target, HtmlDiff::Mode::Owned}});
    QCOMPARE(o.ops, 1);
    QCOMPARE(o.result.ops.at(0).kind, PatchOp::Kind::Html);
    // Streamed text after a done gives way, even to the same (empty) output.
    o = check(page.arg(u"1", u""), page.arg(u"2", u""), {{target, HtmlDiff::Mode::Reset}});
    QCOMPARE(o.ops, 2);
    QCOMPARE(o.result.ops.at(1).kind, PatchOp::Kind::Html);
    QCOMPARE(o.result.ops.at(1).html, QString());
    // Attributes still follow the template; the stream's own never do.
    o = check(u"<div dj-stream=s class=a data-stream-active=true>x</div>"_s, u"<div dj-stream=s class=b>y</div>"_s,
              {{u"[dj-stream=s]"_s, HtmlDiff::Mode::Locked}});
    QCOMPARE(o.ops, 1);
    QCOMPARE(o.result.ops.at(0).set, (QList<std::pair<QString, QString>>{{u"class"_s, u"b"_s}}));
    QVERIFY(o.result.ops.at(0).unset.isEmpty());
}

void TstHtmlDiff::deletedStaysDeleted()
{
    const QString before = u"<ul><li id=m1>a</li><li id=m2>b</li><li id=m3>c</li></ul>"_s;
    HtmlTree a = HtmlTree::parse(before);
    a.remove(a.find(u"#m2")); // streamDelete("#m2")
    // The template still renders m2 as it was: it stays deleted.
    HtmlTree b = HtmlTree::parse(before);
    HtmlDiff::Result r = HtmlDiff::diff(a, b, {});
    QVERIFY(r.ops.isEmpty());
    QCOMPARE(b.find(u"#m2"), -1); // and the next diff knows
    // Its own output changed: it comes back.
    HtmlTree c = HtmlTree::parse(u"<ul><li id=m1>a</li><li id=m2>B</li><li id=m3>c</li></ul>"_s);
    r = HtmlDiff::diff(b, c, {});
    QCOMPARE(r.ops.size(), 1);
    QCOMPARE(r.ops.at(0).kind, PatchOp::Kind::Children);
}

void TstHtmlDiff::inexactIsAFullRender()
{
    const HtmlTree a = HtmlTree::parse(u"<table>x<tr><td>a</table>"_s);
    HtmlTree b = HtmlTree::parse(u"<table>y<tr><td>a</table>"_s);
    QVERIFY(HtmlDiff::diff(a, b, {}).fullRender);
}

namespace {

// Random documents from a small grammar, and random edits of them.
struct Gen
{
    QRandomGenerator rng;
    int nextKey = 0;

    QString text()
    {
        static const QStringList words{u"a"_s, u"bb"_s, u"x &amp; y"_s, u"&lt;i&gt;"_s, u" "_s, u"\n"_s, u"é"_s};
        QString t;
        const int n = 1 + int(rng.bounded(3));
        for (int i = 0; i < n; ++i)
            t += words.at(rng.bounded(words.size()));
        return t;
    }

    QString attrs(bool keyed)
    {
        QString a;
        if (rng.bounded(3) == 0)
            a += u" class=\"c%1\""_s.arg(rng.bounded(3));
        if (keyed)
            a += rng.bounded(2) ? u" id=\"k%1\""_s.arg(nextKey++) : u" dj-key=\"%1\""_s.arg(nextKey++);
        if (rng.bounded(6) == 0)
            a += u" hidden"_s;
        return a;
    }

    QString element(int depth)
    {
        const quint32 r = rng.bounded(depth > 3 ? 3 : 10);
        if (r == 0)
            return text();
        if (r == 1)
            return u"<br>"_s;
        if (r == 2)
            return u"<span%1>%2</span>"_s.arg(attrs(false), text());
        if (r == 3) {
            QString items;
            const bool keyed = rng.bounded(2);
            const int n = int(rng.bounded(6));
            for (int i = 0; i < n; ++i)
                items += u"<li%1>%2"_s.arg(attrs(keyed), element(depth + 1)) + (rng.bounded(2) ? u"</li>"_s : QString());
            return u"<ul%1>%2</ul>"_s.arg(attrs(false), items);
        }
        if (r == 4) {
            QString rows;
            const int n = int(rng.bounded(4));
            for (int i = 0; i < n; ++i)
                rows += u"<tr%1><td>%2<td>%3</tr>"_s.arg(attrs(rng.bounded(2)), text(), text());
            return u"<table>%1</table>"_s.arg(rows);
        }
        if (r == 5)
            return u"<p%1>%2"_s.arg(attrs(false), element(depth + 1));
        if (r == 6)
            return u"<select><option>%1</select>"_s.arg(text());
        if (r == 7)
            return u"<!--%1-->"_s.arg(rng.bounded(2) ? u"c"_s : u"d"_s);
        QString kids;
        const int n = int(rng.bounded(4));
        for (int i = 0; i < n; ++i)
            kids += element(depth + 1);
        return u"<div%1>%2</div>"_s.arg(attrs(rng.bounded(3) == 0), kids);
    }

    QString document()
    {
        QString html;
        const int n = 1 + int(rng.bounded(5));
        for (int i = 0; i < n; ++i)
            html += element(0);
        return html;
    }
};

} // namespace

void TstHtmlDiff::randomDocuments()
{
    // Two random documents sharing what they share (the second is often the
    // first with a few parts regenerated): patching one into the other gives
    // the other, and identical parts cost nothing.
    Gen gen{QRandomGenerator(20261205u)};
    int checked = 0;
    int full = 0;
    for (int i = 0; i < 6000; ++i) {
        const QString a = gen.document();
        QString b;
        if (gen.rng.bounded(3) == 0) {
            b = gen.document();
        } else {
            // Edit: a, with one top-level part replaced, removed or added.
            const HtmlTree ta = HtmlTree::parse(a);
            const std::vector<int> top = ta.children(0);
            const int k = top.empty() ? -1 : int(gen.rng.bounded(int(top.size())));
            for (int j = 0; j < int(top.size()); ++j) {
                if (j == k) {
                    const quint32 what = gen.rng.bounded(3);
                    if (what == 0)
                        b += gen.element(0);
                    else if (what == 1)
                        b += ta.outerHtml(top[size_t(j)]) + gen.element(0);
                    continue;
                }
                b += ta.outerHtml(top[size_t(j)]);
            }
        }
        const Outcome o = check(a, b);
        if (o.result.fullRender) {
            ++full;
            continue;
        }
        if (!o.error.isEmpty() || o.patched != o.expected) {
            qWarning().noquote() << "before:" << a;
            qWarning().noquote() << "after: " << b;
            QVERIFY2(o.error.isEmpty(), qPrintable(o.error));
            QCOMPARE(o.patched, o.expected);
        }
        if (a == b)
            QCOMPARE(o.ops, 0);
        ++checked;
    }
    qDebug("%d patches checked, %d full renders (inexact documents)", checked, full);
}

RILL_TEST_CLASS(TstHtmlDiff)
#include "tst_htmldiff.moc"
