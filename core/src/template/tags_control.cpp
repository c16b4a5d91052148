// {% if %} (Django's "smart if" with its operators and precedence),
// {% for %} and {% with %}.

#include "engine_p.h"
#include "parser_p.h"
#include "tags_p.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace Rill::detail {

// ---- {% if %} ------------------------------------------------------------

namespace {

class LiteralCondition final : public Condition
{
public:
    explicit LiteralCondition(FilterExpression e) : expr(std::move(e)) {}
    QVariant eval(RenderState &state) const override { return expr.resolve(state, true).v; }
    bool test(RenderState &state) const override
    {
        if (expr.filters.empty()) {
            if (const QVariant *v = expr.operand.resolveInPlace(state))
                return isTruthy(*v);
        }
        return isTruthy(eval(state));
    }
    FilterExpression expr;
};

enum class Op { Or, And, Not, In, NotIn, Is, IsNot, Eq, Ne, Gt, Ge, Lt, Le };

bool pyIs(const QVariant &a, const QVariant &b)
{
    const Kind ka = kindOf(a), kb = kindOf(b);
    if (ka == Kind::None || kb == Kind::None)
        return ka == kb;
    if (ka == Kind::Bool || kb == Kind::Bool)
        return ka == kb && a.toBool() == b.toBool();
    if (ka == Kind::Int && kb == Kind::Int) // CPython caches small ints
        return toInt(a) == toInt(b) && toInt(a) >= -5 && toInt(a) <= 256;
    if (ka == Kind::Object && kb == Kind::Object)
        return qvariant_cast<QObject *>(a) == qvariant_cast<QObject *>(b);
    return false;
}

bool isBooleanOp(Op op)
{
    return op == Op::Or || op == Op::And;
}

// Django's binary operators, on values already evaluated.
QVariant applyComparison(Op op, const QVariant &x, const QVariant &y)
{
    switch (op) {
    case Op::In:
        return pyContains(y, x).value_or(false);
    case Op::NotIn: {
        const auto r = pyContains(y, x);
        return r ? !*r : false;
    }
    case Op::Is:
        return pyIs(x, y);
    case Op::IsNot:
        return !pyIs(x, y);
    case Op::Eq:
        return pyEquals(x, y);
    case Op::Ne:
        return !pyEquals(x, y);
    case Op::Gt:
    case Op::Ge:
    case Op::Lt:
    case Op::Le: {
        const auto c = pyCompare(x, y);
        if (!c)
            return false;
        if (op == Op::Gt)
            return *c > 0;
        if (op == Op::Ge)
            return *c >= 0;
        if (op == Op::Lt)
            return *c < 0;
        return *c <= 0;
    }
    default:
        return false;
    }
}

class NotCondition final : public Condition
{
public:
    explicit NotCondition(ConditionPtr c) : operand(std::move(c)) {}

    // As Django: any failure inside an operator makes it False.
    QVariant eval(RenderState &state) const override
    {
        try {
            return !isTruthy(operand->eval(state));
        } catch (const TemplateException &) {
            return false;
        }
    }

    bool test(RenderState &state) const override
    {
        try {
            return !operand->test(state);
        } catch (const TemplateException &) {
            return false;
        }
    }

    ConditionPtr operand;
};

// A run of binary operators, `a or b or c` or `x == y == z`: Django's
// parser makes a left-leaning tree of them, ((a or b) or c), which this
// evaluates as the fold it is, in a loop: a run of 200,000 operators would
// otherwise be a recursion 200,000 calls deep. Each step is what one node
// of the tree did, including swallowing a failure as False.
class ChainCondition final : public Condition
{
public:
    struct Step
    {
        Op op;
        ConditionPtr operand;
    };

    QVariant eval(RenderState &state) const override
    {
        QVariant x;
        for (size_t i = 0; i < steps.size(); ++i) {
            state.budget.step();
            try {
                if (i == 0)
                    x = first->eval(state);
                x = apply(steps[i], std::move(x), state);
            } catch (const TemplateException &) {
                x = false;
            }
        }
        return x;
    }

    bool test(RenderState &state) const override
    {
        // The boolean operators need only their operands' truth, so they
        // test them in place. The parser's precedence puts them after the
        // comparisons, whose values a following comparison may need.
        size_t i = 0;
        bool truth = false;
        if (!isBooleanOp(steps.front().op)) {
            QVariant x;
            for (; i < steps.size() && !isBooleanOp(steps[i].op); ++i) {
                state.budget.step();
                try {
                    if (i == 0)
                        x = first->eval(state);
                    x = apply(steps[i], std::move(x), state);
                } catch (const TemplateException &) {
                    x = false;
                }
            }
            truth = isTruthy(x);
        }
        for (; i < steps.size(); ++i) {
            state.budget.step();
            const Step &s = steps[i];
            try {
                if (i == 0)
                    truth = first->test(state);
                if (s.op == Op::Or) {
                    if (!truth)
                        truth = s.operand->test(state);
                } else if (s.op == Op::And) {
                    if (truth)
                        truth = s.operand->test(state);
                } else { // not made by the parser (see above); kept safe all the same
                    truth = isTruthy(applyComparison(s.op, truth, s.operand->eval(state)));
                }
            } catch (const TemplateException &) {
                truth = false;
            }
        }
        return truth;
    }

