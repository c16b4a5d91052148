#pragma once

#include <rill/rillcore_export.h>

#include <QPointer>
#include <QString>
#include <QVariant>
#include <QVariantHash>

namespace Rill {

/*!
  The values a template renders with.

  Names resolve first against values inserted here, then against the
  properties of the object given to setObject() (a LiveView's Q_PROPERTYs are
  its context). Values are QVariants: maps, lists, strings, numbers, bools,
  null, QObject pointers and QJson values all work, with Django's dot lookup
  (`msg.role`, `items.0`, `view.title`).

  \code
  Rill::TemplateContext context;
  context.insert(u"messages"_s, QVariantList{QVariantMap{{u"role"_s, u"user"_s}}});
  context.setObject(view);          // adds view's properties
  const QString html = tpl.render(context, &error);
  \endcode

  Not thread-safe; render from the thread that owns the object.
*/
class RILL_CORE_EXPORT TemplateContext
{
public:
    TemplateContext() = default;
    explicit TemplateContext(const QVariantHash &values);
    explicit TemplateContext(const QVariantMap &values);

    void insert(const QString &name, const QVariant &value);
    void remove(const QString &name);
    bool contains(const QString &name) const;
    //! The value a name resolves to (inserted values, then object properties); invalid if none.
    QVariant value(const QString &name) const;
    QVariantHash values() const { return m_values; }

    //! Exposes the object's properties (static and dynamic) as context names.
    void setObject(const QObject *object);
    const QObject *object() const { return m_object.data(); }

    //! Autoescaping is on by default, as in Django.
    void setAutoescape(bool on) { m_autoescape = on; }
    bool autoescape() const { return m_autoescape; }

    //! The token {% csrf_token %} renders; empty renders nothing.
    void setCsrfToken(const QString &token);
    QString csrfToken() const;

private:
    QVariantHash m_values;
    QPointer<const QObject> m_object;
    bool m_autoescape = true;
};

} // namespace Rill
