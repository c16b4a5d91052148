// HtmlTree: rendered HTML as the browser's DOM holds it. Each row is what a
// template writes and the tree the browser builds from it (checked against
// Chromium's own parser in tests/browser/diff.test.mjs, which feeds both the
// same random documents).

#include "testregistry.h"

#include "dom/htmltree_p.h"

#include <QTest>

using namespace Qt::StringLiterals;
using Rill::detail::HtmlTree;

namespace {

// div(p('a') br) for elements and their children; 'text'; <!comment>;
// '!' after a tag: atomic; '+' before it: implied by the parser.
QString dump(const HtmlTree &t, int i)
{
    const auto &n = t.node(i);
    if (n.kind == HtmlTree::Kind::Text)
        return u'\'' + t.text(i).toString().replace(u'\n', u"\\n"_s) + u'\'';
    if (n.kind == HtmlTree::Kind::Comment)
        return u"<!"_s + t.text(i).toString() + u'>';
    QString out = (n.implied ? u"+"_s : QString()) + n.tag + (n.atomic ? u"!"_s : QString());
    QStringList kids;
    for (int c : t.children(i))
        kids << dump(t, c);
    if (!kids.isEmpty())
        out += u'(' + kids.join(u' ') + u')';
    return out;
}

QString dumpRoot(const HtmlTree &t)
{
    QStringList kids;
    for (int c : t.children(0))
        kids << dump(t, c);
    return kids.join(u' ');
}

} // namespace

class TstHtmlTree : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void inexactRoot();
    void spansAndHtml();
    void hashes();
    void keys();
    void find_data();
    void find();
    void pathsSkipRemoved();
};

