#include "qmltokensource.h"

#include "jsbridge_p.h"

#include <QElapsedTimer>
#include <QJSEngine>
#include <QPointer>

#include <rill/canceltoken.h>

#include <algorithm>
#include <chrono>
#include <cmath>

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
QCoro::Task<> run(Options options, QJSValue onToken, QPointer<detail::JsDeferred> deferred,
                  QPointer<CancelToken> job)
{
    const bool hasJob = !job.isNull();
    const auto stopped = [&] { return hasJob && (!job || job->isCancelled()); };
    QElapsedTimer clock;
    clock.start();
    int sent = 0;
    while (sent < options.tokens) {
        const auto due = qint64(double(clock.nsecsElapsed()) * options.tokensPerSecond / 1e9) + 1;
        while (sent < options.tokens && sent < due) {
            if (!deferred)
                co_return;
            if (stopped())
                break;
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
        if (stopped())
            break;
        if (sent < options.tokens) {
            // Until the next token is due (at least a tick), or the cancel.
            const double nextMs = double(sent) * 1000.0 / options.tokensPerSecond;
            const auto wait = std::max<qint64>(1, qint64(std::ceil(nextMs - double(clock.nsecsElapsed()) / 1e6)));
            co_await sleepFor(std::chrono::milliseconds(wait), job.data());
        }
    }
    if (deferred) {
        deferred->resolve();
        deferred->deleteLater();
    }
}

} // namespace

QJSValue QmlTokenSource::generate(const QString &prompt, const QJSValue &onToken, const QJSValue &job)
{
    Q_UNUSED(prompt);
    QJSEngine *engine = qjsEngine(this);
    if (!engine)
        return QJSValue();
    if (m_tokensPerSecond <= 0) {
        engine->throwError(QJSValue::RangeError, u"TokenSource: tokensPerSecond must be > 0"_s);
        return QJSValue();
    }
    auto *token = qobject_cast<CancelToken *>(job.toQObject());
    if (!job.isUndefined() && !job.isNull() && !token) {
        engine->throwError(QJSValue::TypeError, u"TokenSource: the third argument must be a job (beginJob())"_s);
        return QJSValue();
    }
    auto *deferred = new detail::JsDeferred(engine, this);
    const QJSValue promise = deferred->promise();
    run(Options{m_tokens, m_tokensPerSecond, m_failAfter}, onToken, deferred, token);
    return promise;
}

} // namespace Rill
