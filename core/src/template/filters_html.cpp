// Filters about HTML safety and markup: safe, escape, force_escape.

#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value safe(const Value &in, const Value *, const FilterEnv &)
{
    return safeString(strOf(in));
}

// Marks for escaping; escaping happens on output unless already safe
// (Django's escape is conditional_escape).
Value escape(const Value &in, const Value *, const FilterEnv &)
{
    if (in.safe)
        return in;
    return safeString(escapeHtml(strOf(in)));
}

Value forceEscape(const Value &in, const Value *, const FilterEnv &)
{
    return safeString(escapeHtml(strOf(in)));
}

} // namespace

void registerHtmlFilters(FilterTable &t)
{
    t.insert(u"safe"_s, {u"safe"_s, &safe, FilterArg::None, true, true});
    t.insert(u"escape"_s, {u"escape"_s, &escape, FilterArg::None, true, true});
    t.insert(u"force_escape"_s, {u"force_escape"_s, &forceEscape, FilterArg::None, true, true});
}

} // namespace Rill::detail
