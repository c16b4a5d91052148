// Fragment rendering: render only the inside of one element of a template,
// so a stream target can be refreshed without rendering the whole page.
//
// The element is found in the compiled template, not in rendered output: the
// text nodes of each node list are laid end to end with one placeholder
// character for every other node (a "skeleton"), and an HTML tokenizer walks
// that skeleton. Tags are counted by name to find the matching end tag, so
// nested elements of the same name are handled; nodes inside the element are
// taken whole (an {% if %} or {% for %} between the tags is assumed to be
// balanced, as markup inside a block tag almost always is). The walk goes
// into the {% if %} branch that the context selects, {% with %},
// {% autoescape %} and the block that {% extends %} resolves, setting up
// the same state a full render would, so the fragment renders exactly as it
// does inside the page.

#include <rill/template.h>
#include <rill/templatecontext.h>

#include "engine_p.h"
#include "tags_p.h"

#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace Rill {

namespace detail {

namespace {

constexpr char16_t Hole = 0xE000; // stands for a non-text node in a skeleton

struct Selector
{
    QString text;
    QString tag;
    QString id;
    QStringList classes;
    std::vector<std::pair<QString, std::optional<QString>>> attrs;
};

bool isIdentChar(QChar c)
{
    return c.isLetterOrNumber() || c == u'-' || c == u'_' || c.unicode() > 0x7f;
}

std::optional<Selector> parseSelector(const QString &text, QString *error)
{
    Selector sel;
    sel.text = text;
    const QString s = text.trimmed();
    qsizetype i = 0;
    auto ident = [&]() {
        const qsizetype start = i;
        while (i < s.size() && isIdentChar(s.at(i)))
            ++i;
        return s.mid(start, i - start);
    };
    auto bad = [&]() {
        *error = u"unsupported selector '%1': use #id, .class, tag, [attr] or [attr='value'], combined without spaces"_s.arg(text);
        return std::nullopt;
    };
    if (s.isEmpty())
        return bad();
    if (s.at(0).isLetter())
        sel.tag = ident().toLower();
    while (i < s.size()) {
        const QChar c = s.at(i++);
        if (c == u'#') {
            sel.id = ident();
            if (sel.id.isEmpty())
                return bad();
        } else if (c == u'.') {
            const QString cls = ident();
            if (cls.isEmpty())
                return bad();
            sel.classes << cls;
        } else if (c == u'[') {
            const QString name = ident().toLower();
            if (name.isEmpty() || i >= s.size())
                return bad();
            std::optional<QString> value;
            if (s.at(i) == u'=') {
                ++i;
                if (i < s.size() && (s.at(i) == u'\'' || s.at(i) == u'"')) {
                    const QChar q = s.at(i++);
                    const qsizetype end = s.indexOf(q, i);
                    if (end < 0)
                        return bad();
                    value = s.mid(i, end - i);
                    i = end + 1;
                } else {
                    value = ident();
                }
            }
            if (i >= s.size() || s.at(i) != u']')
                return bad();
            ++i;
            sel.attrs.emplace_back(name, value);
        } else {
            return bad();
        }
    }
    return sel;
}

struct Skeleton
{
    QString text;
    std::vector<qsizetype> starts; // offset of each node in text
    const NodeList *nodes = nullptr;

    explicit Skeleton(const NodeList &list) : nodes(&list)
    {
        starts.reserve(list.size());
        for (const auto &n : list) {
            starts.push_back(text.size());
            if (n->isText())
                text += static_cast<const TextNode *>(n.get())->text;
            else
                text += QChar(Hole);
        }
    }

    // The node holding offset pos, and pos's offset inside it.
    std::pair<size_t, qsizetype> locate(qsizetype pos) const
    {
        auto it = std::upper_bound(starts.begin(), starts.end(), pos);
        const size_t index = size_t(std::distance(starts.begin(), it)) - 1;
        return {index, pos - starts[index]};
    }

