#include "value_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QMetaProperty>
#include <QObject>
#include <QUrl>
#include <QAssociativeIterable>
#include <QSequentialIterable>

#include <algorithm>
#include <bit>
#include <limits>
#include <charconv>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

using namespace Qt::StringLiterals;

namespace Rill::detail {

// ---- RenderBudget ----------------------------------------------------------

namespace {
thread_local RenderBudget *t_currentBudget = nullptr;
constexpr qsizetype NoLimit = std::numeric_limits<qsizetype>::max();
} // namespace

RenderBudget::RenderBudget(const RenderLimits &limits)
    : m_limits(limits),
      m_maxChars(limits.maxOutputBytes > 0 ? limits.maxOutputBytes / qsizetype(sizeof(QChar)) : NoLimit),
      m_maxMade(limits.maxOutputBytes > 0 && limits.maxOutputBytes < NoLimit / MadeFactor
                    ? limits.maxOutputBytes * MadeFactor
                    : NoLimit),
      m_previous(t_currentBudget)
{
    if (m_limits.maxTime.count() > 0)
        m_deadline = std::chrono::steady_clock::now() + m_limits.maxTime;
    t_currentBudget = this;
}

RenderBudget::~RenderBudget()
{
    t_currentBudget = m_previous;
}

RenderBudget *RenderBudget::current()
{
    return t_currentBudget;
}

void RenderBudget::checkClock()
{
    m_countdown = StepsPerCheck;
    if (m_limits.maxTime.count() > 0 && std::chrono::steady_clock::now() > m_deadline)
        throw AbortRender{u"rendering takes longer than the limit of %1 ms (TemplateEngine::setMaxRenderTime())"_s.arg(
            m_limits.maxTime.count())};
}

void RenderBudget::failMade() const
{
    throw AbortRender{u"the values made while rendering exceed %1 bytes, %2 times the output limit "
                      u"(TemplateEngine::setMaxOutputSize())"_s.arg(m_maxMade).arg(MadeFactor)};
}

void RenderBudget::failText() const
{
    throw AbortRender{u"the text of a value exceeds the output limit of %1 bytes (TemplateEngine::setMaxOutputSize())"_s.arg(
        m_limits.maxOutputBytes)};
}

void RenderBudget::failDepth()
{
    throw AbortRender{u"a value is nested more than %1 levels deep"_s.arg(MaxValueDepth)};
}

qsizetype shallowBytes(const QVariant &v)
{
    // A QVariant item costs its own size plus, usually, a heap block.
    constexpr qsizetype itemBytes = qsizetype(sizeof(QVariant)) + 32;
    switch (v.typeId()) {
    case QMetaType::QString:
        return static_cast<const QString *>(v.constData())->size() * qsizetype(sizeof(QChar));
    case QMetaType::QVariantList:
        return static_cast<const QVariantList *>(v.constData())->size() * itemBytes;
    case QMetaType::QVariantMap:
        return static_cast<const QVariantMap *>(v.constData())->size() * (itemBytes + 64);
    default:
        return 0;
    }
}

namespace {

void stepBudget()
{
    if (RenderBudget *b = RenderBudget::current())
        b->step();
}

void chargeBudget(qsizetype bytes)
{
    if (RenderBudget *b = RenderBudget::current())
        b->charge(bytes);
}

} // namespace

Kind kindOf(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return Kind::None;
    case QMetaType::Bool:
        return Kind::Bool;
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Long:
    case QMetaType::ULong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::UChar:
        return Kind::Int;
    case QMetaType::Double:
    case QMetaType::Float:
        return Kind::Float;
    case QMetaType::QString:
        return Kind::String;
    case QMetaType::QVariantList:
        return Kind::List;
    case QMetaType::QVariantMap:
        return Kind::Map;
    default:
        break;
    }
    if (v.metaType().flags() & QMetaType::PointerToQObject)
        return qvariant_cast<QObject *>(v) ? Kind::Object : Kind::None;
    return Kind::Other;
}

