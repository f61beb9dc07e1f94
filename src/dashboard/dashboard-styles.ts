/** The dashboard's styles (served as dashboard.css: the page's policy allows no inline style). */
export const DASHBOARD_STYLES = `
:root { --axis-left: 60px; --axis-right: 10px; font-family: system-ui, sans-serif; font-size: 14px; color: #222; }
body { margin: 0; background: #fafafa; }
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
.legend .gap::before { border-radius: 0; background: repeating-linear-gradient(45deg, #bbb 0 2px, #eee 2px 5px); }
.timeline { position: relative; height: 22px; margin-left: var(--axis-left); margin-right: var(--axis-right); background: #f5f5f5; border: 1px solid #e0e0e0; overflow: hidden; }
.timeline .seg { position: absolute; top: 0; bottom: 0; font-size: 11px; line-height: 22px; padding-left: 3px; overflow: hidden; white-space: nowrap; text-overflow: clip; color: #111; box-sizing: border-box; border-left: 1px solid rgba(0,0,0,.25); }
.timeline .seg.stale { background-image: repeating-linear-gradient(135deg, rgba(142,36,170,.35) 0 3px, transparent 3px 7px); }
.timeline .gap, .plot .gap { position: absolute; top: 0; bottom: 0; background: repeating-linear-gradient(45deg, #bbb 0 2px, #eee 2px 5px); opacity: .9; }
.timeline .mark { position: absolute; bottom: 0; width: 3px; height: 6px; margin-left: -1px; }
.mark.read { background: #1e88e5; } .mark.write { background: #fb8c00; } .mark.change { background: #43a047; } .mark.other { background: #616161; }
.seg.alive, .seg.ok { background-color: #a5d6a7; } .seg.suspect, .seg.degraded { background-color: #ffe082; }
.seg.lost, .seg.failed { background-color: #ef9a9a; } .seg.unknown, .seg.none { background-color: #e0e0e0; }
.plot .gap { z-index: 5; cursor: help; }
.hover { position: absolute; z-index: 10; pointer-events: none; background: rgba(38,50,56,.92); color: #fff; font-size: 12px; padding: 3px 6px; border-radius: 3px; white-space: pre; display: none; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: 3px 6px; vertical-align: top; }
td.json { font-family: ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 420px; }
td.failed { color: #b71c1c; }
.pager { display: flex; gap: 8px; align-items: center; margin-top: 4px; font-size: 12px; }
.side-by-side { display: flex; gap: 24px; flex-wrap: wrap; } .side-by-side > div { flex: 1; min-width: 260px; }
.affordance { margin-top: 10px; }
.plot .u-over { touch-action: pan-y; }
/* a phone: the Things as a strip over the content, plots the width of the screen, table rows as stacked lines */
@media (max-width: 700px) {
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
