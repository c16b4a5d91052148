#include <rill/markdownstream.h>

#include "markdown_p.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace Rill {
namespace {

struct Fence
{
    char marker = 0;
    qsizetype length = 0;
};

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

// Leading whitespace in columns (tabs to the next multiple of 4, as
// CommonMark counts them) and the offset of the first other character.
int indentOf(QByteArrayView line, qsizetype *pos)
{
    int columns = 0;
    qsizetype i = 0;
    for (; i < line.size() && (line[i] == ' ' || line[i] == '\t'); ++i)
        columns = line[i] == '\t' ? (columns / 4 + 1) * 4 : columns + 1;
    *pos = i;
    return columns;
}

bool isBlank(QByteArrayView line)
{
    for (char c : line) {
        if (!isSpace(c))
            return false;
    }
    return true;
}

std::optional<Fence> fenceOpener(QByteArrayView line, int maxIndent)
{
    qsizetype i = 0;
    if (indentOf(line, &i) > maxIndent || i >= line.size() || (line[i] != '`' && line[i] != '~'))
        return std::nullopt;
    const char marker = line[i];
    qsizetype run = 0;
    while (i + run < line.size() && line[i + run] == marker)
        ++run;
    if (run < 3)
        return std::nullopt;
    // A backtick fence's info string may not hold a backtick: "``` a`b" is inline code.
    if (marker == '`' && line.sliced(i + run).contains('`'))
        return std::nullopt;
    return Fence{marker, run};
}

bool closesFence(QByteArrayView line, Fence fence, int maxIndent)
{
    qsizetype i = 0;
    if (indentOf(line, &i) > maxIndent)
        return false;
    qsizetype run = 0;
    while (i + run < line.size() && line[i + run] == fence.marker)
        ++run;
    // Only spaces may follow (and the '\r' of a "\r\n"): md4c 0.4.8 does not
    // close a fence on "```\t" (found by fuzz_markdown).
    const QByteArrayView rest = line.sliced(i + run);
    return run >= fence.length && std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\r'; });
}

// Length of a list item marker at the start of \a s ("- ", "12) ", "*" at
// the end of the line), or 0.
qsizetype listMarker(QByteArrayView s)
{
    qsizetype i = 0;
    if (!s.isEmpty() && (s[0] == '-' || s[0] == '+' || s[0] == '*')) {
        i = 1;
    } else {
        while (i < s.size() && i < 9 && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == 0 || i >= s.size() || (s[i] != '.' && s[i] != ')'))
            return 0;
        ++i;
    }
    if (i < s.size() && !isSpace(s[i]))
        return 0;
    return i;
}

// The line without leading whitespace and block quote markers: where a fence
// or list item nested in quotes starts.
QByteArrayView withoutQuotes(QByteArrayView line)
{
    qsizetype i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '>'))
        ++i;
    return line.sliced(i);
}

enum class Block {
    None, // only blank lines so far
    Fence, // opened by a fence, finished by its closing fence
    IndentedCode,
    Other, // paragraph, heading, table, quote, thematic break: a blank line ends them
};

} // namespace

struct MarkdownStream::Private
{
    // Only the open part: finished blocks are rendered and dropped, so
    // nothing per token touches them again.
    QByteArray source;
    qsizetype scanPos = 0; // start of the first line not classified yet
    qsizetype searchPos = 0; // where the search for its '\n' resumes
    char16_t pendingHighSurrogate = 0;

    Block block = Block::None;
    bool hasList = false;
    bool mayHaveIndentedCode = false; // a line indented 4+: after a heading or rule it is code
    bool blankSeen = false; // a blank line after the open block's last line
    Fence fence; // the Block::Fence's fence
    std::optional<Fence> listFence; // a fence open inside the list

    QString finishedHtml;
    int finishedBlocks = 0;
    mutable QString tail;
    mutable bool tailValid = true;

