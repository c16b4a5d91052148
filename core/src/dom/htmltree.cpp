#include "htmltree_p.h"

#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

bool isSpace(QChar c)
{
    const char16_t u = c.unicode();
    return u == ' ' || u == '\t' || u == '\n' || u == '\r' || u == '\f';
}

bool isAsciiAlpha(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
}

QString lowerAscii(QStringView s)
{
    QString out(s.size(), Qt::Uninitialized);
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t u = s[i].unicode();
        out[i] = QChar(u >= 'A' && u <= 'Z' ? char16_t(u + 32) : u);
    }
    return out;
}

// Views of literals: their lengths are known at compile time (a
// const char16_t * would be measured at every comparison).
bool oneOf(QStringView tag, std::initializer_list<QStringView> names)
{
    for (QStringView n : names)
        if (tag == n)
            return true;
    return false;
}

bool isVoid(QStringView t)
{
    return oneOf(t, {u"area", u"base", u"br", u"col", u"embed", u"hr", u"img", u"input", u"link", u"meta",
                     u"param", u"source", u"track", u"wbr"});
}

// Elements whose content the tokenizer reads as raw text up to their end tag.
bool isRawText(QStringView t)
{
    return oneOf(t, {u"script", u"style", u"xmp", u"iframe", u"noembed", u"noframes", u"textarea", u"title"});
}

// Elements whose inside the browser parses by rules not modelled here.
bool isAtomic(QStringView t)
{
    return oneOf(t, {u"select", u"template", u"svg", u"math"});
}

// Start tags that close an open <p> (HTML's "close a p element").
bool closesP(QStringView t)
{
    return oneOf(t, {u"address", u"article", u"aside", u"blockquote", u"center", u"details", u"dialog", u"dir",
                     u"div", u"dl", u"fieldset", u"figcaption", u"figure", u"footer", u"form", u"h1", u"h2",
                     u"h3", u"h4", u"h5", u"h6", u"header", u"hgroup", u"hr", u"main", u"menu", u"nav", u"ol",
                     u"p", u"pre", u"section", u"summary", u"table", u"ul", u"li", u"dd", u"dt", u"listing",
                     u"xmp", u"search"});
}

bool isHeading(QStringView t)
{
    return oneOf(t, {u"h1", u"h2", u"h3", u"h4", u"h5", u"h6"});
}

bool isFormatting(QStringView t)
{
    return oneOf(t, {u"a", u"b", u"big", u"code", u"em", u"font", u"i", u"nobr", u"s", u"small", u"strike",
                     u"strong", u"tt", u"u"});
}

// FNV-1a, 64 bits, over UTF-16 code units.
struct Hasher
{
    quint64 h = 1469598103934665603ULL;
    void add(QStringView s)
    {
        for (QChar c : s) {
            h ^= c.unicode();
            h *= 1099511628211ULL;
        }
        h ^= 0xff; // separator
        h *= 1099511628211ULL;
    }
    void add(quint64 v)
    {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (i * 8)) & 0xff;
            h *= 1099511628211ULL;
        }
    }
};

} // namespace

// Builds the tree: a tokenizer over the source and HTML's tree-construction
// rules for what templates commonly write.
class HtmlTreeBuilder
{
public:
    explicit HtmlTreeBuilder(HtmlTree &tree) : t(tree), src(tree.m_source) {}

