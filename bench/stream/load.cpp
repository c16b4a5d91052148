// rill-bench-stream-load: a lean WebSocket load generator for the streaming
// benchmark. One process, one thread, plain epoll, raw sockets, no Qt: at
// thousands of sessions on two shared cores a client built on an event
// framework would mostly measure itself. run.py and soak.py drive it; see
// docs/benchmarks.md ("Streaming").
//
// Per session, as a page does: GET the page and take its data-rill-token,
// open /rill/socket (Origin = the page's), send join, wait for mount, send
// the "run" event, read frames. It applies every frame the way the web client
// does (docs/protocol.md) to a model of the one stream target, and checks:
//
//   * frame seqs grow by one (a resume may skip only what a restore replaces);
//   * the target holds tokens 1..k in order, each once ("SEQ:NS;", see
//     server.cpp), and a run's `done` finds all of its tokens there;
//   * after a cut the session reconnects (the web client's backoff) and joins
//     with the last seq it applied; frames at or below it are skipped; a
//     `mount` without html must be preceded by exactly the missed frames, a
//     `mount` with html restores the target (replace from its base, then the
//     ops); `lost: true` is counted as a failure.
//
// Latency per token = receive time - NS (both CLOCK_MONOTONIC), in three
// classes: live tokens of normal readers, live tokens of slow readers, and
// tokens recovered after a resume (emitted before the current socket joined).
//
// Options (all optional except --port):
//   --port P --server-pid PID --path /bench
//   --sessions N --mode rate|burst --rate R --seconds T (answer length, rate)
//   --tokens N --chunk C (burst) --ramp S (spread of the first runs, seconds)
//   --duration S (soak: repeat answers until S seconds after the ramp)
//   --think-min S --think-max S (pause between answers in a soak)
//   --connect-concurrency K --connect-ramp S (spread the connects over S)
//   --slow-fraction F --slow-bps B --slow-rcvbuf B (slow readers)
//   --cut-mean S (each session's socket is cut after an exponential time of
//     mean S seconds, half with FIN, half with RST; 0 = never)
//   --cut-after-run P (with probability P, RST the socket right after
//     sending a run event: the event may or may not have been read)
//   --interval S --csv FILE (time series) --warmup S --timeout S --seed N
// Prints one JSON object on stdout; exit status 1 if anything failed.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using i64 = std::int64_t;
using u64 = std::uint64_t;

i64 nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return i64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double selfCpuS()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ------------------------------------------------------------------ /proc

std::string readFile(const std::string &path)
{
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
        out.append(buf, size_t(n));
    ::close(fd);
    return out;
}

