#pragma once

#include <rill/rillcore_export.h>

#include <QByteArrayView>
#include <QString>
#include <QVariant>

namespace Rill {

/*!
  Parses JSON text into QVariants, keeping what QJsonDocument loses: an
  integer stays an integer (qint64) and a number written with a fraction or
  exponent stays a double, so `1` renders as "1" and `1.0` as "1.0", as Python
  does. Objects become QVariantMap, arrays QVariantList, null a null QVariant
  holding std::nullptr_t.

  \code
  QString error;
  const QVariant v = Rill::parseJson(bytes, &error);
  if (!error.isEmpty())
      qWarning() << "bad context:" << error; // "line 1, column 9: expected ',' or '}'"
  \endcode
*/
RILL_CORE_EXPORT QVariant parseJson(QByteArrayView json, QString *errorMessage = nullptr);

} // namespace Rill
