// Filters over numbers: add, floatformat, filesizeformat, divisibleby.

#include "filters_p.h"
#include "filters_util_p.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace {

Value add(const Value &in, const Value *arg, const FilterEnv &env)
{
    // int + int, the usual case, without normalising copies.
    const auto isPlainInt = [](const QVariant &v) {
        return v.typeId() == QMetaType::LongLong || v.typeId() == QMetaType::Int;
    };
    if (isPlainInt(in.v) && isPlainInt(arg->v)) {
        const qint64 a = in.v.toLongLong(), b = arg->v.toLongLong();
        qint64 sum = 0;
        if (__builtin_add_overflow(a, b, &sum))
            return Value::real(double(a) + double(b));
        return Value::integer(sum);
    }
    const QVariant a = normalize(in.v), b = normalize(arg->v);
    for (const QVariant *x : {&a, &b}) {
        // int(inf) raises OverflowError, which Django does not catch.
        if (kindOf(*x) == Kind::Float && std::isinf(x->toDouble()))
            env.fail(u"cannot convert float infinity to integer"_s);
    }
    const std::optional<qint64> ia = pyInt(a), ib = pyInt(b);
    if (ia && ib) {
        qint64 sum = 0;
        // Python's ints do not overflow; a float is the closest we have.
        if (__builtin_add_overflow(*ia, *ib, &sum))
            return Value::real(double(*ia) + double(*ib));
        return Value::integer(sum);
    }
    // Python's value + arg.
    const Kind ka = kindOf(a), kb = kindOf(b);
    if (isNumber(a) && isNumber(b))
        return Value::real(toDouble(a) + toDouble(b));
    // SafeString + str is safe only when both sides are.
    if (ka == Kind::String && kb == Kind::String)
        return Value::string(a.toString() + b.toString(), in.safe && arg->safe);
    if (ka == Kind::List && kb == Kind::List)
        return Value(QVariant(a.toList() + b.toList()));
    return plainString(QString());
}

// A decimal number as Python's Decimal keeps it: sign, coefficient digits,
// exponent. floatformat works on this so rounding follows the repr, not the
// binary value.
struct Dec
{
    bool negative = false;
    QString digits; // no sign, may have leading zeros only when "0"
    qint64 exponent = 0;
    bool special = false; // NaN or infinity
};

std::optional<Dec> parseDecimal(const QString &text)
{
    Dec d;
    QString s = text.trimmed().toLower();
    if (s.startsWith(u'-') || s.startsWith(u'+')) {
        d.negative = s.startsWith(u'-');
        s = s.mid(1);
    }
    if (s == u"inf"_s || s == u"infinity"_s || s == u"nan"_s) {
        d.special = true;
        return d;
    }
    qsizetype ePos = s.indexOf(u'e');
    if (ePos >= 0) {
        const std::optional<qint64> e = pyIntFromString(s.mid(ePos + 1));
        // Exponents this large are not a repr's; float() takes over.
        constexpr qint64 maxExponent = 1'000'000'000'000;
        if (!e || s.mid(ePos + 1).trimmed() != s.mid(ePos + 1) || *e > maxExponent || *e < -maxExponent)
            return std::nullopt;
        d.exponent = *e;
        s = s.left(ePos);
    }
    const qsizetype dot = s.indexOf(u'.');
    if (dot >= 0) {
        d.exponent -= s.size() - dot - 1;
        s.remove(dot, 1);
    }
    if (s.isEmpty())
        return std::nullopt;
    for (QChar c : std::as_const(s)) {
        if (c.unicode() < u'0' || c.unicode() > u'9')
            return std::nullopt;
    }
    qsizetype lead = 0;
    while (lead + 1 < s.size() && s.at(lead) == u'0')
        ++lead;
    d.digits = s.mid(lead);
    return d;
}

