#include "qmltokensource.h"

#include "jsbridge_p.h"

#include <QElapsedTimer>
#include <QJSEngine>
#include <QPointer>

#include <qcoro/qcorotimer.h>

#include <chrono>

using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

namespace Rill {

namespace {

struct Options
{
    int tokens;
    double tokensPerSecond;
    int failAfter;
};

// Paced like the examples' offlineTokens(): by the clock, several tokens per
// millisecond tick at high rates.
QCoro::Task<> run(Options options, QJSValue onToken, QPointer<detail::JsDeferred> deferred)
{
    QElapsedTimer clock;
    clock.start();
    int sent = 0;
    while (sent < options.tokens) {
        const auto due = qint64(double(clock.nsecsElapsed()) * options.tokensPerSecond / 1e9) + 1;
        while (sent < options.tokens && sent < due) {
            if (!deferred)
                co_return;
            if (options.failAfter >= 0 && sent >= options.failAfter) {
                deferred->rejectWithMessage(u"the token source failed after %1 tokens"_s.arg(sent));
                deferred->deleteLater();
                co_return;
            }
            ++sent;
            const QJSValue result = onToken.call({QJSValue(u"t%1 "_s.arg(sent))});
            if (result.isError()) {
                deferred->reject(result);
                deferred->deleteLater();
                co_return;
            }
            if (result.isBool() && !result.toBool()) {
                deferred->resolve();
                deferred->deleteLater();
                co_return;
            }
        }
        if (sent < options.tokens)
            co_await QCoro::sleepFor(1ms);
    }
    if (deferred) {
        deferred->resolve();
        deferred->deleteLater();
    }
}

} // namespace

QJSValue QmlTokenSource::generate(const QString &prompt, const QJSValue &onToken)
{
    Q_UNUSED(prompt);
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        return QJSValue();
    if (m_tokensPerSecond <= 0) {
        engine->throwError(QJSValue::RangeError, u"TokenSource: tokensPerSecond must be > 0"_s);
        return QJSValue();
    }
    auto *deferred = new detail::JsDeferred(engine, this);
    const QJSValue promise = deferred->promise();
    run(Options{m_tokens, m_tokensPerSecond, m_failAfter}, onToken, deferred);
    return promise;
}

} // namespace Rill