    ConditionPtr first;
    std::vector<Step> steps;

private:
    static QVariant apply(const Step &s, QVariant x, RenderState &state)
    {
        switch (s.op) {
        case Op::Or:
            return isTruthy(x) ? x : s.operand->eval(state);
        case Op::And:
            return isTruthy(x) ? s.operand->eval(state) : x;
        default:
            return applyComparison(s.op, x, s.operand->eval(state));
        }
    }
};

struct IfToken
{
    QString text;
    int column = 0;
    bool isOperator = false;
    Op op = Op::Or;
    int lbp = 0;
};

// Pratt parser over the tag's words, with Django's binding powers.
class IfExpressionParser
{
public:
    IfExpressionParser(Parser &p, const Token &t, const QList<std::pair<QString, int>> &bits)
        : parser(p), token(t)
    {
        static const QHash<QString, std::pair<Op, int>> ops = {
            {u"or"_s, {Op::Or, 6}},   {u"and"_s, {Op::And, 7}},  {u"not"_s, {Op::Not, 8}},
            {u"in"_s, {Op::In, 9}},   {u"not in"_s, {Op::NotIn, 9}}, {u"is"_s, {Op::Is, 10}},
            {u"is not"_s, {Op::IsNot, 10}}, {u"=="_s, {Op::Eq, 10}}, {u"!="_s, {Op::Ne, 10}},
            {u">"_s, {Op::Gt, 10}},   {u">="_s, {Op::Ge, 10}},   {u"<"_s, {Op::Lt, 10}},
            {u"<="_s, {Op::Le, 10}},
        };
        for (qsizetype i = 0; i < bits.size(); ++i) {
            QString word = bits.at(i).first;
            const int col = bits.at(i).second;
            if (word == u"is"_s && i + 1 < bits.size() && bits.at(i + 1).first == u"not"_s) {
                word = u"is not"_s;
                ++i;
            } else if (word == u"not"_s && i + 1 < bits.size() && bits.at(i + 1).first == u"in"_s) {
                word = u"not in"_s;
                ++i;
            }
            IfToken it;
            it.text = word;
            it.column = col;
            if (auto o = ops.constFind(word); o != ops.cend()) {
                it.isOperator = true;
                it.op = o->first;
                it.lbp = o->second;
            }
            tokens.push_back(std::move(it));
        }
    }

    ConditionPtr parse()
    {
        if (tokens.empty())
            parser.error(token, u"'{% %1 %}' needs a condition"_s.arg(tagName()));
        ConditionPtr result = expression(0);
        if (pos < tokens.size())
            parser.error(token.line, tokens[pos].column,
                         u"unexpected '%1' at the end of the condition"_s.arg(tokens[pos].text));
        return result;
    }

private:
    QString tagName() const { return token.contents.section(u' ', 0, 0); }

    // Django's Pratt parser. Its recursion goes deeper only for a higher
    // binding power, or for a 'not', so bounding the 'not's bounds it.
    ConditionPtr expression(int rbp)
    {
        if (pos >= tokens.size())
            parser.error(token, u"the condition in '{% %1 %}' ends too early"_s.arg(tagName()));
        const IfToken &t = tokens[pos++];
        ConditionPtr left;
        if (!t.isOperator) {
            left = std::make_unique<LiteralCondition>(parser.compileFilter(t.text, token, t.column));
        } else if (t.op == Op::Not) {
            if (nots >= MaxExpressionNesting)
                parser.error(token.line, t.column,
                             u"expression nested too deeply (more than %1 levels)"_s.arg(MaxExpressionNesting));
            ++nots;
            left = std::make_unique<NotCondition>(expression(8));
            --nots;
        } else {
            parser.error(token.line, t.column, u"'%1' cannot start a condition here"_s.arg(t.text));
        }
        std::unique_ptr<ChainCondition> chain;
        while (pos < tokens.size() && rbp < tokens[pos].lbp) {
            const IfToken &op = tokens[pos++];
            if (op.op == Op::Not)
                parser.error(token.line, op.column, u"'not' cannot join two values; did you mean 'not in'?"_s);
            if (!chain) {
                chain = std::make_unique<ChainCondition>();
                chain->first = std::move(left);
            }
            chain->steps.push_back({op.op, expression(op.lbp)});
        }
        if (chain)
            return chain;
        return left;
    }

