// Filters over text: lower, upper, title, capfirst, truncation, padding,
// slugify, stringformat, ...

#include "filters_p.h"
#include "filters_util_p.h"

#include <cstdio>
#include <limits>


using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

// Walks a string by code point, as Python iterates a str.
struct CodePoints
{
    const QString &s;
    qsizetype pos = 0;
    bool hasNext() const { return pos < s.size(); }
    qsizetype index() const { return pos; }
    char32_t next()
    {
        const QChar c = s.at(pos++);
        if (c.isHighSurrogate() && pos < s.size() && s.at(pos).isLowSurrogate())
            return QChar::surrogateToUcs4(c, s.at(pos++));
        return c.unicode();
    }
};

bool isAsciiLower(QChar c) { return c.unicode() >= u'a' && c.unicode() <= u'z'; }
bool isAsciiUpper(QChar c) { return c.unicode() >= u'A' && c.unicode() <= u'Z'; }

// Python's str.title(): a cased character following another cased one is
// lowered, any other is title-cased. Digits and apostrophes are uncased,
// which is why Django patches the result afterwards.
QString pyTitle(const QString &s)
{
    // Written into a buffer of the input's size: one QString per character
    // (QString::fromUcs4) made title the costliest filter of a table page.
    // Case mappings keep ASCII in ASCII, and QChar's simple mappings keep
    // almost all of the BMP in the BMP; the rare character whose mapping
    // leaves the BMP sends us to the appending loop below.
    QString out(s.size(), Qt::Uninitialized);
    char16_t *d = reinterpret_cast<char16_t *>(out.data());
    const auto *src = reinterpret_cast<const char16_t *>(s.constData());
    const qsizetype n = s.size();
    qsizetype o = 0;
    bool prevCased = false;
    qsizetype i = 0;
    for (; i < n; ++i) {
        const char16_t u = src[i];
        if (u < 0x80) {
            const bool lower = u >= u'a' && u <= u'z';
            const bool upper = u >= u'A' && u <= u'Z';
            if (prevCased && upper)
                d[o++] = char16_t(u + 32);
            else if (!prevCased && lower)
                d[o++] = char16_t(u - 32);
            else
                d[o++] = u;
            prevCased = lower || upper;
            continue;
        }
        char32_t c = u;
        qsizetype units = 1;
        if (QChar::isHighSurrogate(u) && i + 1 < n && QChar::isLowSurrogate(src[i + 1])) {
            c = QChar::surrogateToUcs4(u, src[i + 1]);
            units = 2;
        }
        const char32_t mapped = prevCased ? QChar::toLower(c) : QChar::toTitleCase(c);
        const qsizetype need = QChar::requiresSurrogates(mapped) ? 2 : 1;
        if (need > units)
            break; // the output would outgrow the buffer
        if (need == 2) {
            d[o++] = QChar::highSurrogate(mapped);
            d[o++] = QChar::lowSurrogate(mapped);
        } else {
            d[o++] = char16_t(mapped);
        }
        prevCased = QChar::isLower(c) || QChar::isUpper(c) || QChar::isTitleCase(c);
        i += units - 1;
    }
    out.truncate(o);
    if (i == n)
        return out;
    // The general loop, from where the buffer ran out.
    CodePoints it{s, i};
    while (it.hasNext()) {
        const char32_t c = it.next();
        const bool cased = QChar::isLower(c) || QChar::isUpper(c) || QChar::isTitleCase(c);
        const char32_t mapped = prevCased ? QChar::toLower(c) : QChar::toTitleCase(c);
        out.append(QString::fromUcs4(&mapped, 1));
        prevCased = cased;
    }
    return out;
}

Value lower(const Value &in, const Value *, const FilterEnv &)
{
    return plainString(strOf(in).toLower());
}

Value upper(const Value &in, const Value *, const FilterEnv &)
{
    return plainString(strOf(in).toUpper());
}