//! utime + stime in seconds, or -1; \a sys gets stime alone.
double procCpuS(int pid, double *sys = nullptr)
{
    if (pid <= 0)
        return -1;
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return -1;
    // After ") ": state is field 3; utime 14, stime 15 -> indexes 11, 12 here.
    const char *p = stat.c_str() + close + 2;
    long long utime = 0, stime = 0;
    for (int field = 0; field < 13 && *p; ++field) {
        if (field == 11)
            utime = std::strtoll(p, nullptr, 10);
        if (field == 12)
            stime = std::strtoll(p, nullptr, 10);
        p = std::strchr(p, ' ');
        if (!p)
            break;
        ++p;
    }
    if (sys)
        *sys = double(stime) / double(sysconf(_SC_CLK_TCK));
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

i64 procRssKiB(int pid)
{
    if (pid <= 0)
        return -1;
    const std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
    const size_t at = status.find("VmRSS:");
    if (at == std::string::npos)
        return -1;
    return std::strtoll(status.c_str() + at + 6, nullptr, 10);
}

//! Nanoseconds the process's main thread spent waiting for a CPU while
//! runnable (/proc/PID/schedstat, field 2), or -1.
i64 procRunqueueWaitNs(int pid)
{
    if (pid <= 0)
        return -1;
    const std::string st = readFile("/proc/" + std::to_string(pid) + "/schedstat");
    const char *p = std::strchr(st.c_str(), ' ');
    return p ? std::strtoll(p + 1, nullptr, 10) : -1;
}

//! Microseconds in which some runnable task waited for a CPU (PSI, system-wide), or -1.
i64 cpuPressureUs()
{
    const std::string psi = readFile("/proc/pressure/cpu");
    const size_t at = psi.find("total=");
    return at == std::string::npos ? -1 : std::strtoll(psi.c_str() + at + 6, nullptr, 10);
}

int procFds(int pid)
{
    if (pid <= 0)
        return -1;
    DIR *d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (!d)
        return -1;
    int n = 0;
    while (dirent *e = ::readdir(d))
        if (e->d_name[0] != '.')
            ++n;
    ::closedir(d);
    return n;
}

// ------------------------------------------------------------------ histogram

//! Log-linear histogram of microseconds: exact below 128 µs, then 64 buckets
//! per power of two (under 1.6 % error).
class Histogram
{
public:
    Histogram() : m_counts(Buckets, 0) {}

    void add(i64 ns)
    {
        const u64 us = ns <= 0 ? 0 : u64(ns / 1000);
        ++m_counts[index(us)];
        ++m_n;
        m_sum += double(ns) / 1e6;
        m_max = std::max(m_max, ns);
    }
    void merge(const Histogram &o)
    {
        for (size_t i = 0; i < Buckets; ++i)
            m_counts[i] += o.m_counts[i];
        m_n += o.m_n;
        m_sum += o.m_sum;
        m_max = std::max(m_max, o.m_max);
    }
    void clear()
    {
        std::fill(m_counts.begin(), m_counts.end(), 0);
        m_n = 0;
        m_sum = 0;
        m_max = 0;
    }
    u64 count() const { return m_n; }
    double maxMs() const { return double(m_max) / 1e6; }
    double meanMs() const { return m_n ? m_sum / double(m_n) : 0; }
    //! The p-quantile in ms (the middle of its bucket).
    double quantileMs(double p) const
    {
        if (!m_n)
            return 0;
        const u64 rank = std::max<u64>(1, u64(std::ceil(p * double(m_n))));
        u64 seen = 0;
        for (size_t i = 0; i < Buckets; ++i) {
            seen += m_counts[i];
            if (seen >= rank) {
                u64 lo, hi;
                bounds(i, &lo, &hi);
                return std::min(double(lo + hi) / 2.0 / 1000.0, maxMs());
            }
        }
        return maxMs();
    }

private:
    static constexpr size_t Buckets = 128 + 40 * 64;
    static size_t index(u64 us)
    {
        if (us < 128)
            return size_t(us);
        const int msb = 63 - __builtin_clzll(us);
        const int shift = msb - 6;
        const u64 mant = us >> shift; // 64..127
        return std::min<size_t>(Buckets - 1, 128 + size_t(shift - 1) * 64 + size_t(mant - 64));
    }
    static void bounds(size_t i, u64 *lo, u64 *hi)
    {
        if (i < 128) {
            *lo = *hi = i;
            return;
        }
        const size_t shift = (i - 128) / 64 + 1;
        const u64 mant = (i - 128) % 64 + 64;
        *lo = mant << shift;
        *hi = ((mant + 1) << shift) - 1;
    }
    std::vector<u64> m_counts;
    u64 m_n = 0;
    double m_sum = 0;
    i64 m_max = 0;
};

// ------------------------------------------------------------------ JSON

//! Just enough JSON for server frames: strings (escapes decoded), integers,
//! literals, skipping whatever is not needed.
struct Json
{
    const char *p;
    const char *e;
    bool bad = false;

    void ws()
    {
        while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
            ++p;
    }
    bool eat(char c)
    {
        ws();
        if (p < e && *p == c) {
            ++p;
            return true;
        }
        return false;
    }
    static void putUtf8(std::string *out, unsigned cp)
    {
        if (cp < 0x80) {
            out->push_back(char(cp));
        } else if (cp < 0x800) {
            out->push_back(char(0xC0 | (cp >> 6)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out->push_back(char(0xE0 | (cp >> 12)));
            out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        } else {
            out->push_back(char(0xF0 | (cp >> 18)));
            out->push_back(char(0x80 | ((cp >> 12) & 0x3F)));
            out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(char(0x80 | (cp & 0x3F)));
        }
    }
    unsigned hex4()
    {
        if (e - p < 4) {
            bad = true;
            return 0;
        }
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = *p++;
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= unsigned(c - 'A' + 10);
            else
                bad = true;
        }
        return v;
    }
    //! A string; decoded into \a out unless it is null.
    bool str(std::string *out)
    {
        ws();
        if (p >= e || *p != '"') {
            bad = true;
            return false;
        }
        ++p;
        if (out)
            out->clear();
        while (p < e) {
            const char *run = p;
            while (p < e && *p != '"' && *p != '\\')
                ++p;
            if (out)
                out->append(run, size_t(p - run));
            if (p >= e)
                break;
            if (*p == '"') {
                ++p;
                return true;
            }
            ++p; // backslash
            if (p >= e)
                break;
            const char c = *p++;
            if (!out) {
                if (c == 'u')
                    p += 4;
                continue;
            }
            switch (c) {
            case 'n': out->push_back('\n'); break;
            case 't': out->push_back('\t'); break;
            case 'r': out->push_back('\r'); break;
            case 'b': out->push_back('\b'); break;
            case 'f': out->push_back('\f'); break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                    p += 2;
                    const unsigned lo = hex4();
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                putUtf8(out, cp);
                break;
            }
            default: out->push_back(c); break; // " \ /
            }
        }
        bad = true;
        return false;
    }
    i64 num()
    {
        ws();
        bool neg = false;
        if (p < e && *p == '-') {
            neg = true;
            ++p;
        }
        i64 v = 0;
        const char *start = p;
        while (p < e && *p >= '0' && *p <= '9')
            v = v * 10 + (*p++ - '0');
        if (p == start)
            bad = true;
        while (p < e && (*p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-' || (*p >= '0' && *p <= '9')))
            ++p;
        return neg ? -v : v;
    }
    void value()
    {
        ws();
        if (p >= e) {
            bad = true;
            return;
        }
        switch (*p) {
        case '"': str(nullptr); return;
        case '{':
            ++p;
            if (eat('}'))
                return;
            do {
                str(nullptr);
                if (!eat(':')) {
                    bad = true;
                    return;
                }
                value();
            } while (!bad && eat(','));
            if (!eat('}'))
                bad = true;
            return;
        case '[':
            ++p;
            if (eat(']'))
                return;
            do
                value();
            while (!bad && eat(','));
            if (!eat(']'))
                bad = true;
            return;
        case 't': p += 4; return;
        case 'f': p += 5; return;
        case 'n': p += 4; return;
        default: num(); return;
        }
    }
    bool boolean()
    {
        ws();
        if (e - p >= 4 && std::memcmp(p, "true", 4) == 0) {
            p += 4;
            return true;
        }
        value();
        return false;
    }
};

struct Op
{
    std::string op, text, html;
};

struct Frame
{
    std::string type, code, message;
    i64 seq = -1, ref = -1, lastRef = 0;
    bool hasHtml = false, lost = false;
    std::vector<Op> ops;
    size_t opCount = 0;
};

bool parseFrame(std::string_view payload, Frame *f)
{
    f->type.clear();
    f->code.clear();
    f->message.clear();
    f->seq = -1;
    f->ref = -1;
    f->lastRef = 0;
    f->hasHtml = false;
    f->lost = false;
    f->opCount = 0;
    Json j{payload.data(), payload.data() + payload.size()};
    if (!j.eat('{'))
        return false;
    std::string key;
    if (j.eat('}'))
        return true;
    do {
        if (!j.str(&key) || !j.eat(':'))
            return false;
        if (key == "type")
            j.str(&f->type);
        else if (key == "seq")
            f->seq = j.num();
        else if (key == "ref")
            f->ref = j.num();
        else if (key == "lastRef")
            f->lastRef = j.num();
        else if (key == "lost")
            f->lost = j.boolean();
        else if (key == "html") {
            j.ws();
            if (j.p < j.e && *j.p == '"') {
                f->hasHtml = true;
                j.str(nullptr);
            } else {
                j.value();
            }
        } else if (key == "code")
            j.str(&f->code);
        else if (key == "message")
            j.str(&f->message);
        else if (key == "ops") {
            if (!j.eat('['))
                return false;
            if (!j.eat(']')) {
                do {
                    if (f->opCount == f->ops.size())
                        f->ops.emplace_back();
                    Op &op = f->ops[f->opCount++];
                    op.op.clear();
                    op.text.clear();
                    op.html.clear();
                    if (!j.eat('{'))
                        return false;
                    if (!j.eat('}')) {
                        do {
                            std::string k;
                            if (!j.str(&k) || !j.eat(':'))
                                return false;
                            if (k == "op")
                                j.str(&op.op);
                            else if (k == "text")
                                j.str(&op.text);
                            else if (k == "html")
                                j.str(&op.html);
                            else
                                j.value();
                        } while (!j.bad && j.eat(','));
                        if (!j.eat('}'))
                            return false;
                    }
                } while (!j.bad && j.eat(','));
                if (!j.eat(']'))
                    return false;
            }
        } else
            j.value();
    } while (!j.bad && j.eat(','));
    return !j.bad && j.eat('}');
}

// ------------------------------------------------------------------ options

struct Options
{
    int port = 0;
    int serverPid = 0;
    std::string path = "/bench";
    int sessions = 1;
    bool burst = false;
    i64 rate = 30;
    double seconds = 10;
    i64 tokens = 100000;
    i64 chunk = 1;
    double ramp = 1;
    double duration = 0;
    double thinkMin = 0.5, thinkMax = 2.0;
    int connectConcurrency = 128;
    double connectRamp = 0;
    double slowFraction = 0;
    double slowBps = 4096;
    int slowRcvbuf = 4096;
    double cutMean = 0;
    double cutAfterRun = 0;
    double interval = 1;
    std::string csv;
    double warmup = 1;
    double timeout = 120;
    unsigned seed = 1;
    double pingInterval = 30;
    int trace = -1; // print this session's frames to stderr
    double finishWithin = 0; // after the window's end; 0: wait for every run
};

// ------------------------------------------------------------------ sessions

enum class St { Pending, Connecting, HttpWait, WsHandshake, Joining, Open, Backoff, Finished, Failed };

enum class Apply { Live, Replay, RestoreBefore };

struct Buffered
{
    std::string payload;
    i64 recvNs;
};

struct Session
{
    int idx = 0;
    int fd = -1;
    u64 gen = 0; // per connection: stale timers and events are dropped
    St st = St::Pending;
    bool slow = false;
    bool wantToken = true;
    std::string token;
    std::string in;
    std::string out;
    std::string fragments;
    int connectTries = 0;
    int attempt = 0; // reconnect attempts since the last mount
    bool everJoined = false;
    // Frame sequence and the target's model.
    i64 lastSeq = 0;
    i64 joinLastSeq = 0;
    i64 joinSentNs = 0;
    bool resuming = false;
    std::vector<Buffered> early; // frames before the mount on a resumed socket
    bool active = false;
    i64 nextToken = 1;
    bool unverified = false; // a lost restore: content not checkable until reset
    std::string carry;
    // Runs.
    i64 runRef = 0; // in flight (0: none)
    i64 refCounter = 0;
    bool runWanted = false; // send a run as soon as the socket is open
    int runsDone = 0;
    i64 pingRef = 0;
};

struct Timer
{
    i64 at;
    int session; // -1: global
    int kind;
    u64 gen;
    bool operator>(const Timer &o) const { return at > o.at; }
};

enum TimerKind { TStartConnect, TSendRun, TReconnect, TCut, TSlowRead, TPing, TRestoreCheck, TConnectRetry };

struct Counters
{
    u64 frames = 0, streamFrames = 0, bytes = 0, tokens = 0, liveTokens = 0;
};

struct Sample
{
    i64 t = 0;
    double serverCpu = -1, serverSys = -1, clientCpu = 0;
    Counters c;
    i64 rss = -1;
    int fds = -1;
    i64 serverWaitNs = -1, clientWaitNs = -1, psiUs = -1;
};

class Load
{
public:
    explicit Load(Options o) : m_o(std::move(o)), m_rng(m_o.seed) {}

    int run();

private:
    // ---- plumbing
    void schedule(i64 at, int session, int kind, u64 gen = 0) { m_timers.push(Timer{at, session, kind, gen}); }
    void fail(Session *s, const char *kind, const std::string &msg);
    void startConnect(Session &s);
    void closeSocket(Session &s, bool reset);
    void lostSocket(Session &s, const char *why);
    void setInterest(Session &s, std::uint32_t ev);
    void sendRaw(Session &s, std::string_view bytes);
    void sendMessage(Session &s, const std::string &json);
    void onEvent(Session &s, std::uint32_t ev);
    void onConnected(Session &s);
    void readSome(Session &s, size_t limit);
    void consume(Session &s, const char *data, size_t n, i64 recvNs);
    size_t parseWs(Session &s, const char *data, size_t n, i64 recvNs);
    void onMessage(Session &s, std::string_view payload, i64 recvNs);
    void onMount(Session &s, const Frame &mount, i64 recvNs);
    void applyFrame(Session &s, const Frame &f, i64 recvNs, Apply how);
    void applyText(Session &s, const std::string &text, i64 recvNs, Apply how);
    void resetContent(Session &s, const std::string &html);
    void runFinished(Session &s);
    void sendRun(Session &s);
    void sendRunFrame(Session &s); // the run event for s.runRef (again, after a resume)
    void cut(Session &s, bool rst); // drop the socket; reconnect after the backoff
    void onTimer(const Timer &t);
    void sessionDone(Session &s);
    i64 backoffNs(int attempt);
    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(m_rng); }

    // ---- measuring
    Sample sample(bool fds);
    void intervalTick(i64 now);
    void startStreaming();
    void finish(const char *why);
    void report();

    Options m_o;
    std::mt19937_64 m_rng;
    sockaddr_in m_addr{};
    int m_epoll = -1;
    std::vector<Session> m_sessions;
    std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> m_timers;
    std::string m_host;
    i64 m_expected = 0; // tokens per run
    Frame m_frame;
    std::vector<char> m_buf = std::vector<char>(256 * 1024);
    u64 m_mask = 0x9E3779B97F4A7C15ull;

    // progress
    i64 m_t0 = 0;
    int m_nextToConnect = 0;
    int m_connecting = 0;
    int m_joined = 0; // first mounts
    int m_finished = 0;
    int m_failed = 0;
    int m_open = 0; // sockets joined right now
    bool m_streaming = false;
    bool m_done = false;
    std::string m_doneWhy;
    i64 m_streamStartNs = 0; // first run sent
    i64 m_rampEndNs = 0;     // last first run sent
    i64 m_soakEndNs = 0;
    int m_firstRunsSent = 0;
    i64 m_lastTokenNs = 0;
    i64 m_windowStartAt = 0, m_windowEndAt = 0;
    bool m_windowStarted = false, m_windowEnded = false;

    Counters m_c;
    Histogram m_live, m_slowLive, m_recovered, m_recoveredSlow, m_windowLive;
    Histogram m_ivLive, m_ivSlow;
    bool m_inWindow = false;

    // samples
    Sample m_idle, m_joinedSample, m_windowA, m_windowB, m_end;
    double m_connectCpu = -1;
    i64 m_connectNs = 0;
    double m_clientCpu0 = 0;

    // events
    u64 m_cuts = 0, m_resumes = 0, m_replayed = 0, m_restores = 0, m_lost = 0, m_serverCloses = 0,
        m_droppedBehind = 0, m_runs = 0, m_restoreNoReply = 0, m_socketLosses = 0,
        m_resent = 0;
    u64 m_ivCuts = 0, m_ivResumes = 0, m_ivRestores = 0, m_ivServerCloses = 0, m_ivErrors = 0, m_ivRecovered = 0;
    std::vector<std::pair<std::string, u64>> m_errorKinds;
    std::vector<std::string> m_errors;
    u64 m_errorCount = 0;

    // time series
    i64 m_nextInterval = 0;
    Sample m_ivSample;
    std::vector<std::string> m_rows;
};

void Load::fail(Session *s, const char *kind, const std::string &msg)
{
    ++m_errorCount;
    ++m_ivErrors;
    bool found = false;
    for (auto &[k, n] : m_errorKinds)
        if (k == kind) {
            ++n;
            found = true;
        }
    if (!found)
        m_errorKinds.emplace_back(kind, 1);
    if (m_errors.size() < 30)
        m_errors.push_back((s ? "session " + std::to_string(s->idx) + ": " : std::string()) + kind + ": " + msg);
}

i64 Load::backoffNs(int attempt)
{
    // The web client's: 200 ms doubling to 10 s, scaled into [50 %, 100 %].
    const double full = std::min(10000.0, 200.0 * std::pow(2.0, attempt));
    return i64(full * uniform(0.5, 1.0) * 1e6);
}

std::uint32_t readInterest(const Session &s)
{
    // A slow reader's socket is read by its timer only; errors and hang-ups
    // are reported anyway, and its timer's recv notices an orderly close.
    return s.slow && s.st == St::Open ? 0u : std::uint32_t(EPOLLIN | EPOLLRDHUP);
}

void Load::setInterest(Session &s, std::uint32_t ev)
{
    epoll_event e{};
    e.events = ev;
    e.data.u64 = (u64(s.idx) << 32) | (s.gen & 0xffffffffu);
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, s.fd, &e);
}

void Load::startConnect(Session &s)
{
    s.in.clear();
    s.out.clear();
    s.fragments.clear();
    s.early.clear();
    ++s.gen;
    s.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
        fail(&s, "socket", std::strerror(errno));
        s.st = St::Failed;
        ++m_failed;
        return;
    }
    const int one = 1;
    ::setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (s.slow && !s.wantToken) {
        // Before connect, so the window it advertises is small from the start.
        ::setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &m_o.slowRcvbuf, sizeof m_o.slowRcvbuf);
    }
    epoll_event e{};
    e.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
    e.data.u64 = (u64(s.idx) << 32) | (s.gen & 0xffffffffu);
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, s.fd, &e);
    const int r = ::connect(s.fd, reinterpret_cast<const sockaddr *>(&m_addr), sizeof m_addr);
    s.st = St::Connecting;
    if (r == 0)
        onConnected(s);
    else if (errno != EINPROGRESS)
        lostSocket(s, "connect failed");
}

