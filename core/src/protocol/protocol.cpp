#include <rill/json.h>
#include <rill/protocol.h>

#include <QLoggingCategory>
#include <QVariantList>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;

namespace Rill {

namespace {

Q_LOGGING_CATEGORY(lcProtocol, "rill.core.protocol", QtWarningMsg)

using Kind = StreamOp::Kind;
using Mode = StreamOp::TextMode;

// Every wire key and value, once. The writer takes keys pre-quoted with
// their colon so that emitting a key is one memcpy.
namespace Key {
constexpr char type[] = "type";
constexpr char seq[] = "seq";
constexpr char token[] = "token";
constexpr char lastSeq[] = "lastSeq";
constexpr char event[] = "event";
constexpr char params[] = "params";
constexpr char ref[] = "ref";
constexpr char html[] = "html";
constexpr char stream[] = "stream";
constexpr char ops[] = "ops";
constexpr char code[] = "code";
constexpr char message[] = "message";
constexpr char op[] = "op";
constexpr char target[] = "target";
constexpr char text[] = "text";
constexpr char mode[] = "mode";
constexpr char error[] = "error";
constexpr char lost[] = "lost";
constexpr char lastRef[] = "lastRef";
constexpr char path[] = "path";
constexpr char tag[] = "tag";
constexpr char set[] = "set";
constexpr char unset[] = "unset";
constexpr char children[] = "children";
constexpr char outer[] = "outer";
} // namespace Key

namespace Type {
constexpr char join[] = "join";
constexpr char event[] = "event";
constexpr char ping[] = "ping";
constexpr char mount[] = "mount";
constexpr char render[] = "render";
constexpr char stream[] = "stream";
constexpr char reply[] = "reply";
constexpr char error[] = "error";
constexpr char pong[] = "pong";
constexpr char patch[] = "patch";
constexpr char resync[] = "resync";
} // namespace Type

struct OpName
{
    Kind kind;
    const char *name;
};
constexpr OpName opNames[] = {
    {Kind::Replace, "replace"}, {Kind::Append, "append"}, {Kind::Prepend, "prepend"}, {Kind::Text, "text"},
    {Kind::Delete, "delete"},   {Kind::Error, "error"},   {Kind::Start, "start"},     {Kind::Done, "done"},
};

struct ModeName
{
    Mode mode;
    const char *name;
};
constexpr ModeName modeNames[] = {{Mode::Append, "append"}, {Mode::Replace, "replace"}, {Mode::Prepend, "prepend"}};

struct CodeName
{
    Protocol::ErrorCode code;
    const char *name;
};
constexpr CodeName codeNames[] = {
    {Protocol::ErrorCode::BadFrame, "bad_frame"},
    {Protocol::ErrorCode::UnknownType, "unknown_type"},
    {Protocol::ErrorCode::UnknownEvent, "unknown_event"},
    {Protocol::ErrorCode::BadParams, "bad_params"},
    {Protocol::ErrorCode::HandlerFailed, "handler_failed"},
    {Protocol::ErrorCode::RenderFailed, "render_failed"},
    {Protocol::ErrorCode::UnknownSession, "unknown_session"},
    {Protocol::ErrorCode::NotJoined, "not_joined"},
    {Protocol::ErrorCode::RateLimited, "rate_limited"},
    {Protocol::ErrorCode::Busy, "busy"},
};

const char *opName(Kind kind)
{
    for (const OpName &n : opNames) {
        if (n.kind == kind)
            return n.name;
    }
    return nullptr;
}

// ---------------------------------------------------------------- encoding

class Writer
{
public:
    //! \a expected: the bytes the frame will probably take (ASCII text).
    explicit Writer(qsizetype expected = 128) { m_out.reserve(expected); }

    QByteArray take() { return std::move(m_out); }

    void beginObject()
    {
        separate();
        m_out.append('{');
    }
    void endObject() { m_out.append('}'); }
    void beginArray()
    {
        separate();
        m_out.append('[');
    }
    void endArray() { m_out.append(']'); }

    template <size_t N>
    void key(const char (&name)[N])
    {
        separate();
        m_out.append('"');
        m_out.append(name, qsizetype(N - 1));
        m_out.append("\":", 2);
        m_afterKey = true;
    }
    void key(QStringView name)
    {
        separate();
        writeString(name);
        m_out.append(':');
        m_afterKey = true;
    }