QVariant normalize(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QJsonValue:
    case QMetaType::QJsonObject:
    case QMetaType::QJsonArray:
        return normalize(v.toJsonValue().toVariant());
    case QMetaType::QJsonDocument: {
        const QJsonDocument doc = v.toJsonDocument();
        return doc.isArray() ? QVariant(doc.array().toVariantList()) : QVariant(doc.object().toVariantMap());
    }
    case QMetaType::QStringList: {
        QVariantList list;
        const QStringList strings = v.toStringList();
        list.reserve(strings.size());
        for (const QString &s : strings)
            list.append(s);
        return list;
    }
    case QMetaType::QVariantHash: {
        // Sorted keys, like QVariantMap, so iteration order is stable.
        const QVariantHash hash = v.toHash();
        QVariantMap map;
        for (auto it = hash.cbegin(); it != hash.cend(); ++it)
            map.insert(it.key(), it.value());
        return map;
    }
    case QMetaType::QByteArray:
        return QString::fromUtf8(v.toByteArray());
    case QMetaType::QChar:
        return QString(v.toChar());
    case QMetaType::QUrl:
        return v.toUrl().toString();
    default:
        break;
    }
    if (v.metaType() == QMetaType::fromType<GroupedResult>()) {
        const auto *g = static_cast<const GroupedResult *>(v.constData());
        return QVariantList{g->grouper, g->list};
    }
    if (kindOf(v) == Kind::Other) {
        const QMetaType type = v.metaType();
        if (QMetaType::canConvert(type, QMetaType::fromType<QVariantMap>())
            && QMetaType::canConvert(type, QMetaType::fromType<QAssociativeIterable>()))
            return v.toMap();
        if (QMetaType::canConvert(type, QMetaType::fromType<QSequentialIterable>()))
            return v.toList();
    }
    return v;
}

bool isNumber(const QVariant &v)
{
    const Kind k = kindOf(v);
    return k == Kind::Int || k == Kind::Float || k == Kind::Bool;
}

qint64 toInt(const QVariant &v)
{
    if (v.typeId() == QMetaType::ULongLong)
        return static_cast<qint64>(v.toULongLong());
    return v.toLongLong();
}

double toDouble(const QVariant &v)
{
    return v.toDouble();
}

