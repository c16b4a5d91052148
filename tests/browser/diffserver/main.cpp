// rill-test-diffserver: views for tests/browser/diff.test.mjs (re-renders as
// patches, stream targets across re-renders). Prints
// "rill-test-diffserver: serving URL" once it listens.
//   /prop?k=KEY   renders the JSON state last set for KEY (shared by every
//                 page of KEY, so a fresh load shows the same state)
//   /top?k=KEY    the same, with a conditional at the template's top level
//   /insert       streamInsert into a target nobody started
//   /logs         a log viewer: start, inserts, done; streamTo, streamDelete
//   /chat         a chat: text streamed between start and done
//   /field        a text input and a button whose label changes
//   /keyed        rows with id and with dj-key
//   /errored      a stream that ends in an error

#include <rill/canceltoken.h>
#include <rill/json.h>
#include <rill/liveview.h>
#include <rill/request.h>
#include <rill/server.h>
#include <rill/templatecontext.h>

#include <QCoreApplication>
#include <QHash>
#include <QTextStream>

#include <chrono>

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

QHash<QString, QVariant> &sharedStates()
{
    static QHash<QString, QVariant> states;
    return states;
}

// The property test's view: one fixed template over a random JSON state.
class PropView : public Rill::LiveView
{
public:
    PropView()
    {
        setTemplateSource(uR"(<form id="drive" dj-submit="set"><input name="state" autocomplete="off"><button type="submit">go</button></form>
<div id="region" class="{{ s.cls }}" title="{{ s.title }}"{% if s.flag %} data-flag="{{ s.flag }}"{% endif %}>
  <h2>{{ s.heading }} &amp; co &lt;3 &quot;q&quot; &#39;a&#39;</h2>
  {% if s.showA %}<p class="a">{{ s.a }}</p>{% else %}<span class="b">B: {{ s.b }}</span>{% endif %}
  {% if s.comment %}<!-- note {{ s.comment }} -->{% endif %}
  <ul id="ids">{% for r in s.idRows %}
    <li id="r-{{ r.k }}" class="{{ r.cls }}" data-x="{{ r.x }}">{{ r.text }}{% if r.sub %}<b title="{{ r.sub }}">{{ r.sub }}</b>{% endif %}</li>{% endfor %}
  </ul>
  <ul class="keyed">{% for r in s.keyRows %}<li dj-key="{{ r.k }}"{% if r.on %} data-on="yes"{% endif %}><span>{{ r.text }}</span>{% for c in r.kids %}<i>{{ c }}</i>{% endfor %}</li>{% endfor %}</ul>
  <ol>{% for t in s.plain %}<li>{{ t }}</li>{% empty %}<li class="empty">none</li>{% endfor %}</ol>
  {% for g in s.groups %}<section class="g"><h3>{{ g.name }}</h3>{% for it in g.items %}<div class="it {{ it.cls }}"><p>{{ it.text }}</p>{% if it.nested %}<div class="deep"><em>{{ it.nested }}</em> tail {{ it.text }}</div>{% endif %}</div>{% endfor %}</section>{% endfor %}
  <textarea name="t">{{ s.ta }}</textarea>
  <p class="mixed">{{ s.a }}<br>{{ s.b }}{% if s.showA %}<a href="/x?a=1&amp;b={{ s.flag }}">link</a>{% endif %} end</p>
</div>)"_s);
        handle(u"set"_s, &PropView::set);
    }

    QCoro::Task<> mount(const Rill::Request &request) override
    {
        m_key = request.query.value(u"k"_s, u"default"_s);
        co_return;
    }

    void addContext(Rill::TemplateContext &context) const override
    {
        context.insert(u"s"_s, sharedStates().value(m_key));
    }

    QCoro::Task<> set(QVariantMap params)
    {
        QString error;
        const QVariant state = Rill::parseJson(Rill::Params::string(params, u"state"_s).toUtf8(), &error);
        if (!error.isEmpty())
            throw std::runtime_error(error.toStdString());
        sharedStates().insert(m_key, state);
        co_return;
    }

private:
    QString m_key;
};

// Like PropView, but the view root's own children change: a conditional at
// the top level of the template.
class TopView : public PropView
{
public:
    TopView()
    {
        setTemplateSource(uR"({% if s.show %}<p id="top">shown {{ s.show }}</p>{% endif %}{{ s.html|safe }}
<form id="drive" dj-submit="set"><input name="state" autocomplete="off"><button type="submit">go</button></form>)"_s);
    }
};

// The seed's snippet: a handler inserts into a target it did not start.
class InsertView : public Rill::LiveView
{
public:
    InsertView()
    {
        setTemplateSource(uR"(<p id="count">{{ count }}</p>
<div id="messages" dj-stream="messages"><div class="msg">from the template</div></div>
<button id="add" dj-click="add">add</button>
<button id="bump" dj-click="bump">bump</button>)"_s);
        handle(u"add"_s, [this](QVariantMap) -> QCoro::Task<> {
            ++m_count;
            ++m_added;
            streamInsert(u"messages"_s, u"<div class=\"msg inserted\">inserted %1 &amp; more</div>"_s.arg(m_added));
            co_return;
        });
        handle(u"bump"_s, [this](QVariantMap) -> QCoro::Task<> {
            ++m_count;
            co_return;
        });
    }
    void addContext(Rill::TemplateContext &context) const override { context.insert(u"count"_s, m_count); }

private:
    int m_count = 0;
    int m_added = 0;
};