    // Line and column of offset pos, for messages.
    std::pair<int, int> lineColumn(qsizetype pos) const
    {
        const auto [index, offset] = locate(pos);
        const Node &node = *(*nodes)[index];
        int line = node.line, column = node.column;
        if (node.isText()) {
            const QString &t = static_cast<const TextNode &>(node).text;
            for (qsizetype k = 0; k < offset; ++k) {
                if (t.at(k) == u'\n') {
                    ++line;
                    column = 1;
                } else {
                    ++column;
                }
            }
        }
        return {line, column};
    }
};

struct Attr
{
    QString name;
    QString value;
    bool dynamic = false; // the value contains template output
};

struct Tag
{
    QString name; // lower case; empty when this is not a tag
    bool isEnd = false;
    std::vector<Attr> attrs;
    qsizetype end = 0; // offset just past '>'
};

const QStringList &voidElements()
{
    static const QStringList v = {u"area"_s, u"base"_s, u"br"_s, u"col"_s, u"embed"_s, u"hr"_s, u"img"_s,
                                  u"input"_s, u"link"_s, u"meta"_s, u"source"_s, u"track"_s, u"wbr"_s};
    return v;
}

bool isRawText(const QString &name)
{
    return name == u"script"_s || name == u"style"_s || name == u"textarea"_s || name == u"title"_s;
}

// Reads the tag at s[pos] == '<'. Returns a Tag with an empty name for
// things that are not element tags (comments, doctypes, stray '<').
Tag readTag(const QString &s, qsizetype pos)
{
    Tag tag;
    const qsizetype n = s.size();
    qsizetype i = pos + 1;
    if (s.mid(pos, 4) == u"<!--"_s) {
        const qsizetype e = s.indexOf(u"-->"_s, pos + 4);
        tag.end = e < 0 ? n : e + 3;
        return tag;
    }
    if (i < n && (s.at(i) == u'!' || s.at(i) == u'?')) {
        const qsizetype e = s.indexOf(u'>', i);
        tag.end = e < 0 ? n : e + 1;
        return tag;
    }
    if (i < n && s.at(i) == u'/') {
        tag.isEnd = true;
        ++i;
    }
    const qsizetype nameStart = i;
    while (i < n && (s.at(i).isLetterOrNumber() || s.at(i) == u'-' || s.at(i) == u':'))
        ++i;
    if (i == nameStart || !s.at(nameStart).isLetter()) {
        tag.end = pos + 1;
        return tag;
    }
    tag.name = s.mid(nameStart, i - nameStart).toLower();
    // Attributes, as HTML reads them.
    while (i < n) {
        while (i < n && (s.at(i).isSpace() || s.at(i) == u'/'))
            ++i;
        if (i >= n)
            break;
        if (s.at(i) == u'>') {
            ++i;
            break;
        }
        const qsizetype an = i;
        while (i < n && !s.at(i).isSpace() && s.at(i) != u'>' && s.at(i) != u'=' && s.at(i) != u'/')
            ++i;
        Attr attr;
        attr.name = s.mid(an, i - an).toLower();
        if (i == an) // lone '=': skip it
            ++i;
        while (i < n && s.at(i).isSpace())
            ++i;
        if (i < n && s.at(i) == u'=') {
            ++i;
            while (i < n && s.at(i).isSpace())
                ++i;
            if (i < n && (s.at(i) == u'"' || s.at(i) == u'\'')) {
                const QChar q = s.at(i++);
                qsizetype e = s.indexOf(q, i);
                if (e < 0)
                    e = n;
                attr.value = s.mid(i, e - i);
                i = std::min(n, e + 1);
            } else {
                const qsizetype vs = i;
                while (i < n && !s.at(i).isSpace() && s.at(i) != u'>')
                    ++i;
                attr.value = s.mid(vs, i - vs);
            }
        }
        attr.dynamic = attr.value.contains(QChar(Hole));
        if (!attr.name.contains(QChar(Hole)) && !attr.name.isEmpty())
            tag.attrs.push_back(std::move(attr));
    }
    tag.end = i;
    return tag;
}

bool matches(const Selector &sel, const Tag &tag)
{
    if (tag.isEnd || tag.name.isEmpty())
        return false;
    if (!sel.tag.isEmpty() && sel.tag != tag.name)
        return false;
    auto find = [&](const QString &name) -> const Attr * {
        for (const Attr &a : tag.attrs)
            if (a.name == name)
                return &a;
        return nullptr;
    };
    if (!sel.id.isEmpty()) {
        const Attr *a = find(u"id"_s);
        if (!a || a->dynamic || a->value != sel.id)
            return false;
    }
    if (!sel.classes.isEmpty()) {
        const Attr *a = find(u"class"_s);
        if (!a)
            return false;
        // Static class names still count when other classes are dynamic.
        static const QRegularExpression spaces(u"\\s+"_s);
        const QStringList have = a->value.split(spaces, Qt::SkipEmptyParts);
        for (const QString &c : sel.classes)
            if (!have.contains(c))
                return false;
    }
    for (const auto &[name, value] : sel.attrs) {
        const Attr *a = find(name);
        if (!a)
            return false;
        if (value && (a->dynamic || a->value != *value))
            return false;
    }
    return true;
}

// Scans a skeleton from `from`: calls onHole for placeholders in content and
// onTag for element tags, skipping comments and raw-text elements. A
// callback returns true to stop.
template<typename OnHole, typename OnTag>
void scan(const QString &s, qsizetype from, OnHole onHole, OnTag onTag)
{
    qsizetype pos = from;
    const qsizetype n = s.size();
    while (pos < n) {
        const QChar c = s.at(pos);
        if (c == QChar(Hole)) {
            if (onHole(pos))
                return;
            ++pos;
            continue;
        }
        if (c != u'<') {
            ++pos;
            continue;
        }
        const Tag tag = readTag(s, pos);
        if (!tag.name.isEmpty() && onTag(pos, tag))
            return;
        pos = tag.end;
        if (!tag.name.isEmpty() && !tag.isEnd && isRawText(tag.name)) {
            const qsizetype e = s.indexOf(u"</"_s + tag.name, pos, Qt::CaseInsensitive);
            pos = e < 0 ? n : e;
        }
    }
}

class FragmentRenderer
{
public:
    FragmentRenderer(const Selector &sel, RenderState &state) : m_sel(sel), m_state(state) {}

