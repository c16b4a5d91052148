// cycle, resetcycle, firstof, ifchanged, widthratio, filter, regroup.

#include "engine_p.h"
#include "filters_p.h"
#include "parser_p.h"
#include "tags_p.h"

#include <rill/templatecontext.h>

#include <QRegularExpression>

#include <charconv>
#include <cmath>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

// Arguments of a tag (its name dropped), with columns made absolute.
QList<std::pair<QString, int>> tagArgs(const Token &token)
{
    auto bits = smartSplit(token.contents);
    bits.removeFirst();
    for (auto &b : bits)
        b.second += token.contentColumn;
    return bits;
}

FilterExpression compileBit(Parser &parser, const Token &token, const std::pair<QString, int> &bit)
{
    return parser.compileFilter(bit.first, token, bit.second);
}

// A value as a binding holds it (safe strings keep their mark).
QVariant bindingOf(RenderState &state, const Value &value)
{
    ScopeGuard scope(state);
    state.set(u"_"_s, value);
    return state.bindings.back().second;
}

// Django's Context.set_upward(): overwrite the innermost existing binding,
// else bind in the innermost scope.
void setUpward(RenderState &state, const QString &name, const Value &value)
{
    for (size_t i = state.bindings.size(); i > 0; --i) {
        if (state.bindings[i - 1].first == name) {
            state.bindings[i - 1].second = bindingOf(state, value);
            return;
        }
    }
    if (!state.isolated && state.root.value(name).isValid() && !state.scopes.empty()) {
        // The name lives in the root context, which Django would overwrite
        // for the rest of the render; bind it below every scope instead.
        state.bindings.insert(state.bindings.begin(), {name, bindingOf(state, value)});
        for (size_t &sc : state.scopes)
            ++sc;
        return;
    }
    state.set(name, value);
}

// ---- {% cycle %} ---------------------------------------------------------

// What a cycle and every {% cycle name %} that refers to it share: Django
// returns the very same node for both, so they share position, name and the
// silent flag.
struct CycleData
{
    std::vector<FilterExpression> values;
    QString name;
    bool silent = false;
    const Node *key = nullptr; // the defining node: its position lives in nodeState under this key
};

class CycleNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        const CycleData &d = *data;
        auto it = state.nodeState.find(d.key);
        qint64 index = it == state.nodeState.end() ? 0 : it->toLongLong();
        const Value value = d.values[size_t(index)].resolve(state);
        state.nodeState.insert(d.key, QVariant(qint64((index + 1) % qint64(d.values.size()))));
        if (!d.name.isEmpty())
            setUpward(state, d.name, value);
        if (!d.silent)
            appendValue(state, value);
    }
    std::shared_ptr<const CycleData> data;
};

class ResetCycleNode final : public Node
{
public:
    void render(RenderState &state) const override { state.nodeState.remove(data->key); }
    std::shared_ptr<const CycleData> data;
};

// Named cycles belong to the template being parsed (Django keeps them on
// its parser).
struct CycleRegistry
{
    QHash<QString, std::shared_ptr<const CycleData>> named;
    std::shared_ptr<const CycleData> last;
};

CycleRegistry &cycleRegistry(Parser &parser)
{
    return parser.tagState<CycleRegistry>(QLatin1StringView("cycle"));
}

std::unique_ptr<Node> compileCycle(Parser &parser, const Token &token)
{
    auto bits = tagArgs(token);
    if (bits.isEmpty())
        parser.error(token, u"'{% cycle %}' needs values to cycle through, or the name of an earlier cycle"_s);
    CycleRegistry &registry = cycleRegistry(parser);
    if (bits.size() == 1) {
        const QString &name = bits.first().first;
        auto it = registry.named.constFind(name);
        if (it == registry.named.cend())
            parser.error(token.line, bits.first().second,
                         u"no cycle named '%1' before this point in the template; name one with '{% cycle ... as %1 %}'"_s.arg(name));
        auto node = std::make_unique<CycleNode>();
        node->data = *it;
        registry.last = *it;
        return node;
    }
    auto data = std::make_shared<CycleData>();
    auto node = std::make_unique<CycleNode>();
    data->key = node.get();
    if (bits.size() > 3) {
        const qsizetype n = bits.size();
        if (bits.at(n - 3).first == u"as"_s) {
            if (bits.at(n - 1).first != u"silent"_s)
                parser.error(token.line, bits.at(n - 1).second,
                             u"'{% cycle %}' takes only 'silent' after the cycle's name, not '%1'"_s.arg(bits.at(n - 1).first));
            data->silent = true;
            bits.removeLast();
        }
        if (bits.at(bits.size() - 2).first == u"as"_s) {
            data->name = bits.last().first;
            bits.remove(bits.size() - 2, 2);
        }
    }
    for (const auto &b : std::as_const(bits))
        data->values.push_back(compileBit(parser, token, b));
    if (!data->name.isEmpty())
        registry.named.insert(data->name, data);
    registry.last = data;
    node->data = std::move(data);
    return node;
}