    template <size_t N>
    void ascii(const char (&value)[N])
    {
        separate();
        m_out.append('"');
        m_out.append(value, qsizetype(N - 1));
        m_out.append('"');
    }
    void ascii(const char *value)
    {
        separate();
        m_out.append('"');
        m_out.append(value);
        m_out.append('"');
    }
    void string(QStringView s)
    {
        separate();
        writeString(s);
    }
    void integer(qint64 v)
    {
        separate();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        m_out.append(buf, qsizetype(r.ptr - buf));
    }
    void unsignedInteger(quint64 v)
    {
        separate();
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        m_out.append(buf, qsizetype(r.ptr - buf));
    }
    void number(double v)
    {
        separate();
        if (!std::isfinite(v)) {
            // JSON has no NaN or infinity.
            m_out.append("null", 4);
            return;
        }
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        m_out.append(buf, qsizetype(r.ptr - buf));
        // A double must read back as a double: "1" would come back an integer.
        if (std::memchr(buf, '.', size_t(r.ptr - buf)) == nullptr && std::memchr(buf, 'e', size_t(r.ptr - buf)) == nullptr)
            m_out.append(".0", 2);
    }
    void boolean(bool v)
    {
        separate();
        if (v)
            m_out.append("true", 4);
        else
            m_out.append("false", 5);
    }
    void null()
    {
        separate();
        m_out.append("null", 4);
    }

    void variant(const QVariant &v, int depth = 0)
    {
        if (depth > 512) {
            qCWarning(lcProtocol) << "value nested deeper than 512 levels written as null";
            null();
            return;
        }
        switch (v.typeId()) {
        case QMetaType::UnknownType:
        case QMetaType::Nullptr:
            null();
            return;
        case QMetaType::Bool:
            boolean(v.toBool());
            return;
        case QMetaType::Int:
        case QMetaType::LongLong:
        case QMetaType::Short:
        case QMetaType::Long:
        case QMetaType::SChar:
        case QMetaType::UShort:
        case QMetaType::UInt:
        case QMetaType::UChar:
            integer(v.toLongLong());
            return;
        case QMetaType::ULong:
        case QMetaType::ULongLong:
            unsignedInteger(v.toULongLong());
            return;
        case QMetaType::Double:
        case QMetaType::Float:
            number(v.toDouble());
            return;
        case QMetaType::QString:
            string(v.toString());
            return;
        case QMetaType::QByteArray:
            string(QString::fromUtf8(v.toByteArray()));
            return;
        case QMetaType::QStringList: {
            beginArray();
            const QStringList list = v.toStringList();
            for (const QString &s : list)
                string(s);
            endArray();
            return;
        }
        case QMetaType::QVariantList: {
            beginArray();
            const QVariantList list = v.toList();
            for (const QVariant &e : list)
                variant(e, depth + 1);
            endArray();
            return;
        }
        case QMetaType::QVariantMap:
            map(v.toMap(), depth + 1);
            return;
        case QMetaType::QVariantHash: {
            const QVariantHash hash = v.toHash();
            QVariantMap sorted;
            for (auto it = hash.cbegin(); it != hash.cend(); ++it)
                sorted.insert(it.key(), it.value());
            map(sorted, depth + 1);
            return;
        }
        default:
            if (v.canConvert<QString>()) {
                string(v.toString());
                return;
            }
            qCWarning(lcProtocol) << "value of type" << v.typeName() << "written as null";
            null();
            return;
        }
    }

    void map(const QVariantMap &m, int depth = 0)
    {
        beginObject();
        for (auto it = m.cbegin(); it != m.cend(); ++it) {
            key(QStringView(it.key()));
            variant(it.value(), depth);
        }
        endObject();
    }

private:
    void separate()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (!m_out.isEmpty()) {
            const char last = m_out.back();
            if (last != '{' && last != '[')
                m_out.append(',');
        }
    }

