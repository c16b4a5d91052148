#pragma once

#include <rill/rillcore_export.h>

#include <QList>
#include <QMetaType>
#include <QString>

namespace Rill {

/*!
  One thing to do to the page: a stream operation (the seed's replace,
  append, prepend, text, delete, error, start, done) or a full re-render of
  the view. Ops are plain values: views create them, a Qt signal carries them
  to the session's StreamBatcher, the protocol turns them into frames.

  \code
  Rill::StreamOp op = Rill::StreamOp::text(u"response"_s, token);
  op.target = u"#answer"_s;          // default: [dj-stream='response']
  emit view->streamOp(op);           // a LiveView does this in streamText()
  \endcode
*/
struct RILL_CORE_EXPORT StreamOp
{
    Q_GADGET
public:
    enum class Kind { Replace, Append, Prepend, Text, Delete, Error, Start, Done, Render };
    Q_ENUM(Kind)
    //! For Kind::Text. Default leaves the choice to the element's dj-stream-mode.
    enum class TextMode { Default, Append, Replace, Prepend };
    Q_ENUM(TextMode)

    Kind kind = Kind::Text;
    QString stream;  //!< logical stream name; empty for Render
    QString target;  //!< CSS selector; empty for Render
    QString html;    //!< Replace, Append, Prepend, Render
    QString content; //!< the text of Text, the message of Error (a member named text would clash with text())
    TextMode mode = TextMode::Default;

    //! `[dj-stream='NAME']`, the default target of a stream.
    static QString defaultTarget(const QString &stream);

    static StreamOp replace(const QString &stream, const QString &html, const QString &target = {});
    static StreamOp insert(const QString &stream, const QString &html, Kind at = Kind::Append,
                           const QString &target = {});
    static StreamOp text(const QString &stream, const QString &text, TextMode mode = TextMode::Default,
                         const QString &target = {});
    static StreamOp error(const QString &stream, const QString &message, const QString &target = {});
    static StreamOp start(const QString &stream, const QString &target = {});
    static StreamOp done(const QString &stream, const QString &target = {});
    //! Removes the element matching \a selector.
    static StreamOp remove(const QString &stream, const QString &selector);
    //! The view's full render.
    static StreamOp render(const QString &html);

    bool operator==(const StreamOp &other) const = default;
};

} // namespace Rill

Q_DECLARE_METATYPE(Rill::StreamOp)