void TstHtmlTree::parse_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("tree");

    QTest::newRow("text") << u"hello"_s << u"'hello'"_s;
    QTest::newRow("elements") << u"<div><p>a</p><span>b</span></div>"_s << u"div(p('a') span('b'))"_s;
    QTest::newRow("whitespace is text") << u"<ul>\n <li>a</li>\n</ul>"_s << u"ul('\\n ' li('a') '\\n')"_s;
    QTest::newRow("void elements") << u"<p>a<br>b<img src=x>c<input></p>"_s << u"p('a' br 'b' img 'c' input)"_s;
    QTest::newRow("self-closing void") << u"<br/><hr />x"_s << u"br hr 'x'"_s;
    QTest::newRow("self-closing div is not closed") << u"<div/>a"_s << u"div('a')"_s;
    QTest::newRow("upper-case tags") << u"<DIV><P>a</P></DIV>"_s << u"div(p('a'))"_s;
    QTest::newRow("li closes li") << u"<ul><li>a<li>b</ul>"_s << u"ul(li('a') li('b'))"_s;
    QTest::newRow("li in a nested list") << u"<ul><li>a<ul><li>b</ul><li>c</ul>"_s
                                         << u"ul(li('a' ul(li('b'))) li('c'))"_s;
    QTest::newRow("p closed by div") << u"<p>a<div>b</div>"_s << u"p('a') div('b')"_s;
    QTest::newRow("p closed by p") << u"<p>a<p>b"_s << u"p('a') p('b')"_s;
    QTest::newRow("p not closed by span") << u"<p>a<span>b</span>c</p>"_s << u"p('a' span('b') 'c')"_s;
    QTest::newRow("dt and dd") << u"<dl><dt>a<dd>b<dt>c</dl>"_s << u"dl(dt('a') dd('b') dt('c'))"_s;
    QTest::newRow("table gets tbody") << u"<table><tr><td>a<td>b</tr></table>"_s
                                      << u"table(+tbody(tr(td('a') td('b'))))"_s;
    QTest::newRow("table whitespace") << u"<table>\n<tr><td>a</td></tr>\n</table>"_s
                                      << u"table('\\n' +tbody(tr(td('a')) '\\n'))"_s;
    QTest::newRow("explicit tbody") << u"<table><tbody><tr><td>a</td></tr></tbody></table>"_s
                                    << u"table(tbody(tr(td('a'))))"_s;
    QTest::newRow("thead then rows") << u"<table><thead><tr><th>h</thead><tr><td>a</table>"_s
                                     << u"table(thead(tr(th('h'))) +tbody(tr(td('a'))))"_s;
    QTest::newRow("td closes td, tr closes tr") << u"<table><tr><td>a<tr><td>b</table>"_s
                                                << u"table(+tbody(tr(td('a')) tr(td('b'))))"_s;
    QTest::newRow("text in a table is fostered") << u"<div><table>x<tr><td>a</table></div>"_s
                                                 << u"div!(table('x' +tbody(tr(td('a')))))"_s; // not addressed inside
    QTest::newRow("comment") << u"a<!-- c -->b"_s << u"'a' <! c > 'b'"_s;
    QTest::newRow("empty comments") << u"<!---->x<!-->y"_s << u"<!> 'x' <!> 'y'"_s;
    QTest::newRow("doctype ignored") << u"<!DOCTYPE html>x"_s << u"'x'"_s;
    QTest::newRow("bogus comment") << u"<!x>y<?php z ?>"_s << u"<!x> 'y' <!?php z ?>"_s;
    QTest::newRow("script is raw text") << u"<script>if (a<b) x = '</div>';</script>c"_s
                                        << u"script('if (a<b) x = '</div>';') 'c'"_s;
    QTest::newRow("style is raw text") << u"<style>p > a {}</style>"_s << u"style('p > a {}')"_s;
    QTest::newRow("textarea: raw, first newline dropped") << u"<textarea>\n<b>x</b></textarea>"_s
                                                          << u"textarea('<b>x</b>')"_s;
    QTest::newRow("pre: first newline dropped") << u"<pre>\ncode\n</pre>"_s << u"pre('code\\n')"_s;
    QTest::newRow("entities stay raw") << u"<p title=\"a &amp; b\">x &lt; y</p>"_s << u"p('x &lt; y')"_s;
    QTest::newRow("stray end tag ignored") << u"a</span>b"_s << u"'a' 'b'"_s;
    QTest::newRow("unclosed at the end") << u"<div><span>a"_s << u"div(span('a'))"_s;
    QTest::newRow("end tag closes inner ones") << u"<section><div><span>a</div>b</section>"_s
                                               << u"section(div(span('a')) 'b')"_s;
    // The browser re-opens the <i> for "b": the parent's content differs.
    QTest::newRow("formatting re-opened") << u"<section><div><i>a</div>b</section>"_s
                                          << u"section!(div(i('a')) 'b')"_s;
    QTest::newRow("select is atomic") << u"<select><option>a<option>b</select>"_s << u"select!"_s;
    QTest::newRow("svg is atomic") << u"<p><svg viewBox=\"0 0 1 1\"><path d=\"M0\"/></svg></p>"_s
                                   << u"p(svg!)"_s;
    QTest::newRow("template is atomic") << u"<template><p>x</p></template>y"_s << u"template! 'y'"_s;
    QTest::newRow("heading closes heading") << u"<h1>a<h2>b</h2>"_s << u"h1('a') h2('b')"_s;
    QTest::newRow("misnested formatting") << u"<div><b>a<i>b</b>c</i></div>"_s << u"div!(b('a' i('b')) 'c')"_s;
    QTest::newRow("nested links") << u"<p><a>a<a>b</a></p>"_s << u"p!(a('a' a('b')))"_s;
    QTest::newRow("a lone < is text") << u"a < b <3"_s << u"'a < b <3'"_s;
    QTest::newRow("attributes in every form") << u"<input type=text value='v' disabled data-x=\"y\">"_s
                                              << u"input"_s;
}

void TstHtmlTree::parse()
{
    QFETCH(QString, html);
    QFETCH(QString, tree);
    QCOMPARE(dumpRoot(HtmlTree::parse(html)), tree);
}

void TstHtmlTree::inexactRoot()
{
    // Fostered text at the root, a stray </p> at the root: only a whole
    // render can be trusted.
    QVERIFY(HtmlTree::parse(u"<table>x<tr><td>a</table>"_s).isInexact());
    QVERIFY(HtmlTree::parse(u"a</p>b"_s).isInexact());
    QVERIFY(!HtmlTree::parse(u"<div><p>a</p></div>"_s).isInexact());
}

void TstHtmlTree::spansAndHtml()
{
    const HtmlTree t = HtmlTree::parse(u"<ul id=\"l\"><li>a<li class=x>b</ul><table><tr><td>c</table>"_s);
    const std::vector<int> top = t.children(0);
    QCOMPARE(t.outerHtml(top[0]), u"<ul id=\"l\"><li>a<li class=x>b</ul>"_s);
    QCOMPARE(t.innerHtml(top[0]), u"<li>a<li class=x>b"_s);
    const std::vector<int> items = t.children(top[0]);
    QCOMPARE(t.outerHtml(items[0]), u"<li>a"_s);
    QCOMPARE(t.outerHtml(items[1]), u"<li class=x>b"_s);
    QCOMPARE(t.attribute(items[1], u"class"), u"x");
    QVERIFY(t.attribute(items[1], u"id").isNull());
    // An implied element is written out.
    const int tbody = t.children(top[1])[0];
    QCOMPARE(t.outerHtml(tbody), u"<tbody><tr><td>c</tbody>"_s);
    QCOMPARE(t.innerHtml(top[1]), u"<tbody><tr><td>c</tbody>"_s);
}

