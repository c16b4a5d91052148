#pragma once

#include <rill/rillcore_export.h>
#include <rill/template.h>

#include <QStringList>

#include <chrono>
#include <memory>

namespace Rill {

/*!
  Finds, compiles and caches Django-language templates.

  Search paths are directories on disk or Qt resource prefixes (":/templates").
  A template is compiled once and cached; with autoReload() on (the default)
  a template whose file changed since it was compiled is compiled again on the
  next loadTemplate(), so editing a template shows on the next render.

  \code
  Rill::TemplateEngine engine;
  engine.addSearchPath(u":/templates"_s);
  engine.addSearchPath(u"/home/me/app/templates"_s);
  const Rill::Template tpl = engine.loadTemplate(u"chat.html"_s);
  if (!tpl.isValid())
      qWarning().noquote() << tpl.error().toString(); // "chat.html: template not found ..."
  \endcode

  Every render is bounded, so a hostile template or context cannot take the
  process down: its output (maxOutputSize(), 64 MiB by default) and its
  wall-clock time (maxRenderTime(), 5 s by default). A render past a limit
  stops with a TemplateError of kind Render that names the limit and the
  template line where it was passed:

  \code
  engine.setMaxOutputSize(8 * 1024 * 1024);                // bytes; 0: no limit
  engine.setMaxRenderTime(std::chrono::milliseconds(500)); // 0: no limit
  Rill::TemplateError error;
  const QString html = tpl.render(context, &error);
  if (error.isError())
      qWarning().noquote() << error.toString();
      // "chat.html:12:5: the output exceeds the limit of 8388608 bytes (TemplateEngine::setMaxOutputSize())"
      // "chat.html:7:1: rendering takes longer than the limit of 500 ms (TemplateEngine::setMaxRenderTime())"
  \endcode

  Not thread-safe: use an engine from one thread.
*/
class RILL_CORE_EXPORT TemplateEngine
{
public:
    TemplateEngine();
    ~TemplateEngine();
    TemplateEngine(const TemplateEngine &) = delete;
    TemplateEngine &operator=(const TemplateEngine &) = delete;

    void setSearchPaths(const QStringList &paths);
    void addSearchPath(const QString &path);
    QStringList searchPaths() const;

    void setAutoReload(bool on);
    bool autoReload() const;

    //! Loads \a name from the search paths; an invalid Template carries the error.
    Template loadTemplate(const QString &name) const;
    //! Compiles \a source; {% include %} and {% extends %} resolve through the search paths.
    Template fromString(const QString &source, const QString &name = QStringLiteral("<string>")) const;

    //! Drops every cached template.
    void clearCache();

    static constexpr qsizetype DefaultMaxOutputSize = qsizetype(64) * 1024 * 1024;
    static constexpr std::chrono::milliseconds DefaultMaxRenderTime{5000};

    /*!
      The most a render may output, in bytes of the rendered QString (two
      per UTF-16 code unit); 0 or less means no limit. The same size bounds
      what a render builds on the way: text set aside by {% filter %} or
      {{ block.super }} counts with the output, no filter pads, formats or
      joins a string longer than it, str() of a value stops at it, and the
      strings and lists filters make may add up to 8 times it over one
      render. Takes effect for renders that start afterwards, also of
      templates already loaded.
    */
    void setMaxOutputSize(qsizetype bytes);
    qsizetype maxOutputSize() const;
    /*!
      The most wall-clock time a render (or renderFragment()) may take; 0 or
      less means no limit. The clock is read every thousand or so steps
      (nodes rendered, loop turns, list items compared), so a render stops
      within a few milliseconds of the limit, or, when one step works on a
      huge value, after that step.
    */
    void setMaxRenderTime(std::chrono::milliseconds time);
    std::chrono::milliseconds maxRenderTime() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
