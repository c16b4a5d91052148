#pragma once

#include <rill/rillqml_export.h>

#include <QJSValue>
#include <QObject>
#include <QtQml/qqmlregistration.h>

class QQmlEngine;
class QJSEngine;

namespace Rill {

/*!
  The `Rill` singleton: small helpers QML's JavaScript lacks.

  \qml
  function ask(params) {
      const content = Rill.param(params, "content")   // throws ParamError: bad_params in the browser
      return Rill.sleep(200).then(() => streamText("out", Rill.escapeHtml(content)))
  }
  \endqml
*/
class RILL_QML_EXPORT QmlHelpers : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Rill)
    QML_SINGLETON
    //! True when the program serves without a display (rill-view --serve):
    //! LiveWindows then stay hidden and load nothing.
    Q_PROPERTY(bool headless READ isHeadless CONSTANT)
public:
    explicit QmlHelpers(QJSEngine *engine, QObject *parent = nullptr);
    static QmlHelpers *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    //! A Promise that resolves after \a msec milliseconds (with true), or
    //! as soon as \a job (a view's beginJob() token) is cancelled (with false).
    Q_INVOKABLE QJSValue sleep(int msec, const QJSValue &job = QJSValue());
    //! HTML-escapes \a text (& < > " ').
    Q_INVOKABLE QString escapeHtml(const QString &text) const;
    /*!
      The event parameter \a name as a string; throws a ParamError (the
      browser gets bad_params naming it) when it is missing.
    */
    Q_INVOKABLE QJSValue param(const QJSValue &params, const QString &name);
    //! The value after --NAME in the program's arguments (or --NAME=VALUE), else \a fallback.
    Q_INVOKABLE QString argument(const QString &name, const QString &fallback = QString()) const;
    //! The path of \a name in the system's temporary folder.
    Q_INVOKABLE QString tempPath(const QString &name) const;
    //! Creates the file at \a path if it does not exist; false if it cannot.
    Q_INVOKABLE bool touch(const QString &path) const;

    bool isHeadless() const;
    //! Set by the host before loading QML (rill-view does for --serve).
    static void setHeadless(bool headless);

private:
    QJSEngine *m_engine;
};

} // namespace Rill