    //! The bytes writeString() will write for \a s: the same cases as its
    //! loop, which then writes through a raw pointer without checks.
    static qsizetype encodedSize(QStringView s)
    {
        qsizetype size = 2;
        const char16_t *u = s.utf16();
        const qsizetype n = s.size();
        for (qsizetype i = 0; i < n; ++i) {
            const char16_t c = u[i];
            if (c >= 0x20 && c < 0x80 && c != u'"' && c != u'\\')
                size += 1;
            else if (c < 0x80) // \" \\ \b \f \n \r \t, else \u00XX
                size += QByteArrayView("\"\\\b\f\n\r\t").contains(char(c)) ? 2 : 6;
            else if (c < 0x800)
                size += 2;
            else if (QChar::isHighSurrogate(c) && i + 1 < n && QChar::isLowSurrogate(u[i + 1])) {
                size += 4;
                ++i;
            } else
                size += 3; // a character of the BMP, or U+FFFD for a lone surrogate
        }
        return size;
    }

    void writeString(QStringView s)
    {
        // Exactly what it takes (a pass over the text is cheaper than
        // growing the buffer for the worst case and keeping that capacity
        // in the replay ring).
        const qsizetype start = m_out.size();
        const qsizetype size = encodedSize(s);
        if (m_out.capacity() < start + size)
            m_out.reserve(std::max(start + size, 2 * m_out.capacity()));
        m_out.resize(start + size);
        char *p = m_out.data() + start;
        *p++ = '"';
        const char16_t *u = s.utf16();
        const qsizetype n = s.size();
        static constexpr char hex[] = "0123456789abcdef";
        for (qsizetype i = 0; i < n; ++i) {
            const char16_t c = u[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != u'"' && c != u'\\') {
                    *p++ = char(c);
                    continue;
                }
                *p++ = '\\';
                switch (c) {
                case u'"': *p++ = '"'; break;
                case u'\\': *p++ = '\\'; break;
                case u'\b': *p++ = 'b'; break;
                case u'\f': *p++ = 'f'; break;
                case u'\n': *p++ = 'n'; break;
                case u'\r': *p++ = 'r'; break;
                case u'\t': *p++ = 't'; break;
                default:
                    *p++ = 'u';
                    *p++ = '0';
                    *p++ = '0';
                    *p++ = hex[c >> 4];
                    *p++ = hex[c & 0xf];
                }
            } else if (c < 0x800) {
                *p++ = char(0xc0 | (c >> 6));
                *p++ = char(0x80 | (c & 0x3f));
            } else if (QChar::isSurrogate(c)) {
                if (QChar::isHighSurrogate(c) && i + 1 < n && QChar::isLowSurrogate(u[i + 1])) {
                    const char32_t cp = QChar::surrogateToUcs4(c, u[++i]);
                    *p++ = char(0xf0 | (cp >> 18));
                    *p++ = char(0x80 | ((cp >> 12) & 0x3f));
                    *p++ = char(0x80 | ((cp >> 6) & 0x3f));
                    *p++ = char(0x80 | (cp & 0x3f));
                } else {
                    // A lone surrogate has no UTF-8 form; U+FFFD, as a decoder would show it.
                    *p++ = char(0xef);
                    *p++ = char(0xbf);
                    *p++ = char(0xbd);
                }
            } else {
                *p++ = char(0xe0 | (c >> 12));
                *p++ = char(0x80 | ((c >> 6) & 0x3f));
                *p++ = char(0x80 | (c & 0x3f));
            }
        }
        *p++ = '"';
        Q_ASSERT(p == m_out.data() + start + size);
    }

    QByteArray m_out;
    bool m_afterKey = false;
};

void writePatchOp(Writer &w, const Protocol::PatchOp &op)
{
    using PK = Protocol::PatchOp::Kind;
    w.beginObject();
    if (op.target.isEmpty()) {
        w.key(Key::path);
        w.beginArray();
        for (int step : op.path)
            w.integer(step);
        w.endArray();
    } else {
        w.key(Key::target);
        w.string(op.target);
    }
    if (!op.tag.isEmpty()) {
        w.key(Key::tag);
        w.string(op.tag);
    }
    switch (op.kind) {
    case PK::Attributes:
        w.key(Key::set);
        w.beginObject();
        for (const auto &[name, value] : op.set) {
            w.key(name);
            w.string(value);
        }
        w.endObject();
        w.key(Key::unset);
        w.beginArray();
        for (const QString &name : op.unset)
            w.string(name);
        w.endArray();
        break;
    case PK::Text:
        w.key(Key::text);
        w.string(op.text);
        break;
    case PK::Children:
        w.key(Key::children);
        w.beginArray();
        for (const auto &run : op.children) {
            if (run.count == 0) {
                w.string(run.html);
            } else {
                w.beginArray();
                w.integer(run.first);
                w.integer(run.count);
                w.endArray();
            }
        }
        w.endArray();
        break;
    case PK::Html:
        w.key(Key::html);
        w.string(op.html);
        break;
    case PK::Outer:
        w.key(Key::outer);
        w.string(op.html);
        break;
    }
    w.endObject();
}

