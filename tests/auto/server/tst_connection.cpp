// The server's connection on its own, over a UNIX socket pair: what it sends
// in one turn of the event loop leaves at the turn's end, together (one
// read on the other side gets it all); what the kernel refuses waits for
// the socket and is said to have drained once written; a connection
// aborted before its turn ends writes nothing.

#include "net/connection_p.h"
#include "testregistry.h"

#include <QCoreApplication>
#include <QTest>

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

using namespace Rill::detail;

namespace {

class Owner : public ConnectionOwner
{
public:
    void httpRequest(Connection *, const HttpRequest &, const QByteArray &) override {}
    void httpError(Connection *, int, const QString &) override {}
    void webSocketMessage(Connection *, const QByteArray &) override {}
    void drained(Connection *) override { ++drains; }
    void closed(Connection *) override { ++closes; }
    int drains = 0;
    int closes = 0;
};

//! What the peer can read now, without waiting; empty when nothing.
QByteArray readNow(int fd)
{
    QByteArray all;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0)
            return all;
        all.append(buf, n);
    }
}

QByteArray frame(const QByteArray &payload)
{
    return WebSocket::frame(WebSocket::Opcode::Text, payload);
}

} // namespace

class TstConnection : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void framesOfOneTurnLeaveTogether();
    void backlogWaitsForTheSocketAndDrains();
    void abortedBeforeTheTurnEndsWritesNothing();

private:
    //! A connection on m_fds[0] that has answered a handshake (read away).
    Connection *upgraded();

    int m_fds[2] = {-1, -1};
    Reactor *m_reactor = nullptr;
    Owner m_owner;
};

void TstConnection::init()
{
    QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, m_fds) == 0);
    m_reactor = new Reactor;
    QVERIFY(m_reactor->isValid());
    m_owner = Owner();
}

void TstConnection::cleanup()
{
    // Connections delete themselves after closing; the reactor goes last.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    delete m_reactor;
    m_reactor = nullptr;
    if (m_fds[1] >= 0)
        ::close(m_fds[1]);
    m_fds[0] = m_fds[1] = -1;
}

Connection *TstConnection::upgraded()
{
    auto *c = new Connection(m_fds[0], QHostAddress::LocalHost, m_reactor, &m_owner, {});
    c->upgrade("dGhlIHNhbXBsZSBub25jZQ==");
    QCoreApplication::processEvents();
    const QByteArray head = readNow(m_fds[1]);
    if (!head.startsWith("HTTP/1.1 101 ")) {
        qWarning() << "no handshake answer:" << head;
        return nullptr;
    }
    return c;
}

void TstConnection::framesOfOneTurnLeaveTogether()
{
    Connection *c = upgraded();
    QVERIFY(c);
    const QByteArray a = "{\"type\":\"stream\",\"seq\":1}";
    const QByteArray b(300, 'b'); // a 16-bit length
    const QByteArray d(70000, 'd'); // a 64-bit length
    c->sendText(a);
    c->sendText(b);
    c->sendText(d);
    // Nothing before the turn ends, and the frames wait as queued, not as
    // a backlog (that would make a fast reader look slow).
    QCOMPARE(readNow(m_fds[1]), QByteArray());
    QCOMPARE(c->queuedBytes(), frame(a).size() + frame(b).size() + frame(d).size());
    QCOMPARE(c->backlogBytes(), 0);

    QCoreApplication::processEvents();
    QCOMPARE(c->queuedBytes(), 0);
    QCOMPARE(readNow(m_fds[1]), frame(a) + frame(b) + frame(d));
    QCOMPARE(m_owner.drains, 0); // nothing waited for the socket
    c->abort();
}

void TstConnection::backlogWaitsForTheSocketAndDrains()
{
    const int small = 4096;
    ::setsockopt(m_fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    Connection *c = upgraded();
    QVERIFY(c);
    QByteArray expected;
    for (int i = 0; i < 64; ++i) {
        const QByteArray payload = QByteArray::number(i).rightJustified(8, '0') + QByteArray(8000, char('a' + i % 26));
        c->sendText(payload);
        expected += frame(payload);
    }
    QCoreApplication::processEvents();
    // The kernel took what fits; the rest is a backlog, written as the peer reads.
    QVERIFY(c->backlogBytes() > 0);
    QCOMPARE(c->backlogBytes(), c->queuedBytes());
    QByteArray got;
    QTRY_VERIFY_WITH_TIMEOUT((got += readNow(m_fds[1]), c->queuedBytes() == 0), 10000);
    got += readNow(m_fds[1]);
    QCOMPARE(got.size(), expected.size());
    QVERIFY(got == expected);
    QCOMPARE(c->backlogBytes(), 0);
    QCOMPARE(m_owner.drains, 1);
    c->abort();
}

void TstConnection::abortedBeforeTheTurnEndsWritesNothing()
{
    Connection *c = upgraded();
    QVERIFY(c);
    c->sendText("lost");
    c->abort();
    QCOMPARE(m_owner.closes, 1);
    // The descriptor is closed: the peer reads end-of-file, no frame, and
    // the flush the connection had asked for finds nobody to call.
    QCoreApplication::processEvents();
    char buf[16];
    QCOMPARE(::recv(m_fds[1], buf, sizeof buf, MSG_DONTWAIT), ssize_t(0));

}

RILL_TEST_CLASS(TstConnection)
#include "tst_connection.moc"
