// tst_webengine_chat's own main: Qt WebEngine needs a QApplication, its
// environment set before the application exists, and shared OpenGL
// contexts (as rill-chat's main does).

#include "tst_chatwindow.h"

#include <QApplication>
#include <QTest>

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
    QApplication app(argc, argv);
    TstChatWindow test;
    return QTest::qExec(&test, argc, argv);
}
