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

// Every {% block %} in \a nodes, nested ones included (Django's get_nodes_by_type).
void collectBlocks(const NodeList &nodes, QHash<QString, const BlockNode *> &out);
// Renders the next block up the inheritance chain, for {{ block.super }}.
QString renderBlockSuper(const BlockRef &ref, RenderState &state);
// Renders a whole compiled template into state.out with a fresh block
// context, as Django's Template.render does for extends and include.
void renderTemplate(const CompiledTemplate &tpl, RenderState &state);

} // namespace Rill::detail
