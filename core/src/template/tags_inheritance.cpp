// {% extends %}, {% block %} and {% include %}, with Django's block
// resolution order across any number of levels and {{ block.super }}.

#include "engine_p.h"
#include "parser_p.h"
#include "tags_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

constexpr int MaxDepth = 64;

// Django's construct_relative_path: "./x.html" and "../x.html" resolve
// against the including template's own name.
QString relativeName(Parser &parser, const Token &token, const QString &bit)
{
    if (bit.size() < 2)
        return bit;
    const QChar q = bit.front();
    if ((q != u'"' && q != u'\'') || bit.back() != q)
        return bit;
    const QString name = bit.mid(1, bit.size() - 2);
    if (!name.startsWith(u"./"_s) && !name.startsWith(u"../"_s))
        return bit;
    QStringList parts = parser.templateName().split(u'/');
    parts.removeLast(); // the template's own file name
    for (const QString &p : name.split(u'/')) {
        if (p == u"."_s)
            continue;
        if (p == u".."_s) {
            if (parts.isEmpty())
                parser.error(token, u"the relative path '%1' points outside the folder of '%2'"_s.arg(name, parser.templateName()));
            parts.removeLast();
        } else {
            parts << p;
        }
    }
    return q + parts.join(u'/') + q;
}

std::shared_ptr<const CompiledTemplate> loadForRender(RenderState &state, const Node &node, const Value &name,
                                                      const QString &tag)
{
    if (kindOf(name.v) != Kind::String || name.v.toString().isEmpty())
        state.fail(node, u"'{% %1 %}' needs a template name, got '%2'"_s.arg(tag, toPyStr(name.v)));
    auto tpl = state.tpl->loader->load(name.v.toString());
    if (!tpl->isValid()) {
        const TemplateError &e = tpl->error;
        if (e.kind() == TemplateError::Kind::NotFound || e.kind() == TemplateError::Kind::Unreadable)
            state.fail(node, e.message());
        throw TemplateException{e};
    }
    return tpl;
}

} // namespace

void IncludeNode::render(RenderState &state) const
{
    // Checked here, not only in renderTemplate(), so the error points at the include.
    if (state.depth + 1 > MaxDepth)
        state.fail(*this, u"templates extend or include each other more than %1 levels deep (a loop?)"_s.arg(MaxDepth));
    const Value nameValue = name.resolve(state);
    auto tpl = loadForRender(state, *this, nameValue, u"include"_s);
    std::vector<Value> values; // Values keep their safe mark
    for (const auto &e : extra)
        values.push_back(e.second.resolve(state));
    if (only) {
        // A context with nothing but the given names (Django's context.new()).
        auto savedBindings = std::move(state.bindings);
        auto savedScopes = std::move(state.scopes);
        const bool savedIsolated = state.isolated;
        state.bindings.clear();
        state.scopes.clear();
        state.isolated = true;
        for (size_t i = 0; i < extra.size(); ++i)
            state.set(extra[i].first, values[i]);
        try {
            renderTemplate(*tpl, state);
        } catch (...) {
            state.bindings = std::move(savedBindings);
            state.scopes = std::move(savedScopes);
            state.isolated = savedIsolated;
            throw;
        }
        state.bindings = std::move(savedBindings);
        state.scopes = std::move(savedScopes);
        state.isolated = savedIsolated;
        return;
    }
    ScopeGuard scope(state);
    for (size_t i = 0; i < extra.size(); ++i)
        state.set(extra[i].first, values[i]);
    renderTemplate(*tpl, state);
}

namespace {

std::unique_ptr<Node> compileInclude(Parser &parser, const Token &token)
{
    auto bits = smartSplit(token.contents);
    if (bits.size() < 2)
        parser.error(token, u"'{% include %}' needs the name of the template to include"_s);
    auto node = std::make_unique<IncludeNode>();
    const auto nameBit = bits.at(1);
    QList<std::pair<QString, int>> rest = bits.mid(2);
    bool seenWith = false;
    while (!rest.isEmpty()) {
        const auto option = rest.takeFirst();
        if (option.first == u"with"_s) {
            if (seenWith)
                parser.error(token, u"'{% include %}' has 'with' twice"_s);
            seenWith = true;
            node->extra = parseKwargs(parser, token, rest, false);
            if (node->extra.empty())
                parser.error(token, u"'with' in '{% include %}' needs at least one name=value"_s);
        } else if (option.first == u"only"_s) {
            if (node->only)
                parser.error(token, u"'{% include %}' has 'only' twice"_s);
            node->only = true;
        } else {
            parser.error(token.line, token.contentColumn + option.second,
                         u"'{% include %}' does not understand '%1'; it takes 'with name=value' and 'only'"_s.arg(option.first));
        }
    }
    node->name = parser.compileFilter(relativeName(parser, token, nameBit.first), token,
                                      token.contentColumn + nameBit.second);
    return node;
}

std::unique_ptr<Node> compileBlock(Parser &parser, const Token &token)
{
    const auto bits = smartSplit(token.contents);
    if (bits.size() != 2)
        parser.error(token, u"'{% block %}' takes one argument, the block's name"_s);
    const QString name = bits.at(1).first;
    if (parser.blockNames.contains(name))
        parser.error(token, u"a block named '%1' appears more than once"_s.arg(name));
    parser.blockNames.insert(name);
    auto node = std::make_unique<BlockNode>();
    node->name = name;
    node->body = parser.parse({u"endblock"_s});
    const Token end = parser.expectEnd({u"endblock"_s}, token);
    const auto endBits = smartSplit(end.contents);
    if (endBits.size() > 1 && endBits.at(1).first != name)
        parser.error(end, u"'{% endblock %1 %}' closes the block '%2'"_s.arg(endBits.at(1).first, name));
    return node;
}

std::unique_ptr<Node> compileExtends(Parser &parser, const Token &token)
{
    const auto bits = smartSplit(token.contents);
    if (bits.size() != 2)
        parser.error(token, u"'{% extends %}' takes one argument, the parent template's name"_s);
    if (parser.seenExtends)
        parser.error(token, u"'{% extends %}' can appear only once in a template"_s);
    parser.seenExtends = true;
    auto node = std::make_unique<ExtendsNode>();
    node->parentName = parser.compileFilter(relativeName(parser, token, bits.at(1).first), token,
                                            token.contentColumn + bits.at(1).second);
    node->body = parser.parse();
    collectBlocks(node->body, node->blocks);
    return node;
}

} // namespace

