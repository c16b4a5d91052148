#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Rill::MarkdownDetail {

//! renderMarkdown() on UTF-8, for MarkdownStream, which keeps its source in UTF-8.
QByteArray renderUtf8(QByteArrayView markdown);

} // namespace Rill::MarkdownDetail
