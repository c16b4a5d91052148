// Filters about HTML, URLs and scripts: safe, escape, force_escape,
// linebreaks, linebreaksbr, striptags, urlencode, iriencode, escapejs,
// json_script.

#include "filters_p.h"
#include "filters_util_p.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value safe(const Value &in, const Value *, const FilterEnv &)
{
    return safeString(strOf(in));
}

// Django's escape is conditional_escape: already-safe text passes through.
Value escape(const Value &in, const Value *, const FilterEnv &)
{
    if (in.safe)
        return in;
    return safeString(escapeHtml(strOf(in)));
}

Value forceEscape(const Value &in, const Value *, const FilterEnv &)
{
    return safeString(escapeHtml(strOf(in)));
}

QString normalizeNewlines(QString s)
{
    s.replace(u"\r\n"_s, u"\n"_s);
    s.replace(u'\r', u'\n');
    return s;
}

Value linebreaks(const Value &in, const Value *, const FilterEnv &env)
{
    const bool esc = env.autoescape && !in.safe;
    const QString text = normalizeNewlines(strOf(in));
    QStringList paras;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size();) {
        if (text.at(i) == u'\n' && i + 1 < text.size() && text.at(i + 1) == u'\n') {
            qsizetype j = i;
            while (j < text.size() && text.at(j) == u'\n')
                ++j;
            paras.append(text.mid(start, i - start));
            start = i = j;
        } else {
            ++i;
        }
    }
    paras.append(text.mid(start));
    QString out;
    for (qsizetype i = 0; i < paras.size(); ++i) {
        if (i)
            out += u"\n\n";
        QString p = esc ? escapeHtml(paras.at(i)) : paras.at(i);
        out += u"<p>" + p.replace(u'\n', u"<br>"_s) + u"</p>";
    }
    return safeString(out);
}

Value linebreaksbr(const Value &in, const Value *, const FilterEnv &env)
{
    // One pass for normalizeNewlines(), the escape and '\n' -> "<br>":
    // escaping leaves line ends alone, so the order does not matter.
    const QString text = strOf(in);
    const bool esc = env.autoescape && !in.safe;
    QString out;
    out.reserve(text.size() + text.size() / 8 + 16);
    const QChar *data = text.constData();
    const qsizetype n = text.size();
    qsizetype start = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = data[i].unicode();
        if (c != u'\n' && c != u'\r')
            continue;
        const QStringView segment(data + start, i - start);
        if (esc)
            appendEscaped(out, segment);
        else
            out.append(segment);
        out.append(u"<br>");
        if (c == u'\r' && i + 1 < n && data[i + 1] == u'\n')
            ++i;
        start = i + 1;
    }
    const QStringView rest(data + start, n - start);
    if (esc)
        appendEscaped(out, rest);
    else
        out.append(rest);
    return safeString(out);
}

Value linenumbers(const Value &in, const Value *, const FilterEnv &env)
{
    const QStringList lines = strOf(in).split(u'\n');
    const bool esc = env.autoescape && !in.safe;
    const qsizetype width = QString::number(lines.size()).size();
    QStringList out;
    out.reserve(lines.size());
    for (qsizetype i = 0; i < lines.size(); ++i)
        out.append(QString::number(i + 1).rightJustified(width, u'0') + u". "
                   + (esc ? escapeHtml(lines.at(i)) : lines.at(i)));
    return safeString(out.join(u'\n'));
}

bool isAsciiAlpha(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z');
}

// One pass of Python's HTMLParser keeping only text and entity/char refs:
// tags, comments, declarations and processing instructions vanish. An
// unterminated construct at the end is kept as text, as HTMLParser.close()
// does.
QString stripOnce(const QString &s)
{
    QString out;
    qsizetype i = 0;
    const qsizetype n = s.size();
    while (i < n) {
        const QChar c = s.at(i);
        if (c != u'<' || i + 1 >= n) {
            out.append(c);
            ++i;
            continue;
        }
        const QChar next = s.at(i + 1);
        qsizetype end = -1;
        if (isAsciiAlpha(next)) {
            // A start tag ends at the first '>' outside quoted attribute values.
            QChar quote;
            for (qsizetype j = i + 2; j < n; ++j) {
                const QChar d = s.at(j);
                if (!quote.isNull()) {
                    if (d == quote)
                        quote = QChar();
                } else if (d == u'"' || d == u'\'') {
                    if (j > 0 && s.at(j - 1) == u'=')
                        quote = d;
                } else if (d == u'>') {
                    end = j + 1;
                    break;
                }
            }
        } else if (next == u'/') {
            const qsizetype j = s.indexOf(u'>', i + 2);
            if (j >= 0)
                end = j + 1;
        } else if (s.mid(i, 4) == u"<!--"_s) {
            const qsizetype j = s.indexOf(u"-->"_s, i + 4);
            if (j >= 0)
                end = j + 3;
        } else if (next == u'!' || next == u'?') {
            const qsizetype j = s.indexOf(u'>', i + 2);
            if (j >= 0)
                end = j + 1;
        } else {
            out.append(c);
            ++i;
            continue;
        }
        if (end < 0) {
            out.append(s.mid(i));
            break;
        }
        i = end;
    }
    return out;
}

Value striptags(const Value &in, const Value *, const FilterEnv &)
{
    QString value = strOf(in);
    // Repeat while passes still remove tags: stripping can join "<<b>a>"
    // into a new tag.
    for (int depth = 0; value.contains(u'<') && value.contains(u'>') && depth < 50; ++depth) {
        const QString next = stripOnce(value);
        if (next.count(u'<') == value.count(u'<'))
            break;
        value = next;
    }
    return plainString(value);
}