    void run()
    {
        HtmlTree::Node root;
        root.tag = u"#root"_s;
        root.start = 0;
        root.end = src.size();
        root.innerStart = 0;
        root.innerEnd = src.size();
        t.m_nodes.push_back(root);
        stack.push_back(0);
        qsizetype i = 0;
        const qsizetype n = src.size();
        while (i < n) {
            if (src[i] == u'<' && i + 1 < n) {
                const QChar c = src[i + 1];
                if (c == u'!' || c == u'?') {
                    i = markup(i);
                    continue;
                }
                if (c == u'/' && i + 2 < n && isAsciiAlpha(src[i + 2])) {
                    i = endTag(i);
                    continue;
                }
                if (isAsciiAlpha(c)) {
                    i = startTag(i);
                    continue;
                }
            }
            // Text up to the next tag-like '<'.
            qsizetype j = i + 1;
            while (j < n) {
                j = src.indexOf(u'<', j);
                if (j < 0) {
                    j = n;
                    break;
                }
                if (j + 1 < n && (isAsciiAlpha(src[j + 1]) || src[j + 1] == u'!' || src[j + 1] == u'?'
                                  || (src[j + 1] == u'/' && j + 2 < n && isAsciiAlpha(src[j + 2]))))
                    break;
                ++j;
            }
            text(i, j);
            i = j;
        }
        while (stack.size() > 1)
            pop(n);
        finish(0, n);
    }

private:
    int current() const { return stack.back(); }
    HtmlTree::Node &node(int i) { return t.m_nodes[size_t(i)]; }

    int append(HtmlTree::Node n)
    {
        const int parent = current();
        n.parent = parent;
        const int index = int(t.m_nodes.size());
        t.m_nodes.push_back(std::move(n));
        HtmlTree::Node &p = node(parent);
        if (p.lastChild >= 0) {
            node(p.lastChild).next = index;
            node(index).prev = p.lastChild;
        } else {
            p.firstChild = index;
        }
        node(parent).lastChild = index;
        return index;
    }

    // The node is complete: its end, and its hash from its children.
    void finish(int i, qsizetype end)
    {
        HtmlTree::Node &n = node(i);
        if (n.kind == HtmlTree::Kind::Element) {
            n.end = std::max(n.end, end);
            if (n.innerEnd < n.innerStart)
                n.innerEnd = end;
        }
        Hasher h;
        h.add(quint64(n.kind));
        if (n.kind != HtmlTree::Kind::Element) {
            h.add(QStringView(src).sliced(n.innerStart, n.innerEnd - n.innerStart));
        } else if (n.atomic) {
            h.add(QStringView(src).sliced(n.start, n.end - n.start));
        } else {
            h.add(n.tag);
            for (int a = n.attrBegin; a < n.attrEnd; ++a) {
                h.add(t.m_attrs[size_t(a)].name);
                h.add(QStringView(src).sliced(t.m_attrs[size_t(a)].valueStart, t.m_attrs[size_t(a)].valueLength));
            }
            for (int c = n.firstChild; c >= 0; c = node(c).next)
                h.add(node(c).hash);
        }
        n.hash = h.h;
    }

    void pop(qsizetype end)
    {
        const int i = current();
        stack.pop_back();
        finish(i, end);
    }

