#include <rill/streamop.h>

using namespace Qt::StringLiterals;

namespace Rill {

namespace {

// An op of \a kind on \a stream; an empty target means the stream's own.
StreamOp make(StreamOp::Kind kind, const QString &stream, const QString &target)
{
    StreamOp op;
    op.kind = kind;
    op.stream = stream;
    op.target = target.isEmpty() ? StreamOp::defaultTarget(stream) : target;
    return op;
}

} // namespace

QString StreamOp::defaultTarget(const QString &stream)
{
    // A name holding ' or \ would otherwise end the CSS string early and
    // select something else (or nothing); CSS escapes both with a backslash.
    QString escaped;
    escaped.reserve(stream.size());
    for (const QChar c : stream) {
        if (c == u'\'' || c == u'\\')
            escaped += u'\\';
        escaped += c;
    }
    return u"[dj-stream='"_s + escaped + u"']"_s;
}

StreamOp StreamOp::replace(const QString &stream, const QString &html, const QString &target)
{
    StreamOp op = make(Kind::Replace, stream, target);
    op.html = html;
    return op;
}

StreamOp StreamOp::insert(const QString &stream, const QString &html, Kind at, const QString &target)
{
    // Only append and prepend are insertions; anything else would silently
    // change meaning (a Replace drops content), so it falls back to the
    // seed's default, append.
    StreamOp op = make(at == Kind::Prepend ? Kind::Prepend : Kind::Append, stream, target);
    op.html = html;
    return op;
}

StreamOp StreamOp::text(const QString &stream, const QString &text, TextMode mode, const QString &target)
{
    StreamOp op = make(Kind::Text, stream, target);
    op.content = text;
    op.mode = mode;
    return op;
}

StreamOp StreamOp::error(const QString &stream, const QString &message, const QString &target)
{
    StreamOp op = make(Kind::Error, stream, target);
    op.content = message;
    return op;
}

StreamOp StreamOp::start(const QString &stream, const QString &target)
{
    return make(Kind::Start, stream, target);
}

StreamOp StreamOp::done(const QString &stream, const QString &target)
{
    return make(Kind::Done, stream, target);
}

StreamOp StreamOp::remove(const QString &stream, const QString &selector)
{
    return make(Kind::Delete, stream, selector);
}

StreamOp StreamOp::render(const QString &html)
{
    StreamOp op;
    op.kind = Kind::Render;
    op.html = html;
    return op;
}

} // namespace Rill
