#include <rill/llm/streamparsers.h>

namespace Rill::Llm {

QList<SseEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<SseEvent> out;
    qsizetype i = 0;
    if (m_skipLf && !bytes.isEmpty()) {
        if (bytes.front() == '\n')
            i = 1;
        m_skipLf = false;
    }
    while (i < bytes.size()) {
        qsizetype end = i;
        while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r')
            ++end;
        if (end == bytes.size()) {
            m_line.append(bytes.sliced(i));
            break;
        }
        m_line.append(bytes.sliced(i, end - i));
        line(m_line, out);
        m_line.clear();
        i = end + 1;
        if (bytes[end] == '\r') {
            if (i == bytes.size())
                m_skipLf = true;
            else if (bytes[i] == '\n')
                ++i;
        }
    }
    return out;
}

void SseParser::line(QByteArrayView line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        if (m_hasData)
            out.append({m_event, m_data});
        m_event.clear();
        m_data.clear();
        m_hasData = false;
        return;
    }
    if (line.front() == ':')
        return;
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView field = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);
    if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_event = value.toByteArray();
    }
    // id and retry only matter to a client that reconnects; a chat answer is not resumable.
}

QList<QByteArray> NdjsonParser::feed(QByteArrayView bytes)
{
    QList<QByteArray> out;
    m_buffer.append(bytes);
    qsizetype start = 0;
    for (qsizetype nl = m_buffer.indexOf('\n'); nl >= 0; nl = m_buffer.indexOf('\n', start)) {
        QByteArray line = m_buffer.mid(start, nl - start);
        if (line.endsWith('\r'))
            line.chop(1);
        if (!line.trimmed().isEmpty())
            out.append(line);
        start = nl + 1;
    }
    m_buffer.remove(0, start);
    return out;
}

QByteArray NdjsonParser::finish()
{
    QByteArray rest = std::exchange(m_buffer, {}).trimmed();
    return rest;
}

} // namespace Rill::Llm
