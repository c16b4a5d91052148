#pragma once

#include <rill/rillcore_export.h>

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>

namespace Rill {

/*!
  A request's query string, decoded: names and values are the text the
  browser meant (`%2F` is `/`, `+` is a space, as HTML forms send it;
  bytes that are not UTF-8 become U+FFFD). Repeated names keep every value,
  in order.
*/
class RILL_CORE_EXPORT Query
{
public:
    Query() = default;
    //! \a raw: the part of the URL after '?', as sent.
    static Query parse(QByteArrayView raw);

    //! The first value of \a name, or \a fallback when there is none.
    QString value(QStringView name, const QString &fallback = QString()) const;
    QStringList values(QStringView name) const;
    bool contains(QStringView name) const;
    //! Every (name, value) in order.
    const QList<std::pair<QString, QString>> &items() const { return m_items; }
    bool isEmpty() const { return m_items.isEmpty(); }

    void add(const QString &name, const QString &value) { m_items.append({name, value}); }

private:
    QList<std::pair<QString, QString>> m_items;
};

/*!
  The HTTP request a view is mounted for: what LiveView::mount() sees.

  \code
  QCoro::Task<> LogViewer::mount(const Rill::Request &request)
  {
      // /logs?file=%2Fvar%2Flog%2Fapp.log gives "/var/log/app.log"
      m_logFile = request.query.value(u"file", u"app.log"_s); // the seed: kwargs.get("file", "app.log")
      co_return;
  }
  \endcode
*/
struct RILL_CORE_EXPORT Request
{
    QString path;
    Query query;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QHostAddress peer;

    //! The first header named \a name (case-insensitive), or an empty QByteArray.
    QByteArray header(QByteArrayView name) const;
};

} // namespace Rill
