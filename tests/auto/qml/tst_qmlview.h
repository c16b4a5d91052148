#pragma once

// Declared apart from its bodies: moc misreads the raw-string QML sources
// in them (quotes inside R"(...)") and would skip the class.

#include <QObject>
#include <QQmlEngine>

class TstQmlView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void propertiesAreTheContext_data();
    void propertiesAreTheContext();
    void handlersReceiveParams();
    void mountGetsTheRequest();
    void promiseHoldsTheHandlerOpen();
    void streamMethodsMakeOps();
    void badModeThrowsInJs();
    void handlerErrorsNameFileAndLine_data();
    void handlerErrorsNameFileAndLine();
    void paramHelperThrowsParamError();
    void unrenderablePropertyFailsTheRender_data();
    void unrenderablePropertyFailsTheRender();
    void jobsStopAtOnce();
    void renderTemplateEscapesRows();

private:
    QQmlEngine m_engine;
};