    bool inStack(QStringView tag, std::initializer_list<QStringView> stopAt = {}) const
    {
        for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
            const QString &name = t.m_nodes[size_t(*it)].tag;
            if (name == tag)
                return true;
            for (QStringView s : stopAt)
                if (name == s)
                    return false;
        }
        return false;
    }

    void popThrough(QStringView tag, qsizetype end)
    {
        while (stack.size() > 1) {
            const bool last = node(current()).tag == tag;
            pop(end);
            if (last)
                return;
        }
    }

    // An element whose children the browser builds by rules not modelled
    // here: compared and replaced whole.
    void markAtomic(size_t depth)
    {
        if (depth == 0)
            t.m_inexact = true; // the view root itself: no patching
        else
            node(stack[depth]).atomic = true;
    }
    void markInexact() { markAtomic(stack.size() - 1); }
    // Content the browser moves out of a table, before it: the table's
    // parent's children are not what the source says.
    void markFostered()
    {
        for (size_t d = stack.size(); d-- > 1;)
            if (node(stack[d]).tag == u"table"_s) {
                markAtomic(d - 1);
                return;
            }
        markInexact();
    }
    // Misnested formatting elements: the browser's adoption agency may
    // split and clone them inside the block around them.
    void markRestructured()
    {
        size_t d = stack.size() - 1;
        while (d > 0 && isFormatting(node(stack[d]).tag))
            --d;
        markAtomic(d);
    }

    void text(qsizetype from, qsizetype to)
    {
        if (from >= to)
            return;
        const QString &cur = node(current()).tag;
        if (oneOf(cur, {u"table", u"tbody", u"thead", u"tfoot", u"tr"})) {
            // Whitespace stays where it is; anything else the browser moves
            // out of the table ("foster parenting").
            for (qsizetype k = from; k < to; ++k)
                if (!isSpace(src[k])) {
                    markFostered();
                    break;
                }
        }
        HtmlTree::Node n;
        n.kind = HtmlTree::Kind::Text;
        n.start = n.innerStart = from;
        n.end = n.innerEnd = to;
        finish(append(std::move(n)), to);
    }

    qsizetype markup(qsizetype i)
    {
        const qsizetype n = src.size();
        if (QStringView(src).sliced(i).startsWith(u"<!--")) {
            qsizetype end = src.indexOf(u"-->", i + 4);
            // "<!-->" and "<!--->" close at once, as in the browser.
            if (QStringView(src).sliced(i).startsWith(u"<!-->"))
                end = i + 2;
            else if (QStringView(src).sliced(i).startsWith(u"<!--->"))
                end = i + 3;
            const qsizetype close = end < 0 ? n : end + 3;
            HtmlTree::Node c;
            c.kind = HtmlTree::Kind::Comment;
            c.start = i;
            c.end = close;
            c.innerStart = std::min(i + 4, close);
            c.innerEnd = end < 0 ? n : std::max(c.innerStart, end);
            finish(append(std::move(c)), close);
            return close;
        }
        // <!DOCTYPE ...> in a body is ignored; other <!...> and <?...> are
        // bogus comments up to the next '>'.
        qsizetype gt = src.indexOf(u'>', i + 2);
        const qsizetype close = gt < 0 ? n : gt + 1;
        if (QStringView(src).sliced(i + 2, std::min<qsizetype>(7, n - i - 2)).compare(u"doctype", Qt::CaseInsensitive) == 0)
            return close;
        HtmlTree::Node c;
        c.kind = HtmlTree::Kind::Comment;
        c.start = i;
        c.end = close;
        c.innerStart = i + (src[i + 1] == u'?' ? 1 : 2);
        c.innerEnd = gt < 0 ? n : gt;
        finish(append(std::move(c)), close);
        return close;
    }

    // Reads a tag's name and attributes from \a i (at '<' or "</").
    // Returns the index after '>' (or the end), and sets selfClosing.
    qsizetype readTag(qsizetype i, QString *name, std::vector<HtmlTree::Attribute> *attrs, bool *selfClosing)
    {
        const qsizetype n = src.size();
        qsizetype j = i + 1;
        if (src[j] == u'/')
            ++j;
        const qsizetype nameStart = j;
        while (j < n && !isSpace(src[j]) && src[j] != u'/' && src[j] != u'>')
            ++j;
        *name = lowerAscii(QStringView(src).sliced(nameStart, j - nameStart));
        *selfClosing = false;
        const size_t firstAttr = attrs ? attrs->size() : 0;
        while (j < n) {
            while (j < n && (isSpace(src[j]) || src[j] == u'/')) {
                if (src[j] == u'/' && j + 1 < n && src[j + 1] == u'>')
                    *selfClosing = true;
                ++j;
            }
            if (j >= n || src[j] == u'>')
                break;
            const qsizetype attrStart = j;
            ++j; // a name's first character may be '='
            while (j < n && !isSpace(src[j]) && src[j] != u'/' && src[j] != u'>' && src[j] != u'=')
                ++j;
            QString attr = lowerAscii(QStringView(src).sliced(attrStart, j - attrStart));
            while (j < n && isSpace(src[j]))
                ++j;
            qsizetype valueStart = j;
            qsizetype valueLength = 0;
            if (j < n && src[j] == u'=') {
                ++j;
                while (j < n && isSpace(src[j]))
                    ++j;
                if (j < n && (src[j] == u'"' || src[j] == u'\'')) {
                    const QChar quote = src[j];
                    valueStart = j + 1;
                    qsizetype close = src.indexOf(quote, valueStart);
                    if (close < 0)
                        close = n;
                    valueLength = close - valueStart;
                    j = std::min(close + 1, n);
                } else {
                    valueStart = j;
                    while (j < n && !isSpace(src[j]) && src[j] != u'>')
                        ++j;
                    valueLength = j - valueStart;
                }
            }
            // The first of a repeated attribute wins (tags have few: a scan).
            if (attrs && std::none_of(attrs->begin() + qsizetype(firstAttr), attrs->end(),
                                      [&](const HtmlTree::Attribute &a) { return a.name == attr; }))
                attrs->push_back(HtmlTree::Attribute{std::move(attr), valueStart, valueLength});
        }
        return j < n ? j + 1 : n;
    }

    qsizetype startTag(qsizetype i)
    {
        QString tag;
        std::vector<HtmlTree::Attribute> attrs;
        bool selfClosing = false;
        qsizetype after = readTag(i, &tag, &attrs, &selfClosing);

        // What the start tag closes or implies first.
        if (closesP(tag) && inStack(u"p", {u"button", u"table", u"html", u"td", u"th", u"marquee", u"object", u"applet"}))
            popThrough(u"p", i);
        if (tag == u"li"_s && inStack(u"li", {u"ul", u"ol", u"table", u"td", u"th"}))
            popThrough(u"li", i);
        if ((tag == u"dd"_s || tag == u"dt"_s)) {
            if (inStack(u"dd", {u"dl", u"table", u"td", u"th"}))
                popThrough(u"dd", i);
            else if (inStack(u"dt", {u"dl", u"table", u"td", u"th"}))
                popThrough(u"dt", i);
        }
        if (isHeading(tag) && isHeading(node(current()).tag))
            pop(i);
        if (tag == u"option"_s && node(current()).tag == u"option"_s)
            pop(i);
        if (tag == u"button"_s && inStack(u"button", {u"table", u"td", u"th"}))
            popThrough(u"button", i);
        if (tag == u"a"_s && inStack(u"a", {u"table", u"td", u"th"}))
            markRestructured(); // a link inside a link: the browser's adoption agency
        if (tag == u"form"_s && inStack(u"form"))
            markInexact();
        if (oneOf(tag, {u"tbody", u"thead", u"tfoot"})) {
            closeCell(i);
            if (inStack(u"tr", {u"table"}))
                popThrough(u"tr", i);
            for (QStringView s : std::initializer_list<QStringView>{u"tbody", u"thead", u"tfoot"})
                if (inStack(s, {u"table"}))
                    popThrough(s, i);
        }
        if (tag == u"tr"_s) {
            closeCell(i);
            if (inStack(u"tr", {u"table"}))
                popThrough(u"tr", i);
            if (node(current()).tag == u"table"_s)
                impliedElement(u"tbody"_s, i);
        }
        if (tag == u"td"_s || tag == u"th"_s) {
            closeCell(i);
            const QString now = node(current()).tag;
            if (now == u"table"_s) {
                impliedElement(u"tbody"_s, i);
                impliedElement(u"tr"_s, i);
            } else if (oneOf(now, {u"tbody", u"thead", u"tfoot"})) {
                impliedElement(u"tr"_s, i);
            }
        }
        if (tag == u"col"_s && node(current()).tag == u"table"_s)
            impliedElement(u"colgroup"_s, i);
        if (oneOf(node(current()).tag, {u"table", u"tbody", u"thead", u"tfoot", u"tr"})
            && !oneOf(tag, {u"tbody", u"thead", u"tfoot", u"tr", u"td", u"th", u"caption", u"colgroup", u"col",
                            u"script", u"style", u"template", u"input", u"form"}))
            markFostered(); // the browser moves it out of the table

        HtmlTree::Node e;
        e.kind = HtmlTree::Kind::Element;
        e.tag = tag;
        e.start = i;
        e.innerStart = after;
        e.innerEnd = -1;
        e.attrBegin = int(t.m_attrs.size());
        for (HtmlTree::Attribute &a : attrs) {
            if (a.name == u"id"_s && a.valueLength > 0)
                e.key = u"#"_s + QStringView(src).sliced(a.valueStart, a.valueLength);
            else if (a.name == u"dj-key"_s && e.key.isEmpty())
                e.key = u"k:"_s + QStringView(src).sliced(a.valueStart, a.valueLength);
            t.m_attrs.push_back(std::move(a));
        }
        e.attrEnd = int(t.m_attrs.size());
        e.atomic = isAtomic(tag);
        const bool atomic = e.atomic;
        const int index = append(std::move(e));

        if (isVoid(tag)) {
            node(index).innerEnd = after;
            finish(index, after);
            return after;
        }
        if (isRawText(tag) || atomic) {
            // Up to the matching end tag, read as one: raw text, or a
            // subtree compared and replaced whole.
            const qsizetype close = findEnd(tag, after, isRawText(tag));
            node(index).innerEnd = close;
            qsizetype end = close;
            if (close < src.size()) {
                const qsizetype gt = src.indexOf(u'>', close);
                end = gt < 0 ? src.size() : gt + 1;
            }
            if (isRawText(tag) && close > after) {
                // Its text as one child (a textarea's value, a script's code).
                stack.push_back(index);
                qsizetype from = after;
                if ((tag == u"textarea"_s) && src[from] == u'\n')
                    ++from;
                if (from < close)
                    text(from, close);
                stack.pop_back();
            }
            finish(index, end);
            return end;
        }
        stack.push_back(index);
        // A newline right after <pre> or <listing> is not content.
        if ((tag == u"pre"_s || tag == u"listing"_s) && after < src.size()) {
            if (src[after] == u'\n')
                ++after;
            else if (src[after] == u'\r')
                after += (after + 1 < src.size() && src[after + 1] == u'\n') ? 2 : 1;
            node(index).innerStart = after;
        }
        return after;
    }

    void closeCell(qsizetype at)
    {
        if (inStack(u"td", {u"table"}))
            popThrough(u"td", at);
        else if (inStack(u"th", {u"table"}))
            popThrough(u"th", at);
    }

    void impliedElement(const QString &tag, qsizetype at)
    {
        HtmlTree::Node e;
        e.kind = HtmlTree::Kind::Element;
        e.tag = tag;
        e.implied = true;
        e.start = at;
        e.innerStart = at;
        e.innerEnd = -1;
        e.attrBegin = e.attrEnd = int(t.m_attrs.size());
        stack.push_back(append(std::move(e)));
    }

    // The start of </tag> from \a from on (or the end of the source); for
    // atomic elements, nested ones of the same name count.
    qsizetype findEnd(QStringView tag, qsizetype from, bool raw) const
    {
        int depth = 1;
        qsizetype j = from;
        const qsizetype n = src.size();
        while (j < n) {
            j = src.indexOf(u'<', j);
            if (j < 0)
                return n;
            const bool closing = j + 1 < n && src[j + 1] == u'/';
            const qsizetype nameAt = j + (closing ? 2 : 1);
            if (nameAt + tag.size() <= n
                && QStringView(src).sliced(nameAt, tag.size()).compare(tag, Qt::CaseInsensitive) == 0
                && (nameAt + tag.size() == n || isSpace(src[nameAt + tag.size()]) || src[nameAt + tag.size()] == u'>'
                    || src[nameAt + tag.size()] == u'/')) {
                if (closing && --depth == 0)
                    return j;
                if (!closing && !raw)
                    ++depth;
            }
            ++j;
        }
        return n;
    }

    qsizetype endTag(qsizetype i)
    {
        QString tag;
        bool selfClosing = false;
        const qsizetype after = readTag(i, &tag, nullptr, &selfClosing);
        if (tag == u"p"_s && !inStack(u"p", {u"button", u"table", u"html", u"td", u"th"})) {
            markInexact(); // the browser makes an empty <p> for a stray </p>
            return after;
        }
        if (tag == u"br"_s) {
            markInexact(); // the browser reads </br> as <br>
            return after;
        }
        if (!inStack(tag))
            return after; // an end tag with no open element: ignored, as in the browser
        // Closing past other open elements: they end here too. Formatting
        // elements among them the browser re-opens in what follows the
        // closed element (its parent's content changes); a formatting
        // element closed out of order is its adoption agency.
        size_t target = stack.size() - 1;
        while (target > 0 && node(stack[target]).tag != tag)
            --target;
        bool formattingAbove = false;
        for (size_t d = target + 1; d < stack.size(); ++d)
            formattingAbove = formattingAbove || isFormatting(node(stack[d]).tag);
        if (formattingAbove) {
            if (isFormatting(tag))
                markRestructured();
            else
                markAtomic(target - 1);
        }
        while (stack.size() > 1) {
            const bool last = node(current()).tag == tag;
            if (last) {
                node(current()).innerEnd = i;
                pop(after);
                break;
            }
            pop(i);
        }
        return after;
    }

    HtmlTree &t;
    const QString &src;
    std::vector<int> stack;
};