std::unique_ptr<Node> compileResetCycle(Parser &parser, const Token &token)
{
    const auto bits = tagArgs(token);
    if (bits.size() > 1)
        parser.error(token.line, bits.at(1).second, u"'{% resetcycle %}' takes at most one argument, a cycle's name"_s);
    CycleRegistry &registry = cycleRegistry(parser);
    auto node = std::make_unique<ResetCycleNode>();
    if (bits.size() == 1) {
        auto it = registry.named.constFind(bits.first().first);
        if (it == registry.named.cend())
            parser.error(token.line, bits.first().second,
                         u"no cycle named '%1' before this point in the template"_s.arg(bits.first().first));
        node->data = *it;
    } else {
        if (!registry.last)
            parser.error(token, u"'{% resetcycle %}' has no '{% cycle %}' before it to reset"_s);
        node->data = registry.last;
    }
    return node;
}

// ---- {% firstof %} -------------------------------------------------------

class FirstOfNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        Value first = Value::string(QString());
        for (const FilterExpression &e : values) {
            const Value v = e.resolve(state, true);
            if (isTruthy(v.v)) {
                OutputDiversion diversion(state);
                appendValue(state, v);
                // Django's render_value_in_context gives a SafeString when
                // it escapes, or when the value was safe already.
                first = Value::string(diversion.finish(), state.autoescape || v.safe);
                break;
            }
        }
        if (!asName.isEmpty())
            state.set(asName, first);
        else
            state.out.append(first.v.toString());
    }
    std::vector<FilterExpression> values;
    QString asName;
};

std::unique_ptr<Node> compileFirstOf(Parser &parser, const Token &token)
{
    auto bits = tagArgs(token);
    if (bits.isEmpty())
        parser.error(token, u"'{% firstof %}' needs at least one value to choose from"_s);
    auto node = std::make_unique<FirstOfNode>();
    if (bits.size() >= 2 && bits.at(bits.size() - 2).first == u"as"_s) {
        node->asName = bits.last().first;
        bits.remove(bits.size() - 2, 2);
    }
    for (const auto &b : std::as_const(bits))
        node->values.push_back(compileBit(parser, token, b));
    return node;
}

// ---- {% ifchanged %} -----------------------------------------------------

class IfChangedNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        // Inside a loop the memory belongs to the innermost loop run; outside
        // one, to the template render.
        const std::optional<QVariant> forloop = state.find(u"forloop"_s);
        QHash<const Node *, QVariant> &memory =
            forloop && forloop->metaType() == QMetaType::fromType<const LoopState *>()
                ? forloop->value<const LoopState *>()->ifchanged
                : state.nodeState;
        QVariant compareTo;
        QString output;
        bool rendered = false;
        if (!values.empty()) {
            QVariantList list;
            for (const FilterExpression &e : values)
                list.append(e.resolve(state, true).v);
            compareTo = list;
        } else {
            output = renderToString(body, state);
            rendered = true;
            compareTo = output;
        }
        auto last = memory.constFind(this);
        const bool changed = last == memory.cend() || !pyEquals(compareTo, last.value());
        if (changed) {
            memory.insert(this, compareTo);
            // As Django: an empty first rendering is rendered again.
            if (rendered && !output.isEmpty())
                state.out.append(output);
            else
                renderList(body, state);
            return;
        }
        renderList(elseBody, state);
    }
    void childLists(std::vector<const NodeList *> &out) const override
    {
        out.push_back(&body);
        out.push_back(&elseBody);
    }
    std::vector<FilterExpression> values;
    NodeList body;
    NodeList elseBody;
};

std::unique_ptr<Node> compileIfChanged(Parser &parser, const Token &token)
{
    auto node = std::make_unique<IfChangedNode>();
    for (const auto &b : tagArgs(token))
        node->values.push_back(compileBit(parser, token, b));
    node->body = parser.parse({u"else"_s, u"endifchanged"_s});
    const Token end = parser.expectEnd({u"else"_s, u"endifchanged"_s}, token);
    if (end.contents == u"else"_s) {
        node->elseBody = parser.parse({u"endifchanged"_s});
        parser.expectEnd({u"endifchanged"_s}, token);
    } else if (end.contents != u"endifchanged"_s) {
        parser.error(end, u"'{% %1 %}' takes no arguments"_s.arg(end.contents.section(u' ', 0, 0)));
    }
    return node;
}

// ---- {% widthratio %} ----------------------------------------------------

