// tst_qml_window's own main: Qt WebEngine (Quick) must be initialized, and
// its environment set, before the application exists; a QGuiApplication is
// all LiveWindow needs (no widgets).

#include "tst_livewindow.h"

#include <QGuiApplication>
#include <QTest>
#include <QtWebEngineQuick/qtwebenginequickglobal.h>

static void setDefault(const char *name, const QByteArray &value)
{
    if (!qEnvironmentVariableIsSet(name))
        qputenv(name, value);
}

int main(int argc, char *argv[])
{
    // Also set by CTest; these make a plain run of the executable work too.
    setDefault("QT_QPA_PLATFORM", "offscreen");
    setDefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu");
    setDefault("QTWEBENGINE_DISABLE_SANDBOX", "1");
    setDefault("QT_QUICK_BACKEND", "software");
    QCoreApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
    QtWebEngineQuick::initialize();
    QGuiApplication app(argc, argv);
    TstLiveWindow test;
    return QTest::qExec(&test, argc, argv);
}
