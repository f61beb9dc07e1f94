/** The dashboard's styles (served as dashboard.css: the page's policy allows no inline style). */
export const DASHBOARD_STYLES = `
:root { --axis-left: 60px; --axis-right: 10px; font-family: system-ui, sans-serif; font-size: 14px; color: #222; }
body { margin: 0; background: #fafafa; }
[hidden] { display: none !important; }
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 16px; background: #263238; color: #fff; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
header button, header input { font: inherit; }
#range button.active { background: #80cbc4; }
#live { margin-left: auto; font-size: 12px; opacity: .85; }
.banner { margin: 0; padding: 8px 16px; background: #b71c1c; color: #fff; font-weight: 600; }
#layout { display: flex; align-items: flex-start; }
nav { width: 220px; flex: none; padding: 8px 12px; border-right: 1px solid #ddd; min-height: 90vh; overflow-wrap: anywhere; }
nav ul { list-style: none; padding: 0; margin: 0; }
nav li a { display: block; padding: 4px 6px; border-radius: 4px; color: #0d47a1; text-decoration: none; white-space: pre-wrap; }
nav li a.selected { background: #e3f2fd; font-weight: 600; }
main { flex: 1; min-width: 0; padding: 8px 16px; }
h2 { font-size: 16px; margin: 12px 0 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
h3 { font-size: 13px; margin: 10px 0 4px; color: #455a64; white-space: pre-wrap; overflow-wrap: anywhere; }
section { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 4px 12px 12px; margin-bottom: 12px; }
.error { color: #b71c1c; background: #ffebee; padding: 4px 8px; border-radius: 4px; white-space: pre-wrap; }
.empty { color: #757575; font-style: italic; padding: 6px 0; }
.plot { position: relative; min-height: 40px; }
.legend { font-size: 12px; color: #555; display: flex; gap: 12px; flex-wrap: wrap; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; vertical-align: middle; background: var(--c); }
.legend .read { --c: #1e88e5; } .legend .write { --c: #fb8c00; } .legend .change { --c: #43a047; }
.legend .stale { --c: #fff; } .legend .stale::before { border: 2px solid #8e24aa; width: 6px; height: 6px; }
.legend .gap::before, .legend .band::before { border-radius: 0; }
.legend .failed::before { border-radius: 0; width: 0; height: 0; background: none; border: 6px solid transparent; border-bottom: 10px solid #c62828; border-top: 0; }
.legend .band { --c: rgba(84,110,122,.3); }
.legend .gap.device-lost::before, .plot .gap.device-lost, .timeline .gap.device-lost, .legend-gaps .lost::before { background: repeating-linear-gradient(45deg, #ef6c00 0 2px, #ffe0b2 2px 6px); }
.legend .gap.vo-down::before, .plot .gap.vo-down, .timeline .gap.vo-down, .legend-gaps .vo-down::before { background: repeating-linear-gradient(-45deg, #546e7a 0 1px, #eceff1 1px 4px, #546e7a 4px 5px, #eceff1 5px 8px); }
.legend-gaps { list-style: none; display: flex; gap: 12px; padding: 0; margin: 0; font-size: 12px; color: #555; }
.legend-gaps li::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
.legend-gaps .nodata::before, .seg.nodata, .swatch.nodata { background: repeating-linear-gradient(90deg, #fff 0 3px, #e0e0e0 3px 4px); }
.plot .gap, .timeline .gap, .legend .gap::before { background: repeating-linear-gradient(45deg, #bbb 0 2px, #eee 2px 5px); }
.timeline .gap, .plot .gap, .gap-handle { position: absolute; top: 0; bottom: 0; opacity: .9; }
.plot .gap { opacity: .55; }
.timeline .gap, .gap-handle, .timeline .seg, .fail { border: 0; padding: 0; margin: 0; font: inherit; cursor: help; }
.gap-handle { bottom: auto; height: 10px; z-index: 5; background: inherit; }
.gap-handle.device-lost { background: #ef6c00; } .gap-handle.vo-down { background: #546e7a; }
.fail { position: absolute; bottom: 0; width: 12px; height: 12px; margin-left: -6px; z-index: 6; background: #c62828; clip-path: polygon(50% 0, 100% 100%, 0 100%); }
.timeline .mark.fail { width: 10px; height: 10px; margin-left: -5px; }
.timeline .seg { text-align: left; }
.timeline .seg.on { color: #fff; font-weight: 600; }
.seg.nodata { color: #616161; font-style: italic; }
:focus-visible { outline: 3px solid #1565c0; outline-offset: 1px; z-index: 20; }
.tip { position: absolute; z-index: 30; max-width: 420px; background: #263238; color: #fff; font-size: 12px; padding: 4px 8px; border-radius: 3px; white-space: pre-wrap; pointer-events: none; }
.states { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 12px; padding: 0; margin: 4px 0 0 var(--axis-left); font-size: 12px; color: #333; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; border: 1px solid rgba(0,0,0,.3); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
details.affordance > summary, details.failures > summary { cursor: pointer; }
details.affordance > summary h3, #vo summary h2 { display: inline-block; }
#vo summary { cursor: pointer; }
.filter { display: block; margin: 6px 0; font-size: 12px; } .filter input { font: inherit; width: 240px; max-width: 70%; }

.timeline { position: relative; height: 22px; margin-left: var(--axis-left); margin-right: var(--axis-right); background: #f5f5f5; border: 1px solid #e0e0e0; overflow: hidden; }
.timeline .seg { position: absolute; top: 0; bottom: 0; font-size: 11px; line-height: 22px; padding-left: 3px; overflow: hidden; white-space: nowrap; text-overflow: clip; color: #111; box-sizing: border-box; border-left: 1px solid rgba(0,0,0,.25); }
.timeline .seg.stale { background-image: repeating-linear-gradient(135deg, rgba(142,36,170,.35) 0 3px, transparent 3px 7px); }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: 3px 6px; vertical-align: top; }
td.json { font-family: ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 420px; }
td.failed { color: #b71c1c; }
.pager { display: flex; gap: 8px; align-items: center; margin-top: 4px; font-size: 12px; }
.side-by-side { display: flex; gap: 24px; flex-wrap: wrap; } .side-by-side > div { flex: 1; min-width: 260px; }
.affordance { margin-top: 10px; }
.plot .u-over { touch-action: pan-y; }
/* the values under the cursor, over the time axis while a plot is pointed at or focused: a row of "--" under every
   one of fifty plots took a third of the page (three rows on a phone) */
.plot .u-legend { position: absolute; left: 0; right: 0; bottom: 0; margin: 0; background: rgba(255, 255, 255, .95); visibility: hidden; pointer-events: none; z-index: 3; }
.plot:hover .u-legend, .plot:focus-within .u-legend { visibility: visible; }
/* a phone: the Things as a strip over the content, plots the width of the screen, table rows as stacked lines */
@media (max-width: 700px) {
  /* its rows would cover the plot tapped: under it instead, over what follows, while shown */
  .plot .u-legend { top: 100%; bottom: auto; font-size: 11px; box-shadow: 0 2px 6px rgba(0, 0, 0, .2); }
  header { padding: 8px; gap: 6px; }
  header h1 { font-size: 16px; width: 100%; }
  #range { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
  #range label { display: flex; gap: 4px; align-items: center; width: 100%; }
  #range input { flex: 1; min-width: 0; }
  #live { margin-left: 0; width: 100%; }
  #layout { flex-direction: column; align-items: stretch; }
  nav { width: auto; min-height: 0; border-right: none; border-bottom: 1px solid #ddd; padding: 6px 8px; }
  nav h2 { display: none; }
  nav ul { display: flex; gap: 6px; overflow-x: auto; }
  nav li a { white-space: nowrap; border: 1px solid #cfd8dc; }
  main { padding: 8px; }
  section { padding: 4px 8px 8px; }
  table, tbody, tr, td { display: block; } thead { display: none; }
  tr { border-bottom: 1px solid #e0e0e0; padding: 4px 0; }
  td { border: none; padding: 1px 4px; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: #546e7a; font-family: system-ui, sans-serif; }
  td.json { max-width: none; }
  .side-by-side > div { min-width: 0; }
}
`;
