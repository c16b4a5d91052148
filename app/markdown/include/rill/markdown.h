#pragma once

#include <QString>

namespace Rill {

/*!
  Renders Markdown to an HTML fragment with md4c: CommonMark plus GitHub's
  tables, strikethrough, task lists and permissive autolinks.

  Safe for untrusted input (an LLM's answer): raw HTML is not interpreted
  (it shows as text), all text and attributes are escaped, and links and
  images keep their URL only when it is relative or http, https or mailto;
  any other scheme (javascript:, data:, vbscript:, file:, ...) renders the
  link's text without the link, and an image as its alt text.

  \code
  const QString html = Rill::renderMarkdown(u"**hi** [x](javascript:alert(1))"_s);
  // "<p><strong>hi</strong> x</p>\n"
  \endcode

  There is no error path: every input renders to something (md4c only fails
  on allocation failure; then the result is the input, escaped, in a <pre>).
*/
QString renderMarkdown(QStringView markdown);

//! Whether a link or image URL, as md4c writes it into href/src, may stay:
//! relative, or with scheme http, https or mailto (any case).
bool isAllowedMarkdownUrl(QStringView url);

} // namespace Rill