    // True when the element was found and its inside rendered into out.
    bool search(const NodeList &nodes, QString &out)
    {
        const Skeleton sk(nodes);
        bool found = false;
        scan(
            sk.text, 0,
            [&](qsizetype pos) {
                found = enter(*nodes[sk.locate(pos).first], out);
                return found;
            },
            [&](qsizetype pos, const Tag &tag) {
                if (!matches(m_sel, tag))
                    return false;
                out = renderInside(sk, pos, tag);
                found = true;
                return true;
            });
        return found;
    }

private:
    QString renderInside(const Skeleton &sk, qsizetype tagPos, const Tag &tag)
    {
        if (voidElements().contains(tag.name))
            return QString();
        int depth = 1;
        qsizetype endPos = -1;
        if (isRawText(tag.name)) {
            endPos = sk.text.indexOf(u"</"_s + tag.name, tag.end, Qt::CaseInsensitive);
        } else {
            scan(
                sk.text, tag.end, [](qsizetype) { return false; },
                [&](qsizetype pos, const Tag &t) {
                    if (t.name != tag.name)
                        return false;
                    depth += t.isEnd ? -1 : 1;
                    if (depth == 0) {
                        endPos = pos;
                        return true;
                    }
                    return false;
                });
        }
        if (endPos < 0) {
            const auto [line, column] = sk.lineColumn(tagPos);
            m_state.fail(line, column,
                         u"the element matching '%1' (a <%2>) has no end tag '</%2>' in the same template block"_s
                             .arg(m_sel.text, tag.name));
        }
        return renderRange(sk, tag.end, endPos);
    }