    static constexpr int MaxExpressionNesting = 256;

    Parser &parser;
    const Token &token;
    std::vector<IfToken> tokens;
    size_t pos = 0;
    int nots = 0; // 'not's enclosing the expression being parsed
};

ConditionPtr parseCondition(Parser &parser, const Token &token)
{
    QList<std::pair<QString, int>> bits = smartSplit(token.contents);
    bits.removeFirst();
    for (auto &b : bits)
        b.second += token.contentColumn;
    return IfExpressionParser(parser, token, bits).parse();
}

std::unique_ptr<Node> compileIf(Parser &parser, const Token &token)
{
    auto node = std::make_unique<IfNode>();
    Token current = token;
    for (;;) {
        IfNode::Branch branch;
        const QString name = current.contents.section(u' ', 0, 0);
        if (name == u"else"_s) {
            if (current.contents != u"else"_s)
                parser.error(current, u"'{% else %}' takes no condition; use '{% elif ... %}'"_s);
        } else {
            branch.condition = parseCondition(parser, current);
        }
        const QStringList until = name == u"else"_s ? QStringList{u"endif"_s}
                                                    : QStringList{u"elif"_s, u"else"_s, u"endif"_s};
        branch.nodes = parser.parse(until);
        node->branches.push_back(std::move(branch));
        current = parser.expectEnd(until, token);
        if (current.contents.section(u' ', 0, 0) == u"endif"_s)
            break;
    }
    return node;
}

} // namespace

const NodeList *IfNode::chosen(RenderState &state) const
{
    for (const Branch &b : branches) {
        if (!b.condition)
            return &b.nodes;
        bool match = false;
        try {
            match = b.condition->test(state);
        } catch (const TemplateException &e) {
            if (!e.missingVariable) // Django's IfNode: VariableDoesNotExist means None
                throw;
        }
        if (match)
            return &b.nodes;
    }
    return nullptr;
}

void IfNode::render(RenderState &state) const
{
    if (const NodeList *nodes = chosen(state))
        renderList(*nodes, state);
}

void IfNode::childLists(std::vector<const NodeList *> &out) const
{
    for (const Branch &b : branches)
        out.push_back(&b.nodes);
}

// ---- {% for %} -----------------------------------------------------------

namespace {

std::unique_ptr<Node> compileFor(Parser &parser, const Token &token)
{
    const auto bits = smartSplit(token.contents);
    if (bits.size() < 4)
        parser.error(token, u"'{% for %}' needs the form '{% for item in items %}'"_s);
    const bool reversed = bits.last().first == u"reversed"_s;
    const qsizetype inIndex = bits.size() - (reversed ? 3 : 2);
    if (bits.at(inIndex).first != u"in"_s)
        parser.error(token, u"'{% for %}' needs the form '{% for item in items %}'"_s);
    auto node = std::make_unique<ForNode>();
    QStringList words;
    for (qsizetype i = 1; i < inIndex; ++i)
        words << bits.at(i).first;
    const QString joined = words.join(u' ');
    static const QRegularExpression comma(u" *, *"_s);
    for (const QString &var : joined.split(comma)) {
        if (var.isEmpty() || var.contains(u' ') || var.contains(u'"') || var.contains(u'\'') || var.contains(u'|'))
            parser.error(token, u"'{% for %}' has an invalid loop variable '%1'"_s.arg(var));
        node->loopVars << var;
    }
    node->reversed = reversed;
    node->sequence = parser.compileFilter(bits.at(inIndex + 1).first, token,
                                          token.contentColumn + bits.at(inIndex + 1).second);
    node->body = parser.parse({u"empty"_s, u"endfor"_s});
    Token end = parser.expectEnd({u"empty"_s, u"endfor"_s}, token);
    if (end.contents == u"empty"_s) {
        node->empty = parser.parse({u"endfor"_s});
        parser.expectEnd({u"endfor"_s}, token);
    }
    return node;
}

QString typeName(const QVariant &v)
{
    switch (kindOf(v)) {
    case Kind::Bool: return u"bool"_s;
    case Kind::Int: return u"int"_s;
    case Kind::Float: return u"float"_s;
    default: return QString::fromLatin1(v.typeName());
    }
}

} // namespace

