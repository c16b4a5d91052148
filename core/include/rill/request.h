#pragma once

#include <rill/rillcore_export.h>

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrlQuery>

namespace Rill {

/*!
  The HTTP request a view is mounted for: what LiveView::mount() sees.

  \code
  QCoro::Task<> LogViewer::mount(const Rill::Request &request)
  {
      m_logFile = request.query.queryItemValue(u"file"_s);
      if (m_logFile.isEmpty())
          m_logFile = u"app.log"_s;   // as the seed: kwargs.get("file", "app.log")
      co_return;
  }
  \endcode
*/
struct RILL_CORE_EXPORT Request
{
    QString path;
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers;
    QHostAddress peer;

    //! The first header named \a name (case-insensitive), or an empty QByteArray.
    QByteArray header(QByteArrayView name) const;
};

} // namespace Rill