QString pyFloatRepr(double d)
{
    if (std::isnan(d))
        return u"nan"_s;
    if (std::isinf(d))
        return d > 0 ? u"inf"_s : u"-inf"_s;
    // Shortest round-tripping digits, laid out by Python's repr() rules.
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, res.ptr - buf);
    bool negative = false;
    if (!sci.empty() && sci.front() == '-') {
        negative = true;
        sci.remove_prefix(1);
    }
    const auto ePos = sci.find('e');
    std::string digits;
    for (char c : sci.substr(0, ePos))
        if (c != '.')
            digits.push_back(c);
    int exp10 = 0;
    std::from_chars(sci.data() + ePos + 1 + (sci[ePos + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    const int decpt = exp10 + 1;
    const int nd = int(digits.size());
    std::string out;
    if (negative)
        out.push_back('-');
    if (decpt <= -4 || decpt > 16) {
        out.push_back(digits[0]);
        if (nd > 1) {
            out.push_back('.');
            out.append(digits, 1);
        }
        out.push_back('e');
        out.push_back(exp10 < 0 ? '-' : '+');
        const int ae = std::abs(exp10);
        if (ae < 10)
            out.push_back('0');
        out.append(std::to_string(ae));
    } else if (decpt <= 0) {
        out.append("0.");
        out.append(size_t(-decpt), '0');
        out.append(digits);
    } else if (decpt >= nd) {
        out.append(digits);
        out.append(size_t(decpt - nd), '0');
        out.append(".0");
    } else {
        out.append(digits, 0, size_t(decpt));
        out.push_back('.');
        out.append(digits, size_t(decpt));
    }
    return QString::fromLatin1(out.data(), qsizetype(out.size()));
}

QString djangoFloatOutput(double d)
{
    const QString repr = pyFloatRepr(d);
    const qsizetype ePos = repr.indexOf(u'e');
    if (ePos < 0)
        return repr;
    // Decimal(repr) then '{:f}': digits and exponent, laid out positionally.
    QString mantissa = repr.left(ePos);
    const int exp10 = repr.mid(ePos + 1).toInt();
    QString sign;
    if (mantissa.startsWith(u'-')) {
        sign = u"-"_s;
        mantissa.remove(0, 1);
    }
    const qsizetype dot = mantissa.indexOf(u'.');
    const QString digits = dot < 0 ? mantissa : mantissa.left(dot) + mantissa.mid(dot + 1);
    const int fracDigits = dot < 0 ? 0 : int(mantissa.size() - dot - 1);
    const int exponent = exp10 - fracDigits; // value = digits * 10^exponent
    if (std::abs(exponent) + digits.size() > 200)
        return repr;
    if (exponent >= 0)
        return sign + digits + QString(exponent, u'0');
    const int point = int(digits.size()) + exponent; // digits before the point
    if (point > 0)
        return sign + digits.left(point) + u'.' + digits.mid(point);
    return sign + u"0."_s + QString(-point, u'0') + digits;
}

// Python's str.isprintable() for one code point.
static bool pyPrintable(char32_t cp)
{
    if (cp == U' ')
        return true;
    switch (QChar::category(cp)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Separator_Space:
        return false;
    default:
        return true;
    }
}

static void appendReprString(QString &out, const QString &s)
{
    const bool hasSingle = s.contains(u'\'');
    const bool hasDouble = s.contains(u'"');
    const char16_t quote = (hasSingle && !hasDouble) ? u'"' : u'\'';
    out.reserve(out.size() + s.size() + 2);
    out.append(QChar(quote));
    for (qsizetype i = 0; i < s.size(); ++i) {
        char32_t cp = s.at(i).unicode();
        if (QChar::isHighSurrogate(cp) && i + 1 < s.size() && s.at(i + 1).isLowSurrogate()) {
            cp = QChar::surrogateToUcs4(s.at(i), s.at(i + 1));
            ++i;
        }
        if (cp == quote || cp == U'\\') {
            out.append(u'\\');
            out.append(QChar(char16_t(cp)));
        } else if (cp == U'\n') {
            out.append(u"\\n");
        } else if (cp == U'\r') {
            out.append(u"\\r");
        } else if (cp == U'\t') {
            out.append(u"\\t");
        } else if (!pyPrintable(cp)) {
            if (cp < 0x100)
                out.append(u"\\x"_s + QString::number(uint(cp), 16).rightJustified(2, u'0'));
            else if (cp < 0x10000)
                out.append(u"\\u"_s + QString::number(uint(cp), 16).rightJustified(4, u'0'));
            else
                out.append(u"\\U"_s + QString::number(uint(cp), 16).rightJustified(8, u'0'));
        } else {
            out.append(QString::fromUcs4(&cp, 1));
        }
    }
    out.append(QChar(quote));
}

namespace {

// str() and repr() of nested values written into one string, with the
// nesting and the length bounded: a template can build values nested a
// level deeper on each turn of a loop, and values that share parts print
// those parts once per reference (exponentially long text).
class Printer
{
public:
    Printer() : m_budget(RenderBudget::current()) {}

    void str(const QVariant &raw, int depth)
    {
        if (raw.metaType() == QMetaType::fromType<GroupedResult>()) {
            const auto *g = static_cast<const GroupedResult *>(raw.constData());
            enter(depth);
            out += u"GroupedResult(grouper="_s;
            repr(g->grouper, depth + 1);
            out += u", list="_s;
            repr(QVariant(g->list), depth + 1);
            out += u')';
            return;
        }
        const QVariant v = normalize(raw);
        switch (kindOf(v)) {
        case Kind::List: {
            enter(depth);
            out += u'[';
            const auto *list = static_cast<const QVariantList *>(v.constData());
            for (qsizetype i = 0; i < list->size(); ++i) {
                if (i)
                    out += u", ";
                repr(list->at(i), depth + 1);
            }
            out += u']';
            return;
        }
        case Kind::Map: {
            enter(depth);
            out += u'{';
            const auto *map = static_cast<const QVariantMap *>(v.constData());
            bool first = true;
            for (auto it = map->cbegin(); it != map->cend(); ++it) {
                if (!first)
                    out += u", ";
                first = false;
                appendReprString(out, it.key());
                out += u": ";
                repr(it.value(), depth + 1);
            }
            out += u'}';
            return;
        }
        default:
            out += scalarStr(v);
            checkLength();
        }
    }

    void repr(const QVariant &raw, int depth)
    {
        if (raw.typeId() == QMetaType::QString) {
            appendReprString(out, *static_cast<const QString *>(raw.constData()));
            checkLength();
            return;
        }
        if (kindOf(raw) == Kind::Other) {
            const QVariant v = normalize(raw);
            if (kindOf(v) == Kind::String) {
                appendReprString(out, v.toString());
                checkLength();
                return;
            }
        }
        str(raw, depth);
    }

    // str() of anything that is not a container.
    static QString scalarStr(const QVariant &v)
    {
        switch (kindOf(v)) {
        case Kind::None:
            return u"None"_s;
        case Kind::Bool:
            return v.toBool() ? u"True"_s : u"False"_s;
        case Kind::Int:
            if (v.typeId() == QMetaType::ULongLong || v.typeId() == QMetaType::ULong)
                return QString::number(v.toULongLong());
            return QString::number(v.toLongLong());
        case Kind::Float:
            return pyFloatRepr(v.toDouble());
        case Kind::String:
            return v.toString();
        case Kind::Object: {
            const QObject *o = qvariant_cast<QObject *>(v);
            return o->objectName().isEmpty() ? QString::fromLatin1(o->metaObject()->className()) : o->objectName();
        }
        default:
            return v.toString();
        }
    }

    QString out;

private:
    void enter(int depth)
    {
        if (depth > MaxValueDepth)
            RenderBudget::failDepth();
        checkLength();
    }
    void checkLength()
    {
        if (m_budget) {
            if (out.size() > m_budget->maxOutputChars())
                m_budget->failText();
            m_budget->step();
        }
    }

    RenderBudget *m_budget;
};

} // namespace

QString toPyRepr(const QVariant &v)
{
    Printer p;
    p.repr(v, 0);
    return std::move(p.out);
}

QString toPyStr(const QVariant &raw)
{
    // The common types first: they need no normalize(), which copies.
    switch (raw.typeId()) {
    case QMetaType::QString:
        return *static_cast<const QString *>(raw.constData());
    case QMetaType::Int:
    case QMetaType::LongLong:
        return QString::number(raw.toLongLong());
    case QMetaType::Bool:
        return raw.toBool() ? u"True"_s : u"False"_s;
    case QMetaType::Double:
        return pyFloatRepr(raw.toDouble());
    default:
        break;
    }
    Printer p;
    p.str(raw, 0);
    return std::move(p.out);
}

bool isTruthy(const QVariant &raw)
{
    switch (kindOf(raw)) {
    case Kind::None:
        return false;
    case Kind::Bool:
        return raw.toBool();
    case Kind::Int:
        return raw.toLongLong() != 0 || raw.toULongLong() != 0;
    case Kind::Float:
        return raw.toDouble() != 0.0;
    case Kind::String:
        return !static_cast<const QString *>(raw.constData())->isEmpty();
    case Kind::List:
        return !static_cast<const QVariantList *>(raw.constData())->isEmpty();
    case Kind::Map:
        return !static_cast<const QVariantMap *>(raw.constData())->isEmpty();
    case Kind::Object:
        return true;
    case Kind::Other:
        break;
    }
    const QVariant v = normalize(raw);
    if (kindOf(v) != Kind::Other)
        return isTruthy(v);
    return !v.isNull();
}

static int cmpNumbers(const QVariant &a, const QVariant &b)
{
    const Kind ka = kindOf(a), kb = kindOf(b);
    if (ka != Kind::Float && kb != Kind::Float) {
        const qint64 x = toInt(a), y = toInt(b);
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const double x = toDouble(a), y = toDouble(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

static bool equalsAt(const QVariant &ra, const QVariant &rb, int depth)
{
    if (depth > MaxValueDepth)
        RenderBudget::failDepth();
    stepBudget();
    const QVariant a = normalize(ra), b = normalize(rb);
    const Kind ka = kindOf(a), kb = kindOf(b);
    if (isNumber(a) && isNumber(b)) {
        if ((ka == Kind::Float && std::isnan(a.toDouble())) || (kb == Kind::Float && std::isnan(b.toDouble())))
            return false;
        return cmpNumbers(a, b) == 0;
    }
    if (ka != kb)
        return false;
    switch (ka) {
    case Kind::None:
        return true;
    case Kind::String:
        return a.toString() == b.toString();
    case Kind::List: {
        const QVariantList x = a.toList(), y = b.toList();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i)
            if (!equalsAt(x.at(i), y.at(i), depth + 1))
                return false;
        return true;
    }
    case Kind::Map: {
        const QVariantMap x = a.toMap(), y = b.toMap();
        if (x.size() != y.size())
            return false;
        for (auto it = x.cbegin(); it != x.cend(); ++it) {
            auto other = y.constFind(it.key());
            if (other == y.cend() || !equalsAt(it.value(), other.value(), depth + 1))
                return false;
        }
        return true;
    }
    case Kind::Object:
        return qvariant_cast<QObject *>(a) == qvariant_cast<QObject *>(b);
    default:
        return a == b;
    }
}

bool pyEquals(const QVariant &a, const QVariant &b)
{
    return equalsAt(a, b, 0);
}

static std::optional<int> compareAt(const QVariant &ra, const QVariant &rb, int depth)
{
    if (depth > MaxValueDepth)
        RenderBudget::failDepth();
    stepBudget();
    const QVariant a = normalize(ra), b = normalize(rb);
    if (isNumber(a) && isNumber(b)) {
        if ((kindOf(a) == Kind::Float && std::isnan(a.toDouble())) || (kindOf(b) == Kind::Float && std::isnan(b.toDouble())))
            return std::nullopt; // every ordering comparison with nan is False
        return cmpNumbers(a, b);
    }
    const Kind ka = kindOf(a), kb = kindOf(b);
    if (ka != kb)
        return std::nullopt;
    if (ka == Kind::String) {
        const int c = QString::compare(a.toString(), b.toString(), Qt::CaseSensitive);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (ka == Kind::List) {
        const QVariantList x = a.toList(), y = b.toList();
        for (qsizetype i = 0; i < std::min(x.size(), y.size()); ++i) {
            if (equalsAt(x.at(i), y.at(i), depth + 1))
                continue;
            return compareAt(x.at(i), y.at(i), depth + 1);
        }
        return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    return std::nullopt;
}

std::optional<int> pyCompare(const QVariant &a, const QVariant &b)
{
    return compareAt(a, b, 0);
}

std::optional<bool> pyContains(const QVariant &rc, const QVariant &ri)
{
    const QVariant c = normalize(rc), item = normalize(ri);
    switch (kindOf(c)) {
    case Kind::String:
        if (kindOf(item) != Kind::String)
            return std::nullopt;
        return c.toString().contains(item.toString());
    case Kind::List: {
        const QVariantList list = c.toList();
        return std::any_of(list.cbegin(), list.cend(), [&](const QVariant &x) { return pyEquals(x, item); });
    }
    case Kind::Map:
        if (kindOf(item) != Kind::String)
            return false;
        return c.toMap().contains(item.toString());
    default:
        return std::nullopt;
    }
}

std::optional<qint64> pyLen(const QVariant &raw)
{
    const QVariant v = normalize(raw);
    switch (kindOf(v)) {
    case Kind::String: {
        // Python counts code points; a surrogate pair is one.
        const QString str = v.toString();
        qint64 n = str.size();
        for (qsizetype i = 0; i + 1 < str.size(); ++i)
            if (str.at(i).isHighSurrogate() && str.at(i + 1).isLowSurrogate())
                --n;
        return n;
    }
    case Kind::List:
        return v.toList().size();
    case Kind::Map:
        return v.toMap().size();
    default:
        return std::nullopt;
    }
}

std::optional<QVariantList> iterate(const QVariant &raw)
{
    const QVariant v = normalize(raw);
    switch (kindOf(v)) {
    case Kind::List:
        return v.toList();
    case Kind::Map: {
        QVariantList keys;
        const QVariantMap map = v.toMap();
        chargeBudget(shallowBytes(QVariant(map)));
        keys.reserve(map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            keys.append(it.key());
        return keys;
    }
    case Kind::String: {
        QVariantList chars;
        const QString s = v.toString();
        // Charged before it is made: a list item per character is some
        // forty times the string's size.
        chargeBudget(s.size() * (qsizetype(sizeof(QVariant)) + 32));
        chars.reserve(s.size());
        for (qsizetype i = 0; i < s.size(); ++i) {
            if (s.at(i).isHighSurrogate() && i + 1 < s.size()) {
                chars.append(s.mid(i, 2));
                ++i;
            } else {
                chars.append(QString(s.at(i)));
            }
        }
        return chars;
    }
    default:
        return std::nullopt;
    }
}

static std::optional<QVariant> mapPseudoMethod(const QVariantMap &map, const QString &part)
{
    if (part == u"items" || part == u"keys" || part == u"values")
        chargeBudget(shallowBytes(QVariant(map)));
    if (part == u"items") {
        QVariantList items;
        items.reserve(map.size());
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            items.append(QVariant(QVariantList{it.key(), it.value()}));
        return items;
    }
    if (part == u"keys") {
        QVariantList keys;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            keys.append(it.key());
        return keys;
    }
    if (part == u"values")
        return QVariant(map.values());
    return std::nullopt;
}

std::optional<QVariant> lookupPart(const QVariant &raw, const QString &part, qint64 index, bool isIndex)
{
    if (raw.metaType() == QMetaType::fromType<GroupedResult>()) {
        const auto *g = static_cast<const GroupedResult *>(raw.constData());
        if (part == u"grouper"_s || (isIndex && (index == 0 || index == -2)))
            return g->grouper;
        if (part == u"list"_s || (isIndex && (index == 1 || index == -1)))
            return QVariant(g->list);
        return std::nullopt;
    }
    Kind kind = kindOf(raw);
    QVariant normalized;
    const QVariant *cur = &raw;
    if (kind == Kind::Other) {
        normalized = normalize(raw);
        cur = &normalized;
        kind = kindOf(normalized);
    }
    switch (kind) {
    case Kind::Map: {
        const auto *map = static_cast<const QVariantMap *>(cur->constData());
        auto it = map->constFind(part);
        if (it != map->cend())
            return it.value();
        return mapPseudoMethod(*map, part);
    }
    case Kind::List: {
        if (!isIndex)
            return std::nullopt;
        const auto *list = static_cast<const QVariantList *>(cur->constData());
        const qint64 n = list->size();
        const qint64 i = index < 0 ? index + n : index;
        if (i < 0 || i >= n)
            return std::nullopt;
        return list->at(qsizetype(i));
    }
    case Kind::String: {
        if (!isIndex)
            return std::nullopt;
        const auto *s = static_cast<const QString *>(cur->constData());
        const qint64 n = s->size();
        const qint64 i = index < 0 ? index + n : index;
        if (i < 0 || i >= n)
            return std::nullopt;
        return QVariant(QString(s->at(qsizetype(i))));
    }
    case Kind::Object: {
        const QObject *o = qvariant_cast<QObject *>(*cur);
        const QByteArray name = part.toUtf8();
        const QMetaObject *mo = o->metaObject();
        const int idx = mo->indexOfProperty(name.constData());
        if (idx >= 0)
            return mo->property(idx).read(o);
        if (o->dynamicPropertyNames().contains(name))
            return o->property(name.constData());
        return std::nullopt;
    }
    default:
        return std::nullopt;
    }
}

// One bit per character that needs escaping: " & ' < > (all below 64).
constexpr quint64 htmlSpecialBits = (1ull << '"') | (1ull << '&') | (1ull << '\'') | (1ull << '<') | (1ull << '>');

static inline unsigned isHtmlSpecial(char16_t c)
{
    // Branch-free, so runs of plain text cost no mispredicted branches.
    return unsigned((htmlSpecialBits >> (c & 63)) & 1) & unsigned(c < 64);
}

void appendEscaped(QString &out, QStringView s)
{
    qsizetype start = 0;
    const qsizetype n = s.size();
    const char16_t *data = s.utf16();
    qsizetype i = 0;
    while (i < n) {
        // Skip plain text eight characters at a time.
        if (n - i >= 8) {
#if defined(__SSE2__)
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(data + i));
            __m128i hit = _mm_cmpeq_epi16(v, _mm_set1_epi16('&'));
            hit = _mm_or_si128(hit, _mm_cmpeq_epi16(v, _mm_set1_epi16('<')));
            hit = _mm_or_si128(hit, _mm_cmpeq_epi16(v, _mm_set1_epi16('>')));
            hit = _mm_or_si128(hit, _mm_cmpeq_epi16(v, _mm_set1_epi16('"')));
            hit = _mm_or_si128(hit, _mm_cmpeq_epi16(v, _mm_set1_epi16('\'')));
            const unsigned any = unsigned(_mm_movemask_epi8(hit));
            if (!any) {
                i += 8;
                continue;
            }
            i += std::countr_zero(any) / 2; // the first special character
#else
            unsigned any = 0;
            for (int k = 0; k < 8; ++k)
                any |= isHtmlSpecial(data[i + k]);
            if (!any) {
                i += 8;
                continue;
            }
#endif
        }
        const char16_t c = data[i];
        if (!isHtmlSpecial(c)) {
            ++i;
            continue;
        }
        const char16_t *rep = nullptr;
        switch (c) {
        case u'&': rep = u"&amp;"; break;
        case u'<': rep = u"&lt;"; break;
        case u'>': rep = u"&gt;"; break;
        case u'"': rep = u"&quot;"; break;
        default: rep = u"&#x27;"; break;
        }
        out.append(QStringView(data + start, i - start));
        out.append(QStringView(rep));
        start = ++i;
    }
    out.append(QStringView(data + start, n - start));
}

QString escapeHtml(QStringView s)
{
    QString out;
    out.reserve(s.size() + 16);
    appendEscaped(out, s);
    return out;
}

} // namespace Rill::detail