void writeOp(Writer &w, const StreamOp &op)
{
    const char *name = opName(op.kind);
    if (!name) {
        qCWarning(lcProtocol) << "a" << op.kind << "op has no place in a stream frame; dropped";
        return;
    }
    w.beginObject();
    w.key(Key::op);
    w.ascii(name);
    w.key(Key::target);
    w.string(op.target);
    switch (op.kind) {
    case Kind::Replace:
    case Kind::Append:
    case Kind::Prepend:
        w.key(Key::html);
        w.string(op.html);
        break;
    case Kind::Text:
        w.key(Key::text);
        w.string(op.content);
        for (const ModeName &m : modeNames) {
            if (m.mode == op.mode) {
                w.key(Key::mode);
                w.ascii(m.name);
            }
        }
        break;
    case Kind::Error:
        w.key(Key::error);
        w.string(op.content);
        break;
    case Kind::Delete:
    case Kind::Start:
    case Kind::Done:
    case Kind::Render:
        break;
    }
    w.endObject();
}

template <size_t N>
void beginFrame(Writer &w, const char (&type)[N])
{
    w.beginObject();
    w.key(Key::type);
    w.ascii(type);
}

template <size_t N>
void beginServerFrame(Writer &w, const char (&type)[N], qint64 seq)
{
    beginFrame(w, type);
    w.key(Key::seq);
    w.integer(seq);
}

// ---------------------------------------------------------------- decoding

struct Failure
{
    Protocol::ErrorCode code;
    QString message;
};

QString typeName(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QString: return u"a string"_s;
    case QMetaType::LongLong: return u"an integer"_s;
    case QMetaType::Double: return u"a float"_s;
    case QMetaType::Bool: return u"a boolean"_s;
    case QMetaType::QVariantList: return u"an array"_s;
    case QMetaType::QVariantMap: return u"an object"_s;
    default: return u"null"_s;
    }
}

// Reads the keys of one JSON object; \a where prefixes every message so it
// names the frame (and op) the offending key belongs to.
class ObjectReader
{
public:
    ObjectReader(const QVariantMap &map, QString where) : m_map(map), m_where(std::move(where)) {}

    QString string(const char *key) const { return get(key, QMetaType::QString, u"a string"_s).toString(); }
    std::optional<QString> optionalString(const char *key) const
    {
        if (!m_map.contains(QLatin1StringView(key)))
            return std::nullopt;
        return string(key);
    }
    qint64 integer(const char *key) const { return get(key, QMetaType::LongLong, u"an integer"_s).toLongLong(); }
    std::optional<qint64> optionalInteger(const char *key) const
    {
        if (!m_map.contains(QLatin1StringView(key)))
            return std::nullopt;
        return integer(key);
    }
    std::optional<bool> optionalBoolean(const char *key) const
    {
        if (!m_map.contains(QLatin1StringView(key)))
            return std::nullopt;
        return get(key, QMetaType::Bool, u"a boolean"_s).toBool();
    }
    QVariantMap object(const char *key) const { return get(key, QMetaType::QVariantMap, u"an object"_s).toMap(); }
    QVariantList array(const char *key) const { return get(key, QMetaType::QVariantList, u"an array"_s).toList(); }

    [[noreturn]] void fail(const QString &message) const
    {
        throw Failure{Protocol::ErrorCode::BadFrame, m_where.isEmpty() ? message : m_where + u": "_s + message};
    }

    [[noreturn]] void badValue(const char *key, const QString &expected, const QString &got) const
    {
        fail(u"key '%1' must be %2, got '%3'"_s.arg(QLatin1StringView(key), expected, got));
    }

private:
    QVariant get(const char *key, QMetaType::Type type, const QString &what) const
    {
        const auto it = m_map.constFind(QLatin1StringView(key));
        if (it == m_map.cend())
            fail(u"missing key '%1' (%2)"_s.arg(QLatin1StringView(key), what));
        if (it->typeId() != type)
            fail(u"key '%1' must be %2, got %3"_s.arg(QLatin1StringView(key), what, typeName(*it)));
        return *it;
    }

