// Loads a LiveServer written in QML (`import Rill`) and prints its URL.
#include <qmlserver.h>

#include <QCoreApplication>
#include <QDir>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QTextStream>

using namespace Qt::StringLiterals;

static const char *Source = R"(
import QtQml
import Rill
LiveServer {
    port: 0
    Route {
        path: "/"
        view: Component {
            LiveView {
                property string who: "QML"
                templateSource: "<p id=\"greeting\">Hello from {{ who }}</p>"
            }
        }
    }
}
)";

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QQmlEngine engine;
    if (QDir(QStringLiteral(RILL_QML_IMPORT_DIR)).exists())
        engine.addImportPath(QStringLiteral(RILL_QML_IMPORT_DIR));
    QQmlComponent component(&engine);
    component.setData(Source, QUrl(u"qrc:/host.qml"_s));
    std::unique_ptr<QObject> root(component.create());
    auto *server = qobject_cast<Rill::QmlServer *>(root.get());
    if (!server) {
        QTextStream(stderr) << "qmlhost: " << component.errorString() << "\n";
        return 1;
    }
    if (!server->isListening() && !server->start()) {
        QTextStream(stderr) << "qmlhost: " << server->errorString() << "\n";
        return 1;
    }
    QTextStream(stdout) << "qmlhost: serving " << server->pageUrl(u"/"_s).toString() << Qt::endl;
    return app.exec();
}
