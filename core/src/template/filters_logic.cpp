// Filters that choose between values: default, default_if_none, yesno,
// pluralize.

#include "filters_p.h"
#include "filters_util_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value defaultFilter(const Value &in, const Value *arg, const FilterEnv &)
{
    return isTruthy(in.v) ? in : *arg;
}

Value defaultIfNone(const Value &in, const Value *arg, const FilterEnv &)
{
    return kindOf(in.v) == Kind::None ? *arg : in;
}

Value yesno(const Value &in, const Value *arg, const FilterEnv &)
{
    const QStringList bits = (arg ? strOf(*arg) : u"yes,no,maybe"_s).split(u',');
    if (bits.size() < 2)
        return in;
    // Without a third choice None counts as "no"; more than three choices
    // make Python's unpacking fail, which Django treats the same way.
    const QString &yes = bits.at(0);
    const QString &no = bits.at(1);
    const QString &maybe = bits.size() == 3 ? bits.at(2) : bits.at(1);
    if (kindOf(in.v) == Kind::None)
        return plainString(maybe);
    return plainString(isTruthy(in.v) ? yes : no);
}

Value pluralize(const Value &in, const Value *arg, const FilterEnv &env)
{
    if (arg && kindOf(normalize(arg->v)) != Kind::String)
        env.fail(u"pluralize needs text suffixes, not %1"_s.arg(toPyRepr(arg->v)));
    QString suffixes = arg ? strOf(*arg) : u"s"_s;
    if (!suffixes.contains(u','))
        suffixes.prepend(u',');
    const QStringList bits = suffixes.split(u',');
    if (bits.size() > 2)
        return plainString(QString());
    const QString &singular = bits.at(0);
    const QString &plural = bits.at(1);
    const QVariant v = normalize(in.v);
    const Kind k = kindOf(v);
    if (k == Kind::String || isNumber(v)) {
        // float(value): an unparsable string gives no suffix at all.
        const std::optional<double> f = pyFloat(v);
        if (!f)
            return plainString(QString());
        return plainString(*f == 1.0 ? singular : plural);
    }
    if (const std::optional<qint64> n = pyLen(v))
        return plainString(*n == 1 ? singular : plural);
    return plainString(QString());
}

} // namespace

void registerLogicFilters(FilterTable &t)
{
    auto add = [&t](const QString &name, FilterFn fn, FilterArg arg, bool isSafe, bool stringFilter) {
        t.insert(name, {name, fn, arg, isSafe, stringFilter});
    };
    add(u"default"_s, &defaultFilter, FilterArg::Required, false, false);
    add(u"default_if_none"_s, &defaultIfNone, FilterArg::Required, false, false);
    add(u"yesno"_s, &yesno, FilterArg::Optional, false, false);
    add(u"pluralize"_s, &pluralize, FilterArg::Optional, false, false);
}

} // namespace Rill::detail