Value title(const Value &in, const Value *, const FilterEnv &)
{
    QString t = pyTitle(strOf(in));
    // "They'Re" -> "They're" and "1St" -> "1st", as Django's two re.sub calls.
    for (qsizetype i = 0; i + 2 < t.size(); ++i) {
        if (isAsciiLower(t.at(i)) && t.at(i + 1) == u'\'' && isAsciiUpper(t.at(i + 2))) {
            t[i + 2] = t.at(i + 2).toLower();
            i += 2;
        }
    }
    for (qsizetype i = 0; i + 1 < t.size(); ++i) {
        if (t.at(i).isDigit() && isAsciiUpper(t.at(i + 1))) {
            t[i + 1] = t.at(i + 1).toLower();
            ++i;
        }
    }
    return plainString(t);
}

Value capfirst(const Value &in, const Value *, const FilterEnv &)
{
    const QString s = strOf(in);
    if (s.isEmpty())
        return plainString(s);
    const qsizetype n = (s.at(0).isHighSurrogate() && s.size() > 1) ? 2 : 1;
    return plainString(s.left(n).toUpper() + s.mid(n));
}

// Truncator.add_truncation_text with an explicit suffix (truncatewords);
// truncatechars uses the default suffix, which is always appended.
QString addTruncation(const QString &text, const QString &suffix)
{
    return text.endsWith(suffix) ? text : text + suffix;
}

Value truncatechars(const Value &in, const Value *arg, const FilterEnv &env)
{
    if (pyIntTypeError(arg->v))
        env.fail(u"the length must be a number, not %1"_s.arg(toPyRepr(arg->v)));
    const QString value = strOf(in);
    const std::optional<qint64> length = pyInt(arg->v);
    if (!length)
        return Value::string(value);
    // ASCII text is its own NFC form and has no combining characters, so
    // characters are UTF-16 units: skip the normalisation and the walk.
    char16_t seen = 0;
    for (const QChar c : value)
        seen |= c.unicode();
    if (seen < 0x80) {
        // As the general loop: truncated only once a character is counted
        // past the length, so "" stays "" even for a negative length.
        if (value.isEmpty() || value.size() <= *length)
            return plainString(value);
        return plainString(value.left(qsizetype(*length > 1 ? *length - 1 : 0)) + u"\u2026"_s);
    }
    const QString text = value.normalized(QString::NormalizationForm_C);
    // Room for the one-character ellipsis (no lower than qint64 goes).
    const qint64 truncateLen = std::max<qint64>(*length, std::numeric_limits<qint64>::min() + 1) - 1;
    qint64 counted = 0;
    qsizetype endIndex = -1;
    CodePoints it{text};
    while (it.hasNext()) {
        const qsizetype pos = it.index();
        const char32_t c = it.next();
        if (QChar::combiningClass(c) != 0)
            continue;
        ++counted;
        if (endIndex < 0 && counted > truncateLen)
            endIndex = pos;
        if (counted > *length)
            return plainString(text.left(std::max<qsizetype>(endIndex, 0)) + u"\u2026"_s);
    }
    return plainString(text);
}

Value truncatewords(const Value &in, const Value *arg, const FilterEnv &env)
{
    if (pyIntTypeError(arg->v))
        env.fail(u"the length must be a number, not %1"_s.arg(toPyRepr(arg->v)));
    const QString value = strOf(in);
    const std::optional<qint64> length = pyInt(arg->v);
    if (!length)
        return Value::string(value);
    QStringList words = pySplitWhitespace(value);
    const qint64 n = words.size();
    if (n > *length) {
        // words[:length], negative lengths counting from the end
        const qint64 keep = *length >= 0 ? *length : std::max<qint64>(0, n + *length);
        words = words.mid(0, keep);
        return plainString(addTruncation(words.join(u' '), u" \u2026"_s));
    }
    return plainString(words.join(u' '));
}

