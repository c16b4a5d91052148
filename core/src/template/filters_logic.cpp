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

// yesno's argument split into its choices; with fewer than two the filter
// hands its input back (valid == false).
struct YesnoChoices final : PreparedArg
{
    bool valid = false;
    Value yes, no, maybe;
};

YesnoChoices yesnoChoices(const Value *arg)
{
    const QStringList bits = (arg ? strOf(*arg) : u"yes,no,maybe"_s).split(u',');
    YesnoChoices c;
    if (bits.size() < 2)
        return c;
    // Without a third choice None counts as "no"; more than three choices
    // make Python's unpacking fail, which Django treats the same way.
    c.valid = true;
    c.yes = plainString(bits.at(0));
    c.no = plainString(bits.at(1));
    c.maybe = plainString(bits.size() == 3 ? bits.at(2) : bits.at(1));
    return c;
}

std::shared_ptr<const PreparedArg> prepareYesno(const Value *literal)
{
    return std::make_shared<YesnoChoices>(yesnoChoices(literal));
}

Value yesno(const Value &in, const Value *arg, const FilterEnv &env)
{
    const auto *prepared = static_cast<const YesnoChoices *>(env.prepared);
    const YesnoChoices computed = prepared ? YesnoChoices() : yesnoChoices(arg);
    const YesnoChoices &c = prepared ? *prepared : computed;
    if (!c.valid)
        return in;
    if (kindOf(in.v) == Kind::None)
        return c.maybe;
    return isTruthy(in.v) ? c.yes : c.no;
}

// pluralize's suffixes; more than two make it print nothing (valid == false).
struct PluralSuffixes final : PreparedArg
{
    bool valid = false;
    QString singular, plural;
};

// The argument must already be known to be a string (or absent).
PluralSuffixes pluralSuffixes(const Value *arg)
{
    QString suffixes = arg ? strOf(*arg) : u"s"_s;
    if (!suffixes.contains(u','))
        suffixes.prepend(u',');
    const QStringList bits = suffixes.split(u',');
    PluralSuffixes p;
    if (bits.size() > 2)
        return p;
    p.valid = true;
    p.singular = bits.at(0);
    p.plural = bits.at(1);
    return p;
}

std::shared_ptr<const PreparedArg> preparePluralize(const Value *literal)
{
    // A non-string literal must fail when the filter runs, so it gets no
    // prepared form and takes the general route.
    if (literal && kindOf(normalize(literal->v)) != Kind::String)
        return nullptr;
    return std::make_shared<PluralSuffixes>(pluralSuffixes(literal));
}

Value pluralize(const Value &in, const Value *arg, const FilterEnv &env)
{
    const auto *prepared = static_cast<const PluralSuffixes *>(env.prepared);
    if (!prepared && arg && kindOf(normalize(arg->v)) != Kind::String)
        env.fail(u"pluralize needs text suffixes, not %1"_s.arg(toPyRepr(arg->v)));
    const PluralSuffixes computed = prepared ? PluralSuffixes() : pluralSuffixes(arg);
    const PluralSuffixes &suffixes = prepared ? *prepared : computed;
    if (!suffixes.valid)
        return plainString(QString());
    const QString &singular = suffixes.singular;
    const QString &plural = suffixes.plural;
    // The usual inputs, a count or a list, decided without copies.
    switch (in.v.typeId()) {
    case QMetaType::Int:
    case QMetaType::LongLong:
        return plainString(in.v.toLongLong() == 1 ? singular : plural);
    case QMetaType::QVariantList:
        return plainString(static_cast<const QVariantList *>(in.v.constData())->size() == 1 ? singular : plural);
    default:
        break;
    }
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
    t[u"yesno"_s].prepare = &prepareYesno;
    t[u"pluralize"_s].prepare = &preparePluralize;
}

} // namespace Rill::detail