HtmlTree HtmlTree::parse(const QString &html)
{
    HtmlTree tree;
    tree.m_source = html;
    tree.m_nodes.reserve(size_t(html.size() / 16 + 4));
    HtmlTreeBuilder(tree).run();
    return tree;
}

QStringView HtmlTree::attribute(int i, QStringView name) const
{
    const Node &n = node(i);
    for (int a = n.attrBegin; a < n.attrEnd; ++a)
        if (m_attrs[size_t(a)].name == name)
            return attributeValue(m_attrs[size_t(a)]);
    return QStringView();
}

QString HtmlTree::outerHtml(int i) const
{
    const Node &n = node(i);
    if (n.kind != Kind::Element || !n.implied)
        return m_source.mid(n.start, n.end - n.start);
    return u'<' + n.tag + u'>' + innerHtml(i) + u"</"_s + n.tag + u'>';
}

QString HtmlTree::innerHtml(int i) const
{
    const Node &n = node(i);
    if (n.kind != Kind::Element)
        return m_source.mid(n.innerStart, n.innerEnd - n.innerStart);
    bool anyImplied = false;
    bool anyRemoved = false;
    for (int c = n.firstChild; c >= 0; c = node(c).next) {
        anyImplied = anyImplied || (node(c).kind == Kind::Element && node(c).implied);
        anyRemoved = anyRemoved || node(c).removed;
    }
    if (!n.implied && !anyImplied && !anyRemoved)
        return m_source.mid(n.innerStart, std::max<qsizetype>(0, n.innerEnd - n.innerStart));
    QString out;
    for (int c = n.firstChild; c >= 0; c = node(c).next)
        if (!node(c).removed)
            out += outerHtml(c);
    return out;
}