void ForNode::render(RenderState &state) const
{
    QVariant parentLoop = state.find(u"forloop"_s).value_or(QVariant(QVariantMap()));
    ScopeGuard scope(state);
    const Value seq = sequence.resolve(state, true);
    std::optional<QVariantList> items;
    if (kindOf(seq.v) == Kind::None)
        items = QVariantList();
    else
        items = iterate(seq.v);
    if (!items)
        state.fail(*this, u"'{% for %}' cannot loop over %1, a value of type %2"_s.arg(toPyStr(seq.v), typeName(seq.v)));
    if (items->isEmpty()) {
        renderList(empty, state);
        return;
    }
    LoopState loop;
    loop.length = items->size();
    loop.parent = std::move(parentLoop);
    state.set(u"forloop"_s, QVariant::fromValue(static_cast<const LoopState *>(&loop)));
    const bool unpack = loopVars.size() > 1;
    const qsizetype n = items->size();
    for (qsizetype k = 0; k < n; ++k) {
        // A turn of an empty loop renders no node, yet takes time.
        state.budget.step();
        const QVariant &item = items->at(reversed ? n - 1 - k : k);
        loop.counter0 = k;
        if (unpack) {
            // A long string would be split into as many one-character
            // strings only to find they are too many.
            if (item.typeId() == QMetaType::QString && static_cast<const QString *>(item.constData())->size() > 2 * loopVars.size())
                state.fail(*this, u"'{% for %}' needs %1 values to unpack; got %2"_s.arg(loopVars.size()).arg(
                                      pyLen(item).value_or(0)));
            const std::optional<QVariantList> parts = iterate(item);
            const qsizetype got = parts ? parts->size() : 1;
            if (got != loopVars.size())
                state.fail(*this, u"'{% for %}' needs %1 values to unpack; got %2"_s.arg(loopVars.size()).arg(got));
            state.push();
            for (qsizetype i = 0; i < loopVars.size(); ++i)
                state.set(loopVars.at(i), parts->at(i));
            renderList(body, state);
            state.pop();
        } else {
            state.set(loopVars.first(), item);
            renderList(body, state);
        }
    }
}

void ForNode::childLists(std::vector<const NodeList *> &out) const
{
    out.push_back(&body);
    out.push_back(&empty);
}

// ---- {% with %} ----------------------------------------------------------

// Django's token_kwargs(): `a=b c=d`, or with legacy support `b as a and d as c`.
std::vector<std::pair<QString, FilterExpression>> parseKwargs(Parser &parser, const Token &token,
                                                             QList<std::pair<QString, int>> &bits,
                                                             bool supportLegacy)
{
    std::vector<std::pair<QString, FilterExpression>> out;
    if (bits.isEmpty())
        return out;
    static const QRegularExpression kwarg(u"^(?:(\\w+)=)?(.+)$"_s, QRegularExpression::UseUnicodePropertiesOption);
    const bool kwFormat = !kwarg.match(bits.first().first).captured(1).isEmpty();
    if (!kwFormat && (!supportLegacy || bits.size() < 3 || bits.at(1).first != u"as"_s))
        return out;
    while (!bits.isEmpty()) {
        QString key;
        QString value;
        int column = token.contentColumn;
        if (kwFormat) {
            const auto m = kwarg.match(bits.first().first);
            if (!m.hasMatch() || m.captured(1).isEmpty())
                return out;
            key = m.captured(1);
            value = m.captured(2);
            column += bits.first().second + int(m.capturedStart(2));
            bits.removeFirst();
        } else {
            if (bits.size() < 3 || bits.at(1).first != u"as"_s)
                return out;
            key = bits.at(2).first;
            value = bits.at(0).first;
            column += bits.at(0).second;
            bits.remove(0, 3);
        }
        out.emplace_back(key, parser.compileFilter(value, token, column));
        if (!bits.isEmpty() && !kwFormat) {
            if (bits.first().first != u"and"_s)
                return out;
            bits.removeFirst();
        }
    }
    return out;
}

namespace {

std::unique_ptr<Node> compileWith(Parser &parser, const Token &token)
{
    auto bits = smartSplit(token.contents);
    bits.removeFirst();
    auto node = std::make_unique<WithNode>();
    node->bindings = parseKwargs(parser, token, bits, true);
    if (node->bindings.empty())
        parser.error(token, u"'{% with %}' needs at least one assignment, as in '{% with total=items|length %}'"_s);
    if (!bits.isEmpty())
        parser.error(token.line, token.contentColumn + bits.first().second,
                     u"'{% with %}' does not understand '%1'"_s.arg(bits.first().first));
    node->body = parser.parse({u"endwith"_s});
    parser.expectEnd({u"endwith"_s}, token);
    return node;
}

} // namespace

void WithNode::bind(RenderState &state) const
{
    std::vector<Value> values;
    values.reserve(bindings.size());
    for (const auto &b : bindings)
        values.push_back(b.second.resolve(state));
    for (size_t i = 0; i < bindings.size(); ++i)
        state.set(bindings[i].first, values[i]);
}

void WithNode::render(RenderState &state) const
{
    ScopeGuard scope(state);
    bind(state);
    renderList(body, state);
}

void registerControlTags(TagTable &table)
{
    table.insert(u"if"_s, &compileIf);
    table.insert(u"for"_s, &compileFor);
    table.insert(u"with"_s, &compileWith);
}

} // namespace Rill::detail
