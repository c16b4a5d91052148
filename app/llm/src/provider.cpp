#include <rill/llm/provider.h>

namespace Rill::Llm {

Provider::Provider(QObject *parent) : QObject(parent) {}

Provider::~Provider() = default;

Timeouts Provider::timeouts() const
{
    return m_timeouts;
}

void Provider::setTimeouts(const Timeouts &timeouts)
{
    m_timeouts = timeouts;
}

} // namespace Rill::Llm
