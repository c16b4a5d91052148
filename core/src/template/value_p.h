#pragma once

// Values as templates see them: a QVariant plus Django's "safe" mark, with
// Python's rules for str(), truthiness, comparison and iteration, because the
// engine must print exactly what Django prints.

#include <QList>
#include <QString>
#include <QVariant>

#include <optional>

class QObject;

namespace Rill::detail {

enum class Kind { None, Bool, Int, Float, String, List, Map, Object, Other };

struct Value
{
    QVariant v;
    bool safe = false;

    Value() = default;
    Value(QVariant var, bool isSafe = false) : v(std::move(var)), safe(isSafe) {}
    static Value none() { return Value(QVariant::fromValue(nullptr)); }
    static Value string(QString s, bool isSafe = false) { return Value(QVariant(std::move(s)), isSafe); }
    static Value integer(qint64 i) { return Value(QVariant(i)); }
    static Value real(double d) { return Value(QVariant(d)); }
    static Value boolean(bool b) { return Value(QVariant(b)); }
};

// What {% regroup %} makes, as Django's GroupedResult namedtuple: it reads
// as .grouper and .list, indexes and unpacks as the pair (grouper, list).
struct GroupedResult
{
    QVariant grouper;
    QVariantList list;
};

Kind kindOf(const QVariant &v);

// Python semantics.
QString toPyStr(const QVariant &v);       // str(v)
QString toPyRepr(const QVariant &v);      // repr(v)
QString pyFloatRepr(double d);            // repr(float)
// A float as {{ value }} prints it: Django writes floats whose repr has an
// exponent in positional notation (1e+20 -> 100000000000000000000).
QString djangoFloatOutput(double d);
bool isTruthy(const QVariant &v);
bool pyEquals(const QVariant &a, const QVariant &b);
// <0, 0, >0; std::nullopt where Python raises TypeError.
std::optional<int> pyCompare(const QVariant &a, const QVariant &b);
// "x in y": std::nullopt where Python raises TypeError.
std::optional<bool> pyContains(const QVariant &container, const QVariant &item);
// len(v): std::nullopt where Python raises TypeError.
std::optional<qint64> pyLen(const QVariant &v);

bool isNumber(const QVariant &v);         // bool, int or float
qint64 toInt(const QVariant &v);          // for Kind::Int / Bool
double toDouble(const QVariant &v);       // for any number

// Iteration as Python's iter(): lists yield items, maps their keys, strings
// their characters. std::nullopt when not iterable.
std::optional<QVariantList> iterate(const QVariant &v);

// Normalises foreign container types (QJsonValue, QStringList, sequential
// iterables, QVariantHash) so the rest of the engine sees few kinds.
QVariant normalize(const QVariant &v);

// Django's variable lookup of one dotted part: key, then attribute
// (properties, map pseudo-methods keys/values/items), then list index.
std::optional<QVariant> lookupPart(const QVariant &current, const QString &part, qint64 index, bool isIndex);

// Conditional escape: HTML-escapes unless the value is already safe.
void appendEscaped(QString &out, QStringView s);
QString escapeHtml(QStringView s);

} // namespace Rill::detail

Q_DECLARE_METATYPE(Rill::detail::GroupedResult)
