// cycle, firstof, ifchanged, widthratio, filter, regroup.

#include "engine_p.h"
#include "parser_p.h"
#include "tags_p.h"

using namespace Qt::StringLiterals;

namespace Rill::detail {

void registerExtraTags(TagTable &)
{
}

} // namespace Rill::detail