    void scan();
    void classify(qsizetype start, qsizetype end);
    void startBlock(QByteArrayView line);
    bool md4cOpensFenceAt(qsizetype lineEnd) const;
    void finishEarly();
    void trackListFence(QByteArrayView line);
    void finishBefore(qsizetype pos);
    void reset();
};

void MarkdownStream::Private::scan()
{
    // A line ends at '\n', "\r\n" or a '\r' alone, as md4c (and CommonMark)
    // has it; a '\r' last in the source waits for the next character.
    for (;;) {
        // Read each time: classify() may drop finished text from the front.
        const char *data = source.constData();
        const qsizetype size = source.size();
        qsizetype end = searchPos;
        while (end < size && data[end] != '\n' && data[end] != '\r')
            ++end;
        if (end < size && data[end] == '\r') {
            if (end + 1 >= size) {
                searchPos = end;
                return;
            }
            if (data[end + 1] == '\n')
                ++end; // "\r\n": the '\n' ends the line, the '\r' is part of it
        }
        if (end >= size) {
            searchPos = size;
            return;
        }
        const qsizetype start = scanPos;
        scanPos = searchPos = end + 1;
        classify(start, end);
    }
}

// A blank line and then the first characters of a line that cannot continue
// the open block: that block is finished already, before the line is.
void MarkdownStream::Private::finishEarly()
{
    if (!blankSeen || listFence || block == Block::None || block == Block::Fence)
        return;
    const QByteArrayView partial = QByteArrayView(source).sliced(scanPos);
    if (isBlank(partial))
        return;
    if (hasList) // whether the line continues the list needs more of it ("1" may become "1. x")
        return;
    qsizetype firstChar = 0;
    if ((block == Block::IndentedCode || mayHaveIndentedCode) && indentOf(partial, &firstChar) >= 4)
        return;
    finishBefore(scanPos);
    block = Block::None;
    blankSeen = false;
}

bool MarkdownStream::Private::md4cOpensFenceAt(qsizetype lineEnd) const
{
    // Whether a fence line really opens a fence is md4c's call: in a table it
    // is a row. Asked once per fence line: an opened fence renders last and
    // empty.
    const QByteArray html = MarkdownDetail::renderUtf8(QByteArrayView(source).first(lineEnd + 1));
    return html.endsWith("></code></pre>\n");
}

void MarkdownStream::Private::finishBefore(qsizetype pos)
{
    if (pos <= 0)
        return;
    finishedHtml += QString::fromUtf8(MarkdownDetail::renderUtf8(QByteArrayView(source).first(pos)));
    ++finishedBlocks;
    source.remove(0, pos);
    scanPos -= pos;
    searchPos -= pos;
    tailValid = false;
}

void MarkdownStream::Private::startBlock(QByteArrayView line)
{
    blankSeen = false;
    listFence.reset();
    hasList = listMarker(withoutQuotes(line)) > 0;
    qsizetype firstChar = 0;
    mayHaveIndentedCode = indentOf(line, &firstChar) >= 4;
    if (const auto f = fenceOpener(line, 3)) {
        block = Block::Fence;
        fence = *f;
    } else if (indentOf(line, &firstChar) >= 4) {
        block = Block::IndentedCode;
    } else {
        block = Block::Other;
    }
    if (hasList)
        trackListFence(line);
}

void MarkdownStream::Private::trackListFence(QByteArrayView line)
{
    // Liberal on purpose ("- ```" too): a fence seen where there is none
    // only delays finishing, one missed could split a code block.
    const QByteArrayView inner = withoutQuotes(line);
    const QByteArrayView afterMarker = withoutQuotes(inner.sliced(listMarker(inner)));
    if (const auto f = fenceOpener(afterMarker, 1000))
        listFence = *f;
}