// Python's float(x); std::nullopt where it raises.
std::optional<double> pyFloat(const QVariant &v)
{
    switch (kindOf(v)) {
    case Kind::Bool:
    case Kind::Int:
    case Kind::Float:
        return toDouble(v);
    case Kind::String: {
        const QString s = v.toString().trimmed();
        static const QRegularExpression number(
            u"^[+-]?(?:\\d(?:_?\\d)*(?:\\.(?:\\d(?:_?\\d)*)?)?|\\.\\d(?:_?\\d)*)(?:[eE][+-]?\\d(?:_?\\d)*)?$"_s);
        if (number.match(s).hasMatch()) {
            const QByteArray latin = s.toLatin1().replace('_', "");
            return std::strtod(latin.constData(), nullptr);
        }
        static const QRegularExpression special(u"^([+-]?)(inf|infinity|nan)$"_s,
                                                QRegularExpression::CaseInsensitiveOption);
        const auto m = special.match(s);
        if (!m.hasMatch())
            return std::nullopt;
        if (m.captured(2).compare(u"nan"_s, Qt::CaseInsensitive) == 0)
            return qQNaN();
        return m.captured(1) == u"-"_s ? -qInf() : qInf();
    }
    default:
        return std::nullopt;
    }
}

// Python's int(x); std::nullopt where it raises.
std::optional<qint64> pyIntOf(const QVariant &v)
{
    switch (kindOf(v)) {
    case Kind::Bool:
    case Kind::Int:
        return toInt(v);
    case Kind::Float: {
        const double d = v.toDouble();
        if (!std::isfinite(d) || std::fabs(d) >= 9.2e18)
            return std::nullopt;
        return qint64(std::trunc(d));
    }
    case Kind::String: {
        static const QRegularExpression integer(u"^[+-]?\\d(?:_?\\d)*$"_s);
        const QString s = v.toString().trimmed();
        if (!integer.match(s).hasMatch())
            return std::nullopt;
        bool ok = false;
        const qint64 i = QString(s).remove(u'_').toLongLong(&ok);
        return ok ? std::optional<qint64>(i) : std::nullopt;
    }
    default:
        return std::nullopt;
    }
}

// str(round(x)) for a finite float: Python rounds half to even and prints
// the exact integer.
QString pyRoundedInt(double x)
{
    double r = std::nearbyint(x);
    if (r == 0)
        r = 0; // no "-0"
    char buf[400];
    const auto res = std::to_chars(buf, buf + sizeof buf, r, std::chars_format::fixed, 0);
    return QString::fromLatin1(buf, res.ptr - buf);
}

class WidthRatioNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        const Value value = valueExpr.resolve(state);
        const Value maxValue = maxExpr.resolve(state);
        const Value widthValue = widthExpr.resolve(state);
        const std::optional<qint64> width = pyIntOf(widthValue.v);
        if (!width)
            state.fail(widthExpr.line, widthExpr.column,
                       u"'{% widthratio %}' needs a whole number as its last argument, got '%1'"_s.arg(toPyStr(widthValue.v)));
        QString result;
        const std::optional<double> v = pyFloat(value.v);
        const std::optional<double> m = pyFloat(maxValue.v);
        if (v && m) {
            if (*m == 0) {
                result = u"0"_s;
            } else {
                const double ratio = (*v / *m) * double(*width);
                if (std::isfinite(ratio))
                    result = pyRoundedInt(ratio);
            }
        }
        if (!asName.isEmpty())
            state.set(asName, result);
        else
            state.out.append(result);
    }
    FilterExpression valueExpr;
    FilterExpression maxExpr;
    FilterExpression widthExpr;
    QString asName;
};

std::unique_ptr<Node> compileWidthRatio(Parser &parser, const Token &token)
{
    const auto bits = tagArgs(token);
    if (bits.size() != 3 && bits.size() != 5)
        parser.error(token, u"'{% widthratio %}' needs the form '{% widthratio value max_value max_width [as name] %}'"_s);
    if (bits.size() == 5 && bits.at(3).first != u"as"_s)
        parser.error(token.line, bits.at(3).second,
                     u"'{% widthratio %}' expects 'as' after its three values, not '%1'"_s.arg(bits.at(3).first));
    auto node = std::make_unique<WidthRatioNode>();
    node->valueExpr = compileBit(parser, token, bits.at(0));
    node->maxExpr = compileBit(parser, token, bits.at(1));
    node->widthExpr = compileBit(parser, token, bits.at(2));
    if (bits.size() == 5)
        node->asName = bits.at(4).first;
    return node;
}

// ---- {% filter %} --------------------------------------------------------

class FilterTagNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        const QString output = renderToString(body, state);
        ScopeGuard scope(state);
        // Django binds the body's output to "var" while the filters run.
        state.set(u"var"_s, Value::string(output, true));
        Value input = Value::string(output, true);
        // The chain runs on the rendered body, which is safe like any
        // rendered template text; "var" below only names it.
        FilterExpression chain = expr;
        chain.operand = Operand();
        chain.operand.isLiteral = true;
        chain.operand.literal = std::move(input);
        const Value result = chain.resolve(state);
        // The result is output as is, escaped or not: Django joins node
        // output with str().
        state.out.append(toPyStr(result.v));
    }
    void childLists(std::vector<const NodeList *> &out) const override { out.push_back(&body); }
    FilterExpression expr;
    NodeList body;
};

std::unique_ptr<Node> compileFilterTag(Parser &parser, const Token &token)
{
    const QString &c = token.contents;
    qsizetype start = 0;
    while (start < c.size() && !c.at(start).isSpace())
        ++start;
    while (start < c.size() && c.at(start).isSpace())
        ++start;
    if (start >= c.size())
        parser.error(token, u"'{% filter %}' needs the filters to apply, as in '{% filter lower %}'"_s);
    const QString rest = c.mid(start);
    auto node = std::make_unique<FilterTagNode>();
    // Compiled as Django does, on "var|<filters>", with columns that point
    // into the tag.
    node->expr = parser.compileFilter(u"var|"_s + rest, token, token.contentColumn + int(start) - 4);
    for (const FilterCall &call : node->expr.filters) {
        if (call.def->name == u"escape"_s || call.def->name == u"safe"_s)
            parser.error(token.line, call.column,
                         u"'{% filter %}' cannot apply '%1'; use '{% autoescape %}' to control escaping"_s.arg(call.def->name));
    }
    node->body = parser.parse({u"endfilter"_s});
    parser.expectEnd({u"endfilter"_s}, token);
    return node;
}

// ---- {% regroup %} -------------------------------------------------------

class RegroupNode final : public Node
{
public:
    void render(RenderState &state) const override
    {
        const Value target = targetExpr.resolve(state, true);
        if (kindOf(target.v) == Kind::None) {
            state.set(asName, QVariantList());
            return;
        }
        const std::optional<QVariantList> items = iterate(target.v);
        if (!items)
            state.fail(targetExpr.line, targetExpr.column,
                       u"'{% regroup %}' cannot group %1, which is not a list"_s.arg(toPyStr(target.v)));
        // itertools.groupby: runs of equal consecutive keys; a group keeps
        // its first key.
        QVariantList groups;
        QVariant groupKey;
        QVariantList groupItems;
        bool open = false;
        auto close = [&] {
            if (open)
                groups.append(QVariant::fromValue(GroupedResult{groupKey, groupItems}));
        };
        for (const QVariant &item : *items) {
            // The key expression is "<name>.<key>": Django looks it up with
            // the item bound to the result's name.
            state.set(asName, item);
            const QVariant key = keyExpr.resolve(state, true).v;
            if (!open || !pyEquals(key, groupKey)) {
                close();
                open = true;
                groupKey = key;
                groupItems.clear();
            }
            groupItems.append(item);
        }
        close();
        state.set(asName, groups);
    }
    FilterExpression targetExpr;
    FilterExpression keyExpr;
    QString asName;
};

std::unique_ptr<Node> compileRegroup(Parser &parser, const Token &token)
{
    const auto bits = tagArgs(token);
    const QString form = u"'{% regroup list by key as name %}'"_s;
    if (bits.size() != 5)
        parser.error(token, u"'{% regroup %}' needs the form %1"_s.arg(form));
    if (bits.at(1).first != u"by"_s)
        parser.error(token.line, bits.at(1).second, u"'{% regroup %}' expects 'by' here, as in %1"_s.arg(form));
    if (bits.at(3).first != u"as"_s)
        parser.error(token.line, bits.at(3).second, u"'{% regroup %}' expects 'as' here, as in %1"_s.arg(form));
    auto node = std::make_unique<RegroupNode>();
    node->targetExpr = compileBit(parser, token, bits.at(0));
    node->asName = bits.at(4).first;
    const QString keyText = node->asName + u'.' + bits.at(2).first;
    node->keyExpr = parser.compileFilter(keyText, token, bits.at(2).second - int(node->asName.size()) - 1);
    return node;
}

} // namespace

void registerExtraTags(TagTable &table)
{
    table.insert(u"cycle"_s, &compileCycle);
    table.insert(u"resetcycle"_s, &compileResetCycle);
    table.insert(u"firstof"_s, &compileFirstOf);
    table.insert(u"ifchanged"_s, &compileIfChanged);
    table.insert(u"widthratio"_s, &compileWidthRatio);
    table.insert(u"filter"_s, &compileFilterTag);
    table.insert(u"regroup"_s, &compileRegroup);
}

} // namespace Rill::detail
