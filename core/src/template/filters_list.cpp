// Filters over sequences: length, join, first, last, slice, dictsort,
// dictsortreversed.

#include "filters_p.h"
#include "filters_util_p.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

// len(), counting a string's code points rather than UTF-16 units.
std::optional<qint64> lenOf(const QVariant &raw)
{
    const QVariant v = normalize(raw);
    if (kindOf(v) == Kind::String)
        return pyStrLen(v.toString());
    return pyLen(v);
}

Value length(const Value &in, const Value *, const FilterEnv &)
{
    return Value::integer(lenOf(in.v).value_or(0));
}

Value lengthIs(const Value &in, const Value *arg, const FilterEnv &)
{
    const std::optional<qint64> n = lenOf(in.v);
    const std::optional<qint64> expected = pyInt(arg->v);
    if (!n || !expected)
        return plainString(QString());
    return Value::boolean(*n == *expected);
}

Value join(const Value &in, const Value *arg, const FilterEnv &env)
{
    const std::optional<QVariantList> items = iterate(in.v);
    if (!items)
        return in;
    // Only escaping turns non-strings into strings; without it Python's
    // str.join() rejects them and Django hands back the value unchanged.
    // Items are never safe: not even the characters of a safe string.
    const QString sep = arg->safe ? strOf(*arg) : escapeHtml(strOf(*arg));
    QString out;
    for (qsizetype i = 0; i < items->size(); ++i) {
        const QVariant &item = items->at(i);
        if (!env.autoescape && kindOf(normalize(item)) != Kind::String)
            return in;
        if (i)
            out.append(sep);
        // Strings escape straight into the result, without a copy each.
        const QString text = item.typeId() == QMetaType::QString ? QString() : toPyStr(item);
        const QString &s = item.typeId() == QMetaType::QString ? *static_cast<const QString *>(item.constData()) : text;
        if (env.autoescape)
            appendEscaped(out, s);
        else
            out.append(s);
        // A long separator between many items multiplies the input.
        env.checkLength(out.size());
    }
    return safeString(out);
}

std::optional<QVariant> pyIndex(const QVariant &raw, qint64 index)
{
    const QVariant v = normalize(raw);
    if (kindOf(v) == Kind::List) {
        const QVariantList list = v.toList();
        const qint64 i = index < 0 ? index + list.size() : index;
        if (i < 0 || i >= list.size())
            return std::nullopt;
        return list.at(i);
    }
    const std::optional<QVariantList> chars = iterate(v); // strings only here
    if (!chars)
        return std::nullopt;
    const qint64 i = index < 0 ? index + chars->size() : index;
    if (i < 0 || i >= chars->size())
        return std::nullopt;
    return chars->at(i);
}

Value firstOrLast(const Value &in, const FilterEnv &env, bool last)
{
    const Kind k = kindOf(normalize(in.v));
    if (k != Kind::List && k != Kind::String)
        env.fail(u"'%1' is not subscriptable by position"_s.arg(toPyStr(in.v)));
    const std::optional<QVariant> item = pyIndex(in.v, last ? -1 : 0);
    if (!item)
        return plainString(QString());
    return Value(*item);
}

Value first(const Value &in, const Value *, const FilterEnv &env)
{
    return firstOrLast(in, env, false);
}

Value last(const Value &in, const Value *, const FilterEnv &env)
{
    return firstOrLast(in, env, true);
}

// slice.indices(): clamps start and stop for a sequence of length n.
void sliceIndices(std::optional<qint64> start, std::optional<qint64> stop, qint64 step, qint64 n,
                  qint64 &b, qint64 &e)
{
    auto clamp = [&](std::optional<qint64> x, qint64 dflt) {
        if (!x)
            return dflt;
        qint64 v = *x;
        if (v < 0) {
            v += n;
            if (v < 0)
                v = step < 0 ? -1 : 0;
        } else if (v >= n) {
            v = step < 0 ? n - 1 : n;
        }
        return v;
    };
    b = clamp(start, step < 0 ? n - 1 : 0);
    e = clamp(stop, step < 0 ? -1 : n);
}

// slice's argument parsed; valid == false hands the input back unchanged.
struct SliceBounds final : PreparedArg
{
    bool valid = false;
    std::optional<qint64> start, stop;
    qint64 step = 1;
};

SliceBounds sliceBounds(const Value &arg)
{
    SliceBounds s;
    const QStringList bitsText = strOf(arg).split(u':');
    if (bitsText.size() > 3)
        return s;
    std::optional<qint64> bits[3];
    for (qsizetype i = 0; i < bitsText.size(); ++i) {
        if (bitsText.at(i).isEmpty())
            continue;
        bits[i] = pyIntFromString(bitsText.at(i));
        if (!bits[i])
            return s;
    }
    // One number means slice(stop).
    std::optional<qint64> stepArg;
    if (bitsText.size() == 1) {
        s.stop = bits[0];
    } else {
        s.start = bits[0];
        s.stop = bits[1];
        stepArg = bits[2];
    }
    s.step = stepArg.value_or(1);
    s.valid = s.step != 0;
    return s;
}

std::shared_ptr<const PreparedArg> prepareSlice(const Value *literal)
{
    return literal ? std::make_shared<SliceBounds>(sliceBounds(*literal)) : nullptr;
}

