// Bench probe, loaded as a classic script before any module so it runs
// first. It changes nothing the client does; it only times it:
//
// * wraps window.requestAnimationFrame, which both clients use to apply the
//   frames batched since the last animation frame. For each such callback:
//     apply  = callback start -> end of its microtasks (stream:* listeners,
//              MutationObservers such as follow.js), which includes the
//              layout the auto-scroll forces by reading scrollHeight;
//     render = callback start -> a message task posted from it, i.e. after
//              the browser's rendering update of that frame (style, layout,
//              paint) has run on the main thread;
//     before/after = length of the answer's text around it (markdown
//              scenario: source characters, from the blocks' data-pos).
// * runs its own rAF loop (on the unwrapped function) recording frame
//   timestamps, for frame-time deltas.
(function () {
  'use strict';
  var raf = window.requestAnimationFrame.bind(window);
  var now = performance.now.bind(performance);
  var B = window.__bench = { flushes: [], frames: [] };

  // The markdown scenario: top-level block elements carry data-pos (source
  // characters up to the block's end); the last one inside the answer (through
  // the data-bench-wrap targets) says how far it is. O(1) per call.
  var mdAnswer = null;
  function lastPos(el) {
    for (var c = el.lastElementChild; c; c = c.previousElementSibling) {
      var p = c.getAttribute('data-pos');
      if (p !== null) return +p;
      if (c.hasAttribute('data-bench-wrap')) {
        var q = lastPos(c);
        if (q >= 0) return q;
      }
    }
    return -1;
  }

  function answerLength() {
    if (mdAnswer === null || (mdAnswer && !mdAnswer.isConnected)) {
      // false once the text scenario's answer is there: no more lookups.
      mdAnswer = document.querySelector('[data-bench-answer]') ||
        (document.querySelector('[dj-stream="answer"]') ? false : null);
    }
    if (mdAnswer) return Math.max(0, lastPos(mdAnswer));
    var el = document.querySelector('[dj-stream="answer"]');
    if (!el) return 0;
    var n = 0;
    for (var c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3) n += c.length;
    return n;
  }

  var channel = new MessageChannel();
  var waiting = [];
  channel.port1.onmessage = function () {
    var rec = waiting.shift();
    if (rec) rec.render = now() - rec.t0;
  };

  window.requestAnimationFrame = function (callback) {
    return raf(function (ts) {
      var before = answerLength();
      var t0 = now();
      var rec = { t0: t0, apply: 0, render: 0, before: before, after: before };
      channel.port2.postMessage(0);
      waiting.push(rec);
      try {
        callback(ts);
      } finally {
        queueMicrotask(function () {
          rec.apply = now() - t0;
          rec.after = answerLength();
          B.flushes.push(rec);
        });
      }
    });
  };

  function tick() {
    B.frames.push(now());
    raf(tick);
  }
  raf(tick);
})();
