#include "qmlhelpers.h"

#include "jsbridge_p.h"

#include <rill/canceltoken.h>
#include <rill/html.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QQmlEngine>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace Rill {

QmlHelpers::QmlHelpers(QJSEngine *engine, QObject *parent) : QObject(parent), m_engine(engine) {}

static bool s_headless = false;
bool QmlHelpers::isHeadless() const { return s_headless; }
void QmlHelpers::setHeadless(bool headless) { s_headless = headless; }

QmlHelpers *QmlHelpers::create(QQmlEngine *, QJSEngine *jsEngine) { return new QmlHelpers(jsEngine); }

QJSValue QmlHelpers::sleep(int msec, const QJSValue &job)
{
    auto *token = qobject_cast<CancelToken *>(job.toQObject());
    if (!job.isUndefined() && !job.isNull() && !token) {
        m_engine->throwError(QJSValue::TypeError, u"Rill.sleep: the second argument must be a job (beginJob())"_s);
        return QJSValue();
    }
    auto *deferred = new detail::JsDeferred(m_engine, this);
    const auto settle = [deferred](bool slept) {
        deferred->resolve(QJSValue(slept));
        deferred->deleteLater(); // later settles do nothing
    };
    if (token && token->isCancelled()) {
        QTimer::singleShot(0, deferred, [settle] { settle(false); });
        return deferred->promise();
    }
    QTimer::singleShot(qMax(0, msec), deferred, [settle] { settle(true); });
    if (token)
        connect(token, &CancelToken::cancelled, deferred, [settle] { settle(false); });
    return deferred->promise();
}

QString QmlHelpers::escapeHtml(const QString &text) const { return Rill::escapeHtml(text); }

QJSValue QmlHelpers::param(const QJSValue &params, const QString &name)
{
    const QJSValue value = params.isObject() ? params.property(name) : QJSValue();
    if (value.isUndefined() || value.isNull() || value.isObject()) {
        // Marked as a param error: the view turns it into Rill::ParamError, which
        // the browser gets as bad_params.
        const QJSValue make = m_engine->evaluate(
            u"(function (m) { var e = new Error(m); e.rillParamError = true; return e; })"_s);
        m_engine->throwError(make.call({QJSValue(value.isObject() ? u"parameter '%1' must be a string"_s.arg(name)
                                                                   : u"missing parameter '%1'"_s.arg(name))}));
        return QJSValue();
    }
    return QJSValue(value.toString());
}

QString QmlHelpers::argument(const QString &name, const QString &fallback) const
{
    const QStringList args = QCoreApplication::arguments();
    const QString flag = u"--"_s + name;
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args.at(i) == flag && i + 1 < args.size())
            return args.at(i + 1);
        if (args.at(i).startsWith(flag + u'='))
            return args.at(i).mid(flag.size() + 1);
    }
    return fallback;
}

QString QmlHelpers::tempPath(const QString &name) const { return QDir::temp().filePath(name); }

bool QmlHelpers::touch(const QString &path) const
{
    if (QFile::exists(path))
        return true;
    QFile file(path);
    return file.open(QIODevice::WriteOnly);
}

} // namespace Rill