    const QVariantMap &m_map;
    QString m_where;
};

QVariantMap parseFrame(QByteArrayView json)
{
    QString parseError;
    const QVariant v = parseJson(json, &parseError);
    if (!parseError.isEmpty())
        throw Failure{Protocol::ErrorCode::BadFrame, u"not JSON: "_s + parseError};
    if (v.typeId() != QMetaType::QVariantMap)
        throw Failure{Protocol::ErrorCode::BadFrame, u"frame must be a JSON object, got "_s + typeName(v)};
    return v.toMap();
}

Protocol::PatchOp readPatchOp(const QVariant &value, qsizetype index)
{
    using PK = Protocol::PatchOp::Kind;
    const QString where = u"patch op %1"_s.arg(index);
    if (value.typeId() != QMetaType::QVariantMap)
        throw Failure{Protocol::ErrorCode::BadFrame, where + u" must be an object"_s};
    const QVariantMap map = value.toMap();
    const ObjectReader r(map, where);
    Protocol::PatchOp op;
    if (map.contains(QLatin1StringView(Key::target))) {
        op.target = r.string(Key::target);
    } else {
        for (const QVariant &step : r.array(Key::path)) {
            if (step.typeId() != QMetaType::LongLong)
                throw Failure{Protocol::ErrorCode::BadFrame, where + u": path steps must be integers"_s};
            op.path.append(int(step.toLongLong()));
        }
    }
    op.tag = r.optionalString(Key::tag).value_or(QString());
    if (map.contains(QLatin1StringView(Key::set))) {
        op.kind = PK::Attributes;
        const QVariantMap set = r.object(Key::set);
        for (auto it = set.cbegin(); it != set.cend(); ++it)
            op.set.append({it.key(), it.value().toString()});
        for (const QVariant &name : r.array(Key::unset))
            op.unset.append(name.toString());
    } else if (map.contains(QLatin1StringView(Key::text))) {
        op.kind = PK::Text;
        op.text = r.string(Key::text);
    } else if (map.contains(QLatin1StringView(Key::children))) {
        op.kind = PK::Children;
        for (const QVariant &run : r.array(Key::children)) {
            if (run.typeId() == QMetaType::QString) {
                op.children.append({0, 0, run.toString()});
            } else {
                const QVariantList pair = run.toList();
                if (pair.size() != 2)
                    throw Failure{Protocol::ErrorCode::BadFrame, where + u": a run is [first, count]"_s};
                op.children.append({int(pair[0].toLongLong()), int(pair[1].toLongLong()), {}});
            }
        }
    } else if (map.contains(QLatin1StringView(Key::outer))) {
        op.kind = PK::Outer;
        op.html = r.string(Key::outer);
    } else {
        op.kind = PK::Html;
        op.html = r.string(Key::html);
    }
    return op;
}

StreamOp readOp(const QVariant &value, const QString &stream, qsizetype index)
{
    const QString where = u"stream: ops[%1]"_s.arg(index);
    if (value.typeId() != QMetaType::QVariantMap)
        throw Failure{Protocol::ErrorCode::BadFrame, where + u" must be an object, got "_s + typeName(value)};
    const QVariantMap map = value.toMap();
    const ObjectReader r(map, where);
    const QString name = r.string(Key::op);
    StreamOp op;
    bool known = false;
    for (const OpName &n : opNames) {
        if (name == QLatin1StringView(n.name)) {
            op.kind = n.kind;
            known = true;
            break;
        }
    }
    if (!known)
        r.fail(u"unknown op '%1'"_s.arg(name));
    op.stream = stream;
    op.target = r.string(Key::target);
    switch (op.kind) {
    case Kind::Replace:
    case Kind::Append:
    case Kind::Prepend:
        op.html = r.string(Key::html);
        break;
    case Kind::Text: {
        op.content = r.string(Key::text);
        if (const auto mode = r.optionalString(Key::mode)) {
            bool found = false;
            for (const ModeName &m : modeNames) {
                if (*mode == QLatin1StringView(m.name)) {
                    op.mode = m.mode;
                    found = true;
                }
            }
            if (!found)
                r.badValue(Key::mode, u"'append', 'replace' or 'prepend'"_s, *mode);
        }
        break;
    }
    case Kind::Error:
        op.content = r.string(Key::error);
        break;
    case Kind::Delete:
    case Kind::Start:
    case Kind::Done:
    case Kind::Render:
        break;
    }
    return op;
}