Value cut(const Value &in, const Value *arg, const FilterEnv &)
{
    const QString needle = strOf(*arg);
    QString s = strOf(in);
    if (!needle.isEmpty())
        s.remove(needle);
    // Removing ';' could break an entity such as "&amp;", so that result is
    // no longer trusted.
    return Value::string(s, in.safe && needle != u";"_s);
}

// A padding width: refused before the padding is made when the result
// could not be printed anyway.
qint64 widthArg(const Value *arg, const FilterEnv &env)
{
    const std::optional<qint64> w = pyInt(arg->v);
    if (!w)
        env.fail(u"the width must be an integer, not '%1'"_s.arg(toPyStr(arg->v)));
    env.checkWidth(*w);
    return *w;
}

Value ljust(const Value &in, const Value *arg, const FilterEnv &env)
{
    const QString s = strOf(in);
    const qint64 w = widthArg(arg, env);
    const qsizetype len = pyStrLen(s);
    return plainString(w > len ? s + QString(w - len, u' ') : s);
}

Value rjust(const Value &in, const Value *arg, const FilterEnv &env)
{
    const QString s = strOf(in);
    const qint64 w = widthArg(arg, env);
    const qsizetype len = pyStrLen(s);
    return plainString(w > len ? QString(w - len, u' ') + s : s);
}

Value center(const Value &in, const Value *arg, const FilterEnv &env)
{
    const QString s = strOf(in);
    const qint64 w = widthArg(arg, env);
    const qsizetype len = pyStrLen(s);
    if (w <= len)
        return plainString(s);
    // CPython puts the odd space on the left only when the width is odd.
    const qint64 margin = w - len;
    const qint64 left = margin / 2 + (margin & w & 1);
    return plainString(QString(left, u' ') + s + QString(margin - left, u' '));
}

Value wordcount(const Value &in, const Value *, const FilterEnv &)
{
    return Value::integer(pySplitWhitespace(strOf(in)).size());
}

Value slugify(const Value &in, const Value *, const FilterEnv &)
{
    const QString decomposed = strOf(in).normalized(QString::NormalizationForm_KD);
    QString ascii;
    for (QChar c : decomposed) {
        if (c.unicode() < 0x80)
            ascii.append(c);
    }
    ascii = ascii.toLower();
    QString kept;
    for (QChar c : ascii) {
        if (c.isLetterOrNumber() || c == u'_' || c == u'-' || pyIsSpace(c))
            kept.append(c);
    }
    QString out;
    bool inRun = false;
    for (QChar c : kept) {
        if (c == u'-' || pyIsSpace(c)) {
            if (!inRun)
                out.append(u'-');
            inRun = true;
        } else {
            out.append(c);
            inRun = false;
        }
    }
    qsizetype b = 0, e = out.size();
    while (b < e && (out.at(b) == u'-' || out.at(b) == u'_'))
        ++b;
    while (e > b && (out.at(e - 1) == u'-' || out.at(e - 1) == u'_'))
        --e;
    return plainString(out.mid(b, e - b));
}

Value addslashes(const Value &in, const Value *, const FilterEnv &)
{
    QString out;
    for (QChar c : strOf(in)) {
        if (c == u'\\' || c == u'"' || c == u'\'')
            out.append(u'\\');
        out.append(c);
    }
    return plainString(out);
}

Value makeList(const Value &in, const Value *, const FilterEnv &)
{
    return Value(iterate(strOf(in)).value_or(QVariantList()));
}

// str.expandtabs(8) followed by TextWrapper's replace_whitespace.
QString expandAndFlatten(const QString &line)
{
    QString out;
    qsizetype column = 0;
    for (QChar c : line) {
        if (c == u'\t') {
            const qsizetype spaces = 8 - column % 8;
            out += QString(spaces, u' ');
            column += spaces;
        } else if (c == u'\n' || c == u'\r') {
            out += u' ';
            column = 0;
        } else if (c == u'\v' || c == u'\f') {
            out += u' ';
            ++column;
        } else {
            out += c;
            ++column;
        }
    }
    return out;
}

