// Starts the client with options from the query string: fast backoff for the
// reconnect tests, and a manual scheduler so a test decides when the
// "animation frame" runs.
import { start } from '/rill/client/client.js';

const q = new URLSearchParams(location.search);
const options = {};
if (q.has('base')) options.backoffBase = Number(q.get('base'));
if (q.has('max')) options.backoffMax = Number(q.get('max'));
if (q.has('ping')) options.pingInterval = Number(q.get('ping'));
if (q.has('dev')) options.dev = true;
if (q.has('random')) options.random = () => Number(q.get('random'));
window.reloads = 0;
if (q.has('fakereload')) options.reload = () => { window.reloads++; };
window.sessionEvents = [];
document.addEventListener('rill:session-lost', (e) => {
  window.sessionEvents.push('session-lost');
  if (q.has('handlelost')) e.preventDefault(); // the page's own code takes over
});
document.addEventListener('rill:error', (e) => window.sessionEvents.push('error:' + e.detail.code));
window.scheduled = 0;
window.runs = [];
if (q.has('manual')) {
  options.schedule = (run) => {
    window.scheduled++;
    window.runs.push(run);
  };
  window.runFrame = () => window.runs.splice(0).forEach((run) => run());
}
window.log = [];
document.addEventListener('stream:text', (e) => window.log.push(e.detail.text));
window.rill = start(document.getElementById('root'), options);
window.ready = true;
