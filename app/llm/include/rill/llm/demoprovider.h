#pragma once

#include <rill/llm/provider.h>

namespace Rill::Llm {

/*!
  The built-in offline responder, so rill-chat works with no model set up.
  Its one model, "offline-demo", streams a short reasoning section and a
  canned Markdown answer (with a code block) that says it is a demo and how
  to connect a real model, at about the pace of a local model.

  \code
  Rill::Llm::DemoProvider demo;
  QCORO_FOREACH (const Rill::Llm::ChatEvent &e, demo.chat({u"offline-demo"_s, {{u"user"_s, u"Hi"_s}}}, &cancel))
      out += e.text;   // never throws; cancel() ends it with a "cancelled" Finished event
  \endcode
*/
class DemoProvider : public Provider
{
    Q_OBJECT
public:
    explicit DemoProvider(QObject *parent = nullptr);
    ~DemoProvider() override;

    static QString modelName();

    double tokensPerSecond() const;
    void setTokensPerSecond(double rate);

    //! The full answer chat() streams for \a question (for tests and previews).
    static QString answer(const QString &question);

    QString kind() const override;
    QString displayName() const override;
    bool isDemo() const override;
    QCoro::Task<QStringList> models() override;
    QCoro::AsyncGenerator<ChatEvent> chat(ChatRequest request, CancelToken *cancel = nullptr) override;

private:
    double m_tokensPerSecond = 40;
};

} // namespace Rill::Llm
