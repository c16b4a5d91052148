#pragma once

// The compiled form of a template: a tree of nodes that append their output
// to a RenderState. Expressions ({{ a.b|filter:arg }}) resolve against the
// state's context stack.

#include "value_p.h"

#include <rill/templateerror.h>

#include <QHash>
#include <QList>
#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace Rill {
class TemplateContext;
}

namespace Rill::detail {

struct CompiledTemplate;
struct RenderState;
class BlockNode;
class Parser;
struct FilterDef;
struct PreparedArg;

class Node
{
public:
    virtual ~Node() = default;
    virtual void render(RenderState &state) const = 0;
    // Child node lists, for walks that look for blocks or fragments.
    virtual void childLists(std::vector<const std::vector<std::unique_ptr<Node>> *> &) const {}
    virtual bool isText() const { return false; }

    int line = 0;
    int column = 0;
};

using NodeList = std::vector<std::unique_ptr<Node>>;

// Node lists nest this deep at most while rendering, counting every tag of
// every template on the way (include and extends add up): the parser's
// bound of 512 levels holds for one template only.
constexpr int MaxRenderNesting = 1024;

void renderList(const NodeList &nodes, RenderState &state);
// Renders one node of a list: gives an AbortRender from inside it the
// node's position, turns std::bad_alloc and other std::exceptions into
// AbortRender, and checks the output limit after it.
void renderNode(const Node &node, RenderState &state);
// Renders into a fresh string, leaving the state's output untouched.
QString renderToString(const NodeList &nodes, RenderState &state);

class TextNode final : public Node
{
public:
    explicit TextNode(QString text) : text(std::move(text)) {}
    void render(RenderState &state) const override;
    bool isText() const override { return true; }
    QString text;
};

// Where a key sat in the last map it was found in, as a position in the
// map's key order. Rows of one list usually share their keys, so the next
// row's key is likely at the same position: stepping there and comparing
// for equality is several times cheaper than QMap's tree search, whose every
// step is an out-of-line QString ordering. Only a hint (always checked), and
// atomic because threads may render one compiled template at once.
struct MapPositionHint
{
    mutable std::atomic<int> position{-1};
    MapPositionHint() = default;
    MapPositionHint(const MapPositionHint &other) : position(other.position.load(std::memory_order_relaxed)) {}
    MapPositionHint &operator=(const MapPositionHint &other)
    {
        position.store(other.position.load(std::memory_order_relaxed), std::memory_order_relaxed);
        return *this;
    }
};

// One part of a dotted lookup: `items.0.name` -> items, 0, name.
struct PathPart
{
    QString name;
    qint64 index = 0;
    bool isIndex = false;
    MapPositionHint hint;
};

// Django's Variable: a literal or a dotted lookup.
struct Operand
{
    bool isLiteral = false;
    Value literal;
    QString root;               // first name of a lookup
    std::vector<PathPart> path; // the rest
    QString text;               // as written, for messages

    // std::nullopt when the lookup fails (Django's VariableDoesNotExist).
    std::optional<Value> resolve(RenderState &state) const;
    // The value a lookup reaches without copying, when it runs through
    // context bindings, map keys and list indices only (the common case);
    // nullptr when it would take another route, which resolve() then takes
    // (nullptr does not mean the lookup fails). A safe string binding also
    // gives nullptr, as it must come out marked safe.
    const QVariant *resolveInPlace(const RenderState &state) const;
};

struct FilterCall
{
    const FilterDef *def = nullptr;
    bool hasArg = false;
    Operand arg;
    int column = 0;
    // FilterDef::prepare's digest of a literal argument (or of none).
    std::shared_ptr<const PreparedArg> prepared;
};

// Django's FilterExpression: an operand and a chain of filters.
struct FilterExpression
{
    Operand operand;
    std::vector<FilterCall> filters;
    QString text;
    int line = 0;
    int column = 0;