// urllib.parse.quote: UTF-8 bytes, letters, digits and "_.-~" plus the
// caller's safe characters stay, everything else becomes %XX.
QString pyQuote(const QString &s, const QString &safeChars)
{
    static const QByteArray always = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";
    const QByteArray safeBytes = safeChars.toUtf8();
    QString out;
    const QByteArray bytes = s.toUtf8();
    for (char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        if (b < 0x80 && (always.contains(ch) || safeBytes.contains(ch))) {
            out.append(QLatin1Char(ch));
        } else {
            out.append(u'%');
            out.append(QString::number(b, 16).toUpper().rightJustified(2, u'0'));
        }
    }
    return out;
}

Value urlencode(const Value &in, const Value *arg, const FilterEnv &)
{
    return plainString(pyQuote(strOf(in), arg ? strOf(*arg) : u"/"_s));
}

Value iriencode(const Value &in, const Value *, const FilterEnv &)
{
    return plainString(pyQuote(strOf(in), u"/#%[]=:;$&()+,!?*@'~"_s));
}

QString hex4(uint u)
{
    return QString::number(u, 16).toUpper().rightJustified(4, u'0');
}

Value escapejs(const Value &in, const Value *, const FilterEnv &)
{
    QString out;
    for (QChar c : strOf(in)) {
        const char16_t u = c.unicode();
        switch (u) {
        case u'\\': case u'\'': case u'"': case u'>': case u'<': case u'&':
        case u'=': case u'-': case u';': case u'`': case 0x2028: case 0x2029:
            out += u"\\u" + hex4(u);
            break;
        default:
            if (u < 32)
                out += u"\\u" + hex4(u);
            else
                out.append(c);
        }
    }
    return safeString(out);
}

// json.dumps with its defaults (ensure_ascii, ", " and ": " separators).
void appendJsonString(QString &out, const QString &s)
{
    out.append(u'"');
    for (QChar c : s) {
        const char16_t u = c.unicode();
        switch (u) {
        case u'"': out += u"\\\""; break;
        case u'\\': out += u"\\\\"; break;
        case u'\n': out += u"\\n"; break;
        case u'\r': out += u"\\r"; break;
        case u'\t': out += u"\\t"; break;
        case u'\b': out += u"\\b"; break;
        case u'\f': out += u"\\f"; break;
        default:
            if (u < 0x20 || u > 0x7e)
                out += u"\\u" + QString::number(u, 16).rightJustified(4, u'0');
            else
                out.append(c);
        }
    }
    out.append(u'"');
}

bool appendJson(QString &out, const QVariant &raw, const FilterEnv &env, int depth)
{
    if (depth > MaxValueDepth)
        RenderBudget::failDepth();
    env.checkLength(out.size());
    const QVariant v = normalize(raw);
    switch (kindOf(v)) {
    case Kind::None:
        out += u"null";
        return true;
    case Kind::Bool:
        out += v.toBool() ? u"true" : u"false";
        return true;
    case Kind::Int:
        out += toPyStr(v);
        return true;
    case Kind::Float: {
        const double d = v.toDouble();
        if (std::isnan(d))
            out += u"NaN";
        else if (std::isinf(d))
            out += d > 0 ? u"Infinity" : u"-Infinity";
        else
            out += pyFloatRepr(d);
        return true;
    }
    case Kind::String:
        appendJsonString(out, v.toString());
        return true;
    case Kind::List: {
        out.append(u'[');
        const QVariantList list = v.toList();
        for (qsizetype i = 0; i < list.size(); ++i) {
            if (i)
                out += u", ";
            if (!appendJson(out, list.at(i), env, depth + 1))
                return false;
        }
        out.append(u']');
        return true;
    }
    case Kind::Map: {
        out.append(u'{');
        const QVariantMap map = v.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (it != map.cbegin())
                out += u", ";
            appendJsonString(out, it.key());
            out += u": ";
            if (!appendJson(out, it.value(), env, depth + 1))
                return false;
        }
        out.append(u'}');
        return true;
    }
    default:
        return false;
    }
}

Value jsonScript(const Value &in, const Value *arg, const FilterEnv &env)
{
    QString json;
    if (!appendJson(json, in.v, env, 0))
        env.fail(u"json_script cannot serialise a value of this type"_s);
    json.replace(u'<', u"\\u003C"_s).replace(u'>', u"\\u003E"_s).replace(u'&', u"\\u0026"_s);
    const QString id = arg->safe ? strOf(*arg) : escapeHtml(strOf(*arg));
    return safeString(u"<script id=\"" + id + u"\" type=\"application/json\">" + json + u"</script>");
}

} // namespace

void registerHtmlFilters(FilterTable &t)
{
    auto add = [&t](const QString &name, FilterFn fn, FilterArg arg, bool isSafe, bool stringFilter) {
        t.insert(name, {name, fn, arg, isSafe, stringFilter});
    };
    add(u"safe"_s, &safe, FilterArg::None, true, true);
    add(u"escape"_s, &escape, FilterArg::None, true, true);
    add(u"force_escape"_s, &forceEscape, FilterArg::None, true, true);
    add(u"linebreaks"_s, &linebreaks, FilterArg::None, true, true);
    add(u"linebreaksbr"_s, &linebreaksbr, FilterArg::None, true, true);
    add(u"linenumbers"_s, &linenumbers, FilterArg::None, true, true);
    add(u"striptags"_s, &striptags, FilterArg::None, true, true);
    add(u"urlencode"_s, &urlencode, FilterArg::Optional, false, true);
    add(u"iriencode"_s, &iriencode, FilterArg::None, true, true);
    add(u"escapejs"_s, &escapejs, FilterArg::None, false, true);
    add(u"json_script"_s, &jsonScript, FilterArg::Required, true, false);
}

} // namespace Rill::detail