bool isWrapSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\v' || c == u'\f' || c == u'\r';
}

// textwrap.TextWrapper(width, break_long_words=False, break_on_hyphens=False)
// .wrap(line): chunks are runs of ASCII whitespace and runs of the rest;
// whitespace at the edges of produced lines is dropped.
QStringList wrapLine(const QString &raw, qint64 width)
{
    const QString text = expandAndFlatten(raw);
    QStringList chunks;
    for (qsizetype i = 0; i < text.size();) {
        const bool space = isWrapSpace(text.at(i));
        qsizetype j = i;
        while (j < text.size() && isWrapSpace(text.at(j)) == space)
            ++j;
        chunks.append(text.mid(i, j - i));
        i = j;
    }
    auto blank = [](const QString &c) { return pyStrip(c).isEmpty(); };
    QStringList lines;
    qsizetype next = 0;
    while (next < chunks.size()) {
        if (blank(chunks.at(next)) && !lines.isEmpty())
            ++next;
        QStringList current;
        qint64 len = 0;
        while (next < chunks.size() && len + pyStrLen(chunks.at(next)) <= width) {
            len += pyStrLen(chunks.at(next));
            current.append(chunks.at(next++));
        }
        if (next < chunks.size() && pyStrLen(chunks.at(next)) > width && current.isEmpty())
            current.append(chunks.at(next++));
        if (!current.isEmpty() && blank(current.last()))
            current.removeLast();
        if (!current.isEmpty())
            lines.append(current.join(QString()));
    }
    return lines;
}

// str.splitlines(keepends=True) for the common line boundaries.
QStringList splitLinesKeepEnds(const QString &s)
{
    QStringList lines;
    qsizetype start = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const char16_t c = s.at(i).unicode();
        const bool crlf = c == u'\r' && i + 1 < s.size() && s.at(i + 1) == u'\n';
        if (c == u'\n' || c == u'\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
            || c == 0x2028 || c == 0x2029) {
            if (crlf)
                ++i;
            lines.append(s.mid(start, i + 1 - start));
            start = i + 1;
        }
    }
    if (start < s.size())
        lines.append(s.mid(start));
    return lines;
}

Value wordwrap(const Value &in, const Value *arg, const FilterEnv &env)
{
    // The width of a line, not of the result: any width makes nothing new.
    const std::optional<qint64> w = pyInt(arg->v);
    if (!w)
        env.fail(u"the width must be an integer, not '%1'"_s.arg(toPyStr(arg->v)));
    if (*w > kMaxPadding)
        env.fail(u"the width %1 is too large"_s.arg(*w));
    const qint64 width = *w;
    if (width <= 0)
        env.fail(u"invalid width %1 (must be > 0)"_s.arg(width));
    QStringList out;
    const QStringList lines = splitLinesKeepEnds(strOf(in));
    for (const QString &line : lines)
        out += wrapLine(line, width);
    return plainString(out.join(u'\n'));
}

// ---- Python's printf-style formatting, one argument -------------------------

struct Spec
{
    bool left = false, plus = false, space = false, alt = false, zero = false;
    int width = -1;
    int precision = -1;
    QChar conv;
};

QString pad(const QString &body, const Spec &spec)
{
    const qsizetype len = pyStrLen(body);
    if (spec.width <= len)
        return body;
    const QString fill(spec.width - len, u' ');
    return spec.left ? body + fill : fill + body;
}

// Zero padding goes between the sign/prefix and the digits.
QString padNumber(const QString &sign, const QString &digits, const Spec &spec)
{
    if (spec.zero && !spec.left && spec.width > sign.size() + digits.size())
        return sign + QString(spec.width - sign.size() - digits.size(), u'0') + digits;
    return pad(sign + digits, spec);
}

