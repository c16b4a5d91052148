#include <rill/version.h>

namespace Rill {

const char *version()
{
    return RILL_VERSION_STR;
}

} // namespace Rill
