// tst_webengine's own main: Qt WebEngine needs a QApplication (the shared
// tests/common/testmain.cpp creates a QCoreApplication), its environment set
// before the application exists, and shared OpenGL contexts.

#include "tst_webengineclient.h"

#include <QApplication>
#include <QTest>

#include <vector>

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

    // Like testmain.cpp: an optional first argument names the class.
    std::vector<char *> args{argv[0]};
    for (int i = 1; i < argc; ++i) {
        if (i == 1 && argv[i][0] != '-' && qstrcmp(argv[i], "TstWebEngineClient") == 0)
            continue;
        args.push_back(argv[i]);
    }
    TstWebEngineClient test;
    return QTest::qExec(&test, int(args.size()), args.data());
}