void Load::closeSocket(Session &s, bool reset)
{
    if (s.fd < 0)
        return;
    if (s.idx == m_o.trace || m_o.trace == -2)
        std::fprintf(stderr, "%.3f s%d close%s st=%d\n", double(nowNs() - m_t0) / 1e9, s.idx, reset ? " (RST)" : "",
                     int(s.st));
    if (reset) {
        const linger l{1, 0};
        ::setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    s.fd = -1;
    ++s.gen;
    if (s.st == St::Open || s.st == St::Joining)
        --m_open;
}

void Load::lostSocket(Session &s, const char *why)
{
    // Before the first mount: a connect that failed is retried a few times.
    // After it: the page reconnects with backoff and resumes.
    const St was = s.st;
    closeSocket(s, false);
    if (was == St::Finished || was == St::Failed)
        return;
    if (!s.everJoined) {
        if (++s.connectTries > 5) {
            fail(&s, "connect", why);
            s.st = St::Failed;
            ++m_failed;
            if (m_connecting > 0)
                --m_connecting;
            return;
        }
        s.st = St::Backoff;
        schedule(nowNs() + 100000000LL * s.connectTries, s.idx, TConnectRetry);
        return;
    }
    ++m_socketLosses;
    s.st = St::Backoff;
    schedule(nowNs() + backoffNs(s.attempt++), s.idx, TReconnect);
}

void Load::sendRaw(Session &s, std::string_view bytes)
{
    if (s.fd < 0)
        return;
    if (s.out.empty()) {
        const ssize_t n = ::send(s.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == ssize_t(bytes.size()))
            return;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            lostSocket(s, "send failed");
            return;
        }
        bytes.remove_prefix(size_t(std::max<ssize_t>(n, 0)));
    }
    s.out.append(bytes);
    setInterest(s, readInterest(s) | EPOLLOUT);
}

