// Filters over numbers.

#include "filters_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

void registerNumberFilters(FilterTable &)
{
}

} // namespace Rill::detail