    QString renderRange(const Skeleton &sk, qsizetype from, qsizetype to)
    {
        OutputDiversion diversion(m_state);
        const auto [first, firstOffset] = sk.locate(from);
        for (size_t k = first; k < sk.nodes->size() && sk.starts[k] < to; ++k) {
            const Node &node = *(*sk.nodes)[k];
            if (node.isText()) {
                const QString &t = static_cast<const TextNode &>(node).text;
                const qsizetype begin = k == first ? firstOffset : 0;
                const qsizetype end = std::min<qsizetype>(t.size(), to - sk.starts[k]);
                m_state.out.append(QStringView(t).mid(begin, end - begin));
                m_state.checkOutput(node);
            } else {
                renderNode(node, m_state);
            }
        }
        return diversion.finish();
    }

    // Goes into a node the way rendering it would, one level deeper.
    bool enter(const Node &node, QString &out)
    {
        try {
            const NestingGuard nesting(m_state);
            return enterNested(node, out);
        } catch (AbortRender &abort) {
            m_state.locate(abort, node);
            throw;
        } catch (const std::bad_alloc &) {
            AbortRender abort{u"rendering ran out of memory"_s};
            m_state.locate(abort, node);
            throw abort;
        } catch (const std::exception &e) {
            AbortRender abort{u"rendering failed: "_s + QString::fromLocal8Bit(e.what())};
            m_state.locate(abort, node);
            throw abort;
        }
    }

    bool enterNested(const Node &node, QString &out)
    {
        m_state.budget.step();
        if (auto *n = dynamic_cast<const IfNode *>(&node)) {
            const NodeList *branch = n->chosen(m_state);
            return branch && search(*branch, out);
        }
        if (auto *n = dynamic_cast<const WithNode *>(&node)) {
            ScopeGuard scope(m_state);
            n->bind(m_state);
            return search(n->body, out);
        }
        if (auto *n = dynamic_cast<const AutoescapeNode *>(&node)) {
            const bool saved = m_state.autoescape;
            m_state.autoescape = n->on;
            bool found = false;
            try {
                found = search(n->body, out);
            } catch (...) {
                m_state.autoescape = saved;
                throw;
            }
            m_state.autoescape = saved;
            return found;
        }
        if (auto *n = dynamic_cast<const BlockNode *>(&node))
            return enterBlock(*n, out);
        if (auto *n = dynamic_cast<const ExtendsNode *>(&node))
            return enterExtends(*n, out);
        if (auto *n = dynamic_cast<const ForNode *>(&node)) {
            if (containsMatch(n->body) || containsMatch(n->empty))
                m_state.fail(*n, u"the element matching '%1' is inside a {% for %} loop; "
                                 u"give each element its own selector or target an element around the loop"_s.arg(m_sel.text));
        }
        return false;
    }

    bool enterBlock(const BlockNode &node, QString &out)
    {
        BlockScope scope(node, m_state);
        return search(scope.body(), out);
    }

    bool enterExtends(const ExtendsNode &node, QString &out)
    {
        ExtendsScope scope(node, m_state);
        return search(scope.parent().nodes, out);
    }

    // Whether an element matching the selector appears anywhere in nodes,
    // whatever the context (for the loop check).
    bool containsMatch(const NodeList &nodes) const
    {
        const Skeleton sk(nodes);
        bool found = false;
        scan(
            sk.text, 0, [](qsizetype) { return false; },
            [&](qsizetype, const Tag &tag) { return found = matches(m_sel, tag); });
        if (found)
            return true;
        std::vector<const NodeList *> children;
        for (const auto &n : nodes) {
            children.clear();
            n->childLists(children);
            for (const NodeList *c : children)
                if (containsMatch(*c))
                    return true;
        }
        return false;
    }

