// Server time per token while an LLM answer streams into Markdown, measured
// at two points of the same answer: around 1,000 and around 50,000
// characters. "incremental" is what a view does per token with
// Rill::MarkdownStream (feed, take finished blocks, render the tail);
// "naive" renders the whole answer so far with md4c per token. The goal is
// incremental being flat: its cost at 50k about equal to its cost at 1k.

#include <rill/markdown.h>
#include <rill/markdownstream.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QStringList>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr qsizetype AnswerLength = 50'000;
constexpr qsizetype TokenLength = 4; // about one LLM token of English
constexpr qsizetype Window = 1'000; // characters measured around each point

// An answer shaped like an assistant's: paragraphs, headings, tight lists,
// fenced code with blank lines, a table now and then. Deterministic.
QString answer()
{
    QRandomGenerator random(42);
    static const QStringList words = {u"the"_s, u"server"_s, u"renders"_s, u"**Markdown**"_s, u"`code`"_s, u"with"_s,
                                      u"blocks"_s, u"and"_s, u"[links](https://example.com)"_s, u"*emphasis*"_s,
                                      u"streaming"_s, u"tokens"_s, u"quickly"_s, u"answer"_s, u"a"_s, u"list"_s};
    auto sentence = [&](int n) {
        QStringList s;
        for (int i = 0; i < n; ++i)
            s.append(words.at(random.bounded(words.size())));
        QString joined = s.join(u' ');
        joined.append(u'.');
        return joined;
    };
    QString text;
    int section = 0;
    while (text.size() < AnswerLength + Window) {
        switch (section++ % 5) {
        case 0:
            text += u"## Section %1\n\n"_s.arg(section);
            text.append(sentence(40)).append(u' ').append(sentence(30)).append(u"\n\n"_s);
            break;
        case 1:
            for (int i = 0; i < 5; ++i)
                text.append(u"- "_s).append(sentence(8)).append(u'\n');
            text += u'\n';
            break;
        case 2:
            text += u"```python\n"_s;
            for (int i = 0; i < 12; ++i)
                text += i == 6 ? u"\n"_s : u"    value_%1 = compute(%1, items[%1])\n"_s.arg(i);
            text += u"```\n\n"_s;
            break;
        case 3:
            text += u"| name | value |\n|---|---|\n"_s;
            for (int i = 0; i < 4; ++i)
                text += u"| row %1 | %2 |\n"_s.arg(i).arg(random.bounded(1000));
            text += u'\n';
            break;
        default:
            text.append(sentence(25)).append(u"\n\n"_s);
        }
    }
    return text;
}

struct Result
{
    double at1k = 0; // microseconds per token
    double at50k = 0;
};

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Per-token cost averaged over the tokens that end in [from, from + Window).
Result incremental(const QString &text, int runs)
{
    std::vector<double> a, b;
    volatile qsizetype sink = 0;
    for (int run = 0; run < runs; ++run) {
        Rill::MarkdownStream md;
        QElapsedTimer timer;
        qint64 ns1k = 0, ns50k = 0;
        int n1k = 0, n50k = 0;
        for (qsizetype pos = 0; pos < AnswerLength + Window; pos += TokenLength) {
            timer.start();
            md.feed(QStringView(text).sliced(pos, TokenLength));
            sink = sink + md.takeFinishedHtml().size() + md.tailHtml().size();
            const qint64 ns = timer.nsecsElapsed();
            if (pos >= 1'000 && pos < 1'000 + Window) {
                ns1k += ns;
                ++n1k;
            } else if (pos >= AnswerLength && pos < AnswerLength + Window) {
                ns50k += ns;
                ++n50k;
            }
        }
        a.push_back(ns1k / 1000.0 / n1k);
        b.push_back(ns50k / 1000.0 / n50k);
    }
    return {median(a), median(b)};
}

Result naive(const QString &text, int runs)
{
    std::vector<double> a, b;
    volatile qsizetype sink = 0;
    for (int run = 0; run < runs; ++run) {
        for (qsizetype from : {qsizetype(1'000), AnswerLength}) {
            QElapsedTimer timer;
            timer.start();
            int n = 0;
            for (qsizetype pos = from; pos < from + Window; pos += TokenLength, ++n)
                sink = sink + Rill::renderMarkdown(QStringView(text).first(pos + TokenLength)).size();
            (from == AnswerLength ? b : a).push_back(timer.nsecsElapsed() / 1000.0 / n);
        }
    }
    return {median(a), median(b)};
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Markdown cost per streamed token: MarkdownStream vs re-rendering with md4c"_s);
    parser.addHelpOption();
    parser.addOption({u"runs"_s, u"Repetitions; the median is printed (default 7)."_s, u"N"_s, u"7"_s});
    parser.process(app);
    const int runs = std::max(1, parser.value(u"runs"_s).toInt());

    const QString text = answer();
    const Result inc = incremental(text, runs);
    const Result nai = naive(text, runs);

    std::printf("Markdown per token, %lld-char tokens, answer measured at ~1k and ~50k chars (median of %d runs)\n",
                static_cast<long long>(TokenLength), runs);
    std::printf("%-46s %12s %12s %8s\n", "", "us/token 1k", "us/token 50k", "50k/1k");
    std::printf("%-46s %12.2f %12.2f %7.2fx\n", "incremental (MarkdownStream: feed+take+tail)", inc.at1k, inc.at50k,
                inc.at50k / inc.at1k);
    std::printf("%-46s %12.2f %12.2f %7.2fx\n", "naive (md4c on the whole answer)", nai.at1k, nai.at50k,
                nai.at50k / nai.at1k);
    std::printf("naive / incremental at 50k: %.1fx\n", nai.at50k / inc.at50k);
    return 0;
}