void Load::sendMessage(Session &s, const std::string &json)
{
    // A masked text frame, as clients send them.
    std::string f;
    f.reserve(json.size() + 14);
    f.push_back(char(0x81));
    if (json.size() < 126) {
        f.push_back(char(0x80 | json.size()));
    } else {
        f.push_back(char(0x80 | 126));
        f.push_back(char(json.size() >> 8));
        f.push_back(char(json.size() & 0xff));
    }
    m_mask ^= m_mask << 13;
    m_mask ^= m_mask >> 7;
    m_mask ^= m_mask << 17;
    char key[4];
    std::memcpy(key, &m_mask, 4);
    f.append(key, 4);
    for (size_t i = 0; i < json.size(); ++i)
        f.push_back(char(json[i] ^ key[i % 4]));
    sendRaw(s, f);
}

void Load::onConnected(Session &s)
{
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        lostSocket(s, std::strerror(err));
        return;
    }
    std::string req;
    if (s.wantToken) {
        req = "GET " + m_o.path + " HTTP/1.1\r\nHost: " + m_host + "\r\nConnection: close\r\n\r\n";
        s.st = St::HttpWait;
    } else {
        req = "GET /rill/socket HTTP/1.1\r\nHost: " + m_host +
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 13\r\nOrigin: http://" +
              m_host + "\r\n\r\n";
        s.st = St::WsHandshake;
    }
    setInterest(s, EPOLLIN | EPOLLRDHUP);
    sendRaw(s, req);
}

void Load::onEvent(Session &s, std::uint32_t ev)
{
    if (s.st == St::Connecting) {
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            onConnected(s);
        return;
    }
    if (ev & EPOLLOUT && !s.out.empty()) {
        const ssize_t n = ::send(s.fd, s.out.data(), s.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0)
            s.out.erase(0, size_t(n));
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            lostSocket(s, "send failed");
            return;
        }
        if (s.out.empty())
            setInterest(s, readInterest(s));
    }
    if (s.slow && s.st == St::Open) {
        if (ev & (EPOLLERR | EPOLLHUP))
            readSome(s, 1); // notices the reset or end
        return; // read by the slow-read timer only
    }
    if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
        readSome(s, m_buf.size());
}