template <typename Frame, typename Decode>
std::optional<Frame> decodeWith(QByteArrayView json, Protocol::DecodeError *error, Decode decode)
{
    try {
        const QVariantMap map = parseFrame(json);
        const QString type = ObjectReader(map, QString()).string(Key::type);
        std::optional<Frame> frame = decode(type, map);
        if (!frame)
            throw Failure{Protocol::ErrorCode::UnknownType, u"unknown frame type '%1'"_s.arg(type)};
        return frame;
    } catch (const Failure &f) {
        qCDebug(lcProtocol).noquote() << "cannot decode:" << f.message;
        if (error)
            *error = {f.code, f.message};
        return std::nullopt;
    }
}

} // namespace

QByteArray Protocol::encode(const ClientFrame &frame)
{
    Writer w;
    std::visit(
        [&w](const auto &f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<F, Join>) {
                beginFrame(w, Type::join);
                w.key(Key::token);
                w.string(f.token);
                w.key(Key::lastSeq);
                w.integer(f.lastSeq);
            } else if constexpr (std::is_same_v<F, Event>) {
                beginFrame(w, Type::event);
                w.key(Key::event);
                w.string(f.event);
                w.key(Key::params);
                w.map(f.params);
                w.key(Key::ref);
                w.integer(f.ref);
            } else if constexpr (std::is_same_v<F, Ping>) {
                beginFrame(w, Type::ping);
                w.key(Key::ref);
                w.integer(f.ref);
            } else {
                static_assert(std::is_same_v<F, Resync>);
                beginFrame(w, Type::resync);
                w.key(Key::lastSeq);
                w.integer(f.lastSeq);
            }
            w.endObject();
        },
        frame);
    return w.take();
}

namespace {
//! About the bytes \a frame takes as JSON when its text is ASCII.
qsizetype expectedSize(const Protocol::ServerFrame &frame)
{
    if (const auto *stream = std::get_if<Protocol::Stream>(&frame)) {
        qsizetype size = 48 + stream->stream.size();
        for (const StreamOp &op : stream->ops)
            size += 56 + op.target.size() + op.content.size() + op.html.size();
        return size;
    }
    if (const auto *render = std::get_if<Protocol::Render>(&frame))
        return 48 + render->html.size() + render->html.size() / 16;
    return 128;
}
} // namespace

QByteArray Protocol::encode(const ServerFrame &frame)
{
    Writer w(expectedSize(frame));
    std::visit(
        [&w](const auto &f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (std::is_same_v<F, Mount>) {
                beginServerFrame(w, Type::mount, f.seq);
                if (f.html) {
                    w.key(Key::html);
                    w.string(*f.html);
                }
                if (f.lost) {
                    w.key(Key::lost);
                    w.boolean(true);
                }
                if (f.lastRef) {
                    w.key(Key::lastRef);
                    w.integer(f.lastRef);
                }
            } else if constexpr (std::is_same_v<F, Render>) {
                beginServerFrame(w, Type::render, f.seq);
                w.key(Key::html);
                w.string(f.html);
            } else if constexpr (std::is_same_v<F, Stream>) {
                beginServerFrame(w, Type::stream, f.seq);
                w.key(Key::stream);
                w.string(f.stream);
                w.key(Key::ops);
                w.beginArray();
                for (const StreamOp &op : f.ops)
                    writeOp(w, op);
                w.endArray();
            } else if constexpr (std::is_same_v<F, Reply>) {
                beginServerFrame(w, Type::reply, f.seq);
                w.key(Key::ref);
                w.integer(f.ref);
            } else if constexpr (std::is_same_v<F, Error>) {
                beginServerFrame(w, Type::error, f.seq);
                w.key(Key::code);
                w.string(errorCodeName(f.code));
                w.key(Key::message);
                w.string(f.message);
                if (f.ref) {
                    w.key(Key::ref);
                    w.integer(*f.ref);
                }
            } else if constexpr (std::is_same_v<F, Pong>) {
                beginServerFrame(w, Type::pong, f.seq);
                w.key(Key::ref);
                w.integer(f.ref);
            } else {
                static_assert(std::is_same_v<F, Patch>);
                beginServerFrame(w, Type::patch, f.seq);
                w.key(Key::ops);
                w.beginArray();
                for (const PatchOp &op : f.ops)
                    writePatchOp(w, op);
                w.endArray();
            }
            w.endObject();
        },
        frame);
    return w.take();
}

