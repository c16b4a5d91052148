#pragma once

// Python conversions several filter families need: int(), float(),
// str.split() and the whitespace it splits on. Each returns std::nullopt
// where Python raises ValueError or TypeError, so a filter can choose to
// fail quietly or loudly exactly where Django does.

#include "value_p.h"

#include <QString>

#include <cmath>
#include <cstdlib>
#include <optional>

namespace Rill::detail {

// str.isspace() for one UTF-16 unit; Python also counts the ASCII
// information separators 0x1c-0x1f, which QChar does not.
inline bool pyIsSpace(QChar c)
{
    const char16_t u = c.unicode();
    return c.isSpace() || (u >= 0x1c && u <= 0x1f);
}

// len(s): code points, not UTF-16 units.
inline qsizetype pyStrLen(const QString &s)
{
    qsizetype n = s.size();
    for (qsizetype i = 0; i + 1 < s.size(); ++i) {
        if (s.at(i).isHighSurrogate() && s.at(i + 1).isLowSurrogate()) {
            --n;
            ++i;
        }
    }
    return n;
}

// str.split() with no separator: runs of whitespace, no empty words.
inline QStringList pySplitWhitespace(const QString &s)
{
    QStringList words;
    qsizetype start = -1;
    for (qsizetype i = 0; i <= s.size(); ++i) {
        const bool space = i == s.size() || pyIsSpace(s.at(i));
        if (space && start >= 0) {
            words.append(s.mid(start, i - start));
            start = -1;
        } else if (!space && start < 0) {
            start = i;
        }
    }
    return words;
}

inline QString pyStrip(const QString &s)
{
    qsizetype b = 0, e = s.size();
    while (b < e && pyIsSpace(s.at(b)))
        ++b;
    while (e > b && pyIsSpace(s.at(e - 1)))
        --e;
    return s.mid(b, e - b);
}

// int(s) for a string: surrounding whitespace, a sign, digits with single
// underscores between them.
inline std::optional<qint64> pyIntFromString(const QString &raw)
{
    const QString s = pyStrip(raw);
    qsizetype i = 0;
    bool negative = false;
    if (i < s.size() && (s.at(i) == u'+' || s.at(i) == u'-')) {
        negative = s.at(i) == u'-';
        ++i;
    }
    if (i >= s.size())
        return std::nullopt;
    // The magnitude, unsigned: the most negative qint64 has no positive twin.
    const quint64 limit = negative ? quint64(1) << 63 : (quint64(1) << 63) - 1;
    quint64 result = 0;
    bool lastWasDigit = false;
    for (; i < s.size(); ++i) {
        const QChar c = s.at(i);
        if (c == u'_' && lastWasDigit && i + 1 < s.size() && s.at(i + 1).isDigit()) {
            lastWasDigit = false;
            continue;
        }
        if (!c.isDigit())
            return std::nullopt;
        // Python's ints are unbounded; beyond qint64 we give up as if invalid.
        if (__builtin_mul_overflow(result, quint64(10), &result)
            || __builtin_add_overflow(result, quint64(c.digitValue()), &result) || result > limit)
            return std::nullopt;
        lastWasDigit = true;
    }
    return negative ? qint64(quint64(0) - result) : qint64(result);
}

// int(v). Floats truncate; nan and inf have no int (Python raises).
inline std::optional<qint64> pyInt(const QVariant &raw)
{
    const QVariant v = normalize(raw);
    switch (kindOf(v)) {
    case Kind::Bool:
    case Kind::Int:
        return toInt(v);
    case Kind::Float: {
        const double d = std::trunc(v.toDouble());
        // Outside qint64 the conversion is undefined; Python's ints would be
        // unbounded, ours give up (and -INT64_MIN would overflow too).
        constexpr double limit = 9223372036854775808.0; // 2^63
        if (!std::isfinite(d) || d >= limit || d <= -limit)
            return std::nullopt;
        return static_cast<qint64>(d);
    }
    case Kind::String:
        return pyIntFromString(v.toString());
    default:
        return std::nullopt;
    }
}

// Whether int(v) raises TypeError rather than ValueError: Django catches
// only ValueError in several filters, so the difference shows.
inline bool pyIntTypeError(const QVariant &raw)
{
    switch (kindOf(normalize(raw))) {
    case Kind::Bool:
    case Kind::Int:
    case Kind::Float:
    case Kind::String:
        return false;
    default:
        return true;
    }
}

// Widths and precisions beyond this would have Python allocate gigabytes
// (or raise MemoryError); Rill refuses them instead. Django renders widths
// of a few hundred million, so the bound is generous.
constexpr qint64 kMaxPadding = 200'000'000;

// float(v).
inline std::optional<double> pyFloat(const QVariant &raw)
{
    const QVariant v = normalize(raw);
    switch (kindOf(v)) {
    case Kind::Bool:
    case Kind::Int:
    case Kind::Float:
        return toDouble(v);
    case Kind::String: {
        QString s = pyStrip(v.toString()).toLower();
        QString body = s;
        if (body.startsWith(u'+') || body.startsWith(u'-'))
            body = body.mid(1);
        const double sign = s.startsWith(u'-') ? -1.0 : 1.0;
        if (body == QLatin1StringView("inf") || body == QLatin1StringView("infinity"))
            return sign * INFINITY;
        if (body == QLatin1StringView("nan"))
            return NAN;
        if (body.isEmpty() || !(body.at(0).isDigit() || body.at(0) == u'.'))
            return std::nullopt;
        s.remove(u'_');
        bool ok = false;
        const double d = s.toDouble(&ok);
        if (ok)
            return d;
        // QString refuses what overflows or underflows a double; Python
        // makes it inf or 0.0. strtod does too, but also reads hex.
        if (s.contains(u'x'))
            return std::nullopt;
        const QByteArray latin = s.toLatin1();
        char *end = nullptr;
        const double r = std::strtod(latin.constData(), &end);
        if (end != latin.constData() + latin.size())
            return std::nullopt;
        return r;
    }
    default:
        return std::nullopt;
    }
}

} // namespace Rill::detail