void MarkdownStream::Private::classify(qsizetype start, qsizetype end)
{
    // Copied: finishBefore() moves the bytes the view would point at.
    const QByteArray line = source.sliced(start, end - start);

    if (block == Block::Fence) {
        if (closesFence(line, fence, 3)) {
            finishBefore(start + line.size() + 1);
            block = Block::None;
        }
        return;
    }
    if (listFence) { // blank lines inside a list item's code never end the list
        if (closesFence(withoutQuotes(line), *listFence, 1000))
            listFence.reset();
        return;
    }
    if (isBlank(line)) {
        if (block != Block::None)
            blankSeen = true;
        return;
    }
    if (block == Block::None) {
        startBlock(line);
        return;
    }

    qsizetype firstChar = 0;
    const int indent = indentOf(line, &firstChar);
    if (blankSeen) {
        const bool continues = (hasList && (indent > 0 || listMarker(line.sliced(firstChar)) > 0))
                || ((block == Block::IndentedCode || mayHaveIndentedCode) && indent >= 4);
        if (!continues) {
            finishBefore(start);
            startBlock(line);
            return;
        }
        blankSeen = false;
    }

    if (indent >= 4) {
        // md4c lets a fence interrupt a paragraph however deeply it is
        // indented, where alone the line would be indented code: the block
        // is not split there but goes on as a fence, to its closing line.
        // (The paragraph may have ended indented code without a blank line,
        // so md4c is asked in an indented code block too.)
        if (!hasList) {
            if (const auto f = fenceOpener(line, std::numeric_limits<int>::max()); f && md4cOpensFenceAt(end)) {
                block = Block::Fence;
                fence = *f;
                return;
            }
        }
        mayHaveIndentedCode = true;
    }
    if (!hasList && fenceOpener(line, 3) && md4cOpensFenceAt(end)) {
        // A fence ends a paragraph, quote or indented code without a blank
        // line, and the parts render the same apart as together.
        finishBefore(start);
        startBlock(line);
        return;
    }
    if (listMarker(withoutQuotes(line)) > 0)
        hasList = true;
    if (hasList && block != Block::IndentedCode)
        trackListFence(line);
}

void MarkdownStream::Private::reset()
{
    source.clear();
    scanPos = searchPos = 0;
    pendingHighSurrogate = 0;
    block = Block::None;
    hasList = blankSeen = mayHaveIndentedCode = false;
    listFence.reset();
    finishedHtml.clear();
    finishedBlocks = 0;
    tail.clear();
    tailValid = true;
}

MarkdownStream::MarkdownStream()
    : d(std::make_unique<Private>())
{
}

MarkdownStream::~MarkdownStream() = default;

void MarkdownStream::feed(QStringView text)
{
    if (text.isEmpty())
        return;
    // A surrogate pair cut between two tokens would otherwise become two
    // replacement characters.
    QString joined;
    if (d->pendingHighSurrogate) {
        joined = QChar(d->pendingHighSurrogate) + text;
        text = joined;
        d->pendingHighSurrogate = 0;
    }
    if (text.back().isHighSurrogate()) {
        d->pendingHighSurrogate = text.back().unicode();
        text.chop(1);
    }
    d->source += text.toUtf8();
    d->tailValid = false;
    d->scan();
    d->finishEarly();
}

QString MarkdownStream::takeFinishedHtml()
{
    return std::exchange(d->finishedHtml, QString());
}

QString MarkdownStream::tailHtml() const
{
    if (!d->tailValid) {
        d->tail = QString::fromUtf8(MarkdownDetail::renderUtf8(d->source));
        d->tailValid = true;
    }
    return d->tail;
}

QString MarkdownStream::finish()
{
    if (d->pendingHighSurrogate)
        d->source += QString(QChar(d->pendingHighSurrogate)).toUtf8();
    QString html = std::exchange(d->finishedHtml, QString());
    if (!d->source.isEmpty())
        html += QString::fromUtf8(MarkdownDetail::renderUtf8(d->source));
    d->reset();
    return html;
}

int MarkdownStream::finishedBlockCount() const
{
    return d->finishedBlocks;
}

QString MarkdownStream::tailMarkdown() const
{
    return QString::fromUtf8(d->source);
}

} // namespace Rill
