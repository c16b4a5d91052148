#include "tokensource.h"

#include <QElapsedTimer>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

using namespace std::chrono_literals;

QCoro::AsyncGenerator<QString> offlineTokens(const QString &prompt, TokenSourceOptions options,
                                             Rill::CancelToken *cancel)
{
    Q_UNUSED(prompt);
    QElapsedTimer clock;
    clock.start();
    int sent = 0;
    while (sent < options.tokens) {
        // Timers tick in milliseconds; at high rates several tokens fall due
        // per tick, so pace by the clock rather than by one sleep per token.
        const auto due = qint64(double(clock.nsecsElapsed()) * options.tokensPerSecond / 1e9) + 1;
        while (sent < options.tokens && sent < due) {
            if (cancel && cancel->isCancelled())
                co_return;
            if (options.failAfter >= 0 && sent >= options.failAfter)
                throw std::runtime_error("the token source failed after " + std::to_string(sent) + " tokens");
            ++sent;
            // Named, not a temporary: GCC 12 destroys a co_yield temporary twice.
            QString token = QStringLiteral("t%1 ").arg(sent);
            co_yield token;
        }
        if (sent < options.tokens) {
            // Until the next token is due (at least a tick), or the cancel.
            const double nextMs = double(sent) * 1000.0 / options.tokensPerSecond;
            const auto wait = std::max<qint64>(1, qint64(std::ceil(nextMs - double(clock.nsecsElapsed()) / 1e6)));
            if (!co_await Rill::sleepFor(std::chrono::milliseconds(wait), cancel))
                co_return;
        }
    }
}
