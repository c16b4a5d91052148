#pragma once

// Between QML's JavaScript and Rill's C++: values for templates, promises
// both ways, and error locations. Private to the module.

#include <QJSValue>
#include <QObject>
#include <QUrl>
#include <QVariant>

#include <qcoro/qcorotask.h>

class QJSEngine;

namespace Rill::detail {

/*!
  \a value as a template can take it: JS arrays become QVariantList, JS
  objects QVariantMap, recursively; undefined becomes null. Functions and
  QObjects (Items, windows, ...) cannot reach a template: \a problem then
  says why (and the value is null).
*/
QVariant toTemplateValue(const QVariant &value, QString *problem);

//! "Chat.qml:12: Error: boom" for a JS error value (thrown or rejected);
//! the file name only: error messages go to browsers, paths stay home.
QString describeJsError(const QJSValue &error, const QUrl &fallbackFile);

//! The QML file that declares \a object's type (or that created it).
QUrl qmlFileOf(const QObject *object);
//! The line of "property TYPE NAME" in \a file, or 0.
int propertyLine(const QUrl &file, const QString &name);

//! True for a value with a callable then(): a Promise or a thenable.
bool isThenable(const QJSValue &value);

/*!
  A JS Promise made in C++: promise() goes to JavaScript, resolve() or
  reject() settle it later (once; later calls do nothing).
*/
class JsDeferred : public QObject
{
    Q_OBJECT
public:
    JsDeferred(QJSEngine *engine, QObject *parent);

    QJSValue promise() const { return m_promise; }
    void resolve(const QJSValue &value = QJSValue());
    void reject(const QJSValue &error);
    //! Rejects with a new Error(message).
    void rejectWithMessage(const QString &message);

    Q_INVOKABLE void setResolvers(const QJSValue &resolve, const QJSValue &reject);

private:
    QJSEngine *m_engine;
    QJSValue m_promise;
    QJSValue m_resolve;
    QJSValue m_reject;
};

/*!
  Waits for a thenable to settle. Throws std::runtime_error with
  describeJsError() of the reason when it rejects.
*/
QCoro::Task<> awaitThenable(QJSEngine *engine, QJSValue thenable, QObject *context, QUrl fallbackFile);

class PromiseWaiter : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    bool ok = false;
    bool done = false;
    QJSValue value;
    Q_INVOKABLE void resolve(const QJSValue &v)
    {
        ok = true;
        settle(v);
    }
    Q_INVOKABLE void reject(const QJSValue &v) { settle(v); }
Q_SIGNALS:
    void settled();

private:
    void settle(const QJSValue &v)
    {
        if (done)
            return;
        done = true;
        value = v;
        Q_EMIT settled();
    }
};

} // namespace Rill::detail
