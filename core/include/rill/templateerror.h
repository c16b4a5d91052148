#pragma once

#include <rill/rillcore_export.h>

#include <QString>

namespace Rill {

/*!
  Where a template went wrong and why, in words a template author can act on.

  Line and column are 1-based and point into the template named by
  templateName() (which may be an included or parent template, not the one
  you asked to render).

  \code
  Rill::TemplateError error;
  const QString html = tpl.render(context, &error);
  if (error.isError())
      qWarning().noquote() << error.toString(); // "chat.html:3:7: unknown tag 'endfro'"
  \endcode
*/
class RILL_CORE_EXPORT TemplateError
{
public:
    //! Unreadable: the file is there but cannot be read (permissions, a
    //! folder, an I/O error); NotFound: no search path has it.
    enum class Kind { None, Syntax, Render, NotFound, Unreadable };

    TemplateError() = default;
    TemplateError(Kind kind, QString templateName, int line, int column, QString message);

    bool isError() const { return m_kind != Kind::None; }
    Kind kind() const { return m_kind; }
    QString templateName() const { return m_templateName; }
    int line() const { return m_line; }
    int column() const { return m_column; }
    QString message() const { return m_message; }

    //! "NAME:LINE:COL: message", the form compilers use, so editors can jump to it.
    QString toString() const;

private:
    Kind m_kind = Kind::None;
    QString m_templateName;
    int m_line = 0;
    int m_column = 0;
    QString m_message;
};

} // namespace Rill
