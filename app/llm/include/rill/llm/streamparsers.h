#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Rill::Llm {

/*!
  Incremental Server-Sent Events decoder (the WHATWG event-stream format):
  feed it bytes as they arrive, in pieces cut anywhere, and it returns the
  events completed so far. Lines may end in LF, CRLF or CR; `:` lines are
  comments; several `data:` lines join with "\n"; an event without data is
  dropped, as the spec says.

  \code
  SseParser sse;
  for (const SseEvent &e : sse.feed(reply->readAll()))
      if (e.data == "[DONE]") ...
  \endcode
  It never fails: bytes that are not a field it knows are ignored; the JSON
  inside data is the caller's to validate.
*/
struct SseEvent
{
    QByteArray event; //!< the `event:` field, empty for the default "message"
    QByteArray data;
};

class SseParser
{
public:
    QList<SseEvent> feed(QByteArrayView bytes);

private:
    void line(QByteArrayView line, QList<SseEvent> &out);

    QByteArray m_line;
    QByteArray m_event;
    QByteArray m_data;
    bool m_hasData = false;
    bool m_skipLf = false; // the last chunk ended in CR: a leading LF belongs to it
};

/*!
  Incremental newline-delimited JSON splitter: returns the complete,
  non-blank lines (without their LF or CRLF) fed so far; finish() returns a
  last line that had no newline.

  \code
  NdjsonParser lines;
  for (const QByteArray &line : lines.feed(reply->readAll())) parse(line);
  if (finished) if (QByteArray last = lines.finish(); !last.isEmpty()) parse(last);
  \endcode
*/
class NdjsonParser
{
public:
    QList<QByteArray> feed(QByteArrayView bytes);
    QByteArray finish();

private:
    QByteArray m_buffer;
};

} // namespace Rill::Llm
