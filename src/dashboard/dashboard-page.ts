/**
 * The dashboard's page: its structure only. Everything in it that comes from the VO (Thing names,
 * values) is filled in by the scripts as text; the page itself holds no data, no inline script and
 * no inline style (its Content-Security-Policy forbids both). `<!--modulepreload-->` becomes one
 * preload link per script module, so the browser fetches them all at once instead of import by import.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>VO dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="uPlot.min.css">
<link rel="stylesheet" href="dashboard.css">
<script src="uPlot.iife.min.js" defer></script>
<script type="module" src="main.mjs"></script>
<!--modulepreload-->
</head>
<body>
<header>
  <h1>VO dashboard</h1>
  <div id="range" role="group" aria-label="time range">
    <button type="button" data-preset="1h">1 h</button>
    <button type="button" data-preset="24h">24 h</button>
    <button type="button" data-preset="7d">7 d</button>
    <label>from <span id="zone-from"></span> <input type="datetime-local" id="range-from" step="1"></label>
    <label>to <span id="zone-to"></span> <input type="datetime-local" id="range-to" step="1"></label>
    <button type="button" id="range-apply">show</button>
    <button type="button" id="range-zoom-out" title="twice the span, around the same middle">zoom out</button>
    <button type="button" id="range-back" title="the range and Thing shown before" disabled>back</button>
  </div>
  <div id="live"></div>
  <div id="announce" class="visually-hidden" aria-live="polite"></div>
</header>
<p id="unreachable" class="banner" role="alert" hidden></p>
<div id="layout">
  <nav aria-label="Things">
    <h2>Things</h2>
    <ul id="thing-list"></ul>
    <p id="listing-error" class="error" hidden></p>
  </nav>
  <main>
    <section id="vo" aria-label="the VO"><details open>
      <summary><h2>VO</h2></summary>
      <ul class="legend-gaps"><li class="lost">device lost</li><li class="vo-down">VO down</li><li class="nodata">no data</li></ul>
      <div class="timeline-block"><h3>device liveness</h3><div id="liveness" class="timeline"></div></div>
      <div class="timeline-block"><h3>self-check</h3><div id="selfcheck" class="timeline"></div></div>
      <div class="side-by-side">
        <div><h3>observers now</h3><div id="observers"></div></div>
        <div><h3>redirects</h3><div id="redirects"></div></div>
      </div>
    </details></section>
    <section id="thing" aria-label="the Thing"></section>
  </main>
</div>
</body>
</html>
`;
