#pragma once

// Node classes of tags that other parts of the engine look into: inheritance
// (blocks are collected across templates), and the control tags a fragment
// search walks through.

#include "node_p.h"

#include <QHash>

namespace Rill::detail {

struct CompiledTemplate;

// {% if %} conditions: Django's "smart if" expression tree.
class Condition
{
public:
    virtual ~Condition() = default;
    // Django swallows errors in comparisons: a failing operator is False.
    virtual QVariant eval(RenderState &state) const = 0;
    // isTruthy(eval(state)), which is all {% if %} needs; overridden where
    // the truth can be read without copying the value out.
    virtual bool test(RenderState &state) const { return isTruthy(eval(state)); }
};
using ConditionPtr = std::unique_ptr<Condition>;

class IfNode final : public Node
{
public:
    struct Branch
    {
        ConditionPtr condition; // null for {% else %}
        NodeList nodes;
    };
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override;
    // The branch that would render, or nullptr.
    const NodeList *chosen(RenderState &state) const;
    std::vector<Branch> branches;
};

class ForNode final : public Node
{
public:
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override;
    QStringList loopVars;
    FilterExpression sequence;
    bool reversed = false;
    NodeList body;
    NodeList empty;
};

class WithNode final : public Node
{
public:
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    void bind(RenderState &state) const;
    std::vector<std::pair<QString, FilterExpression>> bindings;
    NodeList body;
};

class AutoescapeNode final : public Node
{
public:
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    bool on = true;
    NodeList body;
};

class BlockNode final : public Node
{
public:
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    QString name;
    NodeList body;
};

class IncludeNode final : public Node
{
public:
    void render(RenderState &state) const override;
    FilterExpression name;
    std::vector<std::pair<QString, FilterExpression>> extra;
    bool only = false;
};

class ExtendsNode final : public Node
{
public:
    void render(RenderState &state) const override;
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    // The parent template, compiled (loads it through the engine).
    std::shared_ptr<const CompiledTemplate> parent(RenderState &state) const;
    FilterExpression parentName;
    NodeList body;
    QHash<QString, const BlockNode *> blocks; // every block in body, nested ones too
};

// What rendering an {% extends %} sets up, and undoes when it goes: the
// parent template (loaded; the nesting bounded), the block context the
// child's blocks join, the template named in errors. Rendering and the
// fragment search both walk a parent through it.
class ExtendsScope
{
public:
    ExtendsScope(const ExtendsNode &node, RenderState &state);
    ~ExtendsScope();
    ExtendsScope(const ExtendsScope &) = delete;
    ExtendsScope &operator=(const ExtendsScope &) = delete;
    const CompiledTemplate &parent() const { return *m_parent; }

private:
    RenderState &m_state;
    std::shared_ptr<const CompiledTemplate> m_parent;
    BlockContext m_local;
    BlockContext *m_savedBlocks;
    const CompiledTemplate *m_savedTpl;
};

// What rendering a {% block %} sets up: the most derived version of the
// block (taken from the block context while it renders) and `block` for
// {{ block.super }}, in a scope of its own.
class BlockScope
{
public:
    BlockScope(const BlockNode &node, RenderState &state);
    ~BlockScope();
    BlockScope(const BlockScope &) = delete;
    BlockScope &operator=(const BlockScope &) = delete;
    const NodeList &body() const { return m_ref.node->body; }

private:
    BlockRef m_ref; // before m_scope: the binding to it goes first
    ScopeGuard m_scope;
    RenderState &m_state;
    const QString &m_name;
    const BlockNode *m_pushed = nullptr;
};

// Every {% block %} in \a nodes, nested ones included (Django's get_nodes_by_type).
void collectBlocks(const NodeList &nodes, QHash<QString, const BlockNode *> &out);
// Renders the next block up the inheritance chain, for {{ block.super }}.
QString renderBlockSuper(const BlockRef &ref, RenderState &state);
// Renders a whole compiled template into state.out with a fresh block
// context, as Django's Template.render does for extends and include.
void renderTemplate(const CompiledTemplate &tpl, RenderState &state);

} // namespace Rill::detail
