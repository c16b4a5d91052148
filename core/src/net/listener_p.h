#pragma once

// A listening TCP socket on the Reactor: accepts as many connections as are
// waiting, hands each descriptor to a callback, and survives running out of
// descriptors. At the descriptor limit (EMFILE) accept() keeps failing while
// the connection stays queued, and a level-triggered loop would spin on it:
// the listener then closes a spare descriptor it keeps for this, accepts
// and closes the waiting connection, takes the spare back, and stops
// accepting for a moment.

#include "reactor_p.h"

#include <QHostAddress>
#include <QString>

#include <functional>

class QTimer;

namespace Rill::detail {

class Listener : public QObject, public Reactor::Watcher
{
public:
    //! Owns \a fd (non-blocking) from the call on.
    using Accepted = std::function<void(int fd, const QHostAddress &peer)>;

    Listener(Reactor *reactor, Accepted accepted, QObject *parent = nullptr);
    ~Listener() override;

    bool listen(const QHostAddress &address, quint16 port);
    bool isListening() const { return m_fd >= 0; }
    QHostAddress address() const { return m_address; }
    quint16 port() const { return m_port; }
    QString errorString() const { return m_error; }
    void close();

    void onEvents(std::uint32_t events) override;

private:
    void pause(int msecs);

    Reactor *m_reactor;
    Accepted m_accepted;
    int m_fd = -1;
    int m_spare = -1;
    QHostAddress m_address;
    quint16 m_port = 0;
    QString m_error;
    QTimer *m_resume = nullptr;
    qint64 m_lastWarning = 0;
};

} // namespace Rill::detail
