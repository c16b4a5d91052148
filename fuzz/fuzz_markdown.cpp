// fuzz_markdown: renders the input as Markdown (rill-chat renders an LLM's
// answer, untrusted text, this way), whole and streamed through
// MarkdownStream in chunks whose sizes come from the input's first bytes.
//
// Beyond the sanitizers it checks what the renderer promises:
// - only markup md4c writes comes out (raw HTML is text), and every link
//   and image URL is one isAllowedMarkdownUrl() accepts;
// - the stream's model: the HTML taken so far plus tailHtml() equals
//   renderMarkdown() of everything fed so far, after every chunk (for
//   short inputs; long ones at the end only), and everything taken plus
//   finish() equals the whole text rendered at once. Exempt, as documented
//   in markdownstream.h: inputs with a link reference definition, and
//   inputs with a fence inside a list (one never closed there is ended by
//   md4c with the list, which the stream does not model).

#include <rill/markdown.h>
#include <rill/markdownstream.h>

#include <QByteArray>
#include <QRegularExpression>
#include <QSet>
#include <QString>

#include <cstdio>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace {

[[noreturn]] void fail(const char *what, const QString &detail)
{
    std::fprintf(stderr, "fuzz_markdown: %s: %s\n", what, qPrintable(detail.left(4000)));
    std::abort();
}

// Every tag in md4c's HTML (GitHub dialect, raw HTML off, $ math) is one of
// these; an equation holds only text (Rill's math check relies on it).
void checkMarkup(const QString &html)
{
    static const QSet<QString> tags = {
        u"p"_s, u"a"_s, u"img"_s, u"em"_s, u"strong"_s, u"code"_s, u"pre"_s, u"ul"_s, u"ol"_s, u"li"_s,
        u"h1"_s, u"h2"_s, u"h3"_s, u"h4"_s, u"h5"_s, u"h6"_s, u"blockquote"_s, u"table"_s, u"thead"_s,
        u"tbody"_s, u"tr"_s, u"th"_s, u"td"_s, u"del"_s, u"hr"_s, u"br"_s, u"input"_s, u"x-equation"_s,
    };
    for (qsizetype i = html.indexOf(u'<'); i >= 0; i = html.indexOf(u'<', i + 1)) {
        qsizetype j = i + 1;
        if (j < html.size() && html.at(j) == u'/')
            ++j;
        const qsizetype nameStart = j;
        while (j < html.size() && (html.at(j).isLetterOrNumber() || html.at(j) == u'-'))
            ++j;
        const QString name = html.mid(nameStart, j - nameStart);
        if (!tags.contains(name))
            fail("unexpected markup", html.mid(i, 80));
        const qsizetype end = html.indexOf(u'>', j);
        if (end < 0)
            fail("unclosed tag", html.mid(i, 80));
        if (name == u"x-equation" && html.at(nameStart - 1) != u'/') {
            const qsizetype close = html.indexOf(u"</x-equation>"_s, end);
            if (close < 0 || html.indexOf(u'<', end) != close)
                fail("markup inside an equation", html.mid(i, 120));
        }
        const QString tag = html.mid(i, end - i);
        for (const QString &attr : {u" href=\""_s, u" src=\""_s}) {
            const qsizetype a = tag.indexOf(attr);
            if (a < 0)
                continue;
            const qsizetype vs = a + attr.size();
            const qsizetype ve = tag.indexOf(u'"', vs);
            if (ve < 0)
                fail("unterminated attribute", tag);
            if (!Rill::isAllowedMarkdownUrl(QStringView(tag).mid(vs, ve - vs)))
                fail("URL that should have been dropped", tag);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The first two bytes choose the chunk sizes; the rest is the document.
    const quint8 seed = size > 0 ? data[0] : 0;
    const quint8 maxChunk = size > 1 ? quint8(data[1] % 64 + 1) : 1;
    const QString doc = size > 2 ? QString::fromUtf8(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2)) : QString();

    const QString whole = Rill::renderMarkdown(doc);
    checkMarkup(whole);

    static const QRegularExpression listItem(u"^[ \\t>]*([-+*]|[0-9]{1,9}[.)])([ \\t]|$)"_s,
                                             QRegularExpression::MultilineOption);
    static const QRegularExpression fence(u"^[ \\t>]*(([-+*]|[0-9]{1,9}[.)])[ \\t]+)*(```|~~~)"_s,
                                          QRegularExpression::MultilineOption);
    QString lines = doc; // '\r' ends a line too, which '^' does not know
    lines.replace(u"\r\n"_s, u"\n"_s).replace(u'\r', u'\n');
    const bool exempt = doc.contains(u"]:"_s) || (lines.contains(listItem) && lines.contains(fence));
    const bool checkEachChunk = doc.size() <= 2000;
    Rill::MarkdownStream md;
    QString taken;
    QString fed;
    quint32 state = seed * 2654435761u + 1;
    for (qsizetype pos = 0; pos < doc.size();) {
        state = state * 1103515245u + 12345u;
        const qsizetype n = qMin<qsizetype>(1 + (state >> 16) % maxChunk, doc.size() - pos);
        const QStringView piece = QStringView(doc).mid(pos, n);
        md.feed(piece);
        fed += piece;
        pos += n;
        taken += md.takeFinishedHtml();
        if (checkEachChunk && !exempt) {
            QString model = fed;
            if (!model.isEmpty() && model.back().isHighSurrogate())
                model.chop(1); // held back until its other half comes
            const QString tail = md.tailHtml();
            if (taken + tail != Rill::renderMarkdown(model))
                fail("stream differs from the whole after a chunk",
                     u"fed %1 chars; streamed: %2|TAIL|%3\nexpected: %4"_s.arg(fed.size()).arg(taken, tail,
                                                                                      Rill::renderMarkdown(model)));
        }
    }
    const QString streamed = taken + md.finish();
    if (!exempt && streamed != whole)
        fail("stream differs from the whole at the end", u"streamed: %1\nexpected: %2"_s.arg(streamed, whole));
    checkMarkup(streamed);
    return 0;
}
