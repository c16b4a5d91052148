// MarkdownStream: the model is renderMarkdown() of everything fed so far.
// After every token, the HTML taken so far plus tailHtml() must equal it,
// and at the end the taken HTML plus finish() must equal the whole text
// rendered at once, for every document and every way of cutting it.

#include <rill/markdown.h>
#include <rill/markdownstream.h>

#include "markdowndocs.h"
#include "testregistry.h"

#include <QTest>

using namespace Qt::StringLiterals;

class TstMarkdownStream : public QObject
{
    Q_OBJECT
private slots:
    void equivalence_data();
    void equivalence();
    void finishedOnceInOrder_data();
    void finishedOnceInOrder();
    void tailStaysSmall();
    void surrogatePairCut();
    void finishResets();
};

namespace {

// Feeds \a pieces one by one, checking the model after each; returns all HTML.
QString streamChecked(const QStringList &pieces, bool *ok)
{
    Rill::MarkdownStream md;
    QString taken;
    QString fed;
    *ok = false;
    for (const QString &piece : pieces) {
        md.feed(piece);
        fed += piece;
        taken += md.takeFinishedHtml();
        // A cut surrogate pair is held back until its second half arrives.
        QString model = fed;
        if (!model.isEmpty() && model.back().isHighSurrogate())
            model.chop(1);
        const QString expected = Rill::renderMarkdown(model);
        if (taken + md.tailHtml() != expected) {
            qWarning().noquote() << "after" << fed.size() << "chars" << Qt::endl
                                 << "streamed:" << (taken + u"|TAIL|"_s + md.tailHtml()) << Qt::endl
                                 << "expected:" << expected;
            return {};
        }
    }
    *ok = true;
    return taken + md.finish();
}

} // namespace

void TstMarkdownStream::equivalence_data()
{
    QTest::addColumn<QString>("document");
    QTest::addColumn<int>("maxPiece");
    QTest::addColumn<quint32>("seed");
    const QStringList docs = MarkdownDocs::handWritten();
    for (int i = 0; i < docs.size(); ++i) {
        for (int maxPiece : {1, 3, 8, 40}) {
            QTest::addRow("doc %d, pieces up to %d", i, maxPiece) << docs.at(i) << maxPiece << quint32(i * 100 + maxPiece);
        }
    }
    // Found by fuzz_markdown: a '\r' alone ends a line for md4c, so the
    // fence after it interrupted the paragraph and stayed open to the end,
    // while the stream, splitting at '\n' only, finished the paragraph's block.
    const QStringList bareCr = {
        u"[link\r````md\n\xff](https://x)\n\n![img](data:x)\n"_s,
        u"a\r\rb\r\r```\rcode\r\rmore\r```\rafter\r"_s,
        u"- a\r- b\r\r  c\r\rd\r\n\r\ne\r"_s,
        u"para\r    not code\r\r    code\r\rend"_s,
    };
    for (int i = 0; i < bareCr.size(); ++i) {
        for (int maxPiece : {1, 2, 5})
            QTest::addRow("bare CR %d, pieces up to %d", i, maxPiece) << bareCr.at(i) << maxPiece << quint32(7000 + i * 10 + maxPiece);
    }
    // Found by fuzz_markdown: where md4c parses a block differently after
    // other blocks than on its own. It lets a fence interrupt a paragraph
    // at any indentation, where alone the line is indented code; ...
    const QStringList md4cQuirks = {
        u"m ```\nxx em\n\n x more\n    ```\n\nout\n"_s,
        u"para\n      ~~~\ncode\n\nmore\n   ~~~\nafter\n\nend"_s,
        u"# h\n    ```\n\n    code\n\ntext\n"_s,
        u"\tm ```\npara after code\n    ```\n\nout\nmore\r\n"_s,
        u"    code\n    ```\n    more code\n\nafter\n"_s,
        // ... and it put b in the list only when the list was not the
        // document's first block (so not when the stream rendered it).
        u"texxt\n  n para\n\n  - item  not code\n\n  \n\t#after\n"_s,
        // ... and x only when one (ordered) or two (bullet) blank lines
        // did not come first in the document.
        u"n\n\n3. ~\n\n\n   \x9a"_s,
        u"p\n\n- ~\n\n\n  x\n"_s,
        u"p\n\n\n- a\n\n\n\n  x\nq"_s,
        // ... and "```" with a tab after it does not close a fence.
        u"`\n```\n```\t\n\n"_s,
        u"```\nx\n```\t\nafter\n\n"_s,
    };
    for (int i = 0; i < md4cQuirks.size(); ++i) {
        for (int maxPiece : {1, 4, 9})
            QTest::addRow("md4c quirk %d, pieces up to %d", i, maxPiece) << md4cQuirks.at(i) << maxPiece << quint32(8000 + i * 10 + maxPiece);
    }
    QRandomGenerator random(20240601);
    for (int i = 0; i < 300; ++i)
        QTest::addRow("random doc %d", i) << MarkdownDocs::randomDocument(random) << 1 + int(random.bounded(12)) << random.generate();
}

void TstMarkdownStream::equivalence()
{
    QFETCH(QString, document);
    QFETCH(int, maxPiece);
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    const QString whole = Rill::renderMarkdown(document);
    for (int split = 0; split < 5; ++split) {
        bool ok = false;
        const QString streamed = streamChecked(MarkdownDocs::randomSplit(document, random, maxPiece), &ok);
        QVERIFY2(ok, qPrintable(u"split %1 of %2"_s.arg(split).arg(document)));
        QCOMPARE(streamed, whole);
    }
}