class LogView : public Rill::LiveView
{
public:
    LogView()
    {
        setTemplateSource(uR"(<p id="status">{{ status }}</p>
<div id="logs" dj-stream="logs" class="log-container">{% if header %}<div class="hdr">{{ header }}</div>{% endif %}<!-- lines --></div>
<p id="other">{{ other }}</p>
<button id="tail" dj-click="tail">tail</button>
<button id="other-btn" dj-click="other">other</button>
<button id="reset" dj-click="reset">reset</button>
<button id="del" dj-click="del">delete</button>
<button id="header" dj-click="header">header</button>)"_s);
        handle(u"tail"_s, [this](QVariantMap) -> QCoro::Task<> {
            m_status = u"tailing"_s;
            pushState();
            streamStart(u"logs"_s);
            for (int i = 1; i <= 5; ++i) {
                ++m_line;
                streamInsert(u"logs"_s, u"<div class=\"line\" id=\"line-%1\">line %1 &lt;ok&gt;</div>"_s.arg(m_line));
                if (i == 3) {
                    m_other = u"mid-stream %1"_s.arg(m_line);
                    pushState(); // a re-render while the stream is active
                }
                co_await Rill::sleepFor(15ms, nullptr);
            }
            streamDone(u"logs"_s);
            m_status = u"done"_s;
        });
        handle(u"other"_s, [this](QVariantMap) -> QCoro::Task<> {
            m_other = u"other %1"_s.arg(++m_others);
            co_return;
        });
        handle(u"reset"_s, [this](QVariantMap) -> QCoro::Task<> {
            m_other = u"reset"_s;
            streamTo(u"logs"_s);
            co_return;
        });
        handle(u"del"_s, [this](QVariantMap params) -> QCoro::Task<> {
            streamDelete(u"logs"_s, Rill::Params::string(params, u"selector"_s));
            co_return;
        });
        handle(u"header"_s, [this](QVariantMap) -> QCoro::Task<> {
            m_header = u"header %1"_s.arg(++m_headers);
            co_return;
        });
    }
    void addContext(Rill::TemplateContext &context) const override
    {
        context.insert(u"status"_s, m_status);
        context.insert(u"other"_s, m_other);
        context.insert(u"header"_s, m_header);
    }

private:
    QString m_status = u"idle"_s;
    QString m_other = u"none"_s;
    QString m_header;
    int m_line = 0;
    int m_others = 0;
    int m_headers = 0;
};

class ChatView : public Rill::LiveView
{
public:
    ChatView()
    {
        setTemplateSource(uR"(<div id="chat">{% for m in messages %}<div class="message {{ m.role }}">{{ m.text }}</div>{% endfor %}<div class="message assistant" id="response" dj-stream="response"></div></div>
<p id="other">{{ other }}</p>
<form dj-submit="ask"><input name="content" autocomplete="off"><button type="submit" id="send">{% if streaming %}Stop{% else %}Send{% endif %}</button></form>
<button id="other-btn" dj-click="other">other</button>)"_s);
        handle(u"ask"_s, [this](QVariantMap params) -> QCoro::Task<> {
            if (m_streaming)
                co_return;
            const QString content = Rill::Params::string(params, u"content"_s);
            m_messages.append(QVariantMap{{u"role"_s, u"user"_s}, {u"text"_s, content}});
            m_streaming = true;
            pushState();
            streamStart(u"response"_s);
            QString answer;
            for (int i = 1; i <= m_tokens; ++i) {
                const QString token = u"tok%1 "_s.arg(i);
                answer += token;
                streamText(u"response"_s, token);
                co_await Rill::sleepFor(std::chrono::milliseconds(m_delay), nullptr);
            }
            answer += u"& <fin>"_s;
            streamText(u"response"_s, u"& <fin>"_s);
            m_messages.append(QVariantMap{{u"role"_s, u"assistant"_s}, {u"text"_s, answer}});
            streamDone(u"response"_s);
            m_streaming = false;
        });
        handle(u"other"_s, [this](QVariantMap) -> QCoro::Task<> {
            m_other = u"other %1"_s.arg(++m_others);
            co_return;
        });
    }
    QCoro::Task<> mount(const Rill::Request &request) override
    {
        m_tokens = request.query.value(u"tokens"_s, u"8"_s).toInt();
        m_delay = request.query.value(u"delay"_s, u"10"_s).toInt();
        co_return;
    }
    void addContext(Rill::TemplateContext &context) const override
    {
        context.insert(u"messages"_s, m_messages);
        context.insert(u"streaming"_s, m_streaming);
        context.insert(u"other"_s, m_other);
    }

private:
    QVariantList m_messages;
    bool m_streaming = false;
    QString m_other = u"none"_s;
    int m_others = 0;
    int m_tokens = 8;
    int m_delay = 10;
};