QString signFor(bool negative, const Spec &spec)
{
    if (negative)
        return u"-"_s;
    if (spec.plus)
        return u"+"_s;
    if (spec.space)
        return u" "_s;
    return QString();
}

std::optional<QString> formatInt(const QVariant &v, const Spec &spec)
{
    std::optional<qint64> n;
    const Kind k = kindOf(v);
    if (k == Kind::Int || k == Kind::Bool)
        n = toInt(v);
    else if (k == Kind::Float && spec.conv != u'x' && spec.conv != u'X' && spec.conv != u'o')
        n = pyInt(v);
    if (!n)
        return std::nullopt;
    const bool negative = *n < 0;
    const quint64 mag = negative ? quint64(0) - quint64(*n) : quint64(*n);
    QString digits;
    QString prefix;
    const char16_t c = spec.conv.unicode();
    if (c == u'x' || c == u'X') {
        digits = QString::number(mag, 16);
        if (c == u'X')
            digits = digits.toUpper();
        if (spec.alt)
            prefix = c == u'x' ? u"0x"_s : u"0X"_s;
    } else if (c == u'o') {
        digits = QString::number(mag, 8);
        if (spec.alt)
            prefix = u"0o"_s;
    } else {
        digits = QString::number(mag);
    }
    if (spec.precision > digits.size())
        digits = QString(spec.precision - digits.size(), u'0') + digits;
    return padNumber(signFor(negative, spec) + prefix, digits, spec);
}

std::optional<QString> formatFloat(const QVariant &v, const Spec &spec)
{
    const Kind k = kindOf(v);
    if (k != Kind::Int && k != Kind::Bool && k != Kind::Float)
        return std::nullopt;
    const double d = toDouble(v);
    QByteArray fmt = "%";
    if (spec.alt)
        fmt += '#';
    fmt += '.';
    fmt += QByteArray::number(spec.precision < 0 ? 6 : spec.precision);
    fmt += char(spec.conv.unicode());
    // C's snprintf, not QString::asprintf: Qt's own formatter ignores '#'.
    QByteArray buf(std::snprintf(nullptr, 0, fmt.constData(), std::fabs(d)) + 1, '\0');
    std::snprintf(buf.data(), size_t(buf.size()), fmt.constData(), std::fabs(d));
    QString body = QString::fromLatin1(buf.constData());
    const bool negative = std::signbit(d) && !std::isnan(d);
    if (!std::isfinite(d)) {
        Spec noZero = spec;
        noZero.zero = false;
        return padNumber(signFor(negative, spec), body, noZero);
    }
    return padNumber(signFor(negative, spec), body, spec);
}