void TstMarkdownStream::finishedOnceInOrder_data()
{
    QTest::addColumn<QString>("document");
    QTest::addColumn<QStringList>("blocks"); // HTML of each finished block, in order
    QTest::addColumn<QString>("tail"); // what stays open at the end

    QTest::newRow("paragraphs: the next line's first character finishes a block")
            << u"a\n\nb\n\nc"_s << QStringList{u"<p>a</p>\n"_s, u"<p>b</p>\n"_s} << u"<p>c</p>\n"_s;
    QTest::newRow("a fence in a table is a row")
            << u"| a | b |\n|---|---|\n| 1 | 2 |\n```\n\nc"_s
            << QStringList{u"<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n<tr>\n<td>```</td>\n<td></td>\n</tr>\n</tbody>\n</table>\n"_s}
            << u"<p>c</p>\n"_s;
    QTest::newRow("a paragraph is finished by the next line only")
            << u"a\n\n"_s << QStringList{} << u"<p>a</p>\n"_s;
    QTest::newRow("fence finished by its closing line")
            << u"```py\nx\n\ny\n```\n"_s << QStringList{u"<pre><code class=\"language-py\">x\n\ny\n</code></pre>\n"_s} << QString();
    QTest::newRow("fence interrupting a paragraph")
            << u"Code:\n```c\nx\n```\nafter"_s
            << QStringList{u"<p>Code:</p>\n"_s, u"<pre><code class=\"language-c\">x\n</code></pre>\n"_s} << u"<p>after</p>\n"_s;
    QTest::newRow("loose list is one block")
            << u"- a\n\n- b\n\nend\n"_s << QStringList{u"<ul>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ul>\n"_s}
            << u"<p>end</p>\n"_s;
    QTest::newRow("separate quotes") << u"> a\n\n> b\n\nc"_s
                                     << QStringList{u"<blockquote>\n<p>a</p>\n</blockquote>\n"_s, u"<blockquote>\n<p>b</p>\n</blockquote>\n"_s}
                                     << u"<p>c</p>\n"_s;
    QTest::newRow("indented code keeps its blank lines")
            << u"    a\n\n    b\n\nc\n"_s << QStringList{u"<pre><code>a\n\nb\n</code></pre>\n"_s} << u"<p>c</p>\n"_s;
    QTest::newRow("a '\\r' alone ends a line") << u"a\r\rb\r\rc"_s
                                            << QStringList{u"<p>a</p>\n"_s, u"<p>b</p>\n"_s} << u"<p>c</p>\n"_s;
    QTest::newRow("code in a list item keeps its blank lines")
            << u"1. x\n   ```\n   a\n\n   b\n   ```\n\nc\n"_s
            << QStringList{u"<ol>\n<li>x<pre><code>a\n\nb\n</code></pre>\n</li>\n</ol>\n"_s} << u"<p>c</p>\n"_s;
}

void TstMarkdownStream::finishedOnceInOrder()
{
    QFETCH(QString, document);
    QFETCH(QStringList, blocks);
    QFETCH(QString, tail);
    // Character by character: each block must come out once, when finished.
    Rill::MarkdownStream md;
    QStringList emitted;
    for (QChar c : document) {
        md.feed(QStringView(&c, 1));
        if (QString html = md.takeFinishedHtml(); !html.isEmpty())
            emitted.append(html);
    }
    QCOMPARE(emitted, blocks);
    QCOMPARE(md.finishedBlockCount(), blocks.size());
    QCOMPARE(md.tailHtml(), tail);
}

void TstMarkdownStream::tailStaysSmall()
{
    // 200 paragraphs and code blocks: the open part never holds more than
    // the block being written plus the line after it.
    Rill::MarkdownStream md;
    qsizetype longest = 0;
    for (int i = 0; i < 200; ++i) {
        const QString part = i % 2 ? u"Paragraph %1 with some words.\n\n"_s.arg(i) : u"```cpp\nint x%1;\n\nint y;\n```\n"_s.arg(i);
        for (QChar c : part) {
            md.feed(QStringView(&c, 1));
            longest = qMax(longest, md.tailMarkdown().size());
        }
    }
    QCOMPARE(md.finishedBlockCount(), 199);
    QVERIFY2(longest < 80, qPrintable(QString::number(longest)));
}

void TstMarkdownStream::surrogatePairCut()
{
    Rill::MarkdownStream md;
    const QString rocket = u"\U0001F680"_s;
    md.feed(QStringView(rocket).first(1));
    QCOMPARE(md.tailHtml(), QString());
    md.feed(QStringView(rocket).sliced(1));
    QCOMPARE(md.tailHtml(), u"<p>\U0001F680</p>\n"_s);
}

void TstMarkdownStream::finishResets()
{
    Rill::MarkdownStream md;
    md.feed(u"a\n\nb"_s);
    QCOMPARE(md.finish(), u"<p>a</p>\n<p>b</p>\n"_s);
    QCOMPARE(md.finishedBlockCount(), 0);
    QCOMPARE(md.tailHtml(), QString());
    QCOMPARE(md.finish(), QString());
    md.feed(u"c"_s);
    QCOMPARE(md.finish(), u"<p>c</p>\n"_s);
}

RILL_TEST_CLASS(TstMarkdownStream)
#include "tst_markdownstream.moc"
