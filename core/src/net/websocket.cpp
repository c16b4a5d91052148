#include "websocket_p.h"

#include <QCryptographicHash>

#include <cstring>

using namespace Qt::StringLiterals;

namespace Rill::detail {

namespace WebSocket {

QByteArray acceptKey(QByteArrayView clientKey)
{
    QByteArray material = clientKey.toByteArray();
    material += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return QCryptographicHash::hash(material, QCryptographicHash::Sha1).toBase64();
}

bool isValidClientKey(QByteArrayView clientKey)
{
    if (clientKey.size() != 24)
        return false;
    const auto decoded = QByteArray::fromBase64Encoding(clientKey.toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    return decoded.decodingStatus == QByteArray::Base64DecodingStatus::Ok && decoded.decoded.size() == 16;
}

int writeHeader(char *out, Opcode opcode, qsizetype n)
{
    int size = 0;
    out[size++] = char(0x80 | quint8(opcode));
    if (n < 126) {
        out[size++] = char(n);
    } else if (n <= 0xffff) {
        out[size++] = char(126);
        out[size++] = char(n >> 8);
        out[size++] = char(n & 0xff);
    } else {
        out[size++] = char(127);
        for (int shift = 56; shift >= 0; shift -= 8)
            out[size++] = char((quint64(n) >> shift) & 0xff);
    }
    return size;
}

void appendHeader(QByteArray &out, Opcode opcode, qsizetype n)
{
    char header[MaxHeader];
    out.append(header, writeHeader(header, opcode, n));
}

QByteArray frame(Opcode opcode, QByteArrayView payload)
{
    QByteArray out;
    out.reserve(payload.size() + 10);
    appendHeader(out, opcode, payload.size());
    out.append(payload);
    return out;
}

QByteArray closeFrame(quint16 code, QByteArrayView reason)
{
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xff));
    // A control frame carries at most 125 bytes; don't cut a UTF-8 sequence.
    qsizetype n = std::min<qsizetype>(reason.size(), 123);
    while (n > 0 && n < reason.size() && (quint8(reason[n]) & 0xc0) == 0x80)
        --n;
    payload.append(reason.first(n));
    return frame(Opcode::Close, payload);
}

QByteArray clientFrame(Opcode opcode, QByteArrayView payload, quint32 mask, bool fin)
{
    QByteArray out;
    out.append(char((fin ? 0x80 : 0) | quint8(opcode)));
    const qsizetype n = payload.size();
    if (n < 126) {
        out.append(char(0x80 | n));
    } else if (n <= 0xffff) {
        out.append(char(0x80 | 126));
        out.append(char(n >> 8));
        out.append(char(n & 0xff));
    } else {
        out.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((quint64(n) >> shift) & 0xff));
    }
    const char key[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
    out.append(key, 4);
    for (qsizetype i = 0; i < n; ++i)
        out.append(char(payload[i] ^ key[i % 4]));
    return out;
}

bool isValidUtf8(QByteArrayView bytes)
{
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto *end = p + bytes.size();
    while (p < end) {
        // ASCII runs, eight bytes at a time.
        while (end - p >= 8) {
            quint64 word;
            std::memcpy(&word, p, 8);
            if (word & 0x8080808080808080ULL)
                break;
            p += 8;
        }
        if (p == end)
            break;
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra;
        quint32 cp;
        quint32 min;
        if (c >= 0xc2 && c <= 0xdf) {
            extra = 1; cp = c & 0x1f; min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            extra = 2; cp = c & 0x0f; min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            extra = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += extra + 1;
    }
    return true;
}

} // namespace WebSocket

using namespace WebSocket;

WebSocketReader::Status WebSocketReader::fail(quint16 code, QString message)
{
    m_errorCode = code;
    m_errorMessage = std::move(message);
    return Status::Error;
}

WebSocketReader::Status WebSocketReader::read(QByteArrayView bytes, qsizetype *consumed, Message *out)
{
    // Fragments of a message are taken one frame at a time until the
    // message is whole or the bytes run out.
    *consumed = 0;
    while (true) {
        qsizetype used = 0;
        bool fragmentTaken = false;
        const Status status = readFrame(bytes.sliced(*consumed), &used, out, &fragmentTaken);
        *consumed += used;
        if (!fragmentTaken)
            return status;
    }
}

WebSocketReader::Status WebSocketReader::readFrame(QByteArrayView bytes, qsizetype *consumed, Message *out,
                                                   bool *fragmentTaken)
{
    *consumed = 0;
    if (m_errorCode)
        return Status::Error;
    if (bytes.size() < 2)
        return Status::NeedMore;
    const quint8 b0 = quint8(bytes[0]);
    const quint8 b1 = quint8(bytes[1]);
    const bool fin = b0 & 0x80;
    if (b0 & 0x70)
        return fail(ProtocolError, u"reserved bits set (no extension was agreed)"_s);
    const quint8 rawOpcode = b0 & 0x0f;
    if (!(b1 & 0x80))
        return fail(ProtocolError, u"client frames must be masked"_s);
    quint64 length = b1 & 0x7f;
    qsizetype pos = 2;
    if (length == 126) {
        if (bytes.size() < 4)
            return Status::NeedMore;
        length = (quint64(quint8(bytes[2])) << 8) | quint8(bytes[3]);
        if (length < 126)
            return fail(ProtocolError, u"frame length not in its shortest form"_s);
        pos = 4;
    } else if (length == 127) {
        if (bytes.size() < 10)
            return Status::NeedMore;
        length = 0;
        for (int i = 2; i < 10; ++i)
            length = (length << 8) | quint8(bytes[i]);
        if (length >> 63)
            return fail(ProtocolError, u"frame length out of range"_s);
        if (length <= 0xffff)
            return fail(ProtocolError, u"frame length not in its shortest form"_s);
        pos = 10;
    }

    const bool control = rawOpcode & 0x8;
    switch (rawOpcode) {
    case 0x0: case 0x1: case 0x2: case 0x8: case 0x9: case 0xA:
        break;
    default:
        return fail(ProtocolError, u"unknown opcode %1"_s.arg(rawOpcode));
    }
    if (control && (!fin || length > 125))
        return fail(ProtocolError, u"control frames must be whole and at most 125 bytes"_s);
    // Bounded before buffering: a frame (or what a message would grow to) past
    // the limit is refused from its header alone.
    const quint64 sofar = control ? 0 : quint64(m_fragments.size());
    if (length > quint64(m_limits.maxMessageBytes) || sofar + length > quint64(m_limits.maxMessageBytes))
        return fail(MessageTooBig, u"messages are limited to %1 bytes"_s.arg(m_limits.maxMessageBytes));
    if (!control) {
        if (rawOpcode == 0x0 && !m_inFragmented)
            return fail(ProtocolError, u"continuation frame without a message to continue"_s);
        if (rawOpcode != 0x0 && m_inFragmented)
            return fail(ProtocolError, u"new message before the fragmented one ended"_s);
    }
    if (quint64(bytes.size()) < pos + 4 + length)
        return Status::NeedMore;

    char mask[4];
    std::memcpy(mask, bytes.data() + pos, 4);
    pos += 4;
    QByteArray payload(bytes.data() + pos, qsizetype(length));
    {
        char *p = payload.data();
        const qsizetype n = payload.size();
        quint64 wide;
        std::memcpy(&wide, mask, 4);
        std::memcpy(reinterpret_cast<char *>(&wide) + 4, mask, 4);
        qsizetype i = 0;
        for (; i + 8 <= n; i += 8) {
            quint64 chunk;
            std::memcpy(&chunk, p + i, 8);
            chunk ^= wide;
            std::memcpy(p + i, &chunk, 8);
        }
        for (; i < n; ++i)
            p[i] ^= mask[i % 4];
    }
    *consumed = pos + qsizetype(length);

    if (control) {
        if (rawOpcode == 0x8 && length == 1)
            return fail(ProtocolError, u"close frame with a one-byte payload"_s);
        if (rawOpcode == 0x8 && length >= 2 && !isValidUtf8(QByteArrayView(payload).sliced(2)))
            return fail(InvalidPayload, u"close reason is not UTF-8"_s);
        out->opcode = Opcode(rawOpcode);
        out->payload = std::move(payload);
        return Status::Message;
    }
    if (rawOpcode != 0x0) {
        m_fragmentedOpcode = Opcode(rawOpcode);
        if (fin) {
            if (m_fragmentedOpcode == Opcode::Text && !isValidUtf8(payload))
                return fail(InvalidPayload, u"text message is not UTF-8"_s);
            out->opcode = m_fragmentedOpcode;
            out->payload = std::move(payload);
            return Status::Message;
        }
        m_inFragmented = true;
        m_fragments = std::move(payload);
        *fragmentTaken = true;
        return Status::NeedMore;
    }
    m_fragments += payload;
    if (!fin) {
        *fragmentTaken = true;
        return Status::NeedMore;
    }
    m_inFragmented = false;
    if (m_fragmentedOpcode == Opcode::Text && !isValidUtf8(m_fragments))
        return fail(InvalidPayload, u"text message is not UTF-8"_s);
    out->opcode = m_fragmentedOpcode;
    out->payload = std::exchange(m_fragments, QByteArray());
    return Status::Message;
}

} // namespace Rill::detail