void Load::readSome(Session &s, size_t limit)
{
    const u64 gen = s.gen;
    const ssize_t n = ::recv(s.fd, m_buf.data(), std::min(limit, m_buf.size()), MSG_DONTWAIT);
    if (n > 0) {
        consume(s, m_buf.data(), size_t(n), nowNs());
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (gen != s.gen)
        return;
    if (s.st == St::HttpWait) {
        lostSocket(s, "the page ended without a data-rill-token");
        return;
    }
    if (s.st == St::Open || s.st == St::Joining) {
        ++m_serverCloses;
        ++m_ivServerCloses;
    }
    lostSocket(s, n == 0 ? "closed by the server" : std::strerror(errno));
}

void Load::consume(Session &s, const char *data, size_t n, i64 recvNs)
{
    if (s.st == St::HttpWait) {
        s.in.append(data, n);
        static const char Needle[] = "data-rill-token=\"";
        const size_t at = s.in.find(Needle);
        if (at == std::string::npos)
            return;
        const size_t from = at + sizeof Needle - 1;
        const size_t end = s.in.find('"', from);
        if (end == std::string::npos)
            return;
        s.token = s.in.substr(from, end - from);
        s.wantToken = false;
        closeSocket(s, false);
        startConnect(s);
        return;
    }
    if (s.st == St::WsHandshake) {
        s.in.append(data, n);
        const size_t end = s.in.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        if (s.in.compare(0, 12, "HTTP/1.1 101") != 0) {
            const std::string line = s.in.substr(0, s.in.find('\r'));
            if (s.everJoined)
                fail(&s, "handshake", line);
            lostSocket(s, "handshake refused");
            return;
        }
        std::string rest = s.in.substr(end + 4);
        s.in.clear();
        s.st = St::Joining;
        ++m_open;
        s.joinLastSeq = s.lastSeq;
        s.resuming = s.everJoined;
        s.joinSentNs = nowNs();
        if (s.idx == m_o.trace || m_o.trace == -2)
            std::fprintf(stderr, "%.3f s%d join lastSeq=%lld\n", double(nowNs() - m_t0) / 1e9, s.idx,
                         static_cast<long long>(s.lastSeq));
        sendMessage(s, "{\"type\":\"join\",\"token\":\"" + s.token + "\",\"lastSeq\":" + std::to_string(s.lastSeq) +
                           "}");
        if (!rest.empty())
            consume(s, rest.data(), rest.size(), recvNs);
        return;
    }
    const u64 gen = s.gen;
    if (s.in.empty()) {
        const size_t used = parseWs(s, data, n, recvNs);
        if (gen == s.gen && used < n)
            s.in.assign(data + used, n - used);
    } else {
        s.in.append(data, n);
        const size_t used = parseWs(s, s.in.data(), s.in.size(), recvNs);
        if (gen == s.gen)
            s.in.erase(0, used);
    }
}

size_t Load::parseWs(Session &s, const char *data, size_t n, i64 recvNs)
{
    const u64 gen = s.gen;
    size_t pos = 0;
    while (n - pos >= 2 && gen == s.gen) {
        const unsigned char b0 = static_cast<unsigned char>(data[pos]);
        const unsigned char b1 = static_cast<unsigned char>(data[pos + 1]);
        size_t hdr = 2;
        u64 len = b1 & 0x7f;
        if (len == 126) {
            if (n - pos < 4)
                break;
            len = (u64(static_cast<unsigned char>(data[pos + 2])) << 8) | static_cast<unsigned char>(data[pos + 3]);
            hdr = 4;
        } else if (len == 127) {
            if (n - pos < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; ++i)
                len = (len << 8) | static_cast<unsigned char>(data[pos + 2 + size_t(i)]);
            hdr = 10;
        }
        if (b1 & 0x80)
            hdr += 4; // servers do not mask; tolerated anyway
        if (n - pos < hdr + len)
            break;
        const char *payload = data + pos + hdr;
        const bool fin = b0 & 0x80;
        const int opcode = b0 & 0x0f;
        pos += hdr + size_t(len);
        switch (opcode) {
        case 0x1:
        case 0x0:
            if (!fin) {
                s.fragments.append(payload, size_t(len));
                break;
            }
            if (!s.fragments.empty()) {
                s.fragments.append(payload, size_t(len));
                const std::string whole = std::move(s.fragments);
                s.fragments.clear();
                onMessage(s, whole, recvNs);
            } else {
                onMessage(s, std::string_view(payload, size_t(len)), recvNs);
            }
            break;
        case 0x8: { // close
            int code = len >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                                : 1005;
            if (code == 1008)
                ++m_droppedBehind;
            if (s.st == St::Open || s.st == St::Joining) {
                ++m_serverCloses;
                ++m_ivServerCloses;
            }
            lostSocket(s, "close frame");
            return pos;
        }
        case 0x9: { // ping: pong (masked, empty)
            const char pong[6] = {char(0x8A), char(0x80), 0, 0, 0, 0};
            sendRaw(s, std::string_view(pong, 6));
            break;
        }
        default: break;
        }
    }
    return pos;
}

void Load::onMessage(Session &s, std::string_view payload, i64 recvNs)
{
    if (s.idx == m_o.trace || m_o.trace == -2)
        std::fprintf(stderr, "%.3f s%d st=%d last=%lld <- %.*s\n", double(recvNs - m_t0) / 1e9, s.idx, int(s.st),
                     static_cast<long long>(s.lastSeq), int(std::min<size_t>(payload.size(), 300)), payload.data());
    ++m_c.frames;
    m_c.bytes += payload.size();
    if (!parseFrame(payload, &m_frame)) {
        fail(&s, "bad_frame", std::string(payload.substr(0, 200)));
        return;
    }
    Frame &f = m_frame;
    if (f.seq == 0) { // outside the sequence: an error before join
        fail(&s, "error_frame", f.code + ": " + f.message);
        if (f.code == "unknown_session") {
            closeSocket(s, false);
            s.st = St::Failed;
            ++m_failed;
        }
        return;
    }
    if (s.st == St::Joining) {
        if (f.type != "mount") {
            s.early.push_back(Buffered{std::string(payload), recvNs});
            return;
        }
        onMount(s, f, recvNs);
        return;
    }
    if (f.seq <= s.lastSeq)
        return; // already applied
    if (f.seq != s.lastSeq + 1)
        fail(&s, "seq_gap", "frame " + std::to_string(f.seq) + " after " + std::to_string(s.lastSeq));
    applyFrame(s, f, recvNs, Apply::Live);
}

void Load::onMount(Session &s, const Frame &mountIn, i64 recvNs)
{
    const i64 mountSeq = mountIn.seq;
    const bool hasHtml = mountIn.hasHtml;
    const bool lost = mountIn.lost;
    const i64 lastRef = mountIn.lastRef;
    std::vector<Buffered> early;
    early.swap(s.early);
    if (s.resuming) {
        ++m_resumes;
        ++m_ivResumes;
    }
    if (hasHtml && s.resuming) {
        ++m_restores;
        ++m_ivRestores;
    }
    // What came before the mount: without html, the frames the page missed
    // (strictly in order from lastSeq); with html, the restore's start/done
    // pairs, new frames that precede the render.
    Frame f;
    for (const Buffered &b : early) {
        if (!parseFrame(b.payload, &f))
            continue;
        if (f.seq <= s.lastSeq)
            continue;
        if (!hasHtml && f.seq != s.lastSeq + 1)
            fail(&s, "seq_gap", "replayed frame " + std::to_string(f.seq) + " after " + std::to_string(s.lastSeq));
        if (!hasHtml)
            ++m_replayed;
        applyFrame(s, f, b.recvNs, hasHtml ? Apply::RestoreBefore : Apply::Replay);
    }
    if (!hasHtml && mountSeq != s.lastSeq + 1)
        fail(&s, "seq_gap", "mount " + std::to_string(mountSeq) + " after " + std::to_string(s.lastSeq));
    else if (hasHtml && mountSeq <= s.lastSeq)
        fail(&s, "seq_gap", "mount " + std::to_string(mountSeq) + " at or below " + std::to_string(s.lastSeq));
    s.lastSeq = mountSeq;
    if (lost) {
        ++m_lost;
        fail(&s, "lost", "mount with lost: true after lastSeq " + std::to_string(s.joinLastSeq));
        s.unverified = true;
    }
    if (hasHtml && !s.active)
        resetContent(s, std::string()); // morph to the render (the target's template content is empty)
    s.st = St::Open;
    s.attempt = 0;
    (void)recvNs;
    const i64 now = nowNs();
    if (s.slow) {
        setInterest(s, readInterest(s) | (s.out.empty() ? 0u : std::uint32_t(EPOLLOUT)));
        schedule(now + 100000000, s.idx, TSlowRead, s.gen);
    }
    if (m_o.cutMean > 0) {
        const double wait = std::exponential_distribution<double>(1.0 / m_o.cutMean)(m_rng);
        schedule(now + i64(wait * 1e9), s.idx, TCut, s.gen);
    }
    if (m_o.pingInterval > 0)
        schedule(now + i64(m_o.pingInterval * 1e9), s.idx, TPing, s.gen);
    if (hasHtml && s.resuming && s.runRef != 0 && s.runRef <= lastRef)
        schedule(now + 300000000, s.idx, TRestoreCheck, s.gen);
    if (!s.everJoined) {
        s.everJoined = true;
        ++m_joined;
        --m_connecting;
        if (m_joined + m_failed == m_o.sessions && !m_streaming)
            startStreaming();
    } else if (s.runWanted) {
        sendRun(s);
    } else if (s.resuming && s.runRef > lastRef) {
        // The run died in a cut socket before the server read it (as the
        // web client does: resend what the mount says was not read).
        ++m_resent;
        sendRunFrame(s);
    }
}

void Load::resetContent(Session &s, const std::string &html)
{
    // The target now holds html: any tokens in it are 1..k.
    s.nextToken = 1;
    s.carry.clear();
    s.unverified = false;
    if (html.find(';') != std::string::npos) {
        std::string stripped;
        bool tag = false;
        for (char c : html) {
            if (c == '<')
                tag = true;
            else if (c == '>')
                tag = false;
            else if (!tag)
                stripped.push_back(c);
        }
        applyText(s, stripped, -1, Apply::RestoreBefore);
    }
}

void Load::applyText(Session &s, const std::string &text, i64 recvNs, Apply how)
{
    std::string_view v(text);
    std::string joined;
    if (!s.carry.empty()) {
        joined = s.carry + text;
        s.carry.clear();
        v = joined;
    }
    size_t pos = 0;
    while (pos < v.size()) {
        const size_t semi = v.find(';', pos);
        if (semi == std::string_view::npos) {
            s.carry.assign(v.substr(pos));
            break;
        }
        i64 seq = 0, ns = 0;
        size_t i = pos;
        bool ok = i < semi && v[i] >= '0' && v[i] <= '9';
        while (i < semi && v[i] >= '0' && v[i] <= '9')
            seq = seq * 10 + (v[i++] - '0');
        ok = ok && i < semi && v[i] == ':';
        ++i;
        const size_t nsStart = i;
        while (i < semi && v[i] >= '0' && v[i] <= '9')
            ns = ns * 10 + (v[i++] - '0');
        ok = ok && i == semi && i > nsStart;
        pos = semi + 1;
        if (!ok) {
            fail(&s, "malformed_token", std::string(v.substr(0, 80)));
            continue;
        }
        if (!s.unverified && seq != s.nextToken)
            fail(&s, "order", "token " + std::to_string(seq) + " where " + std::to_string(s.nextToken) + " was due");
        s.nextToken = seq + 1;
        ++m_c.tokens;
        if (recvNs < 0)
            continue;
        m_lastTokenNs = std::max(m_lastTokenNs, recvNs);
        const i64 lat = recvNs - ns;
        if (how != Apply::Live || ns < s.joinSentNs) {
            (s.slow ? m_recoveredSlow : m_recovered).add(lat);
            ++m_ivRecovered;
        } else if (s.slow) {
            m_slowLive.add(lat);
            m_ivSlow.add(lat);
            ++m_c.liveTokens;
        } else {
            m_live.add(lat);
            m_ivLive.add(lat);
            if (m_inWindow)
                m_windowLive.add(lat);
            ++m_c.liveTokens;
        }
    }
}

void Load::applyFrame(Session &s, const Frame &f, i64 recvNs, Apply how)
{
    s.lastSeq = f.seq;
    if (f.type == "stream") {
        ++m_c.streamFrames;
        for (size_t i = 0; i < f.opCount; ++i) {
            const Op &op = f.ops[i];
            if (op.op == "text") {
                applyText(s, op.text, recvNs, how);
            } else if (op.op == "start") {
                // A run starts from token 1. (The page keeps the target's
                // content through a start; the re-render after the previous
                // run's done cleared it, whether it came as a render or as
                // a patch. Counting from here keeps the check independent of
                // how renders travel.)
                s.active = true;
                s.nextToken = 1;
                s.carry.clear();
                s.unverified = false;
            } else if (op.op == "done") {
                s.active = false;
                if (how != Apply::RestoreBefore && !s.unverified && s.nextToken - 1 != m_expected)
                    fail(&s, "incomplete", std::to_string(s.nextToken - 1) + " of " + std::to_string(m_expected) +
                                               " tokens at done");
            } else if (op.op == "replace") {
                resetContent(s, op.html);
            } else if (op.op == "error") {
                fail(&s, "stream_error", op.text);
            }
        }
        return;
    }
    if (f.type == "render") {
        if (!s.active)
            resetContent(s, std::string());
        return;
    }
    if (f.type == "reply") {
        if (f.ref == s.runRef)
            runFinished(s);
        return;
    }
    if (f.type == "error") {
        fail(&s, "error_frame", f.code + ": " + f.message);
        return;
    }
    if (f.type == "patch" || f.type == "pong")
        return; // a re-render as targeted ops; keep-alive
    if (f.type == "mount") { // a mount outside a join: not expected
        fail(&s, "mount", "unexpected mount");
        return;
    }
}

void Load::runFinished(Session &s)
{
    s.runRef = 0;
    ++s.runsDone;
    ++m_runs;
    const i64 now = nowNs();
    if (m_o.duration > 0 && now < m_soakEndNs) {
        schedule(now + i64(uniform(m_o.thinkMin, std::max(m_o.thinkMin, m_o.thinkMax)) * 1e9), s.idx, TSendRun);
        return;
    }
    sessionDone(s);
}

void Load::sessionDone(Session &s)
{
    if (s.st == St::Finished || s.st == St::Failed)
        return;
    closeSocket(s, false);
    s.st = St::Finished;
    ++m_finished;
    if (m_finished + m_failed >= m_o.sessions)
        finish(nullptr);
}

void Load::sendRun(Session &s)
{
    if (s.st != St::Open) {
        s.runWanted = true;
        return;
    }
    s.runWanted = false;
    s.runRef = ++s.refCounter;
    sendRunFrame(s);
}

void Load::cut(Session &s, bool rst)
{
    ++m_cuts;
    ++m_ivCuts;
    closeSocket(s, rst);
    s.st = St::Backoff;
    schedule(nowNs() + backoffNs(s.attempt++), s.idx, TReconnect);
}

void Load::sendRunFrame(Session &s)
{
    std::string params = m_o.burst ? "{\"mode\":0,\"n\":" + std::to_string(m_o.tokens) + ",\"chunk\":" +
                                         std::to_string(m_o.chunk) + "}"
                                   : "{\"mode\":1,\"rate\":" + std::to_string(m_o.rate) + ",\"ms\":" +
                                         std::to_string(i64(m_o.seconds * 1000)) + "}";
    sendMessage(s, "{\"type\":\"event\",\"event\":\"run\",\"params\":" + params + ",\"ref\":" +
                       std::to_string(s.runRef) + "}");
    // The event may die in the socket before the server reads it, or be
    // read with its answer lost: the resume must run it exactly once.
    if (m_o.cutAfterRun > 0 && s.st == St::Open && std::uniform_real_distribution<double>(0, 1)(m_rng) < m_o.cutAfterRun)
        cut(s, true);
}

void Load::startStreaming()
{
    m_streaming = true;
    m_connectNs = nowNs() - m_t0;
    m_joinedSample = sample(true);
    m_connectCpu = m_joinedSample.serverCpu - m_idle.serverCpu;
    m_streamStartNs = nowNs();
    const i64 ramp = i64(m_o.ramp * 1e9);
    m_rampEndNs = m_streamStartNs + ramp;
    m_soakEndNs = m_rampEndNs + i64(m_o.duration * 1e9);
    const int n = int(m_sessions.size());
    for (int i = 0; i < n; ++i)
        if (m_sessions[size_t(i)].everJoined && m_sessions[size_t(i)].st != St::Failed)
            schedule(m_streamStartNs + (n > 1 ? ramp * i / n : 0), i, TSendRun);
    // The steady window: every session streaming, none finished.
    if (m_o.duration > 0) {
        m_windowStartAt = m_rampEndNs + i64(m_o.warmup * 1e9);
        m_windowEndAt = m_soakEndNs;
    } else if (!m_o.burst) {
        m_windowStartAt = m_rampEndNs + i64(m_o.warmup * 1e9);
        m_windowEndAt = m_streamStartNs + i64(m_o.seconds * 1e9) - 500000000;
        if (m_windowEndAt < m_windowStartAt + 1000000000) {
            m_windowStartAt = m_streamStartNs;
            m_windowEndAt = 0; // to the end
        }
    }
    if (m_windowStartAt)
        schedule(m_windowStartAt, -1, 100);
    if (m_windowEndAt)
        schedule(m_windowEndAt, -1, 101);
}

Sample Load::sample(bool fds)
{
    Sample s;
    s.t = nowNs();
    s.serverCpu = procCpuS(m_o.serverPid, &s.serverSys);
    s.clientCpu = selfCpuS();
    s.c = m_c;
    s.rss = procRssKiB(m_o.serverPid);
    s.serverWaitNs = procRunqueueWaitNs(m_o.serverPid);
    s.clientWaitNs = procRunqueueWaitNs(int(getpid()));
    s.psiUs = cpuPressureUs();
    if (fds)
        s.fds = procFds(m_o.serverPid);
    return s;
}

void Load::intervalTick(i64 now)
{
    const Sample cur = sample(!m_o.csv.empty());
    const double dt = double(cur.t - m_ivSample.t) / 1e9;
    char row[768];
    std::snprintf(row, sizeof row,
                  "%.2f,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.3f,%.3f,%.3f,%" PRIu64 ",%.3f,%.3f,%" PRIu64
                  ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%lld,%d,%.1f,%.1f,%.1f,%.1f",
                  double(now - m_t0) / 1e9, m_open, cur.c.frames - m_ivSample.c.frames,
                  cur.c.tokens - m_ivSample.c.tokens, m_ivLive.count(), m_ivLive.quantileMs(0.5),
                  m_ivLive.quantileMs(0.9), m_ivLive.quantileMs(0.99), m_ivLive.maxMs(), m_ivSlow.count(),
                  m_ivSlow.quantileMs(0.5), m_ivSlow.quantileMs(0.99), m_ivRecovered, m_ivCuts, m_ivResumes,
                  m_ivRestores, m_ivServerCloses, m_lost, m_ivErrors, static_cast<long long>(cur.rss), cur.fds,
                  dt > 0 ? 100.0 * (cur.serverCpu - m_ivSample.serverCpu) / dt : 0.0,
                  dt > 0 ? 100.0 * (cur.clientCpu - m_ivSample.clientCpu) / dt : 0.0,
                  dt > 0 && cur.serverWaitNs >= 0 ? 100.0 * double(cur.serverWaitNs - m_ivSample.serverWaitNs) / 1e9 / dt
                                                  : -1.0,
                  dt > 0 && cur.psiUs >= 0 ? 100.0 * double(cur.psiUs - m_ivSample.psiUs) / 1e6 / dt : -1.0);
    m_rows.emplace_back(row);
    m_ivLive.clear();
    m_ivSlow.clear();
    m_ivRecovered = m_ivCuts = m_ivResumes = m_ivRestores = m_ivServerCloses = m_ivErrors = 0;
    m_ivSample = cur;
}

std::string jnum0(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

void Load::onTimer(const Timer &t)
{
    if (t.session < 0) {
        if (t.kind == 100) {
            m_windowA = sample(true);
            m_inWindow = true;
            m_windowStarted = true;
        } else if (t.kind == 101 && m_windowStarted) {
            m_windowB = sample(true);
            m_inWindow = false;
            m_windowEnded = true;
            if (m_o.finishWithin > 0)
                schedule(nowNs() + i64(m_o.finishWithin * 1e9), -1, 102);
        } else if (t.kind == 102) {
            // The server is this far behind its schedule: what it still owes
            // is no longer needed for the figures (not a correctness failure).
            fail(nullptr, "behind", "runs not finished " + jnum0(m_o.finishWithin) + " s after the window");
            finish(nullptr);
        }
        return;
    }
    Session &s = m_sessions[size_t(t.session)];
    const i64 now = nowNs();
    switch (t.kind) {
    case TStartConnect:
        if (s.st == St::Pending)
            startConnect(s);
        break;
    case TConnectRetry:
        if (s.st == St::Backoff && !s.everJoined)
            startConnect(s);
        break;
    case TReconnect:
        if (s.st == St::Backoff)
            startConnect(s);
        break;
    case TSendRun:
        if (s.st == St::Finished || s.st == St::Failed)
            break;
        if (m_o.duration > 0 && now >= m_soakEndNs && s.runsDone > 0) {
            sessionDone(s);
            break;
        }
        if (s.runsDone == 0 && s.runRef == 0 && s.refCounter == 0)
            ++m_firstRunsSent;
        sendRun(s);
        break;
    case TCut:
        if (t.gen != s.gen || s.st != St::Open)
            break;
        cut(s, std::uniform_int_distribution<int>(0, 1)(m_rng) == 1);
        break;
    case TSlowRead:
        if (t.gen != s.gen || s.st != St::Open)
            break;
        // m_o.slowBps bytes per second, a tenth every 100 ms.
        readSome(s, size_t(std::max(1.0, m_o.slowBps / 10.0)));
        if (t.gen == s.gen && s.st == St::Open)
            schedule(now + 100000000, s.idx, TSlowRead, s.gen);
        break;
    case TPing:
        if (t.gen != s.gen || s.st != St::Open)
            break;
        sendMessage(s, "{\"type\":\"ping\",\"ref\":" + std::to_string(++s.pingRef) + "}");
        schedule(now + i64(m_o.pingInterval * 1e9), s.idx, TPing, s.gen);
        break;
    case TRestoreCheck:
        // The reply of a run that ended while the page was away is not part
        // of a restore: the target shows it ended.
        if (t.gen == s.gen && s.st == St::Open && s.runRef != 0 && !s.active) {
            ++m_restoreNoReply;
            runFinished(s);
        }
        break;
    }
}

void Load::finish(const char *why)
{
    if (m_done)
        return;
    m_done = true;
    if (why) {
        m_doneWhy = why;
        fail(nullptr, "stopped", why);
    }
}

std::string jnum(double v, int prec = 3)
{
    if (!std::isfinite(v))
        return "null";
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

std::string jstr(const std::string &v)
{
    std::string o = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') {
            o.push_back('\\');
            o.push_back(c);
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o.push_back(c);
        }
    }
    return o + "\"";
}

std::string jhist(const Histogram &h)
{
    return "{\"n\":" + std::to_string(h.count()) + ",\"p50\":" + jnum(h.quantileMs(0.5)) +
           ",\"p90\":" + jnum(h.quantileMs(0.9)) + ",\"p99\":" + jnum(h.quantileMs(0.99)) +
           ",\"p999\":" + jnum(h.quantileMs(0.999)) + ",\"max\":" + jnum(h.maxMs()) + ",\"mean\":" + jnum(h.meanMs()) +
           "}";
}

void Load::report()
{
    m_end = sample(true);
    std::string o = "{";
    auto add = [&o](const std::string &k, const std::string &v) {
        if (o.size() > 1)
            o += ",";
        o += jstr(k) + ":" + v;
    };
    add("ok", m_errorCount == 0 ? "true" : "false");
    add("t0_monotonic_s", jnum(double(m_t0) / 1e9, 3));
    add("mode", m_o.burst ? "\"burst\"" : (m_o.duration > 0 ? "\"soak\"" : "\"rate\""));
    add("sessions", std::to_string(m_o.sessions));
    add("sessions_joined", std::to_string(m_joined));
    add("sessions_done", std::to_string(m_finished));
    add("sessions_failed", std::to_string(m_failed));
    add("tokens_per_run", std::to_string(m_expected));
    add("runs", std::to_string(m_runs));
    add("frames", std::to_string(m_c.frames));
    add("stream_frames", std::to_string(m_c.streamFrames));
    add("bytes", std::to_string(m_c.bytes));
    add("tokens", std::to_string(m_c.tokens));
    add("connect_s", jnum(double(m_connectNs) / 1e9));
    if (m_joined > 0 && m_connectCpu >= 0)
        add("server_cpu_per_connect_ms", jnum(1000.0 * m_connectCpu / m_joined, 4));
    add("latency_ms", jhist(m_live));
    add("latency_window_ms", jhist(m_windowLive));
    add("latency_slow_ms", jhist(m_slowLive));
    add("latency_recovered_ms", jhist(m_recovered));
    add("latency_recovered_slow_ms", jhist(m_recoveredSlow));
    const double wall = m_streamStartNs ? double(m_end.t - m_streamStartNs) / 1e9 : 0;
    add("stream_wall_s", jnum(wall));
    if (m_streamStartNs && m_o.serverPid > 0) {
        add("server_cpu_s", jnum(m_end.serverCpu - m_joinedSample.serverCpu));
        add("server_cpu_percent", jnum(wall > 0 ? 100.0 * (m_end.serverCpu - m_joinedSample.serverCpu) / wall : 0, 1));
    }
    add("client_cpu_percent", jnum(wall > 0 ? 100.0 * (m_end.clientCpu - m_joinedSample.clientCpu) / wall : 0, 1));
    if (m_windowStarted) {
        const Sample &a = m_windowA;
        const Sample &b = m_windowEnded ? m_windowB : m_end;
        const double w = double(b.t - a.t) / 1e9;
        const u64 frames = b.c.frames - a.c.frames;
        const u64 sframes = b.c.streamFrames - a.c.streamFrames;
        const u64 tokens = b.c.tokens - a.c.tokens;
        const double scpu = b.serverCpu - a.serverCpu;
        const double ccpu = b.clientCpu - a.clientCpu;
        std::string win = "{\"seconds\":" + jnum(w) + ",\"frames\":" + std::to_string(frames) +
                          ",\"stream_frames\":" + std::to_string(sframes) + ",\"tokens\":" + std::to_string(tokens) +
                          ",\"frames_per_s\":" + jnum(w > 0 ? double(frames) / w : 0, 1) +
                          ",\"tokens_per_frame\":" + jnum(sframes ? double(tokens) / double(sframes) : 0) +
                          ",\"server_cpu_s\":" + jnum(scpu) +
                          ",\"server_cpu_percent\":" + jnum(w > 0 ? 100.0 * scpu / w : 0, 1) +
                          ",\"server_us_per_frame\":" + jnum(frames ? 1e6 * scpu / double(frames) : 0, 2) +
                          ",\"server_sys_share\":" + jnum(scpu > 0 ? (b.serverSys - a.serverSys) / scpu : 0, 3) +
                          ",\"server_us_per_token\":" + jnum(tokens ? 1e6 * scpu / double(tokens) : 0, 2) +
                          ",\"client_cpu_percent\":" + jnum(w > 0 ? 100.0 * ccpu / w : 0, 1) +
                          ",\"client_us_per_frame\":" + jnum(frames ? 1e6 * ccpu / double(frames) : 0, 2) +
                          ",\"server_rss_kib\":" + std::to_string(b.rss) + ",\"server_fds\":" + std::to_string(b.fds) +
                          // Contention: the share of the window the server (and the load generator) were
                          // runnable but waiting for a CPU, and in which any task was (PSI "some").
                          ",\"server_runqueue_wait_percent\":" +
                          jnum(w > 0 && a.serverWaitNs >= 0 ? 100.0 * double(b.serverWaitNs - a.serverWaitNs) / 1e9 / w : -1, 1) +
                          ",\"client_runqueue_wait_percent\":" +
                          jnum(w > 0 && a.clientWaitNs >= 0 ? 100.0 * double(b.clientWaitNs - a.clientWaitNs) / 1e9 / w : -1, 1) +
                          ",\"cpu_pressure_some_percent\":" +
                          jnum(w > 0 && a.psiUs >= 0 ? 100.0 * double(b.psiUs - a.psiUs) / 1e6 / w : -1, 1) + "}";
        add("window", win);
    }
    if (m_o.burst && m_lastTokenNs > m_streamStartNs) {
        add("tokens_per_s", jnum(double(m_c.tokens) / (double(m_lastTokenNs - m_streamStartNs) / 1e9), 1));
        const double cpu = m_end.serverCpu - m_joinedSample.serverCpu;
        if (cpu > 0)
            add("server_us_per_token", jnum(1e6 * cpu / double(m_c.tokens), 3));
    }
    add("server_rss_idle_kib", std::to_string(m_idle.rss));
    add("server_rss_joined_kib", std::to_string(m_joinedSample.rss));
    add("server_rss_end_kib", std::to_string(m_end.rss));
    add("server_fds_idle", std::to_string(m_idle.fds));
    add("server_fds_joined", std::to_string(m_joinedSample.fds));
    add("server_fds_end", std::to_string(m_end.fds));
    if (m_joined > 0 && m_joinedSample.rss > 0 && m_idle.rss > 0)
        add("server_rss_per_idle_session_kib", jnum(double(m_joinedSample.rss - m_idle.rss) / m_joined, 2));
    if (m_windowEnded && m_joined > 0 && m_windowB.rss > 0 && m_idle.rss > 0)
        add("server_rss_per_streaming_session_kib", jnum(double(m_windowB.rss - m_idle.rss) / m_joined, 2));
    if (m_joined > 0 && m_end.rss > 0 && m_idle.rss > 0)
        add("server_rss_per_session_after_kib", jnum(double(m_end.rss - m_idle.rss) / m_joined, 2));
    add("cuts", std::to_string(m_cuts));
    add("resumes", std::to_string(m_resumes));
    add("replayed_frames", std::to_string(m_replayed));
    add("restores", std::to_string(m_restores));
    add("restores_without_reply", std::to_string(m_restoreNoReply));
    add("events_resent", std::to_string(m_resent));
    add("lost", std::to_string(m_lost));
    add("server_closes", std::to_string(m_serverCloses));
    add("socket_losses", std::to_string(m_socketLosses));
    add("dropped_too_far_behind", std::to_string(m_droppedBehind));
    add("error_count", std::to_string(m_errorCount));
    std::string kinds = "{";
    for (const auto &[k, n] : m_errorKinds)
        kinds += (kinds.size() > 1 ? "," : "") + jstr(k) + ":" + std::to_string(n);
    add("error_kinds", kinds + "}");
    std::string errs = "[";
    for (const std::string &e : m_errors)
        errs += (errs.size() > 1 ? "," : "") + jstr(e);
    add("errors", errs + "]");
    o += "}";
    std::printf("%s\n", o.c_str());
    std::fflush(stdout);
    if (!m_o.csv.empty()) {
        FILE *f = std::fopen(m_o.csv.c_str(), "w");
        if (f) {
            std::fprintf(f, "t_s,open_sockets,frames,tokens,live_n,live_p50_ms,live_p90_ms,live_p99_ms,live_max_ms,"
                            "slow_n,slow_p50_ms,slow_p99_ms,recovered,cuts,resumes,restores,server_closes,lost_total,"
                            "errors,server_rss_kib,server_fds,server_cpu_pct,client_cpu_pct,server_wait_pct,cpu_pressure_pct\n");
            for (const std::string &r : m_rows)
                std::fprintf(f, "%s\n", r.c_str());
            std::fclose(f);
        }
    }
}

int Load::run()
{
    m_addr.sin_family = AF_INET;
    m_addr.sin_port = htons(uint16_t(m_o.port));
    m_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    m_host = "127.0.0.1:" + std::to_string(m_o.port);
    m_expected = m_o.burst ? m_o.tokens : m_o.rate * i64(m_o.seconds * 1000) / 1000;
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_sessions.resize(size_t(m_o.sessions));
    const int slowCount = int(std::lround(m_o.slowFraction * m_o.sessions));
    for (int i = 0; i < m_o.sessions; ++i) {
        m_sessions[size_t(i)].idx = i;
        // Spread the slow readers evenly over the sessions.
        m_sessions[size_t(i)].slow = slowCount > 0 && (i64(i) * slowCount / m_o.sessions) !=
                                                          (i64(i + 1) * slowCount / m_o.sessions);
    }
    m_idle = sample(true);
    m_clientCpu0 = selfCpuS();
    m_t0 = nowNs();
    m_ivSample = m_idle;
    m_nextInterval = m_t0 + i64(m_o.interval * 1e9);
    const i64 deadline = m_t0 + i64(m_o.timeout * 1e9);
    const i64 connectRamp = i64(m_o.connectRamp * 1e9);

    std::vector<epoll_event> events(1024);
    while (!m_done) {
        i64 now = nowNs();
        // Connects: a bounded number in flight, optionally spread in time.
        while (m_nextToConnect < m_o.sessions && m_connecting < m_o.connectConcurrency) {
            const int i = m_nextToConnect;
            const i64 due = m_t0 + (m_o.sessions > 1 ? connectRamp * i / m_o.sessions : 0);
            if (due > now)
                break;
            ++m_nextToConnect;
            ++m_connecting;
            startConnect(m_sessions[size_t(i)]);
        }
        if (now >= deadline) {
            finish("timeout");
            break;
        }
        while (!m_timers.empty() && m_timers.top().at <= now) {
            const Timer t = m_timers.top();
            m_timers.pop();
            onTimer(t);
            if (m_done)
                break;
        }
        if (m_done)
            break;
        if (now >= m_nextInterval) {
            intervalTick(now);
            m_nextInterval += i64(m_o.interval * 1e9);
        }
        i64 wake = deadline;
        if (!m_timers.empty())
            wake = std::min(wake, m_timers.top().at);
        wake = std::min(wake, m_nextInterval);
        if (m_nextToConnect < m_o.sessions && m_connecting < m_o.connectConcurrency)
            wake = std::min(wake, m_t0 + (m_o.sessions > 1 ? connectRamp * m_nextToConnect / m_o.sessions : 0));
        const int timeoutMs = int(std::clamp<i64>((wake - nowNs() + 999999) / 1000000, 0, 1000));
        const int n = ::epoll_wait(m_epoll, events.data(), int(events.size()), timeoutMs);
        for (int k = 0; k < n && !m_done; ++k) {
            const int idx = int(events[size_t(k)].data.u64 >> 32);
            const u64 gen = events[size_t(k)].data.u64 & 0xffffffffu;
            Session &s = m_sessions[size_t(idx)];
            if ((s.gen & 0xffffffffu) != gen || s.fd < 0)
                continue;
            onEvent(s, events[size_t(k)].events);
        }
    }
    intervalTick(nowNs());
    report();
    for (Session &s : m_sessions)
        if (s.fd >= 0)
            ::close(s.fd);
    return m_errorCount == 0 ? 0 : 1;
}

bool raiseFileLimit(i64 need)
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return false;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return i64(rl.rlim_cur) >= need;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "rill-bench-stream-load: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--port") o.port = std::stoi(val());
        else if (a == "--server-pid") o.serverPid = std::stoi(val());
        else if (a == "--path") o.path = val();
        else if (a == "--sessions") o.sessions = std::max(1, std::stoi(val()));
        else if (a == "--mode") o.burst = val() == "burst";
        else if (a == "--rate") o.rate = std::max<i64>(1, std::stoll(val()));
        else if (a == "--seconds") o.seconds = std::stod(val());
        else if (a == "--tokens") o.tokens = std::stoll(val());
        else if (a == "--chunk") o.chunk = std::max<i64>(1, std::stoll(val()));
        else if (a == "--ramp") o.ramp = std::stod(val());
        else if (a == "--duration") o.duration = std::stod(val());
        else if (a == "--think-min") o.thinkMin = std::stod(val());
        else if (a == "--think-max") o.thinkMax = std::stod(val());
        else if (a == "--connect-concurrency") o.connectConcurrency = std::max(1, std::stoi(val()));
        else if (a == "--connect-ramp") o.connectRamp = std::stod(val());
        else if (a == "--slow-fraction") o.slowFraction = std::stod(val());
        else if (a == "--slow-bps") o.slowBps = std::stod(val());
        else if (a == "--slow-rcvbuf") o.slowRcvbuf = std::stoi(val());
        else if (a == "--cut-mean") o.cutMean = std::stod(val());
        else if (a == "--cut-after-run") o.cutAfterRun = std::stod(val());
        else if (a == "--interval") o.interval = std::max(0.05, std::stod(val()));
        else if (a == "--csv") o.csv = val();
        else if (a == "--warmup") o.warmup = std::stod(val());
        else if (a == "--timeout") o.timeout = std::stod(val());
        else if (a == "--seed") o.seed = unsigned(std::stoul(val()));
        else if (a == "--ping-interval") o.pingInterval = std::stod(val());
        else if (a == "--trace") o.trace = std::stoi(val());
        else if (a == "--finish-within") o.finishWithin = std::stod(val());
        else if (a == "--help" || a == "-h") {
            std::printf("see the comment at the top of bench/stream/load.cpp\n");
            return 0;
        } else {
            std::fprintf(stderr, "rill-bench-stream-load: unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (o.port <= 0) {
        std::fprintf(stderr, "rill-bench-stream-load: --port is required\n");
        return 2;
    }
    if (!raiseFileLimit(i64(o.sessions) + 64)) {
        std::fprintf(stderr, "rill-bench-stream-load: RLIMIT_NOFILE too low for %d sessions\n", o.sessions);
        return 2;
    }
    Load load(o);
    return load.run();
}
