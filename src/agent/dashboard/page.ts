/**
 * The dashboard page and its stylesheet, served by the agent itself (no asset from the
 * internet). One column on a phone, a grid on a wider screen; light or dark as the system is.
 */
export { PAGE_JS } from './page-script.js';

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Fizz dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard.css">
<script src="dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Fizz</h1>
  <span id="cluster" class="muted"></span>
  <span id="live" class="live" data-live="connecting">connecting…</span>
</header>
<main>
  <p id="errors" class="errors" hidden></p>
  <section aria-labelledby="h-nodes"><h2 id="h-nodes">Nodes</h2><div id="nodes" class="cards"></div></section>
  <section aria-labelledby="h-services"><h2 id="h-services">Services</h2><div id="services" class="cards wide"></div></section>
  <section aria-labelledby="h-events"><h2 id="h-events">Recent events</h2><ol id="events" class="events"></ol></section>
</main>
<noscript><p>The dashboard needs JavaScript; <a href="snapshot.json">snapshot.json</a> has the same data.</p></noscript>
</body>
</html>
`;

export const PAGE_CSS = `:root {
  --bg: #f6f7f9; --card: #fff; --fg: #1d2330; --muted: #5f6b7a; --line: #dde2e8;
  --ok: #1f9d55; --warn: #c98a00; --bad: #d33a2c; --off: #8a94a3; --accent: #2f6fdd;
  font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --card: #1b2029; --fg: #e4e8ee; --muted: #98a3b3; --line: #2c3340; --accent: #6b9cff; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; padding: .8rem 1rem;
  background: var(--card); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
h1 { font-size: 1.25rem; margin: 0; color: var(--accent); }
h2 { font-size: 1rem; margin: 1.2rem 0 .5rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
main { padding: 0 1rem 2rem; max-width: 1200px; margin: 0 auto; }
.muted { color: var(--muted); }
.live { margin-left: auto; font-size: .85rem; padding: .1rem .6rem; border-radius: 1rem; background: var(--line); }
.live[data-live="on"] { background: var(--ok); color: #fff; }
.live[data-live="off"] { background: var(--bad); color: #fff; }
.cards { display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); }
.cards.wide { grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .7rem .8rem; min-width: 0; }
.card h3 { margin: 0 0 .3rem; font-size: 1rem; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.card .sub { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
.badge { font-size: .75rem; padding: .05rem .5rem; border-radius: 1rem; color: #fff; background: var(--off); white-space: nowrap; }
.badge.ok { background: var(--ok); } .badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); }
.bar { height: .45rem; background: var(--line); border-radius: .3rem; margin: .45rem 0 .2rem; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); transition: width .4s; }
.node.dead, .node.left { opacity: .65; }
.replicas { list-style: none; margin: .4rem 0 0; padding: 0; }
.replicas li { display: flex; flex-wrap: wrap; gap: .2rem .6rem; align-items: center; padding: .3rem 0; border-top: 1px solid var(--line); }
.replicas .idx { font-weight: 600; min-width: 2rem; }
.replicas .where { min-width: 4rem; }
.replicas li.pending { color: var(--warn); }
.replicas .why { flex-basis: 100%; font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
.events { list-style: none; margin: 0; padding: 0; background: var(--card); border: 1px solid var(--line); border-radius: .5rem; }
.events li { display: flex; flex-wrap: wrap; gap: .1rem .6rem; padding: .35rem .8rem; border-top: 1px solid var(--line); font-size: .9rem; }
.events li:first-child { border-top: 0; }
.events time { color: var(--muted); font-variant-numeric: tabular-nums; }
.events .what { font-weight: 600; }
.events .detail { color: var(--muted); overflow-wrap: anywhere; }
.errors { background: var(--bad); color: #fff; padding: .5rem .8rem; border-radius: .5rem; margin-top: 1rem; }
.empty { color: var(--muted); font-style: italic; }
@media (max-width: 480px) {
  :root { font-size: 14px; }
  main { padding: 0 .6rem 1.5rem; }
  header { padding: .6rem; }
  .cards, .cards.wide { grid-template-columns: 1fr; }
}
`;
