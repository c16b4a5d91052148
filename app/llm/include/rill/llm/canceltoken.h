#pragma once

#include <rill/canceltoken.h>

namespace Rill::Llm {

/*!
  Stops a streamed answer from outside the loop that consumes it (a chat's
  Stop handler runs while the ask handler is suspended inside the stream):
  the core's Rill::CancelToken, which LiveView::beginJob() hands out.
  cancel() aborts the HTTP request at once (the server sees the connection
  close) and the stream then ends with a Finished event whose finishReason
  is "cancelled" — not an exception.

  \code
  // ask():
  const auto job = beginJob(u"answer"_s);
  try {
      QCORO_FOREACH (const ChatEvent &e, provider->chat(request, job.get())) { ... }
  } catch (const ProviderError &e) { streamError(u"response"_s, e.message()); }
  // stop():
  cancelJob(u"answer"_s);
  \endcode

  A token cancelled before chat() starts makes it send nothing. Breaking out
  of the loop (destroying the generator) also aborts the request.
*/
using CancelToken = Rill::CancelToken;

} // namespace Rill::Llm
