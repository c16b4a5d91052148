#pragma once

#include <rill/rillcore_export.h>
#include <rill/streamop.h>

#include <QObject>
#include <QVariantMap>

#include <qcoro/qcorotask.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

namespace Rill {

class CancelToken;
class TemplateContext;
class TemplateEngine;
class TemplateError;
struct Request;

/*!
  Thrown for an event parameter that is missing or has the wrong type; the
  browser gets a `bad_params` error naming it and the session lives on.
  The param helpers below throw it; handlers may too.
*/
class RILL_CORE_EXPORT ParamError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

namespace Params {
//! The parameter as a string (numbers and bools are converted); throws ParamError if absent.
RILL_CORE_EXPORT QString string(const QVariantMap &params, const QString &name);
//! The parameter as an integer ("42" and 42 both work); throws ParamError if absent or not an integer.
RILL_CORE_EXPORT qint64 integer(const QVariantMap &params, const QString &name);
} // namespace Params

/*!
  A live view: state, a template, event handlers, and the stream API.

  State is the view's Q_PROPERTYs: they are the template's context (add more
  with addContext()). Handlers are coroutines registered by event name; they
  may co_await network replies and stream for minutes while the same session
  keeps handling other events (a Stop button's handler runs mid-stream).
  After a handler returns, the view re-renders and the browser morphs to it.

  \code
  class Chat : public Rill::LiveView
  {
      Q_OBJECT
      Q_PROPERTY(QVariantList messages MEMBER m_messages)
      Q_PROPERTY(bool is_streaming MEMBER m_streaming)
  public:
      Chat() { setTemplateName(u"chat.html"_s); handle(u"ask"_s, &Chat::ask); }

      QCoro::Task<> ask(QVariantMap params)
      {
          const QString content = params.value(u"content"_s).toString();
          streamStart(u"response"_s);
          try {
              QCORO_FOREACH (const QString &token, m_llm.stream(content))
                  streamText(u"response"_s, token);
              streamDone(u"response"_s);
          } catch (const std::exception &e) {
              streamError(u"response"_s, u"Error: "_s + QString::fromUtf8(e.what()));
          }
      }
  };
  \endcode

  A handler that throws is reported to the browser as an error frame; a
  stream it left active gets an error op and then done, keeping its partial
  content; the session lives on. The stream methods never block: they emit
  streamOp(), which the session's batcher sends on.

  Views live in the thread of their server; none of this is thread-safe.
*/
class RILL_CORE_EXPORT LiveView : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<QCoro::Task<>(QVariantMap params)>;

    explicit LiveView(QObject *parent = nullptr);
    ~LiveView() override;

    //! The template, by name (looked up in the engine's search paths)...
    QString templateName() const;
    void setTemplateName(const QString &name);
    //! ...or inline source (wins over the name when set).
    QString templateSource() const;
    void setTemplateSource(const QString &source);

    //! Called once when the page is first requested, before the first render.
    virtual QCoro::Task<> mount(const Rill::Request &request);
    //! Adds context beyond the view's properties; the default adds nothing.
    virtual void addContext(TemplateContext &context) const;

    void handle(const QString &event, Handler handler);
    template<typename View>
    void handle(const QString &event, QCoro::Task<> (View::*method)(QVariantMap))
    {
        View *self = static_cast<View *>(this);
        handle(event, [self, method](QVariantMap params) { return (self->*method)(std::move(params)); });
    }
    bool hasHandler(const QString &event) const;
    QStringList handlerNames() const;
    //! Runs the handler for \a event; throws std::invalid_argument if there is none.
    QCoro::Task<> invoke(const QString &event, QVariantMap params);

    // ---- the stream API ------------------------------------------------
    // NAME is a logical stream name; TARGET a CSS selector that defaults to
    // [dj-stream='NAME'].

    //! Replaces the target's content: with \a html when given, else with the
    //! target's fragment re-rendered from the template.
    void streamTo(const QString &name, const QString &target = {}, const std::optional<QString> &html = {});
    //! Inserts \a html at the end (or start) of the target.
    void streamInsert(const QString &name, const QString &html, StreamOp::Kind at = StreamOp::Kind::Append,
                      const QString &target = {});
    //! Streams text; Default mode uses the element's dj-stream-mode.
    void streamText(const QString &name, const QString &text, StreamOp::TextMode mode = StreamOp::TextMode::Default,
                    const QString &target = {});
    //! Shows an error inline, keeping the partial content.
    void streamError(const QString &name, const QString &error, const QString &target = {});
    void streamStart(const QString &name, const QString &target = {});
    void streamDone(const QString &name, const QString &target = {});
    //! Removes the element matching \a selector.
    void streamDelete(const QString &name, const QString &selector);
    //! Re-renders the whole view now, mid-handler.
    void pushState();

    //! Renders the view's template with its current state.
    QString render(TemplateError *error = nullptr) const;
    //! The inside of the element matching \a selector (see Template::renderFragment).
    std::optional<QString> renderFragment(const QString &selector, TemplateError *error = nullptr) const;

    //! The engine templates load from; the server sets it.
    void setTemplateEngine(const TemplateEngine *engine);
    const TemplateEngine *templateEngine() const;
    //! The token {% csrf_token %} renders (the session's).
    void setCsrfToken(const QString &token);

    /*!
      True once the page is gone for good: its session ended (the page
      closed and did not come back within the server's reconnect grace).
      Handlers that would run forever (tailing a file, following a feed)
      check it and return; the server keeps the view alive until they do.
    */
    bool isClosed() const;
    //! Marks the view closed, cancels its jobs and emits closed(); the server calls it.
    void close();

    // ---- jobs: long work a later event may stop --------------------------

    /*!
      Starts the job \a name and returns its token (see CancelToken): a job
      of that name still running is cancelled first, so a second "ask"
      replaces the first instead of streaming beside it. The handler keeps
      the token while it works; cancelJob() (a Stop button) and close()
      cancel it.
    */
    std::shared_ptr<CancelToken> beginJob(const QString &name);
    //! Cancels the job \a name; false when no job of that name runs.
    bool cancelJob(const QString &name);

    /*!
      Renders the template \a name (from the engine's search paths) with
      the view's context plus \a extra (which wins over it): HTML for
      streamInsert() that the template escapes, instead of HTML built by
      string concatenation. Throws std::runtime_error with
      "NAME:LINE:COL: message" when it cannot (a handler that lets it
      through fails with that message).

      \code
      streamInsert(u"messages"_s, renderTemplate(u"message.html"_s, {{u"role"_s, u"user"_s}, {u"text"_s, text}}));
      \endcode
    */
    QString renderTemplate(const QString &name, const QVariantMap &extra = {}) const;

protected:
    /*!
      Why the view's state cannot render right now, or no error. Asked after
      addContext() before every render; an error fails that render as a
      template error does (renderFailed(), no HTML) and the session lives on.
      The QML module's LiveView uses it for QML properties no template can
      take (a function, an Item), which C++ views rule out at compile time.
    */
    virtual TemplateError contextError() const;
    //! Makes \a token (owned by the caller) the job \a name, cancelling the
    //! one it replaces (the QML module's beginJob()).
    void registerJob(const QString &name, CancelToken *token);

Q_SIGNALS:
    //! Every op the view makes, in order. The session's batcher listens.
    void streamOp(const Rill::StreamOp &op);
    //! A render failed; \a message is "NAME:LINE:COL: message".
    void renderFailed(const QString &message);
    //! The page is gone for good (see isClosed()).
    void closed();

private:
    TemplateContext context() const;
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Rill