void collectBlocks(const NodeList &nodes, QHash<QString, const BlockNode *> &out)
{
    std::vector<const NodeList *> children;
    for (const auto &n : nodes) {
        if (auto *b = dynamic_cast<const BlockNode *>(n.get()))
            out.insert(b->name, b);
        children.clear();
        n->childLists(children);
        for (const NodeList *c : children)
            collectBlocks(*c, out);
    }
}

BlockScope::BlockScope(const BlockNode &node, RenderState &state)
    : m_ref{&node}, m_scope(state), m_state(state), m_name(node.name)
{
    if (state.blocks) {
        m_pushed = state.blocks->pop(node.name);
        if (m_pushed)
            m_ref.node = m_pushed;
    }
    state.set(u"block"_s, QVariant::fromValue(static_cast<const BlockRef *>(&m_ref)));
}

BlockScope::~BlockScope()
{
    if (m_pushed)
        m_state.blocks->push(m_name, m_pushed);
}

void BlockNode::render(RenderState &state) const
{
    BlockScope scope(*this, state);
    renderList(scope.body(), state);
}

QString renderBlockSuper(const BlockRef &ref, RenderState &state)
{
    if (!state.blocks)
        throwError(TemplateError::Kind::Render, state.tpl->name, ref.node->line, ref.node->column,
                   u"{{ block.super }} is used in block '%1' of a template that extends no other"_s.arg(ref.node->name));
    if (!state.blocks->get(ref.node->name))
        return QString();
    OutputDiversion diversion(state);
    renderNode(*ref.node, state);
    return diversion.finish();
}

std::shared_ptr<const CompiledTemplate> ExtendsNode::parent(RenderState &state) const
{
    const Value name = parentName.resolve(state);
    return loadForRender(state, *this, name, u"extends"_s);
}

ExtendsScope::ExtendsScope(const ExtendsNode &node, RenderState &state) : m_state(state)
{
    if (state.depth + 1 > MaxDepth)
        state.fail(node, u"templates extend or include each other more than %1 levels deep (a loop?)"_s.arg(MaxDepth));
    m_parent = node.parent(state);
    m_savedBlocks = state.blocks;
    m_savedTpl = state.tpl;
    if (!state.blocks)
        state.blocks = &m_local;
    state.blocks->addBlocks(node.blocks);
    // The root of the chain (a parent that extends nothing) adds its own
    // blocks last, as Django's ExtendsNode does.
    for (const auto &n : m_parent->nodes) {
        if (n->isText())
            continue;
        if (!dynamic_cast<const ExtendsNode *>(n.get())) {
            QHash<QString, const BlockNode *> rootBlocks;
            collectBlocks(m_parent->nodes, rootBlocks);
            state.blocks->addBlocks(rootBlocks);
        }
        break;
    }
    ++state.depth;
    state.tpl = m_parent.get();
}

ExtendsScope::~ExtendsScope()
{
    m_state.tpl = m_savedTpl;
    m_state.blocks = m_savedBlocks;
    --m_state.depth;
}

void ExtendsNode::render(RenderState &state) const
{
    ExtendsScope scope(*this, state);
    renderList(scope.parent().nodes, state);
}

void renderTemplate(const CompiledTemplate &tpl, RenderState &state)
{
    if (state.depth + 1 > MaxDepth)
        throwError(TemplateError::Kind::Render, tpl.name, 1, 1,
                   u"templates extend or include each other more than %1 levels deep (a loop?)"_s.arg(MaxDepth));
    const CompiledTemplate *savedTpl = state.tpl;
    BlockContext *savedBlocks = state.blocks;
    auto savedCycles = std::move(state.nodeState);
    state.nodeState.clear();
    state.tpl = &tpl;
    state.blocks = nullptr;
    ++state.depth;
    auto restore = [&] {
        state.tpl = savedTpl;
        state.blocks = savedBlocks;
        state.nodeState = std::move(savedCycles);
        --state.depth;
    };
    try {
        renderList(tpl.nodes, state);
    } catch (...) {
        restore();
        throw;
    }
    restore();
}

void registerInheritanceTags(TagTable &table)
{
    table.insert(u"extends"_s, &compileExtends);
    table.insert(u"block"_s, &compileBlock);
    table.insert(u"include"_s, &compileInclude);
}

} // namespace Rill::detail
