#pragma once

#include <rill/rillcore_export.h>
#include <rill/templateerror.h>

#include <QString>

#include <memory>
#include <optional>

namespace Rill {

class TemplateContext;
class TemplateEngine;
namespace detail { struct CompiledTemplate; }

/*!
  A compiled template: cheap to copy, immutable, rendered any number of times.

  Obtain one from TemplateEngine::loadTemplate() or TemplateEngine::fromString().
  A template that failed to compile is not valid and carries its error.

  \code
  const Rill::Template tpl = engine.loadTemplate(u"chat.html"_s);
  if (!tpl.isValid()) {
      qWarning().noquote() << tpl.error().toString(); // "chat.html:4:1: ..."
      return;
  }
  Rill::TemplateError error;
  const QString page = tpl.render(context, &error);
  // Only the inside of <div dj-stream="response">, without rendering the page:
  const auto inner = tpl.renderFragment(u"[dj-stream='response']"_s, context, &error);
  \endcode

  The engine that made a template must outlive it.
*/
class RILL_CORE_EXPORT Template
{
public:
    Template();
    ~Template();
    Template(const Template &);
    Template &operator=(const Template &);

    bool isValid() const;
    QString name() const;
    //! The compile error of an invalid template.
    TemplateError error() const;

    //! Renders the whole template. On failure returns an empty string and fills *error.
    QString render(const TemplateContext &context, TemplateError *error = nullptr) const;

    /*!
      Renders only the content (inner HTML) of the first element matching
      \a selector: `#id`, `.class`, `tag`, `[attr]`, `[attr='value']` or
      `[attr="value"]`, or a compound of these such as `div.message#last`.
      The matched start tag's selector parts must be literal template text.
      Returns std::nullopt when no element matches (for instance because it
      sits in an {% if %} branch not taken); on error also fills *error.
    */
    std::optional<QString> renderFragment(const QString &selector, const TemplateContext &context,
                                          TemplateError *error = nullptr) const;

    /*!
      The literal value of \a attribute on the first element matching
      \a selector anywhere in the template (every branch, parent templates
      named by a literal {% extends %} or {% include %} included), found without
      rendering.
      std::nullopt when no element matches or the value is template output;
      an empty string when the element has no such attribute. LiveView uses
      it to learn a stream target's dj-stream-mode.
    */
    std::optional<QString> elementAttribute(const QString &selector, const QString &attribute) const;

    //! Whether both are the same compiled template (a reload makes a new one).
    bool operator==(const Template &other) const { return m_compiled == other.m_compiled; }

private:
    friend class TemplateEngine;
    explicit Template(std::shared_ptr<const detail::CompiledTemplate> compiled);
    std::shared_ptr<const detail::CompiledTemplate> m_compiled;
};

} // namespace Rill
