#include <rill/streamop.h>

using namespace Qt::StringLiterals;

namespace Rill {

namespace {

QString targetOrDefault(const QString &stream, const QString &target)
{
    return target.isEmpty() ? StreamOp::defaultTarget(stream) : target;
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
    StreamOp op;
    op.kind = Kind::Replace;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    op.html = html;
    return op;
}

StreamOp StreamOp::insert(const QString &stream, const QString &html, Kind at, const QString &target)
{
    StreamOp op;
    // Only append and prepend are insertions; anything else would silently
    // change meaning (a Replace drops content), so it falls back to the
    // seed's default, append.
    op.kind = at == Kind::Prepend ? Kind::Prepend : Kind::Append;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    op.html = html;
    return op;
}

StreamOp StreamOp::text(const QString &stream, const QString &text, TextMode mode, const QString &target)
{
    StreamOp op;
    op.kind = Kind::Text;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    op.content = text;
    op.mode = mode;
    return op;
}

StreamOp StreamOp::error(const QString &stream, const QString &message, const QString &target)
{
    StreamOp op;
    op.kind = Kind::Error;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    op.content = message;
    return op;
}

StreamOp StreamOp::start(const QString &stream, const QString &target)
{
    StreamOp op;
    op.kind = Kind::Start;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    return op;
}

StreamOp StreamOp::done(const QString &stream, const QString &target)
{
    StreamOp op;
    op.kind = Kind::Done;
    op.stream = stream;
    op.target = targetOrDefault(stream, target);
    return op;
}

StreamOp StreamOp::remove(const QString &stream, const QString &selector)
{
    StreamOp op;
    op.kind = Kind::Delete;
    op.stream = stream;
    op.target = targetOrDefault(stream, selector);
    return op;
}

StreamOp StreamOp::render(const QString &html)
{
    StreamOp op;
    op.kind = Kind::Render;
    op.html = html;
    return op;
}

} // namespace Rill