// What parseDecimal(pyFloatRepr(x)) gives for a finite double, without the
// text in between: floatformat's usual input is a float.
Dec decimalFromDouble(double x)
{
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    std::string_view sci(buf, size_t(res.ptr - buf));
    Dec d;
    if (sci.front() == '-') {
        d.negative = true;
        sci.remove_prefix(1);
    }
    const size_t ePos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, ePos))
        if (c != '.')
            digits.push_back(c);
    int exp10 = 0;
    std::from_chars(sci.data() + ePos + 1 + (sci[ePos + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    const int nd = int(digits.size());
    const int decpt = exp10 + 1;
    // The layouts of pyFloatRepr(): an exponent outside (-4, 16], else
    // positional.
    if (decpt >= nd && decpt <= 16) {
        // "123000.0": Decimal keeps the written zeros, ".0" included.
        digits.append(size_t(decpt - nd + 1), '0');
        d.exponent = -1;
    } else {
        d.exponent = decpt - nd; // "1.25", "0.0012", "1.5e+20": digits * 10^exponent
    }
    size_t lead = 0;
    while (lead + 1 < digits.size() && digits[lead] == '0')
        ++lead;
    d.digits = QString::fromLatin1(digits.data() + lead, qsizetype(digits.size() - lead));
    return d;
}

// floatformat's argument as int(arg) sees it, after the 'g' suffix is
// taken off; a literal one is worked out when the template compiles.
struct PlacesArg final : PreparedArg
{
    QVariant value;       // for messages
    bool typeError = false;
    std::optional<qint64> places;
};

PlacesArg placesArg(const Value *arg)
{
    // The 'g' suffix asks for thousands grouping, which Django applies only
    // with localisation on; Rill formats like Django with USE_L10N off.
    PlacesArg p;
    p.value = arg ? normalize(arg->v) : QVariant(qint64(-1));
    if (kindOf(p.value) == Kind::String && p.value.toString().endsWith(u'g')) {
        const QString rest = p.value.toString().chopped(1);
        p.value = rest.isEmpty() ? QVariant(qint64(-1)) : QVariant(rest);
    }
    p.typeError = pyIntTypeError(p.value);
    if (!p.typeError)
        p.places = pyInt(p.value);
    return p;
}

std::shared_ptr<const PreparedArg> preparePlaces(const Value *literal)
{
    return std::make_shared<PlacesArg>(placesArg(literal));
}

// Is there a nonzero digit after the decimal point?
bool hasFraction(const Dec &d)
{
    if (d.exponent >= 0)
        return false;
    const qsizetype frac = std::min<qsizetype>(d.digits.size(), -d.exponent);
    for (qsizetype i = d.digits.size() - frac; i < d.digits.size(); ++i) {
        if (d.digits.at(i) != u'0')
            return true;
    }
    return false;
}

QString integerPart(const Dec &d)
{
    QString s;
    if (d.exponent >= 0)
        s = d.digits + QString(d.exponent, u'0');
    else
        s = d.digits.left(std::max<qsizetype>(0, d.digits.size() + d.exponent));
    qsizetype lead = 0;
    while (lead + 1 < s.size() && s.at(lead) == u'0')
        ++lead;
    s = s.mid(lead);
    return s.isEmpty() ? u"0"_s : s;
}

// Decimal.quantize(Decimal(10) ** -places, ROUND_HALF_UP): the coefficient
// that has exactly `places` digits after the point.
QString quantizeHalfUp(const Dec &d, qint64 places)
{
    const qint64 target = -places;
    if (d.exponent >= target)
        return d.digits + QString(d.exponent - target, u'0');
    const qint64 drop = target - d.exponent;
    QString digits = d.digits;
    if (digits.size() <= drop)
        digits = QString(drop - digits.size() + 1, u'0') + digits;
    QString kept = digits.left(digits.size() - drop);
    if (digits.at(kept.size()).unicode() >= u'5') {
        qsizetype i = kept.size() - 1;
        while (i >= 0 && kept.at(i) == u'9')
            kept[i--] = u'0';
        if (i < 0)
            kept.prepend(u'1');
        else
            kept[i] = QChar(kept.at(i).unicode() + 1);
    }
    return kept;
}

Value floatformat(const Value &in, const Value *arg, const FilterEnv &env)
{
    const auto *prepared = static_cast<const PlacesArg *>(env.prepared);
    const PlacesArg computed = prepared ? PlacesArg() : placesArg(arg);
    const PlacesArg &argInfo = prepared ? *prepared : computed;
    const QVariant v = normalize(in.v);
    // A finite float (the usual input) goes straight to its digits; its repr
    // is only needed on the rare paths that print the input unchanged.
    const bool finiteFloat = v.typeId() == QMetaType::Double && std::isfinite(v.toDouble());
    const auto inputRepr = [&] { return toPyRepr(v); };
    std::optional<Dec> d;
    if (finiteFloat) {
        d = decimalFromDouble(v.toDouble());
    } else {
        d = parseDecimal(inputRepr());
        if (!d) {
            const std::optional<double> f = pyFloat(v);
            if (!f)
                return plainString(QString());
            d = parseDecimal(pyFloatRepr(*f));
        }
    }
    // Only now, after the input proved a number, does int(arg) run.
    if (argInfo.typeError)
        env.fail(u"floatformat needs a number of places, not %1"_s.arg(toPyRepr(argInfo.value)));
    const std::optional<qint64> &p = argInfo.places;
    if (!p)
        return plainString(inputRepr());
    if (d->special)
        return plainString(inputRepr());
    // Huge inputs come back unformatted, like Django's guard against
    // denial of service.
    if (d->digits.size() + std::abs(d->exponent) > 200)
        return plainString(inputRepr());
    const bool fraction = hasFraction(*d);
    // Unsigned: the most negative qint64 has no positive counterpart.
    const quint64 placesMagnitude = *p < 0 ? quint64(0) - quint64(*p) : quint64(*p);
    if (placesMagnitude > quint64(kMaxPadding) || placesMagnitude > quint64(env.maxChars()))
        env.fail(u"floatformat: %1 decimal places is too many"_s.arg(*p));
    if (!fraction && *p < 0) {
        const QString whole = integerPart(*d);
        return safeString(d->negative && whole != u"0"_s ? u'-' + whole : whole);
    }
    const qint64 places = std::abs(*p);
    QString q = quantizeHalfUp(*d, places);
    if (q.size() <= places)
        q = QString(places - q.size() + 1, u'0') + q;
    const bool isZero = std::all_of(q.cbegin(), q.cend(), [](QChar c) { return c == u'0'; });
    QString number = q.left(q.size() - places);
    qsizetype lead = 0;
    while (lead + 1 < number.size() && number.at(lead) == u'0')
        ++lead;
    number = number.mid(lead);
    if (places > 0)
        number += u'.' + q.right(places);
    if (d->negative && !isZero)
        number.prepend(u'-');
    return safeString(number);
}

Value filesizeformat(const Value &in, const Value *, const FilterEnv &env)
{
    const QVariant v = normalize(in.v);
    if (kindOf(v) == Kind::Float && std::isinf(v.toDouble()))
        env.fail(u"cannot convert float infinity to integer"_s);
    const std::optional<qint64> size = pyInt(v);
    if (!size)
        return plainString(u"0\u00a0bytes"_s);
    const bool negative = *size < 0;
    // Unsigned: the most negative qint64 has no positive counterpart.
    const quint64 bytes = negative ? quint64(0) - quint64(*size) : quint64(*size);
    constexpr quint64 KB = quint64(1) << 10;
    // Latin-1 text, the no-break space (0xa0) included, made in one buffer.
    char buf[64];
    char *p = buf;
    char *const end = buf + sizeof buf;
    if (negative)
        *p++ = '-';
    const auto append = [&p](std::string_view s) {
        for (char c : s)
            *p++ = c;
    };
    if (bytes < KB) {
        p = std::to_chars(p, end, bytes).ptr;
        append(bytes == 1 ? "\xa0" "byte" : "\xa0" "bytes");
    } else {
        static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
        int unit = 0;
        quint64 scale = KB;
        while (unit < 4 && bytes >= scale * KB) {
            scale *= KB;
            ++unit;
        }
        // Correctly rounded (half-to-even on the exact binary value), as
        // printf's %.1f and Python's round(x, 1).
        p = std::to_chars(p, end, double(bytes) / double(scale), std::chars_format::fixed, 1).ptr;
        *p++ = '\xa0';
        append(units[unit]);
    }
    return plainString(QString::fromLatin1(buf, qsizetype(p - buf)));
}

Value divisibleby(const Value &in, const Value *arg, const FilterEnv &env)
{
    const std::optional<qint64> a = pyInt(in.v), b = pyInt(arg->v);
    if (!a || !b)
        env.fail(u"divisibleby needs integers, got %1 and %2"_s.arg(toPyRepr(in.v), toPyRepr(arg->v)));
    if (*b == 0)
        env.fail(u"divisibleby: integer division or modulo by zero"_s);
    // Every integer is divisible by -1, and the most negative qint64 % -1
    // overflows (a crash on x86).
    return Value::boolean(*b == -1 || *a % *b == 0);
}

Value getDigit(const Value &in, const Value *arg, const FilterEnv &env)
{
    // Python converts the position first, so a bad position wins over a
    // bad value; only TypeError escapes Django's handler.
    const QVariant v = normalize(in.v);
    if (pyIntTypeError(arg->v))
        env.fail(u"get_digit needs a number as position, not %1"_s.arg(toPyRepr(arg->v)));
    const std::optional<qint64> position = pyInt(arg->v);
    if (!position)
        return in;
    if (pyIntTypeError(v))
        env.fail(u"get_digit needs a number, not %1"_s.arg(toPyRepr(v)));
    const std::optional<qint64> number = pyInt(v);
    if (!number || *position < 1)
        return in;
    const QString digits = QString::number(*number);
    if (*position > digits.size())
        return Value::integer(0);
    const QChar c = digits.at(digits.size() - *position);
    if (!c.isDigit())
        env.fail(u"get_digit: '%1' is not a digit"_s.arg(c));
    return Value::integer(c.digitValue());
}

} // namespace

void registerNumberFilters(FilterTable &t)
{
    auto reg = [&t](const QString &name, FilterFn fn, FilterArg arg, bool isSafe, bool stringFilter) {
        t.insert(name, {name, fn, arg, isSafe, stringFilter});
    };
    reg(u"add"_s, &add, FilterArg::Required, false, false);
    reg(u"floatformat"_s, &floatformat, FilterArg::Optional, true, false);
    reg(u"filesizeformat"_s, &filesizeformat, FilterArg::None, true, false);
    reg(u"get_digit"_s, &getDigit, FilterArg::Required, false, false);
    reg(u"divisibleby"_s, &divisibleby, FilterArg::Required, false, false);
    t[u"floatformat"_s].prepare = &preparePlaces;
}

} // namespace Rill::detail