void TstHtmlTree::hashes()
{
    auto hashOf = [](const QString &html) { return HtmlTree::parse(html).node(0).hash; };
    QCOMPARE(hashOf(u"<p class=a>x</p>"_s), hashOf(u"<p class=\"a\">x</p>"_s)); // same DOM
    QVERIFY(hashOf(u"<p class=a>x</p>"_s) != hashOf(u"<p class=b>x</p>"_s));
    QVERIFY(hashOf(u"<p>x</p>"_s) != hashOf(u"<p>y</p>"_s));
    QVERIFY(hashOf(u"<p>x</p><p>y</p>"_s) != hashOf(u"<p>y</p><p>x</p>"_s));
    QVERIFY(hashOf(u"<p><b>x</b></p>"_s) != hashOf(u"<p><i>x</i></p>"_s));
    const HtmlTree t = HtmlTree::parse(u"<div><p>same</p></div><div><p>same</p></div>"_s);
    QCOMPARE(t.node(t.children(0)[0]).hash, t.node(t.children(0)[1]).hash);
}

void TstHtmlTree::keys()
{
    const HtmlTree t = HtmlTree::parse(u"<li id=\"m1\">a</li><li dj-key=\"7\">b</li><li>c</li><li id=\"\">d</li>"_s);
    const std::vector<int> k = t.children(0);
    QCOMPARE(t.node(k[0]).key, u"#m1"_s);
    QCOMPARE(t.node(k[1]).key, u"k:7"_s);
    QCOMPARE(t.node(k[2]).key, QString());
    QCOMPARE(t.node(k[3]).key, QString());
}

void TstHtmlTree::find_data()
{
    QTest::addColumn<QString>("selector");
    QTest::addColumn<QString>("found"); // the text of the element found, "" for none
    QTest::newRow("stream default") << u"[dj-stream='response']"_s << u"R"_s;
    QTest::newRow("double quotes") << u"[dj-stream=\"logs\"]"_s << u"L"_s;
    QTest::newRow("unquoted") << u"[dj-stream=logs]"_s << u"L"_s;
    QTest::newRow("id") << u"#out"_s << u"O"_s;
    QTest::newRow("class") << u".b"_s << u"L"_s;
    QTest::newRow("tag") << u"section"_s << u"O"_s;
    QTest::newRow("compound") << u"div.a.b[dj-stream]"_s << u"L"_s;
    QTest::newRow("presence") << u"[dj-stream]"_s << u"R"_s;
    QTest::newRow("nothing") << u"#nope"_s << QString();
    QTest::newRow("combinators unsupported") << u"div > p"_s << QString();
    QTest::newRow("not inside atomic") << u"#inner"_s << QString();
}

void TstHtmlTree::find()
{
    QFETCH(QString, selector);
    QFETCH(QString, found);
    const HtmlTree t = HtmlTree::parse(u"<main><div dj-stream=\"response\">R</div>"
                                       u"<div class=\"a b\" dj-stream=\"logs\">L</div>"
                                       u"<section id=out>O</section><svg><g id=inner></g></svg></main>"_s);
    const int i = t.find(selector);
    if (found.isEmpty()) {
        QCOMPARE(i, -1);
        return;
    }
    QVERIFY(i > 0);
    QCOMPARE(t.innerHtml(i), found);
}

void TstHtmlTree::pathsSkipRemoved()
{
    HtmlTree t = HtmlTree::parse(u"<ul><li id=a>a</li><li id=b>b</li><li id=c>c</li></ul>"_s);
    const int c = t.find(u"#c");
    QCOMPARE(t.path(c), QList<int>({0, 2}));
    t.remove(t.find(u"#a"));
    QCOMPARE(t.path(c), QList<int>({0, 1}));
    QCOMPARE(t.find(u"#a"), -1);
    QCOMPARE(t.innerHtml(t.find(u"ul")), u"<li id=b>b</li><li id=c>c</li>"_s);
}

RILL_TEST_CLASS(TstHtmlTree)
#include "tst_htmltree.moc"