// ("%" + arg) % value, or std::nullopt where Python raises; also for a
// width or precision above maxWidth, which Rill does not make.
std::optional<QString> pyPercentFormat(const QString &format, const QVariant &value, qint64 maxWidth)
{
    QString out;
    bool consumed = false;
    for (qsizetype i = 0; i < format.size(); ++i) {
        const QChar ch = format.at(i);
        if (ch != u'%') {
            out.append(ch);
            continue;
        }
        if (++i >= format.size())
            return std::nullopt;
        Spec spec;
        for (; i < format.size(); ++i) {
            const QChar f = format.at(i);
            if (f == u'-') spec.left = true;
            else if (f == u'+') spec.plus = true;
            else if (f == u' ') spec.space = true;
            else if (f == u'#') spec.alt = true;
            else if (f == u'0') spec.zero = true;
            else break;
        }
        auto readNumber = [&]() {
            int n = 0;
            while (i < format.size() && format.at(i).isDigit() && format.at(i).unicode() < 0x80)
                n = std::min<int>(n * 10 + format.at(i++).digitValue(), kMaxPadding + 1);
            return n;
        };
        if (i < format.size() && format.at(i).isDigit())
            spec.width = readNumber();
        if (i < format.size() && format.at(i) == u'.') {
            ++i;
            spec.precision = readNumber();
        }
        while (i < format.size() && (format.at(i) == u'h' || format.at(i) == u'l' || format.at(i) == u'L'))
            ++i;
        if (i >= format.size() || spec.width > maxWidth || spec.precision > maxWidth)
            return std::nullopt;
        spec.conv = format.at(i);
        if (spec.conv == u'%') {
            out.append(u'%');
            continue;
        }
        if (consumed)
            return std::nullopt; // not enough arguments for format string
        consumed = true;
        std::optional<QString> piece;
        switch (spec.conv.unicode()) {
        case u's':
        case u'r':
        case u'a': {
            QString s = spec.conv == u's' ? toPyStr(value) : toPyRepr(value);
            if (spec.precision >= 0 && pyStrLen(s) > spec.precision) {
                qsizetype cut = 0;
                for (qsizetype kept = 0; kept < spec.precision; ++kept)
                    cut += s.at(cut).isHighSurrogate() && cut + 1 < s.size() ? 2 : 1;
                s = s.left(cut);
            }
            piece = pad(s, spec);
            break;
        }
        case u'd':
        case u'i':
        case u'u':
        case u'x':
        case u'X':
        case u'o':
            piece = formatInt(value, spec);
            break;
        case u'e':
        case u'E':
        case u'f':
        case u'F':
        case u'g':
        case u'G':
            piece = formatFloat(value, spec);
            break;
        case u'c':
            if (kindOf(value) == Kind::Int) {
                const qint64 cp = toInt(value);
                if (cp < 0 || cp > 0x10FFFF)
                    return std::nullopt;
                const char32_t c32 = char32_t(cp);
                piece = pad(QString::fromUcs4(&c32, 1), spec);
            } else if (kindOf(value) == Kind::String && value.toString().size() == 1) {
                piece = pad(value.toString(), spec);
            }
            break;
        default:
            return std::nullopt;
        }
        if (!piece)
            return std::nullopt;
        out.append(*piece);
    }
    if (!consumed)
        return std::nullopt; // not all arguments converted
    return out;
}

Value stringformat(const Value &in, const Value *arg, const FilterEnv &env)
{
    const qint64 maxWidth = std::min<qint64>(kMaxPadding, env.maxChars());
    return plainString(pyPercentFormat(u'%' + strOf(*arg), normalize(in.v), maxWidth).value_or(QString()));
}

} // namespace

void registerStringFilters(FilterTable &t)
{
    auto add = [&t](const QString &name, FilterFn fn, FilterArg arg, bool isSafe, bool stringFilter) {
        t.insert(name, {name, fn, arg, isSafe, stringFilter});
    };
    add(u"lower"_s, &lower, FilterArg::None, true, true);
    add(u"upper"_s, &upper, FilterArg::None, false, true);
    add(u"title"_s, &title, FilterArg::None, true, true);
    add(u"capfirst"_s, &capfirst, FilterArg::None, true, true);
    add(u"truncatechars"_s, &truncatechars, FilterArg::Required, true, true);
    add(u"truncatewords"_s, &truncatewords, FilterArg::Required, true, true);
    add(u"cut"_s, &cut, FilterArg::Required, false, true);
    add(u"ljust"_s, &ljust, FilterArg::Required, true, true);
    add(u"rjust"_s, &rjust, FilterArg::Required, true, true);
    add(u"center"_s, &center, FilterArg::Required, true, true);
    add(u"wordcount"_s, &wordcount, FilterArg::None, false, true);
    add(u"slugify"_s, &slugify, FilterArg::None, true, true);
    add(u"addslashes"_s, &addslashes, FilterArg::None, true, true);
    add(u"make_list"_s, &makeList, FilterArg::None, false, true);
    add(u"wordwrap"_s, &wordwrap, FilterArg::Required, true, true);
    add(u"stringformat"_s, &stringformat, FilterArg::Required, true, false);
}

} // namespace Rill::detail
