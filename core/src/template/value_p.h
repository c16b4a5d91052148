#pragma once

// Values as templates see them: a QVariant plus Django's "safe" mark, with
// Python's rules for str(), truthiness, comparison and iteration, because the
// engine must print exactly what Django prints.

#include <rill/templateengine.h>

#include <QList>
#include <QString>
#include <QVariant>

#include <chrono>
#include <optional>

class QObject;

namespace Rill::detail {

// Ends a render whatever is on the way: a limit was reached, memory ran
// out, a property getter threw. Unlike TemplateException, which {% if %}
// swallows where Django does, nothing catches it before the public
// boundary; the first node it passes on the way out gives it a position.
struct AbortRender
{
    QString message;
    QString templateName;
    int line = 0;
    int column = 0;
};

// Values nest this deep at most when printed or compared; Python gives up
// near the same depth (RecursionError).
constexpr int MaxValueDepth = 1000;

// An engine's limits (TemplateEngine::setMaxOutputSize(), setMaxRenderTime()); 0 is none.
struct RenderLimits
{
    qsizetype maxOutputBytes = TemplateEngine::DefaultMaxOutputSize;
    std::chrono::milliseconds maxTime = TemplateEngine::DefaultMaxRenderTime;
};

// What one render may still spend. The nodes reach it through their
// RenderState; str(), comparison and iteration below, which have no state
// to ask, through current(): a budget is the current one of its thread
// while it lives (renders may nest, a property getter may render).
class RenderBudget
{
public:
    explicit RenderBudget(const RenderLimits &limits);
    ~RenderBudget();
    RenderBudget(const RenderBudget &) = delete;
    RenderBudget &operator=(const RenderBudget &) = delete;

    static RenderBudget *current();

    // The output limit in bytes (0: none) and in QString units.
    qsizetype maxOutputBytes() const { return m_limits.maxOutputBytes; }
    qsizetype maxOutputChars() const { return m_maxChars; }

    // Counts work; the clock is read once every StepsPerCheck steps, so a
    // step must stay cheap (a node, a loop turn, a list item compared).
    void step(qint64 cost = 1)
    {
        m_countdown -= cost;
        if (m_countdown <= 0) [[unlikely]]
            checkClock();
    }
    // Counts memory made for values (filter results, lists made to iterate
    // over): their sum over the render may be MadeFactor times the output limit.
    void charge(qsizetype bytes)
    {
        m_made += bytes;
        if (m_made > m_maxMade) [[unlikely]]
            failMade();
        step(1 + bytes / 4096);
    }
    // str() of a value has grown past the output limit.
    [[noreturn]] void failText() const;
    [[noreturn]] static void failDepth();

    static constexpr qint64 StepsPerCheck = 1024;
    static constexpr qsizetype MadeFactor = 8;

private:
    void checkClock();
    [[noreturn]] void failMade() const;

    RenderLimits m_limits;
    qsizetype m_maxChars;
    qsizetype m_maxMade;
    qsizetype m_made = 0;
    qint64 m_countdown = StepsPerCheck;
    std::chrono::steady_clock::time_point m_deadline;
    RenderBudget *m_previous;
};

// A rough size in bytes of what a value holds itself (strings, lists and
// maps; not what their items hold), for RenderBudget::charge().
qsizetype shallowBytes(const QVariant &v);

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