    const Selector &m_sel;
    RenderState &m_state;
};

// The first element matching a selector in a template and its children, in
// document order of the source; with its attributes. Follows literal
// extends and includes, searching each template once: a search that found
// nothing in a template finds nothing there the next time either, and a
// template that includes itself twice would otherwise be searched 2^64
// times. The nesting of node lists is bounded as when rendering.
class StaticSearch
{
public:
    explicit StaticSearch(const Selector &sel) : m_sel(sel) {}

    std::optional<Tag> find(const NodeList &nodes, const CompiledTemplate &tpl)
    {
        if (m_nesting >= MaxRenderNesting)
            return std::nullopt;
        ++m_nesting;
        std::optional<Tag> found = findHere(nodes, tpl);
        --m_nesting;
        return found;
    }

private:
    std::optional<Tag> findHere(const NodeList &nodes, const CompiledTemplate &tpl)
    {
        const Skeleton sk(nodes);
        std::optional<Tag> found;
        scan(
            sk.text, 0,
            [&](qsizetype pos) {
                const Node &node = *nodes[sk.locate(pos).first];
                std::vector<const NodeList *> children;
                node.childLists(children);
                for (const NodeList *c : children) {
                    if ((found = find(*c, tpl)))
                        return true;
                }
                // Templates named by a literal {% extends %} or {% include %}.
                const FilterExpression *other = nullptr;
                if (auto *ext = dynamic_cast<const ExtendsNode *>(&node))
                    other = &ext->parentName;
                else if (auto *inc = dynamic_cast<const IncludeNode *>(&node))
                    other = &inc->name;
                if (other && other->operand.isLiteral && other->filters.empty() && tpl.loader) {
                    auto loaded = tpl.loader->load(other->operand.literal.v.toString());
                    if (loaded->isValid() && !m_visited.contains(loaded.get())) {
                        m_visited.insert(loaded.get());
                        m_keep.push_back(loaded);
                        found = find(loaded->nodes, *loaded);
                    }
                }
                return found.has_value();
            },
            [&](qsizetype, const Tag &tag) {
                if (!matches(m_sel, tag))
                    return false;
                found = tag;
                return true;
            });
        return found;
    }

    const Selector &m_sel;
    int m_nesting = 0;
    QSet<const CompiledTemplate *> m_visited;
    std::vector<std::shared_ptr<const CompiledTemplate>> m_keep; // so no visited address is reused
};

} // namespace

} // namespace detail

std::optional<QString> Template::elementAttribute(const QString &selector, const QString &attribute) const
{
    using namespace detail;
    if (!isValid())
        return std::nullopt;
    QString ignored;
    const std::optional<Selector> sel = parseSelector(selector, &ignored);
    if (!sel)
        return std::nullopt;
    std::optional<Tag> tag;
    try {
        tag = StaticSearch(*sel).find(m_compiled->nodes, *m_compiled);
    } catch (...) { // std::bad_alloc, or the loader's
        return std::nullopt;
    }
    if (!tag)
        return std::nullopt;
    const QString name = attribute.toLower();
    for (const Attr &a : tag->attrs) {
        if (a.name == name)
            return a.dynamic ? std::nullopt : std::optional<QString>(a.value);
    }
    return QString();
}

std::optional<QString> Template::renderFragment(const QString &selector, const TemplateContext &context,
                                                TemplateError *error) const
{
    using namespace detail;
    if (error)
        *error = TemplateError();
    if (!isValid()) {
        if (error)
            *error = this->error();
        return std::nullopt;
    }
    QString selectorError;
    const std::optional<Selector> sel = parseSelector(selector, &selectorError);
    if (!sel) {
        if (error)
            *error = TemplateError(TemplateError::Kind::Render, name(), 0, 0, selectorError);
        return std::nullopt;
    }
    try {
        RenderState state(context, m_compiled.get());
        state.depth = 1;
        QString out;
        if (FragmentRenderer(*sel, state).search(m_compiled->nodes, out))
            return out;
    } catch (...) {
        const TemplateError e = errorFromException(name());
        if (error)
            *error = e;
    }
    return std::nullopt;
}

} // namespace Rill
