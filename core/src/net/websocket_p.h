#pragma once

// WebSocket (RFC 6455) framing as Rill's server speaks it: the handshake's
// accept key, frames to send (server frames are never masked) and a reader
// that turns received bytes into messages, checking everything the RFC asks
// a server to check, bounded in size before anything is buffered. Pure: no
// sockets; fuzz/ and tests feed it bytes.
//
//   WebSocketReader reader({.maxMessageBytes = 64 * 1024});
//   qsizetype used = 0;
//   WebSocketReader::Message m;
//   qsizetype n = 0;
//   while (reader.read(buffer.sliced(used), &n, &m) == WebSocketReader::Status::Message) {
//       used += n; handle(m);
//   }
//   used += n; // fragments taken before the bytes ran out
//   // Error: send closeFrame(reader.errorCode(), ...) and close the socket.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Rill::detail {

namespace WebSocket {

enum class Opcode : quint8 { Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA };

//! Close codes used here.
enum CloseCode : quint16 {
    Normal = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    InvalidPayload = 1007,
    PolicyViolation = 1008,
    MessageTooBig = 1009,
    InternalError = 1011,
    TryAgainLater = 1013,
};

//! Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
QByteArray acceptKey(QByteArrayView clientKey);
//! A valid Sec-WebSocket-Key: base64 of 16 bytes.
bool isValidClientKey(QByteArrayView clientKey);

//! Appends the header of an unmasked, final frame of \a payloadLength bytes.
void appendHeader(QByteArray &out, Opcode opcode, qsizetype payloadLength);
//! The same header written to \a out (room for MaxHeader bytes); returns its size.
constexpr int MaxHeader = 10;
int writeHeader(char *out, Opcode opcode, qsizetype payloadLength);
//! A whole unmasked, final frame.
QByteArray frame(Opcode opcode, QByteArrayView payload);
//! A close frame with \a code and a reason (cut to fit a control frame).
QByteArray closeFrame(quint16 code, QByteArrayView reason = {});
//! A masked frame, as a client sends it (for tests and load generators).
QByteArray clientFrame(Opcode opcode, QByteArrayView payload, quint32 mask, bool fin = true);

//! Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool isValidUtf8(QByteArrayView bytes);

} // namespace WebSocket

struct WebSocketLimits
{
    qsizetype maxMessageBytes = 1024 * 1024; //!< a frame, or a fragmented message in all
};

class WebSocketReader
{
public:
    using Limits = WebSocketLimits;
    struct Message
    {
        WebSocket::Opcode opcode = WebSocket::Opcode::Text; //!< Text, Binary, Close, Ping or Pong
        QByteArray payload;                                 //!< unmasked; Close: code + reason
    };
    enum class Status { NeedMore, Message, Error };

    explicit WebSocketReader(Limits limits = {}) : m_limits(limits) {}

    /*!
      Reads frames from \a bytes up to the first whole message. Message:
      \a out holds a text/binary message (fragments joined) or a control
      frame. NeedMore: what is left is an incomplete frame. Either way
      \a consumed is the bytes to drop (fragments taken count). Error:
      close with errorCode().
    */
    Status read(QByteArrayView bytes, qsizetype *consumed, Message *out);

    quint16 errorCode() const { return m_errorCode; }
    const QString &errorMessage() const { return m_errorMessage; }

private:
    Status readFrame(QByteArrayView bytes, qsizetype *consumed, Message *out, bool *fragmentTaken);
    Status fail(quint16 code, QString message);

    Limits m_limits;
    bool m_inFragmented = false;
    WebSocket::Opcode m_fragmentedOpcode = WebSocket::Opcode::Text;
    QByteArray m_fragments;
    quint16 m_errorCode = 0;
    QString m_errorMessage;
};

} // namespace Rill::detail
