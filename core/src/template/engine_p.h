#pragma once

// What compiled templates need from the engine that made them, and the
// exception that carries an error to the public boundary (never beyond it).

#include <rill/templateerror.h>

#include "node_p.h"

#include <atomic>
#include <memory>

namespace Rill::detail {

struct TemplateException
{
    TemplateError error;
    // Django's VariableDoesNotExist: some places (an {% if %} condition,
    // {{ block.super }}) turn it into None or "" instead of failing.
    bool missingVariable = false;
};

[[noreturn]] inline void throwError(TemplateError::Kind kind, const QString &templateName, int line, int column,
                                    const QString &message)
{
    throw TemplateException{TemplateError(kind, templateName, line, column, message)};
}

struct CompiledTemplate;

// For a catch (...) at the public boundary: the error for the exception
// being handled (a TemplateException, AbortRender, std::bad_alloc or other
// std::exception), so none escapes the API.
TemplateError errorFromException(const QString &templateName);

class TemplateLoader
{
public:
    virtual ~TemplateLoader() = default;
    // Loads (or returns the cached) template; on failure returns an invalid
    // template whose error says why.
    virtual std::shared_ptr<const CompiledTemplate> load(const QString &name) const = 0;
    // The engine's limits, read when a render starts.
    RenderLimits limits;
};

struct CompiledTemplate
{
    QString name;
    NodeList nodes;
    TemplateError error;                 // compile error, when invalid
    const TemplateLoader *loader = nullptr;
    const class ExtendsNode *extends = nullptr; // set when the template starts with {% extends %}
    // The length of the last complete render's output: the next render
    // reserves that much up front instead of growing the string step by
    // step (each step a copy). Only a hint, hence relaxed atomics.
    mutable std::atomic<qsizetype> lastOutputSize{0};
    bool isValid() const { return !error.isError(); }
};

} // namespace Rill::detail
