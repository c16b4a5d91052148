#pragma once

#include <rill/rillcore_export.h>
#include <rill/template.h>

#include <QStringList>

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

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
