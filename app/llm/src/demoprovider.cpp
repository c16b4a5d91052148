#include <rill/llm/demoprovider.h>

#include <QElapsedTimer>
#include <QRegularExpression>

#include <qcoro/qcorotimer.h>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace Rill::Llm {

DemoProvider::DemoProvider(QObject *parent) : Provider(parent) {}

DemoProvider::~DemoProvider() = default;

QString DemoProvider::modelName()
{
    return u"offline-demo"_s;
}

double DemoProvider::tokensPerSecond() const
{
    return m_tokensPerSecond;
}

void DemoProvider::setTokensPerSecond(double rate)
{
    m_tokensPerSecond = rate > 0 ? rate : 40;
}

QString DemoProvider::kind() const
{
    return u"demo"_s;
}

QString DemoProvider::displayName() const
{
    return u"Offline demo (no model connected)"_s;
}

bool DemoProvider::isDemo() const
{
    return true;
}

QCoro::Task<QStringList> DemoProvider::models()
{
    co_return QStringList{modelName()};
}

static QString reasoningFor(const QString &question)
{
    Q_UNUSED(question);
    return u"No language model is connected, so I cannot really answer. "
           u"I should say so, show how to connect one, and demonstrate streaming Markdown with a code block."_s;
}

QString DemoProvider::answer(const QString &question)
{
    QString shown = question.simplified();
    if (shown.size() > 80)
        shown = shown.first(79) + u'…';
    if (shown.isEmpty())
        shown = u"(an empty message)"_s;
    // Backticks would end the inline code span early.
    shown.replace(u'`', u'\'');
    return uR"(**This is the offline demo** — no language model is connected, so this is a canned answer to `%1`.

To chat with a real model, start one of these and restart rill-chat; it finds local servers by itself:

1. **Ollama** — `ollama serve`, then `ollama pull llama3.2` (found on port 11434).
2. **llama.cpp** — `llama-server -m model.gguf --port 8080` (found on port 8080).
3. **Any OpenAI-compatible API** (vLLM, LM Studio, OpenAI) — set `OPENAI_BASE_URL` and, if it needs one, `OPENAI_API_KEY`:

```sh
OPENAI_BASE_URL=http://127.0.0.1:1234/v1 rill-chat
```

Meanwhile, here is the kind of answer a model streams — a small Python generator:

```python
def fibonacci(n):
    """Yield the first n Fibonacci numbers."""
    a, b = 0, 1
    for _ in range(n):
        yield a
        a, b = b, a + b

print(list(fibonacci(10)))  # [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
```

Everything above arrived token by token, just as a real model's answer would.
)"_s.arg(shown);
}

static QStringList tokenize(const QString &text)
{
    // Roughly a model's tokens: a word with the space after it.
    static const QRegularExpression piece(u"\\S+\\s*|\\s+"_s);
    QStringList tokens;
    for (auto it = piece.globalMatch(text); it.hasNext();)
        tokens.append(it.next().captured());
    return tokens;
}

QCoro::AsyncGenerator<ChatEvent> DemoProvider::chat(ChatRequest request, CancelToken *cancel)
{
    // Yielded as a named local: GCC 12 destroys a temporary in `co_yield f()` twice.
    ChatEvent event;
    QString question;
    for (auto it = request.messages.crbegin(); it != request.messages.crend(); ++it) {
        if (it->role == u"user"_s) {
            question = it->content;
            break;
        }
    }
    const QStringList reasoning = tokenize(reasoningFor(question));
    const QStringList content = tokenize(answer(question));
    const qsizetype total = reasoning.size() + content.size();

    QElapsedTimer clock;
    clock.start();
    qsizetype sent = 0;
    while (sent < total) {
        if (cancel && cancel->isCancelled()) {
            event = ChatEvent::finished(u"cancelled"_s);
            co_yield event;
            co_return;
        }
        // Timers tick in milliseconds; pace by the clock so high rates keep up.
        const auto due = qsizetype(double(clock.nsecsElapsed()) * m_tokensPerSecond / 1e9) + 1;
        while (sent < total && sent < due) {
            event = sent < reasoning.size() ? ChatEvent::reasoning(reasoning.at(sent))
                                            : ChatEvent::content(content.at(sent - reasoning.size()));
            co_yield event;
            ++sent;
            if (cancel && cancel->isCancelled())
                break;
        }
        if (sent < total && !(cancel && cancel->isCancelled()))
            co_await QCoro::sleepFor(std::chrono::milliseconds(qMax<qint64>(1, qint64(1000 / m_tokensPerSecond))));
    }
    event = ChatEvent::finished(u"stop"_s, Usage{int(question.size() / 4), int(content.size())});
    co_yield event;
}

} // namespace Rill::Llm
