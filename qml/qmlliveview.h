#pragma once

#include <rill/liveview.h>
#include <rill/rillqml_export.h>
#include <rill/templateerror.h>

#include <QJSValue>
#include <QQmlListProperty>
#include <QQmlParserStatus>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

namespace Rill {

class PubSub;

/*!
  A live view written in QML: its QML-declared properties are the template's
  context, its functions are the event handlers, and it streams with the
  same methods as a C++ view.

  \qml
  import Rill
  LiveView {
      property int count: 0
      templateSource: '<p>{{ count }}</p><button dj-click="add">+1</button>'
      function add(params) { count += 1 }             // then the page re-renders
      function slow(params) {                           // async: return a Promise
          streamStart("out")
          return Rill.sleep(500).then(() => { streamText("out", "done"); streamDone("out") })
      }
      function broken(params) { throw new Error("boom") } // error frame "View.qml:8: Error: boom"
  }
  \endqml

  Every function is a handler except mount(request) (run once before the
  first render) and names starting with an underscore (private helpers). A
  handler that returns a Promise runs until it settles: only then does the
  page re-render and the event get its reply; a rejection is a handler
  error. JS arrays and objects reach templates as lists and maps; a property
  holding a function or an object fails the render with its name and line.
*/
class RILL_QML_EXPORT QmlLiveView : public LiveView, public QQmlParserStatus
{
    Q_OBJECT
    Q_INTERFACES(QQmlParserStatus)
    QML_NAMED_ELEMENT(LiveView)
    Q_PROPERTY(QString templateSource READ templateSource WRITE setTemplateSource NOTIFY templateChanged)
    Q_PROPERTY(QString templateName READ templateName WRITE setTemplateName NOTIFY templateChanged)
    // Children (a Timer, a TokenSource) need a home; not template context.
    Q_PROPERTY(QQmlListProperty<QObject> data READ data CONSTANT)
    Q_CLASSINFO("DefaultProperty", "data")

public:
    explicit QmlLiveView(QObject *parent = nullptr);
    ~QmlLiveView() override;

    void setTemplateSource(const QString &source);
    void setTemplateName(const QString &name);
    QQmlListProperty<QObject> data();

    QCoro::Task<> mount(const Rill::Request &request) override;

    // The stream API for QML; modes are strings ("append", "replace", "prepend").
    Q_INVOKABLE void streamTo(const QString &name, const QString &target = QString(), const QJSValue &html = QJSValue());
    Q_INVOKABLE void streamInsert(const QString &name, const QString &html, const QString &at = QString(),
                                  const QString &target = QString());
    Q_INVOKABLE void streamText(const QString &name, const QString &text, const QString &mode = QString(),
                                const QString &target = QString());
    Q_INVOKABLE void streamError(const QString &name, const QString &error, const QString &target = QString());
    Q_INVOKABLE void streamStart(const QString &name, const QString &target = QString());
    Q_INVOKABLE void streamDone(const QString &name, const QString &target = QString());
    Q_INVOKABLE void streamDelete(const QString &name, const QString &selector);
    Q_INVOKABLE void pushState();
    //! True once the page is gone for good; long-running handlers stop then.
    Q_INVOKABLE bool isClosed() const { return LiveView::isClosed(); }
    /*!
      Calls \a onLine(line) for each line appended to the file at \a path
      from now on (tail -f) until the page closes; the returned Promise
      resolves then, or rejects if the file cannot be read.
    */
    Q_INVOKABLE QJSValue tailFile(const QString &path, const QJSValue &onLine);
    /*!
      Starts the job \a name and returns its CancelToken (`cancelled`,
      `cancel()`), cancelling a job of that name still running. Pass it to
      Rill.sleep(ms, job) and TokenSource.generate(prompt, onToken, job):
      they end early when it is cancelled. cancelJob(name) is the Stop;
      closing the page cancels every job.
    */
    Q_INVOKABLE QObject *beginJob(const QString &name);
    //! Cancels the job \a name; false when none of that name runs.
    Q_INVOKABLE bool cancelJob(const QString &name) { return LiveView::cancelJob(name); }
    /*!
      The template \a name rendered with the view's context plus \a context
      (a JS object, which wins): rows for streamInsert() escaped by the
      template. Throws a JS Error "NAME:LINE:COL: message" when it cannot.
    */
    Q_INVOKABLE QString renderTemplate(const QString &name, const QJSValue &context = QJSValue());
    /*!
      Calls \a callback(message) with each message published to \a topic
      from now on, until the view goes (its LiveServer's PubSub; shared
      with other instances when it uses Redis). Throws when the view is not
      served by a LiveServer.
    */
    Q_INVOKABLE void subscribe(const QString &topic, const QJSValue &callback);
    //! Publishes \a message (plain JS values) to \a topic.
    Q_INVOKABLE void publish(const QString &topic, const QJSValue &message);
    //! The topics' hub; LiveServer sets it on the views it makes.
    void setPubSub(PubSub *pubsub) { m_pubsub = pubsub; }

    //! The QML file this view is declared in (for error locations).
    QUrl sourceFile() const;

Q_SIGNALS:
    void templateChanged();

protected:
    void classBegin() override;
    void componentComplete() override;
    void addContext(TemplateContext &context) const override;
    TemplateError contextError() const override;

private:
    QCoro::Task<> callFunction(QString name, QJSValue argument);
    void throwJs(const QString &message);

    QList<QObject *> m_data;
    mutable TemplateError m_contextError;
    bool m_hasMount = false;
    PubSub *m_pubsub = nullptr;
};

} // namespace Rill
