#include "node_p.h"

#include "engine_p.h"
#include "filters_p.h"
#include "filters_util_p.h"
#include "tags_p.h"

#include <rill/templatecontext.h>

using namespace Qt::StringLiterals;

namespace Rill::detail {

static RenderLimits limitsOf(const CompiledTemplate *tpl)
{
    return tpl && tpl->loader ? tpl->loader->limits : RenderLimits();
}

RenderState::RenderState(const TemplateContext &r, const CompiledTemplate *t)
    : budget(limitsOf(t)), outputRoom(budget.maxOutputChars()), root(r), tpl(t), autoescape(r.autoescape())
{
    bindings.reserve(32);
}

void RenderState::locate(AbortRender &abort, const Node &node) const
{
    if (abort.line > 0)
        return;
    abort.line = node.line;
    abort.column = node.column;
    if (tpl)
        abort.templateName = tpl->name;
}

void RenderState::failOutput(const Node &node) const
{
    AbortRender abort{u"the output exceeds the limit of %1 bytes (TemplateEngine::setMaxOutputSize())"_s.arg(
        budget.maxOutputBytes())};
    locate(abort, node);
    throw abort;
}

NestingGuard::NestingGuard(RenderState &state) : m_state(state)
{
    if (++m_state.nesting > MaxRenderNesting) {
        --m_state.nesting;
        throw AbortRender{u"tags and included templates are nested more than %1 levels deep"_s.arg(MaxRenderNesting)};
    }
}

OutputDiversion::OutputDiversion(RenderState &state) : m_state(state)
{
    m_saved.swap(m_state.out);
    m_state.diverted += m_saved.size();
    m_state.outputRoom -= m_saved.size();
}

OutputDiversion::~OutputDiversion()
{
    if (!m_done)
        restore();
}

void OutputDiversion::restore()
{
    m_done = true;
    m_state.diverted -= m_saved.size();
    m_state.outputRoom += m_saved.size();
    m_saved.swap(m_state.out);
}

QString OutputDiversion::finish()
{
    restore();
    return std::move(m_saved);
}

void RenderState::set(const QString &name, const QVariant &value)
{
    const size_t from = scopes.empty() ? 0 : scopes.back();
    for (size_t i = bindings.size(); i > from; --i) {
        if (bindings[i - 1].first == name) {
            bindings[i - 1].second = value;
            return;
        }
    }
    bindings.emplace_back(name, value);
}

void RenderState::set(const QString &name, const Value &value)
{
    if (value.safe && value.v.typeId() == QMetaType::QString)
        set(name, QVariant::fromValue(SafeText{value.v.toString()}));
    else
        set(name, value.v);
}

std::optional<QVariant> RenderState::find(const QString &name) const
{
    for (size_t i = bindings.size(); i > 0; --i) {
        if (bindings[i - 1].first == name) {
            const QVariant &v = bindings[i - 1].second;
            if (v.typeId() == qMetaTypeId<SafeText>())
                return QVariant(v.value<SafeText>().text);
            return v;
        }
    }
    if (!isolated) {
        QVariant v = root.value(name);
        if (v.isValid())
            return v;
    }
    // Django's context starts with these three names, which can be shadowed.
    if (name == u"None"_s)
        return QVariant::fromValue(nullptr);
    if (name == u"True"_s)
        return QVariant(true);
    if (name == u"False"_s)
        return QVariant(false);
    return std::nullopt;
}

void RenderState::fail(const Node &node, const QString &message) const
{
    fail(node.line, node.column, message);
}

void RenderState::fail(int line, int column, const QString &message) const
{
    throwError(TemplateError::Kind::Render, tpl ? tpl->name : QString(), line, column, message);
}

void FilterEnv::fail(const QString &message) const
{
    state.fail(line, column, message);
}

qsizetype FilterEnv::maxChars() const
{
    return state.budget.maxOutputChars();
}

void FilterEnv::checkWidth(qint64 width) const
{
    if (width > kMaxPadding)
        fail(u"the width %1 is too large"_s.arg(width));
    if (width > maxChars())
        fail(u"the width %1 exceeds the output limit of %2 bytes (TemplateEngine::setMaxOutputSize())"_s.arg(width).arg(
            state.budget.maxOutputBytes()));
}

void FilterEnv::checkLength(qsizetype chars) const
{
    if (chars > maxChars())
        state.budget.failText();
}

void renderNode(const Node &node, RenderState &state)
{
    try {
        node.render(state);
    } catch (AbortRender &abort) {
        state.locate(abort, node);
        throw;
    } catch (const std::bad_alloc &) {
        AbortRender abort{u"rendering ran out of memory"_s};
        state.locate(abort, node);
        throw abort;
    } catch (const std::exception &e) {
        // Code outside the engine (a property getter) failed.
        AbortRender abort{u"rendering failed: "_s + QString::fromLocal8Bit(e.what())};
        state.locate(abort, node);
        throw abort;
    }
    state.checkOutput(node);
    state.budget.step();
}

void renderList(const NodeList &nodes, RenderState &state)
{
    const NestingGuard nesting(state);
    for (const auto &node : nodes)
        renderNode(*node, state);
}

QString renderToString(const NodeList &nodes, RenderState &state)
{
    OutputDiversion diversion(state);
    renderList(nodes, state);
    return diversion.finish();
}

void TextNode::render(RenderState &state) const
{
    state.out.append(text);
}

// Resolves the special values the engine itself puts in the context.
static std::optional<Value> lookupSpecial(const QVariant &cur, const PathPart &part, RenderState &state, bool *handled)
{
    *handled = false;
    if (cur.metaType() == QMetaType::fromType<const LoopState *>()) {
        *handled = true;
        const LoopState *loop = cur.value<const LoopState *>();
        const QString &n = part.name;
        if (n == u"counter0"_s)
            return Value::integer(loop->counter0);
        if (n == u"counter"_s)
            return Value::integer(loop->counter0 + 1);
        if (n == u"revcounter"_s)
            return Value::integer(loop->length - loop->counter0);
        if (n == u"revcounter0"_s)
            return Value::integer(loop->length - loop->counter0 - 1);
        if (n == u"first"_s)
            return Value::boolean(loop->counter0 == 0);
        if (n == u"last"_s)
            return Value::boolean(loop->counter0 == loop->length - 1);
        if (n == u"parentloop"_s)
            return Value(loop->parent);
        return std::nullopt;
    }
    if (cur.metaType() == QMetaType::fromType<const BlockRef *>()) {
        *handled = true;
        if (part.name == u"super"_s) {
            try {
                return Value::string(renderBlockSuper(*cur.value<const BlockRef *>(), state), true);
            } catch (const TemplateException &e) {
                if (!e.missingVariable) // as Django, a missing variable makes the lookup fail quietly
                    throw;
                return std::nullopt;
            }
        }
        return std::nullopt;
    }
    return std::nullopt;
}

// A binding of the context stack, without copying it; nullptr when the name
// is not bound there (it may still resolve through the root context).
static const QVariant *findBinding(const RenderState &state, const QString &name)
{
    for (size_t i = state.bindings.size(); i > 0; --i) {
        if (state.bindings[i - 1].first == name)
            return &state.bindings[i - 1].second;
    }
    return nullptr;
}

// The common lookups (a key present in a map, an index inside a list) by
// pointer, so a dotted lookup copies no intermediate QVariant. nullptr means
// "take the general route" (lookupSpecial(), then lookupPart()), which gives
// the same answer for these cases and handles all the others.
static const QVariant *stepInPlace(const QVariant &cur, const PathPart &part)
{
    if (cur.typeId() == QMetaType::QVariantMap) {
        const auto *map = static_cast<const QVariantMap *>(cur.constData());
        // Small maps only: the walk to the hinted position is linear.
        constexpr qsizetype kMaxHintedSize = 32;
        const int hinted = part.hint.position.load(std::memory_order_relaxed);
        const qsizetype size = map->size();
        if (hinted >= 0 && hinted < size) {
            // From whichever end is nearer.
            auto it = map->cbegin();
            if (hinted <= size / 2) {
                for (int k = 0; k < hinted; ++k)
                    ++it;
            } else {
                it = map->cend();
                for (qsizetype k = size; k > hinted; --k)
                    --it;
            }
            if (it.key() == part.name)
                return &it.value();
        }
        auto it = map->constFind(part.name);
        if (it == map->cend())
            return nullptr;
        if (size <= kMaxHintedSize) {
            const int position = int(std::distance(map->cbegin(), it));
            if (position != hinted)
                part.hint.position.store(position, std::memory_order_relaxed);
        }
        return &it.value();
    }
    if (part.isIndex && cur.typeId() == QMetaType::QVariantList) {
        const auto *list = static_cast<const QVariantList *>(cur.constData());
        const qint64 n = list->size();
        const qint64 i = part.index < 0 ? part.index + n : part.index;
        return i >= 0 && i < n ? &list->at(qsizetype(i)) : nullptr;
    }
    return nullptr;
}

const QVariant *Operand::resolveInPlace(const RenderState &state) const
{
    if (isLiteral)
        return nullptr;
    const QVariant *ptr = findBinding(state, root);
    if (!ptr || ptr->typeId() == qMetaTypeId<SafeText>())
        return nullptr;
    for (const PathPart &part : path) {
        ptr = stepInPlace(*ptr, part);
        if (!ptr)
            return nullptr;
    }
    return ptr;
}

std::optional<Value> Operand::resolve(RenderState &state) const
{
    if (isLiteral)
        return literal;
    std::optional<QVariant> found;
    const QVariant *ptr = findBinding(state, root);
    if (!ptr) {
        found = state.find(root);
        if (!found)
            return std::nullopt;
        ptr = &*found;
    }
    Value cur;
    size_t done = 0;
    if (ptr->typeId() == qMetaTypeId<SafeText>()) {
        cur = Value::string(ptr->value<SafeText>().text, true);
    } else {
        while (done < path.size()) {
            const QVariant *next = stepInPlace(*ptr, path[done]);
            if (!next)
                break;
            ptr = next;
            ++done;
        }
        cur = Value(*ptr);
    }
    for (size_t k = done; k < path.size(); ++k) {
        const PathPart &part = path[k];
        bool handled = false;
        if (std::optional<Value> special = lookupSpecial(cur.v, part, state, &handled); handled) {
            if (!special)
                return std::nullopt;
            cur = std::move(*special);
            continue;
        }
        std::optional<QVariant> next = lookupPart(cur.v, part.name, part.index, part.isIndex);
        if (!next)
            return std::nullopt;
        cur = Value(std::move(*next));
    }
    return cur;
}

// Whether b holds the very data a holds (a string or list handed on).
static bool sharesData(const QVariant &a, const QVariant &b)
{
    if (a.typeId() != b.typeId())
        return false;
    switch (a.typeId()) {
    case QMetaType::QString:
        return static_cast<const QString *>(a.constData())->constData()
               == static_cast<const QString *>(b.constData())->constData();
    case QMetaType::QVariantList:
        return static_cast<const QVariantList *>(a.constData())->constData()
               == static_cast<const QVariantList *>(b.constData())->constData();
    default:
        return false;
    }
}

Value FilterExpression::resolve(RenderState &state, bool ignoreFailures) const
{
    std::optional<Value> resolved = operand.resolve(state);
    Value obj;
    if (resolved)
        obj = std::move(*resolved);
    else
        obj = ignoreFailures ? Value::none() : Value::string(QString());
    for (const FilterCall &call : filters) {
        Value argValue;
        const Value *argPtr = nullptr;
        if (call.hasArg && call.arg.isLiteral) {
            argPtr = &call.arg.literal; // no copy for the usual |filter:"literal"
        } else if (call.hasArg) {
            std::optional<Value> a = call.arg.resolve(state);
            if (!a)
                throw TemplateException{
                    TemplateError(TemplateError::Kind::Render, state.tpl ? state.tpl->name : QString(), line,
                                  call.column,
                                  u"filter '%1' argument '%2' is not defined"_s.arg(call.def->name, call.arg.text)),
                    true};
            argValue = std::move(*a);
            argPtr = &argValue;
        }
        const FilterEnv env{state, state.autoescape, line, call.column, call.def->name, call.prepared.get()};
        Value input = std::move(obj);
        if (call.def->stringFilter && kindOf(input.v) != Kind::String)
            input = Value(toPyStr(input.v), input.safe);
        Value result = call.def->fn(input, argPtr, env);
        // What the filter made counts against the render's budget; what
        // it handed on unchanged (data shared with its input) does not.
        if (!sharesData(result.v, input.v))
            state.budget.charge(shallowBytes(result.v));
        if (call.def->isSafe && input.safe) {
            result.safe = true;
        }
        if (result.safe && kindOf(result.v) != Kind::String)
            result.v = toPyStr(result.v); // Django's mark_safe(non-string) is SafeString(str(x))
        obj = std::move(result);
    }
    return obj;
}

static void appendVariant(RenderState &state, const QVariant &v, bool safe)
{
    if (v.typeId() == QMetaType::QString) {
        const auto *s = static_cast<const QString *>(v.constData());
        if (state.autoescape && !safe)
            appendEscaped(state.out, *s);
        else
            state.out.append(*s);
        return;
    }
    const QString s = kindOf(v) == Kind::Float ? djangoFloatOutput(v.toDouble()) : toPyStr(v);
    if (state.autoescape && !safe)
        appendEscaped(state.out, s);
    else
        state.out.append(s);
}

void appendValue(RenderState &state, const Value &value)
{
    appendVariant(state, value.v, value.safe);
}

void VariableNode::render(RenderState &state) const
{
    if (expr.filters.empty() && !expr.operand.isLiteral) {
        // Fast path for {{ name }} and {{ name.key.0 }}: print the bound value
        // in place when every part is a map key or list index.
        if (const QVariant *ptr = expr.operand.resolveInPlace(state)) {
            appendVariant(state, *ptr, false);
            return;
        }
        if (expr.operand.path.empty() && !findBinding(state, expr.operand.root)) {
            if (std::optional<QVariant> v = state.find(expr.operand.root))
                appendVariant(state, *v, false);
            return;
        }
    }
    appendValue(state, expr.resolve(state));
}

void BlockContext::addBlocks(const QHash<QString, const BlockNode *> &blocks)
{
    for (auto it = blocks.cbegin(); it != blocks.cend(); ++it) {
        auto &list = m_blocks[it.key()];
        list.insert(list.begin(), it.value());
    }
}

const BlockNode *BlockContext::pop(const QString &name)
{
    auto it = m_blocks.find(name);
    if (it == m_blocks.end() || it->empty())
        return nullptr;
    const BlockNode *b = it->back();
    it->pop_back();
    return b;
}

void BlockContext::push(const QString &name, const BlockNode *block)
{
    m_blocks[name].push_back(block);
}

const BlockNode *BlockContext::get(const QString &name) const
{
    auto it = m_blocks.constFind(name);
    if (it == m_blocks.cend() || it->empty())
        return nullptr;
    return it->back();
}

} // namespace Rill::detail