// A text field whose value attribute and surroundings change under the reader.
class FieldView : public Rill::LiveView
{
public:
    FieldView()
    {
        // The label moves (keyed by its id) from after the paragraph to before it and back.
        setTemplateSource(uR"(<div id="box">{% if n|divisibleby:2 %}<p id="extra">extra {{ n }}</p><label id="lbl">Name <input id="name" name="name" value="{{ value }}" class="v{{ n }}"></label>{% else %}<label id="lbl">Name <input id="name" name="name" value="{{ value }}" class="v{{ n }}"></label><p id="extra">extra {{ n }}</p>{% endif %}</div>
<p id="n">{{ n }}</p>
<button id="bump" dj-click="bump">bump</button>)"_s);
        handle(u"bump"_s, [this](QVariantMap) -> QCoro::Task<> {
            ++m_n;
            m_value = u"server %1 & co"_s.arg(m_n);
            co_return;
        });
    }
    void addContext(Rill::TemplateContext &context) const override
    {
        context.insert(u"n"_s, m_n);
        context.insert(u"value"_s, m_value);
    }

private:
    int m_n = 0;
    QString m_value = u"initial"_s;
};

class KeyedView : public Rill::LiveView
{
public:
    KeyedView()
    {
        setTemplateSource(uR"(<ul id="ids">{% for r in rows %}<li id="row-{{ r.k }}">{{ r.k }}: {{ r.text }}</li>{% endfor %}</ul>
<ul id="keys">{% for r in rows %}<li dj-key="{{ r.k }}"><span>{{ r.k }}</span> <em>{{ r.text }}</em></li>{% endfor %}</ul>
<form id="drive" dj-submit="set"><input name="rows" autocomplete="off"><button type="submit">go</button></form>)"_s);
        handle(u"set"_s, [this](QVariantMap params) -> QCoro::Task<> {
            // "a=text,b=text"
            m_rows.clear();
            for (const QString &item : Rill::Params::string(params, u"rows"_s).split(u',', Qt::SkipEmptyParts)) {
                const qsizetype eq = item.indexOf(u'=');
                m_rows.append(QVariantMap{{u"k"_s, item.left(eq)}, {u"text"_s, item.mid(eq + 1)}});
            }
            co_return;
        });
    }
    void addContext(Rill::TemplateContext &context) const override { context.insert(u"rows"_s, m_rows); }

private:
    QVariantList m_rows;
};

class ErroredView : public Rill::LiveView
{
public:
    ErroredView()
    {
        setTemplateSource(uR"(<p id="n">{{ n }}</p>
<div id="out" dj-stream="out"><span class="placeholder">placeholder {{ n }}</span></div>
<button id="fail" dj-click="fail">fail</button>
<button id="throw" dj-click="throw">throw</button>
<button id="bump" dj-click="bump">bump</button>
<button id="restart" dj-click="restart">restart</button>)"_s);
        handle(u"fail"_s, [this](QVariantMap) -> QCoro::Task<> {
            streamStart(u"out"_s);
            streamText(u"out"_s, u"partial & text "_s);
            co_await Rill::sleepFor(10ms, nullptr);
            streamError(u"out"_s, u"boom <1>"_s);
            ++m_n;
        });
        handle(u"throw"_s, [this](QVariantMap) -> QCoro::Task<> {
            streamStart(u"out"_s);
            streamText(u"out"_s, u"thrown partial "_s);
            co_await Rill::sleepFor(10ms, nullptr);
            ++m_n;
            throw std::runtime_error("kaput");
        });
        handle(u"bump"_s, [this](QVariantMap) -> QCoro::Task<> {
            ++m_n;
            co_return;
        });
        handle(u"restart"_s, [this](QVariantMap) -> QCoro::Task<> {
            streamStart(u"out"_s);
            streamText(u"out"_s, u"fresh "_s);
            co_await Rill::sleepFor(10ms, nullptr);
            streamDone(u"out"_s);
            ++m_n;
        });
    }
    void addContext(Rill::TemplateContext &context) const override { context.insert(u"n"_s, m_n); }

private:
    int m_n = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Rill::Server server;
    server.setPageTitle(u"rill diff tests"_s);
    server.setDevMode(true);
    Rill::ServerLimits limits = server.limits();
    limits.eventsPerSecond = 1000;
    limits.eventBurst = 1000;
    server.setLimits(limits);
    server.route<PropView>(u"/prop"_s);
    server.route<TopView>(u"/top"_s);
    server.route<InsertView>(u"/insert"_s);
    server.route<LogView>(u"/logs"_s);
    server.route<ChatView>(u"/chat"_s);
    server.route<FieldView>(u"/field"_s);
    server.route<KeyedView>(u"/keyed"_s);
    server.route<ErroredView>(u"/errored"_s);
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        QTextStream(stderr) << "rill-test-diffserver: cannot listen: " << server.errorString() << Qt::endl;
        return 1;
    }
    QTextStream(stdout) << "rill-test-diffserver: serving " << server.url().toString() << Qt::endl;
    return app.exec();
}
