#include <rill/html.h>
#include <rill/markdown.h>

#include "markdown_p.h"

#include <md4c-html.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace Rill {
namespace {

// GitHub's dialect (tables, task lists, strikethrough, autolinks) and $…$ /
// $$…$$ math (written as <x-equation>, typeset by the client's math.js).
constexpr unsigned ParserFlags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML | MD_FLAG_LATEXMATHSPANS;

constexpr QByteArrayView LinkOpen = "<a href=\"";
constexpr QByteArrayView LinkClose = "</a>";
constexpr QByteArrayView ImageOpen = "<img src=\"";
constexpr QByteArrayView AltOpen = " alt=\"";

bool allowedUrl(QByteArrayView url)
{
    // Only what comes before the first '/', '?' or '#' can be a scheme; a URL
    // without ':' there is relative. Anything with a colon there must be one
    // of the allowed schemes exactly: md4c has percent-encoded controls and
    // spaces and decoded entities already, so "java%09script:" and
    // "&#106;avascript:" never reach here as javascript:, and a prefix that is
    // not a valid scheme is refused rather than left to the browser's parser.
    // An entity md4c did not write ("&#106;avascript:") would be decoded by
    // the browser: only &amp; is md4c's.
    for (qsizetype amp = url.indexOf('&'); amp >= 0; amp = url.indexOf('&', amp + 1)) {
        if (!url.sliced(amp).startsWith("&amp;"))
            return false;
    }
    qsizetype end = 0;
    while (end < url.size() && url[end] != '/' && url[end] != '?' && url[end] != '#')
        ++end;
    const qsizetype colon = url.first(end).indexOf(':');
    if (colon < 0)
        return true;
    const QByteArray scheme = url.first(colon).toByteArray().toLower();
    return scheme == "http" || scheme == "https" || scheme == "mailto";
}

// md4c-html has no URL hook, so its output is filtered instead. That is
// sound because with raw HTML off every literal '<' in it is a tag md4c wrote
// ('<' in text, code and attributes is always &lt;), and it writes links as
// <a href="..." ...> and images as <img src="..." alt="..." ...>, with '"' and
// '>' inside attribute values escaped. CommonMark links do not nest, but a
// stack keeps </a> matched to its <a> anyway.
QByteArray filterUrls(QByteArray html)
{
    if (!html.contains(LinkOpen) && !html.contains(ImageOpen))
        return html;
    QByteArray out;
    out.reserve(html.size());
    std::vector<bool> linkKept;
    qsizetype i = 0;
    const QByteArrayView all(html);
    while (i < all.size()) {
        const qsizetype lt = all.indexOf('<', i);
        if (lt < 0) {
            out += all.sliced(i);
            break;
        }
        out += all.sliced(i, lt - i);
        const QByteArrayView rest = all.sliced(lt);
        if (rest.startsWith(LinkOpen) || rest.startsWith(ImageOpen)) {
            const bool image = rest.startsWith(ImageOpen);
            const qsizetype valueStart = lt + (image ? ImageOpen.size() : LinkOpen.size());
            const qsizetype valueEnd = all.indexOf('"', valueStart);
            const qsizetype tagEnd = valueEnd < 0 ? -1 : all.indexOf('>', valueEnd);
            if (tagEnd < 0) { // not md4c's output; drop the rest rather than guess
                break;
            }
            const bool ok = allowedUrl(all.sliced(valueStart, valueEnd - valueStart));
            if (ok) {
                out += all.sliced(lt, tagEnd + 1 - lt);
            } else if (image) {
                // The alt text is already escaped, and escaped attribute text is valid element text.
                const QByteArrayView tag = all.sliced(valueEnd, tagEnd - valueEnd);
                const qsizetype alt = tag.indexOf(AltOpen);
                if (alt >= 0) {
                    const qsizetype altStart = alt + AltOpen.size();
                    const qsizetype altEnd = tag.indexOf('"', altStart);
                    if (altEnd > altStart)
                        out += tag.sliced(altStart, altEnd - altStart);
                }
            }
            if (!image)
                linkKept.push_back(ok);
            i = tagEnd + 1;
        } else if (rest.startsWith(LinkClose)) {
            const bool ok = linkKept.empty() || linkKept.back();
            if (!linkKept.empty())
                linkKept.pop_back();
            if (ok)
                out += LinkClose;
            i = lt + LinkClose.size();
        } else {
            out += '<';
            i = lt + 1;
        }
    }
    return out;
}

constexpr QByteArrayView MathOpen = "<x-equation>";
constexpr QByteArrayView MathClose = "</x-equation>";

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// md4c pairs any two $ of a paragraph, so prices become math: "costs $5 and
// $10" would typeset "5 and ". Inline math is kept only as Pandoc has it:
// no space just inside either $, and no digit right after the closing one;
// anything else goes back to the text it was, dollars included. ($$…$$ is
// kept as md4c found it.) Equations hold only text (escaped), never tags.
QByteArray revertLooseMath(QByteArray html)
{
    if (!html.contains(MathOpen))
        return html;
    QByteArray out;
    out.reserve(html.size());
    const QByteArrayView all(html);
    qsizetype i = 0;
    while (i < all.size()) {
        const qsizetype open = all.indexOf(MathOpen, i);
        const qsizetype close = open < 0 ? -1 : all.indexOf(MathClose, open);
        if (close < 0) {
            out += all.sliced(i);
            break;
        }
        const QByteArrayView tex = all.sliced(open + MathOpen.size(), close - open - MathOpen.size());
        const qsizetype after = close + MathClose.size();
        const bool digitAfter = after < all.size() && all[after] >= '0' && all[after] <= '9';
        const bool loose = tex.isEmpty() || isSpace(tex.front()) || isSpace(tex.back()) || digitAfter;
        out += all.sliced(i, open - i);
        if (loose) {
            out += '$';
            out += tex;
            out += '$';
        } else {
            out += all.sliced(open, after - open);
        }
        i = after;
    }
    return out;
}

void appendOutput(const MD_CHAR *text, MD_SIZE size, void *userdata)
{
    static_cast<QByteArray *>(userdata)->append(text, qsizetype(size));
}

} // namespace

