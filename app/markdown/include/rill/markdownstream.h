#pragma once

#include <QString>

#include <memory>

namespace Rill {

/*!
  Renders a Markdown answer while it streams in, so that the cost per token
  depends on the block being written, not on the length of the answer.

  Tokens go in with feed(). Once a block is finished it is rendered once and
  handed out by takeFinishedHtml(), to be appended to the page for good; the
  open block at the end is re-rendered by tailHtml() and replaces the
  previous tail. At any moment, everything taken so far plus tailHtml() is
  exactly renderMarkdown() of everything fed so far, however the text was cut
  into tokens (the one exception, link reference definitions, is below).

  \code
  // Template: <div dj-stream="answer"></div><div dj-stream="answer-tail"></div>
  Rill::MarkdownStream md;
  streamStart(u"answer"_s);
  streamStart(u"answer-tail"_s);
  try {
      QCORO_FOREACH (const QString &token, llm.stream(prompt)) {
          md.feed(token);
          if (const QString done = md.takeFinishedHtml(); !done.isEmpty())
              streamInsert(u"answer"_s, done);           // once, appended
          streamTo(u"answer-tail"_s, {}, md.tailHtml()); // the open block, replaced
      }
  } catch (const std::exception &e) {
      // Keep the partial answer: what was fed is rendered and kept.
      streamInsert(u"answer"_s, md.finish());
      streamTo(u"answer-tail"_s, {}, QString());
      streamError(u"answer"_s, u"Error: "_s + QString::fromUtf8(e.what()));
      co_return;
  }
  streamInsert(u"answer"_s, md.finish());
  streamTo(u"answer-tail"_s, {}, QString());
  streamDone(u"answer"_s);
  streamDone(u"answer-tail"_s);
  \endcode

  When a block is finished (lines end in '\n', "\r\n" or a '\r' alone):
  - After a blank line, the next line that is not blank starts a new block,
    unless it continues the open one: if the open block has a list, any line
    that is indented or starts a list item continues it (items separated by
    blank lines make one loose list); an indented code block is continued
    by a line indented 4 columns or more. A blank line always ends a
    paragraph, heading, table or block quote.
  - A fenced code block that starts a block (its opening fence is the block's
    first line, or interrupts a paragraph, quote or indented code block) is
    finished by its closing fence line; blank lines inside it never split it.
  - Fences inside a list item are tracked so their blank lines do not split
    the list; the list is one block until a blank line is followed by a line
    that neither is indented nor starts an item.
  Edge cases: a list is one block however long, so a long list re-renders
  whole per frame (per-token cost grows with the list, not the answer); the
  same holds for one huge paragraph or code block. A link reference
  definition ([x]: url) only applies inside its own block, whereas
  renderMarkdown() of the whole text applies it everywhere. A list item whose
  fence is never closed and whose list then ends may be split wrongly (md4c
  ends such a fence with the list).

  Not thread-safe; use one per answer.
*/
class MarkdownStream
{
public:
    MarkdownStream();
    ~MarkdownStream();
    MarkdownStream(const MarkdownStream &) = delete;
    MarkdownStream &operator=(const MarkdownStream &) = delete;

    //! Adds text (a token, any length, cut anywhere, even between surrogates).
    void feed(QStringView text);
    //! HTML of the blocks finished since the last call, in order; empty if none.
    QString takeFinishedHtml();
    //! The open block rendered; rendered again only after feed() changed it.
    QString tailHtml() const;
    //! Ends the answer: returns all HTML not taken yet (finished blocks and the
    //! open one) and resets the stream for reuse.
    QString finish();

    //! How many blocks have been finished so far (those taken or waiting).
    int finishedBlockCount() const;
    //! The Markdown of the open block (what tailHtml() renders).
    QString tailMarkdown() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