    // Missing values become "" before filters run (Django's
    // string_if_invalid), or None with ignoreFailures (as {% if %} wants).
    Value resolve(RenderState &state, bool ignoreFailures = false) const;
    bool isPlainVariable() const { return !operand.isLiteral && filters.empty(); }
};

class VariableNode final : public Node
{
public:
    void render(RenderState &state) const override;
    FilterExpression expr;
};

// Appends a value as Django's render_value_in_context does: str(), then
// escaped when autoescape is on and the value is not safe.
void appendValue(RenderState &state, const Value &value);

// Block bookkeeping for {% extends %}, as Django's BlockContext.
class BlockContext
{
public:
    void addBlocks(const QHash<QString, const BlockNode *> &blocks);
    const BlockNode *pop(const QString &name);
    void push(const QString &name, const BlockNode *block);
    const BlockNode *get(const QString &name) const;

private:
    QHash<QString, std::vector<const BlockNode *>> m_blocks;
};

// The loop state {{ forloop.* }} reads; lives on the for tag's stack frame.
struct LoopState
{
    qint64 counter0 = 0;
    qint64 length = 0;
    QVariant parent; // the parent loop's LoopState pointer, or an empty map
    // {% ifchanged %} memory: Django keeps it on the innermost forloop, so it
    // lasts for one run of the loop, across includes.
    mutable QHash<const Node *, QVariant> ifchanged;
};

// A string marked safe, as a context binding holds it: Django's context
// keeps SafeString objects, so {% with a=x|safe %}{{ a }} must not escape.
// Only bindings hold this type; lookups hand it on as a safe Value.
struct SafeText
{
    QString text;
};

// What {{ block.super }} reads.
struct BlockRef
{
    const BlockNode *node = nullptr;
};

struct RenderState
{
    RenderState(const TemplateContext &root, const CompiledTemplate *tpl);

    RenderBudget budget;             // the engine's limits for this render
    QString out;
    // Output set aside by OutputDiversion (still counts against the limit),
    // and how much more out may hold.
    qsizetype diverted = 0;
    qsizetype outputRoom = 0;
    int nesting = 0;                 // node lists being rendered, bounded by MaxRenderNesting
    const TemplateContext &root;
    const CompiledTemplate *tpl;     // template being rendered (for names in errors)
    BlockContext *blocks = nullptr;  // current template render's block context
    bool autoescape = true;
    bool isolated = false;           // {% include ... only %}: the root context is hidden
    int depth = 0;                   // include/extends nesting, bounded

    // The context stack: a flat list of bindings plus scope start offsets;
    // lookups scan from the innermost binding outwards.
    std::vector<std::pair<QString, QVariant>> bindings;
    std::vector<size_t> scopes;

    void push() { scopes.push_back(bindings.size()); }
    void pop()
    {
        bindings.resize(scopes.back());
        scopes.pop_back();
    }
    void set(const QString &name, const QVariant &value);
    void set(const QString &name, const Value &value); // keeps the safe mark
    std::optional<QVariant> find(const QString &name) const;

    // ifchanged/cycle per-render state, keyed by node.
    QHash<const Node *, QVariant> nodeState;

    [[noreturn]] void fail(const Node &node, const QString &message) const;
    [[noreturn]] void fail(int line, int column, const QString &message) const;
    // Gives an AbortRender that has no position yet the node's.
    void locate(AbortRender &abort, const Node &node) const;
    [[noreturn]] void failOutput(const Node &node) const;
    void checkOutput(const Node &node) const
    {
        if (out.size() > outputRoom) [[unlikely]]
            failOutput(node);
    }
};

// One more level of node lists (or of a fragment search) while it lives.
class NestingGuard
{
public:
    explicit NestingGuard(RenderState &state);
    ~NestingGuard() { --m_state.nesting; }
    NestingGuard(const NestingGuard &) = delete;
    NestingGuard &operator=(const NestingGuard &) = delete;

private:
    RenderState &m_state;
};

// Renders into a fresh string while the output so far waits, still counted
// against the output limit; finish() returns what was rendered meanwhile and
// puts the output back (the destructor does so when an exception passes).
class OutputDiversion
{
public:
    explicit OutputDiversion(RenderState &state);
    ~OutputDiversion();
    OutputDiversion(const OutputDiversion &) = delete;
    OutputDiversion &operator=(const OutputDiversion &) = delete;
    QString finish();

private:
    void restore();
    RenderState &m_state;
    QString m_saved;
    bool m_done = false;
};

struct ScopeGuard
{
    explicit ScopeGuard(RenderState &s) : state(s) { state.push(); }
    ~ScopeGuard() { state.pop(); }
    RenderState &state;
};

} // namespace Rill::detail

Q_DECLARE_METATYPE(const Rill::detail::LoopState *)
Q_DECLARE_METATYPE(const Rill::detail::BlockRef *)
Q_DECLARE_METATYPE(Rill::detail::SafeText)