namespace MarkdownDetail {

QByteArray renderUtf8(QByteArrayView markdown)
{
    // md4c (0.4.8) parses a list near the document's start differently
    // from the same list further down: "  - a\n\n  \n    b" leaves b out of
    // the item on the first line, "3. ~\n\n\n   x" leaves x out after one
    // leading blank line, "- ~\n\n\n  x" after two (found by fuzz_markdown).
    // Three blank lines first, which CommonMark ignores, make every block
    // render as it would after other blocks: in 176,835 random documents of
    // list, quote, code, fence and table lines, none rendered otherwise than
    // after a paragraph, a heading or a list (one or two lines: 46 and 119
    // did). MarkdownStream, which renders each block as a document of its
    // own, relies on that.
    QByteArray text;
    text.reserve(markdown.size() + 3);
    text.append("\n\n\n");
    text.append(markdown);
    QByteArray html;
    html.reserve(markdown.size() + markdown.size() / 4 + 16);
    if (md_html(text.constData(), MD_SIZE(text.size()), appendOutput, &html, ParserFlags, 0) != 0)
        return "<pre>" + escapeHtml(QString::fromUtf8(markdown)).toUtf8() + "</pre>\n";
    return revertLooseMath(filterUrls(std::move(html)));
}

} // namespace MarkdownDetail

QString renderMarkdown(QStringView markdown)
{
    return QString::fromUtf8(MarkdownDetail::renderUtf8(markdown.toUtf8()));
}

bool isAllowedMarkdownUrl(QStringView url)
{
    return allowedUrl(url.toUtf8());
}

} // namespace Rill
