// rill-view: runs a QML file whose root is a LiveView (served at "/", shown
// in a window unless --serve) or a LiveServer (run as it is), as the `qml`
// tool does for Qt Quick files. Arguments after FILE belong to the file
// (Rill.argument("tokens") reads --tokens N).

#include "cli.h"
#include "qmlliveview.h"
#include "qmlhelpers.h"
#include "qmlserver.h"

#include <rill/server.h>
#include <rill/templateengine.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QTextStream>

#ifdef RILL_VIEW_WINDOW
#include <QGuiApplication>
#include <QtWebEngineQuick/qtwebenginequickglobal.h>
#endif

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(u"rill-view"_s);
    QCommandLineParser cli;
    cli.setApplicationDescription(u"Runs a QML live view (root LiveView) or server (root LiveServer)."_s);
    const QCommandLineOption serve(u"serve"_s, u"Serve only, open no window."_s);
    const QCommandLineOption port(u"port"_s, u"Port to listen on (0: any free port)."_s, u"P"_s);
    const QCommandLineOption listen(u"listen"_s, u"Address to listen on (default 127.0.0.1)."_s, u"ADDR"_s);
    const QCommandLineOption importPath(u"I"_s, u"Adds a QML import path."_s, u"DIR"_s);
    const QCommandLineOption templates(u"templates"_s,
                                       u"Adds a folder where a LiveView root's templates are found "
                                       u"(the QML file's own folder always is)."_s,
                                       u"DIR"_s);
    const QCommandLineOption noDev(u"no-dev"_s, u"Turn development mode off (on by default: the browser's console "
                                               u"says what went wrong, changed .qml files reload)."_s);
    cli.addOptions({serve, port, listen, importPath, templates, noDev});
    cli.addPositionalArgument(u"file"_s, u"The QML file."_s);
    cli.addPositionalArgument(u"args"_s, u"Arguments for the file (Rill.argument())."_s, u"[args...]"_s);
    // What follows FILE is the file's (Rill.argument("tokens") reads --tokens N).
    cli.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    // Parsed before the application exists: --help needs no display, and
    // WebEngine must be initialized before the application.
    Rill::Cli::parse(cli, argc, argv, Rill::Cli::Program::Gui);
    const bool serveOnly = cli.isSet(serve);
    std::optional<quint16> listenPort;
    if (cli.isSet(port))
        listenPort = Rill::Cli::port(cli, port);
    if (cli.isSet(listen))
        Rill::Cli::address(cli, listen);
    if (cli.positionalArguments().isEmpty())
        Rill::Cli::usageError(u"which QML file? (rill-view FILE.qml [--serve] [--port P])"_s);
    const QString file = cli.positionalArguments().constFirst();
    if (!QFileInfo::exists(file))
        Rill::Cli::usageError(u"no such file: "_s + file);

    std::unique_ptr<QCoreApplication> app;
#ifdef RILL_VIEW_WINDOW
    // A GUI application even for --serve, on the offscreen platform, so a
    // file that declares a LiveWindow loads instead of aborting (the window
    // stays hidden: Rill.headless).
    if (serveOnly && !qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (!serveOnly && !Rill::Cli::hasDisplay()) {
        Rill::Cli::printError(u"no display to open a window on (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                              u"To serve the view to browsers instead, run: rill-view --serve "_s + file);
        return 1;
    }
    if (!serveOnly)
        Rill::Cli::allowWebEngineAsRoot();
    Rill::QmlHelpers::setHeadless(serveOnly);
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QtWebEngineQuick::initialize();
    app = std::make_unique<QGuiApplication>(argc, argv);
#else
    if (!serveOnly)
        Rill::Cli::usageError(u"built without Qt WebEngine: no window; use --serve"_s);
    app = std::make_unique<QCoreApplication>(argc, argv);
#endif

    QTextStream out(stdout);
    QTextStream err(stderr);

    QQmlEngine engine;
    // The module beside this binary: the build tree's (BUILD/bin/../qml) or
    // the installed one (PREFIX/bin/../LIBDIR/qt6/qml), never a build
    // tree's absolute path (an installed rill-view must not pick up a stale
    // build). Paths added later are searched first.
    const QDir binDir(QCoreApplication::applicationDirPath());
    engine.addImportPath(QDir::cleanPath(binDir.filePath(u"../"_s + QString::fromUtf8(RILL_INSTALL_QMLDIR))));
    engine.addImportPath(QDir::cleanPath(binDir.filePath(u"../qml"_s)));
    for (const QString &path : cli.values(importPath))
        engine.addImportPath(path);
    QObject::connect(&engine, &QQmlEngine::quit, app.get(), &QCoreApplication::quit, Qt::QueuedConnection);

    const QUrl url = QUrl::fromLocalFile(QFileInfo(file).absoluteFilePath());
    QQmlComponent component(&engine, url);
    std::unique_ptr<QObject> root(component.create());
    if (!root) {
        err << "rill-view: " << component.errorString();
        return 1;
    }

    Rill::QmlServer *server = qobject_cast<Rill::QmlServer *>(root.get());
    std::unique_ptr<Rill::QmlServer> ownServer;
    if (!server) {
        if (!qobject_cast<Rill::LiveView *>(root.get())) {
            err << "rill-view: the root of " << file << " is a " << root->metaObject()->className()
                << "; it must be a LiveView or a LiveServer\n";
            return 2;
        }
        // Each page gets a view of its own, made from the file again.
        root.reset();
        ownServer = std::make_unique<Rill::QmlServer>();
        engine.setObjectOwnership(ownServer.get(), QQmlEngine::CppOwnership);
        ownServer->server()->templateEngine().addSearchPath(QFileInfo(file).absolutePath());
        for (const QString &dir : cli.values(templates))
            ownServer->server()->templateEngine().addSearchPath(QDir(dir).absolutePath());
        ownServer->server()->setPageTitle(QFileInfo(file).completeBaseName());
        ownServer->addRoute(u"/"_s, &component, true); // a changed file reloads in development mode
        server = ownServer.get();
    }
    if (listenPort)
        server->setPort(*listenPort);
    server->server()->setDevMode(!cli.isSet(noDev));
    if (cli.isSet(listen))
        server->setAddress(cli.value(listen));
    if (!server->start()) {
        err << "rill-view: " << server->errorString() << "\n";
        return 1;
    }
    out << "rill-view: serving " << server->pageUrl(u"/"_s).toString() << Qt::endl;
    for (const QString &route : server->server()->routes())
        if (route != u"/"_s)
            out << "rill-view: " << route << " at " << server->pageUrl(route).toString() << Qt::endl;

#ifdef RILL_VIEW_WINDOW
    std::unique_ptr<QObject> window;
    if (ownServer && !cli.isSet(serve)) {
        QQmlComponent windowComponent(&engine);
        windowComponent.setData("import Rill\nLiveWindow {}\n", QUrl());
        window.reset(windowComponent.createWithInitialProperties(
            {{u"server"_s, QVariant::fromValue<QObject *>(server)}, {u"title"_s, QFileInfo(file).fileName()}}));
        if (!window) {
            err << "rill-view: cannot open a window: " << windowComponent.errorString();
            return 1;
        }
    }
#endif
    return app->exec();
}
