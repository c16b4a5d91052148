#pragma once

// Shared by the template tests: render a template given as a string, with a
// context given as JSON and optional extra templates (for include/extends),
// and return the output or the error as "NAME:LINE:COL: message".

#include <rill/json.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QDir>
#include <QFile>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

namespace RillTest {

struct RenderResult
{
    QString output;
    QString error; // empty on success
};

inline QVariantMap contextFromJson(const QString &json)
{
    if (json.isEmpty())
        return {};
    QString err;
    const QVariant v = Rill::parseJson(json.toUtf8(), &err);
    if (!err.isEmpty())
        qFatal("bad JSON in test table: %s (%s)", qPrintable(json), qPrintable(err));
    return v.toMap();
}

// Templates named in \a files are written to a temporary directory that the
// engine searches; the template under test is named "test.html".
inline RenderResult renderTemplate(const QString &source, const QString &contextJson,
                                   const QMap<QString, QString> &files = {})
{
    QTemporaryDir dir;
    for (auto it = files.cbegin(); it != files.cend(); ++it) {
        const QString path = dir.filePath(it.key());
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write(it.value().toUtf8());
    }
    Rill::TemplateEngine engine;
    engine.addSearchPath(dir.path());
    const Rill::Template tpl = engine.fromString(source, QStringLiteral("test.html"));
    if (!tpl.isValid())
        return {QString(), tpl.error().toString()};
    Rill::TemplateError error;
    Rill::TemplateContext context(contextFromJson(contextJson));
    const QString out = tpl.render(context, &error);
    if (error.isError())
        return {QString(), error.toString()};
    return {out, QString()};
}

} // namespace RillTest