std::vector<int> HtmlTree::children(int i) const
{
    std::vector<int> out;
    for (int c = node(i).firstChild; c >= 0; c = node(c).next)
        if (!node(c).removed)
            out.push_back(c);
    return out;
}

QList<int> HtmlTree::path(int i) const
{
    QList<int> steps;
    while (i > 0) {
        int index = 0;
        for (int s = node(i).prev; s >= 0; s = node(s).prev)
            if (!node(s).removed)
                ++index;
        steps.prepend(index);
        i = node(i).parent;
    }
    return steps;
}

namespace {

struct SimpleSelector
{
    QString tag;
    QString id;
    QStringList classes;
    QList<std::pair<QString, std::optional<QString>>> attrs;
    bool valid = true;
};

SimpleSelector parseSelector(QStringView s)
{
    SimpleSelector sel;
    s = s.trimmed();
    if (s.isEmpty()) {
        sel.valid = false;
        return sel;
    }
    qsizetype i = 0;
    auto ident = [&]() {
        const qsizetype from = i;
        while (i < s.size() && (s[i].isLetterOrNumber() || s[i] == u'-' || s[i] == u'_' || s[i] == u':'
                                || s[i].unicode() > 127))
            ++i;
        return s.sliced(from, i - from).toString();
    };
    while (i < s.size() && sel.valid) {
        const QChar c = s[i];
        if (c == u'#') {
            ++i;
            sel.id = ident();
        } else if (c == u'.') {
            ++i;
            sel.classes << ident();
        } else if (c == u'[') {
            ++i;
            const QString name = lowerAscii(ident());
            std::optional<QString> value;
            if (i < s.size() && s[i] == u'=') {
                ++i;
                if (i < s.size() && (s[i] == u'\'' || s[i] == u'"')) {
                    const QChar q = s[i++];
                    const qsizetype close = s.indexOf(q, i);
                    if (close < 0) {
                        sel.valid = false;
                        break;
                    }
                    value = s.sliced(i, close - i).toString();
                    i = close + 1;
                } else {
                    const qsizetype close = s.indexOf(u']', i);
                    if (close < 0) {
                        sel.valid = false;
                        break;
                    }
                    value = s.sliced(i, close - i).trimmed().toString();
                    i = close;
                }
            }
            if (i >= s.size() || s[i] != u']') {
                sel.valid = false;
                break;
            }
            ++i;
            sel.attrs.append({name, value});
        } else if (isAsciiAlpha(c) && i == 0) {
            sel.tag = lowerAscii(ident());
        } else {
            sel.valid = false; // combinators, pseudo-classes: not here
        }
    }
    return sel;
}

} // namespace