Value sliceFilter(const Value &in, const Value *arg, const FilterEnv &env)
{
    const auto *prepared = static_cast<const SliceBounds *>(env.prepared);
    const SliceBounds computed = prepared ? SliceBounds() : sliceBounds(*arg);
    const SliceBounds &bounds = prepared ? *prepared : computed;
    if (!bounds.valid)
        return in;
    const std::optional<qint64> &start = bounds.start, &stop = bounds.stop;
    const qint64 step = bounds.step;
    const QVariant v = normalize(in.v);
    const Kind k = kindOf(v);
    if (k != Kind::List && k != Kind::String)
        return in;
    const QVariantList items = k == Kind::List ? v.toList() : *iterate(v);
    qint64 b = 0, e = 0;
    sliceIndices(start, stop, step, items.size(), b, e);
    QVariantList picked;
    if (step == 1 && e > b)
        picked.reserve(qsizetype(e - b));
    for (qint64 i = b; step > 0 ? i < e : i > e;) {
        picked.append(items.at(i));
        if (__builtin_add_overflow(i, step, &i)) // a step near the qint64 limits: past the end
            break;
    }
    if (k == Kind::List)
        return Value(picked);
    QString s;
    for (const QVariant &c : std::as_const(picked))
        s += c.toString();
    return plainString(s);
}

// Django's _property_resolver: a number is an item index (or key); anything
// else a dotted path of keys, then attributes.
std::optional<QVariant> sortKey(const QVariant &item, const Value &arg, bool numeric, const QStringList &parts,
                                const FilterEnv &env)
{
    if (numeric) {
        const QVariant v = normalize(item);
        const Kind ka = kindOf(arg.v);
        if (kindOf(v) == Kind::Map) {
            const QVariantMap m = v.toMap();
            if (ka != Kind::String || !m.contains(arg.v.toString()))
                env.fail(u"dictsort: no key %1 in %2"_s.arg(toPyRepr(arg.v), toPyStr(item)));
            return m.value(arg.v.toString());
        }
        if (ka != Kind::Int || (kindOf(v) != Kind::List && kindOf(v) != Kind::String))
            return std::nullopt;
        const std::optional<QVariant> found = pyIndex(v, toInt(arg.v));
        if (!found)
            env.fail(u"dictsort: index %1 out of range"_s.arg(toInt(arg.v)));
        return found;
    }
    QVariant cur = item;
    for (const QString &part : parts) {
        const QVariant v = normalize(cur);
        const Kind k = kindOf(v);
        if (k == Kind::Map) {
            const QVariantMap m = v.toMap();
            auto it = m.constFind(part);
            if (it == m.cend())
                return std::nullopt;
            cur = *it;
        } else if (k == Kind::Object) {
            std::optional<QVariant> found = lookupPart(v, part, 0, false);
            if (!found)
                return std::nullopt;
            cur = *found;
        } else {
            return std::nullopt;
        }
    }
    return cur;
}

Value dictsortImpl(const Value &in, const Value *arg, const FilterEnv &env, bool reversed)
{
    const std::optional<QVariantList> items = iterate(in.v);
    if (!items)
        return plainString(QString());
    const bool numeric = pyFloat(arg->v).has_value();
    const QString path = strOf(*arg);
    if (!numeric && (path.contains(u"._"_s) || path.startsWith(u'_') || path.isEmpty()))
        return plainString(QString());
    const QStringList parts = path.split(u'.');
    QList<std::pair<QVariant, QVariant>> keyed; // (key, item)
    keyed.reserve(items->size());
    for (const QVariant &item : *items) {
        std::optional<QVariant> key = sortKey(item, *arg, numeric, parts, env);
        if (!key)
            return plainString(QString());
        keyed.append({*key, item});
    }
    bool comparable = true;
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto &a, const auto &b) {
        const std::optional<int> c = reversed ? pyCompare(b.first, a.first) : pyCompare(a.first, b.first);
        if (!c)
            comparable = false;
        return c.value_or(0) < 0;
    });
    if (!comparable)
        return plainString(QString());
    QVariantList sorted;
    sorted.reserve(keyed.size());
    for (const auto &p : std::as_const(keyed))
        sorted.append(p.second);
    return Value(sorted);
}

Value dictsort(const Value &in, const Value *arg, const FilterEnv &env)
{
    return dictsortImpl(in, arg, env, false);
}

Value dictsortreversed(const Value &in, const Value *arg, const FilterEnv &env)
{
    return dictsortImpl(in, arg, env, true);
}

} // namespace

void registerListFilters(FilterTable &t)
{
    auto add = [&t](const QString &name, FilterFn fn, FilterArg arg, bool isSafe, bool stringFilter) {
        t.insert(name, {name, fn, arg, isSafe, stringFilter});
    };
    add(u"length"_s, &length, FilterArg::None, false, false);
    add(u"length_is"_s, &lengthIs, FilterArg::Required, false, false);
    add(u"join"_s, &join, FilterArg::Required, true, false);
    add(u"first"_s, &first, FilterArg::None, false, false);
    add(u"last"_s, &last, FilterArg::None, true, false);
    add(u"slice"_s, &sliceFilter, FilterArg::Required, true, false);
    t[u"slice"_s].prepare = &prepareSlice;
    add(u"dictsort"_s, &dictsort, FilterArg::Required, false, false);
    add(u"dictsortreversed"_s, &dictsortreversed, FilterArg::Required, false, false);
}

} // namespace Rill::detail
