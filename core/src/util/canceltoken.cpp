#include <rill/canceltoken.h>

#include <QPointer>
#include <QTimer>

#include <qcoro/qcorotimer.h>

namespace Rill {

void CancelToken::cancel()
{
    if (m_cancelled)
        return;
    m_cancelled = true;
    Q_EMIT cancelled();
}

QCoro::Task<bool> sleepFor(std::chrono::milliseconds duration, CancelToken *token)
{
    if (token && token->isCancelled())
        co_return false;
    QTimer timer;
    timer.setSingleShot(true);
    timer.setTimerType(Qt::PreciseTimer);
    // Ends on whichever comes first; a token deleted meanwhile ends it too.
    QPointer<CancelToken> guard(token);
    if (token) {
        const auto now = [&timer] { timer.start(0); }; // times out at the event loop's next turn
        QObject::connect(token, &CancelToken::cancelled, &timer, now);
        QObject::connect(token, &QObject::destroyed, &timer, now);
    }
    timer.start(duration);
    // QCoro's timer awaiter, not qCoro(&timer, &QTimer::timeout): awaiting
    // a private signal makes Qt bind a null QPrivateSignal reference, which
    // UBSan reports in every handler that sleeps.
    co_await timer;
    co_return token ? guard && !guard->isCancelled() : true;
}

} // namespace Rill
