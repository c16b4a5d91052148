// rill-render: renders a template from a directory with a JSON context.
//
//   rill-render --dir templates chat.html --context context.json
//
// Prints the page to stdout. On error prints "NAME:LINE:COL: message" to
// stderr and exits with 1 (template error) or 2 (usage, unreadable context).

#include "cli.h"

#include <rill/json.h>
#include <rill/templatecontext.h>
#include <rill/templateengine.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QTextStream>

#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(u"rill-render"_s);

    QCommandLineParser cli;
    cli.setApplicationDescription(u"Renders a Django-language template with Rill's engine."_s);
    const QCommandLineOption dirOption(u"dir"_s, u"Directory to load templates from (repeatable)."_s, u"DIR"_s);
    const QCommandLineOption contextOption(u"context"_s, u"JSON file with the context object ('-' for stdin)."_s,
                                           u"FILE"_s);
    const QCommandLineOption fragmentOption(u"fragment"_s, u"Render only the inside of the element matching SELECTOR."_s,
                                            u"SELECTOR"_s);
    cli.addOption(dirOption);
    cli.addOption(contextOption);
    cli.addOption(fragmentOption);
    cli.addPositionalArgument(u"name"_s, u"Template name, relative to --dir."_s);
    Rill::Cli::parse(cli, argc, argv);
    QCoreApplication app(argc, argv);

    QTextStream err(stderr);
    const QStringList names = cli.positionalArguments();
    if (names.size() != 1)
        Rill::Cli::usageError(u"give exactly one template name"_s);

    Rill::TemplateContext context;
    if (cli.isSet(contextOption)) {
        const QString path = cli.value(contextOption);
        QFile file(path);
        const bool opened = path == u"-"_s ? file.open(stdin, QIODevice::ReadOnly) : file.open(QIODevice::ReadOnly);
        if (!opened) {
            err << "rill-render: cannot read " << path << ": " << file.errorString() << "\n";
            return 2;
        }
        QString jsonError;
        const QVariant doc = Rill::parseJson(file.readAll(), &jsonError);
        if (!jsonError.isEmpty()) {
            err << "rill-render: " << path << ": invalid JSON: " << jsonError << "\n";
            return 2;
        }
        if (doc.typeId() != QMetaType::QVariantMap) {
            err << "rill-render: " << path << ": the context must be a JSON object\n";
            return 2;
        }
        context = Rill::TemplateContext(doc.toMap());
    }

    Rill::TemplateEngine engine;
    const QStringList dirs = cli.values(dirOption);
    engine.setSearchPaths(dirs.isEmpty() ? QStringList{u"."_s} : dirs);
    const Rill::Template tpl = engine.loadTemplate(names.first());
    if (!tpl.isValid()) {
        err << tpl.error().toString() << "\n";
        return 1;
    }
    Rill::TemplateError error;
    QString out;
    if (cli.isSet(fragmentOption)) {
        const auto fragment = tpl.renderFragment(cli.value(fragmentOption), context, &error);
        if (!fragment && !error.isError()) {
            err << "rill-render: no element matches " << cli.value(fragmentOption) << "\n";
            return 1;
        }
        out = fragment.value_or(QString());
    } else {
        out = tpl.render(context, &error);
    }
    if (error.isError()) {
        err << error.toString() << "\n";
        return 1;
    }
    const QByteArray bytes = out.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    return 0;
}
