#include "jsbridge_p.h"

#include <QDateTime>
#include <QFile>
#include <QJSEngine>
#include <QJSValueIterator>
#include <QQmlContext>
#include <QQmlEngine>
#include <QRegularExpression>

#include <qcoro/qcorosignal.h>

#include <stdexcept>

using namespace Qt::StringLiterals;

namespace Rill::detail {

static QVariant fromJs(const QJSValue &v, QString *problem, const QString &path)
{
    if (v.isUndefined() || v.isNull())
        return QVariant::fromValue(nullptr);
    if (v.isBool())
        return v.toBool();
    if (v.isNumber()) {
        const double d = v.toNumber();
        // Whole numbers render as integers ("3", not "3.0"), as in C++ views.
        if (d == double(qint64(d)) && qAbs(d) < 9e15)
            return qint64(d);
        return d;
    }
    if (v.isString())
        return v.toString();
    if (v.isCallable()) {
        if (problem->isEmpty())
            *problem = u"%1is a function, which no template can render"_s.arg(path);
        return QVariant::fromValue(nullptr);
    }
    if (v.isQObject()) {
        if (problem->isEmpty()) {
            const QObject *o = v.toQObject();
            *problem = u"%1is an object (%2), which no template can render; give it plain values "
                       "(a JS object, list, string or number)"_s
                           .arg(path, o ? QString::fromLatin1(o->metaObject()->className()) : u"null"_s);
        }
        return QVariant::fromValue(nullptr);
    }
    if (v.isDate())
        return v.toDateTime();
    if (v.isArray()) {
        QVariantList list;
        const int n = v.property(u"length"_s).toInt();
        list.reserve(n);
        for (int i = 0; i < n; ++i)
            list.append(fromJs(v.property(quint32(i)), problem, path));
        return list;
    }
    if (v.isVariant() || v.isError() || v.isRegExp())
        return toTemplateValue(v.toVariant(), problem);
    if (v.isObject()) {
        QVariantMap map;
        QJSValueIterator it(v);
        while (it.hasNext()) {
            it.next();
            map.insert(it.name(), fromJs(it.value(), problem, path));
        }
        return map;
    }
    return v.toVariant();
}

QVariant toTemplateValue(const QVariant &value, QString *problem)
{
    if (value.metaType() == QMetaType::fromType<QJSValue>())
        return fromJs(value.value<QJSValue>(), problem, QString());
    if (value.metaType().flags() & QMetaType::PointerToQObject) {
        const QObject *o = qvariant_cast<QObject *>(value);
        if (!o)
            return QVariant::fromValue(nullptr);
        if (problem->isEmpty())
            *problem = u"is an object (%1), which no template can render; give it plain values "
                       "(a JS object, list, string or number)"_s.arg(QString::fromLatin1(o->metaObject()->className()));
        return QVariant::fromValue(nullptr);
    }
    switch (value.typeId()) {
    case QMetaType::QVariantList: {
        QVariantList list = value.toList();
        for (QVariant &item : list)
            item = toTemplateValue(item, problem);
        return list;
    }
    case QMetaType::QVariantMap: {
        QVariantMap map = value.toMap();
        for (QVariant &item : map)
            item = toTemplateValue(item, problem);
        return map;
    }
    default:
        return value;
    }
}

QUrl qmlFileOf(const QObject *object)
{
    // A QML-declared type's class name is "Chat_QMLTYPE_3": look for
    // Chat.qml beside the file that used it.
    const QQmlContext *ctx = qmlContext(object);
    const QUrl base = ctx ? ctx->baseUrl() : QUrl();
    const QString className = QString::fromLatin1(object->metaObject()->className());
    const qsizetype cut = className.indexOf(u"_QML"_s);
    if (cut > 0 && base.isLocalFile()) {
        const QUrl typeFile = base.resolved(QUrl(className.left(cut) + u".qml"_s));
        if (QFile::exists(typeFile.toLocalFile()))
            return typeFile;
    }
    return base;
}

int propertyLine(const QUrl &file, const QString &name)
{
    if (!file.isLocalFile())
        return 0;
    QFile f(file.toLocalFile());
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QRegularExpression re(u"\\bproperty\\s+[\\w.<>]+\\s+"_s + QRegularExpression::escape(name) + u"\\b"_s);
    int line = 0;
    while (!f.atEnd()) {
        ++line;
        if (re.match(QString::fromUtf8(f.readLine())).hasMatch())
            return line;
    }
    return 0;
}

QString describeJsError(const QJSValue &error, const QUrl &fallbackFile)
{
    QString file;
    int line = 0;
    QString text = error.toString();
    if (error.isObject()) {
        file = QUrl(error.property(u"fileName"_s).toString()).fileName();
        line = error.property(u"lineNumber"_s).toInt();
    }
    if (file.isEmpty())
        file = fallbackFile.fileName();
    if (file.isEmpty())
        return text;
    if (line > 0)
        return u"%1:%2: %3"_s.arg(file).arg(line).arg(text);
    return u"%1: %2"_s.arg(file, text);
}

bool isThenable(const QJSValue &value)
{
    return value.isObject() && value.property(u"then"_s).isCallable();
}

JsDeferred::JsDeferred(QJSEngine *engine, QObject *parent) : QObject(parent), m_engine(engine)
{
    QJSEngine::setObjectOwnership(this, QJSEngine::CppOwnership);
    const QJSValue make = engine->evaluate(
        u"(function (d) { return new Promise(function (resolve, reject) { d.setResolvers(resolve, reject); }); })"_s);
    m_promise = make.call({engine->newQObject(this)});
}

void JsDeferred::setResolvers(const QJSValue &resolve, const QJSValue &reject)
{
    m_resolve = resolve;
    m_reject = reject;
}

void JsDeferred::resolve(const QJSValue &value)
{
    QJSValue f = std::exchange(m_resolve, QJSValue());
    m_reject = QJSValue();
    if (f.isCallable())
        f.call({value});
}

void JsDeferred::reject(const QJSValue &error)
{
    QJSValue f = std::exchange(m_reject, QJSValue());
    m_resolve = QJSValue();
    if (f.isCallable())
        f.call({error});
}

void JsDeferred::rejectWithMessage(const QString &message)
{
    reject(m_engine->newErrorObject(QJSValue::GenericError, message));
}

QCoro::Task<> awaitThenable(QJSEngine *engine, QJSValue thenable, QObject *context, QUrl fallbackFile)
{
    auto *waiter = new PromiseWaiter(context);
    QJSEngine::setObjectOwnership(waiter, QJSEngine::CppOwnership);
    const QJSValue wire = engine->evaluate(
        u"(function (p, w) { p.then(function (v) { w.resolve(v); }, function (e) { w.reject(e); }); })"_s);
    const QJSValue wired = wire.call({thenable, engine->newQObject(waiter)});
    if (wired.isError()) {
        waiter->deleteLater();
        throw std::runtime_error(describeJsError(wired, fallbackFile).toStdString());
    }
    if (!waiter->done)
        co_await qCoro(waiter, &PromiseWaiter::settled);
    const bool ok = waiter->ok;
    const QJSValue reason = waiter->value;
    waiter->deleteLater();
    if (!ok)
        throw std::runtime_error(describeJsError(reason, fallbackFile).toStdString());
}

} // namespace Rill::detail