int HtmlTree::find(QStringView selector) const
{
    const SimpleSelector sel = parseSelector(selector);
    if (!sel.valid)
        return -1;
    auto matches = [&](int i) {
        const Node &n = node(i);
        if (n.kind != Kind::Element || n.removed || i == 0)
            return false;
        if (!sel.tag.isEmpty() && n.tag != sel.tag)
            return false;
        if (!sel.id.isEmpty() && attribute(i, u"id") != sel.id)
            return false;
        if (!sel.classes.isEmpty()) {
            const QStringView cls = attribute(i, u"class");
            for (const QString &c : sel.classes) {
                bool found = false;
                for (QStringView part : cls.split(u' ', Qt::SkipEmptyParts))
                    found = found || part == c;
                if (!found)
                    return false;
            }
        }
        for (const auto &[name, value] : sel.attrs) {
            const QStringView v = attribute(i, name);
            if (v.isNull())
                return false;
            if (value && v != *value)
                return false;
        }
        return true;
    };
    // Document order: depth first, children in order; removed subtrees skipped.
    std::vector<int> todo{0};
    while (!todo.empty()) {
        const int i = todo.back();
        todo.pop_back();
        if (node(i).removed)
            continue;
        if (matches(i))
            return i;
        if (node(i).atomic && i != 0)
            continue; // not addressable inside
        std::vector<int> kids;
        for (int c = node(i).firstChild; c >= 0; c = node(c).next)
            kids.push_back(c);
        for (auto it = kids.rbegin(); it != kids.rend(); ++it)
            todo.push_back(*it);
    }
    return -1;
}

void HtmlTree::remove(int i)
{
    if (i <= 0 || m_nodes[size_t(i)].removed)
        return;
    m_nodes[size_t(i)].removed = true;
    // Its ancestors no longer hold what they held: their hashes must not
    // equal those of a render that has the node (the diff would skip them).
    // The node keeps its own, to be recognised if the template renders it
    // again unchanged.
    for (int a = m_nodes[size_t(i)].parent; a >= 0; a = m_nodes[size_t(a)].parent)
        m_nodes[size_t(a)].hash = (m_nodes[size_t(a)].hash ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;
}

} // namespace Rill::detail
