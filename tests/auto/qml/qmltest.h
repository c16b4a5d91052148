#pragma once

// Makes QML views from source text for the tests, written to a real file
// first: errors carry its name and line ("View.qml:LINE"), and property
// lines are read from it.

#include <rill/liveview.h>

#include <QFile>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace RillQmlTest {

inline void setUpEngine(QQmlEngine &engine)
{
    engine.addImportPath(QString::fromUtf8(RILL_QML_IMPORT_DIR));
}

//! The root of \a source, created; null (and a test failure message) when it does not compile.
template<typename T = Rill::LiveView>
std::unique_ptr<T> create(QQmlEngine &engine, const QByteArray &source, const char *fileName = "View.qml")
{
    static QTemporaryDir dir;
    const QString path = dir.filePath(QString::fromLatin1(fileName));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(source) != source.size())
        return nullptr;
    file.close();
    engine.clearComponentCache(); // the same file name, new content
    QQmlComponent component(&engine, QUrl::fromLocalFile(path));
    std::unique_ptr<QObject> object(component.create());
    if (!object) {
        qWarning().noquote() << component.errorString();
        return nullptr;
    }
    QQmlEngine::setObjectOwnership(object.get(), QQmlEngine::CppOwnership);
    auto *typed = qobject_cast<T *>(object.get());
    if (!typed)
        return nullptr;
    object.release();
    return std::unique_ptr<T>(typed);
}

} // namespace RillQmlTest