std::optional<Protocol::ClientFrame> Protocol::decodeClient(QByteArrayView json, DecodeError *error)
{
    return decodeWith<ClientFrame>(json, error,
                                   [](const QString &type, const QVariantMap &map) -> std::optional<ClientFrame> {
                                       if (type == QLatin1StringView(Type::join)) {
                                           const ObjectReader r(map, type);
                                           return Join{r.string(Key::token), r.integer(Key::lastSeq)};
                                       }
                                       if (type == QLatin1StringView(Type::event)) {
                                           const ObjectReader r(map, type);
                                           return Event{r.string(Key::event), r.object(Key::params),
                                                        r.integer(Key::ref)};
                                       }
                                       if (type == QLatin1StringView(Type::ping))
                                           return Ping{ObjectReader(map, type).integer(Key::ref)};
                                       if (type == QLatin1StringView(Type::resync))
                                           return Resync{ObjectReader(map, type).integer(Key::lastSeq)};
                                       return std::nullopt;
                                   });
}

std::optional<Protocol::ServerFrame> Protocol::decodeServer(QByteArrayView json, DecodeError *error)
{
    return decodeWith<ServerFrame>(
        json, error, [](const QString &type, const QVariantMap &map) -> std::optional<ServerFrame> {
            const ObjectReader r(map, type);
            if (type == QLatin1StringView(Type::mount))
                return Mount{r.integer(Key::seq), r.optionalString(Key::html), r.optionalBoolean(Key::lost).value_or(false),
                             r.optionalInteger(Key::lastRef).value_or(0)};
            if (type == QLatin1StringView(Type::render))
                return Render{r.integer(Key::seq), r.string(Key::html)};
            if (type == QLatin1StringView(Type::stream)) {
                Stream s{r.integer(Key::seq), r.string(Key::stream), {}};
                const QVariantList ops = r.array(Key::ops);
                s.ops.reserve(ops.size());
                for (qsizetype i = 0; i < ops.size(); ++i)
                    s.ops.append(readOp(ops.at(i), s.stream, i));
                return s;
            }
            if (type == QLatin1StringView(Type::reply))
                return Reply{r.integer(Key::seq), r.integer(Key::ref)};
            if (type == QLatin1StringView(Type::error)) {
                const qint64 seq = r.integer(Key::seq);
                const QString codeName = r.string(Key::code);
                const auto code = errorCodeFromName(codeName);
                if (!code)
                    r.badValue(Key::code, u"an error code"_s, codeName);
                return Error{seq, *code, r.string(Key::message), r.optionalInteger(Key::ref)};
            }
            if (type == QLatin1StringView(Type::pong))
                return Pong{r.integer(Key::seq), r.integer(Key::ref)};
            if (type == QLatin1StringView(Type::patch)) {
                Patch p{r.integer(Key::seq), {}};
                const QVariantList ops = r.array(Key::ops);
                p.ops.reserve(ops.size());
                for (qsizetype i = 0; i < ops.size(); ++i)
                    p.ops.append(readPatchOp(ops.at(i), i));
                return p;
            }
            return std::nullopt;
        });
}

QList<Protocol::ServerFrame> Protocol::framesForBatch(const QList<StreamOp> &ops, qint64 &seq)
{
    QList<ServerFrame> frames;
    Stream *open = nullptr; // the Stream frame the next op of its stream may join
    for (const StreamOp &op : ops) {
        if (op.kind == Kind::Render) {
            frames.append(Render{++seq, op.html});
            open = nullptr;
            continue;
        }
        if (!open || open->stream != op.stream) {
            frames.append(Stream{++seq, op.stream, {}});
            open = &std::get<Stream>(frames.last());
        }
        open->ops.append(op);
    }
    return frames;
}

QString Protocol::errorCodeName(ErrorCode code)
{
    for (const CodeName &n : codeNames) {
        if (n.code == code)
            return QString::fromLatin1(n.name);
    }
    return QString();
}

std::optional<Protocol::ErrorCode> Protocol::errorCodeFromName(QStringView name)
{
    for (const CodeName &n : codeNames) {
        if (name == QLatin1StringView(n.name))
            return n.code;
    }
    return std::nullopt;
}

} // namespace Rill
