#pragma once

// Filters: each is a plain function plus the flags Django's register.filter()
// takes, because those flags decide whether a result stays "safe".
// One file per family (filters_string.cpp, filters_list.cpp, ...); each file
// adds its table through registerXxxFilters().

#include "value_p.h"

#include <QHash>
#include <QString>

#include <memory>

namespace Rill::detail {

struct RenderState;

// A filter's literal argument digested once, when the template compiles
// (yesno's choices split, slice's bounds parsed, ...), so a filter inside a
// loop does not redo that work for every row. Each filter that wants one
// derives its own type; the filter still receives the argument itself and
// must behave the same without a prepared form.
struct PreparedArg
{
    virtual ~PreparedArg() = default;
};
// Called with the literal argument, or nullptr when the filter has none.
using PrepareFn = std::shared_ptr<const PreparedArg> (*)(const Value *literal);

// What a filter may know about where it runs. Errors a filter raises (Django
// raises too) go through fail(), which names the template line.
struct FilterEnv
{
    RenderState &state;
    bool autoescape;
    int line;
    int column;
    const QString &filterName;
    const PreparedArg *prepared = nullptr; // from FilterDef::prepare, if any
    [[noreturn]] void fail(const QString &message) const;
    // The engine's output limit in QString units: no value a filter makes
    // need be longer, as it could not be printed.
    qsizetype maxChars() const;
    // Fails for a width or precision that would make a string longer than
    // the output limit (or than kMaxPadding), before it is made.
    void checkWidth(qint64 width) const;
    // Fails (ending the render) once a result being built passes the limit.
    void checkLength(qsizetype chars) const;
};

enum class FilterArg { None, Optional, Required };

using FilterFn = Value (*)(const Value &input, const Value *arg, const FilterEnv &env);

struct FilterDef
{
    QString name;
    FilterFn fn = nullptr;
    FilterArg arg = FilterArg::None;
    bool isSafe = false;       // Django's is_safe: a safe input keeps the result safe
    bool stringFilter = false; // Django's @stringfilter: input goes through str() first
    PrepareFn prepare = nullptr; // for a literal argument (or none), see PreparedArg
};

using FilterTable = QHash<QString, FilterDef>;

// The registry of built-in filters, built once.
const FilterTable &builtinFilters();

// Registration hooks, one per family.
void registerStringFilters(FilterTable &table);
void registerHtmlFilters(FilterTable &table);
void registerListFilters(FilterTable &table);
void registerNumberFilters(FilterTable &table);
void registerLogicFilters(FilterTable &table);

// Helpers shared by filter families.
inline Value safeString(QString s) { return Value::string(std::move(s), true); }
inline Value plainString(QString s) { return Value::string(std::move(s), false); }
QString strOf(const Value &v); // str(v)

} // namespace Rill::detail
