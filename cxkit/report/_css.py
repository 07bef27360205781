"""The stylesheet of every report page and the index (screen and print). Private to report."""

__all__ = ["PAGE_CSS"]

PAGE_CSS = """
:root { --ink:#1b1f24; --muted:#5b6470; --line:#e3e6ea; --bg:#ffffff; --accent:#0072B2;
        --ok:#009E73; --bad:#D55E00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.55 Helvetica, Arial, sans-serif; }
main, header.cx-header, footer.cx-footer { max-width: 980px; margin: 0 auto; padding: 0 28px; }
header.cx-header { padding-top: 28px; padding-bottom: 8px; border-bottom: 3px solid var(--accent); }
header.cx-header h1 { font-size: 26px; margin: 0 0 6px; line-height: 1.25; }
.cx-context { margin: 0 0 6px; color: var(--muted); font-size: 14px; }
section.headline { border: 1px solid #cfe0ee; border-left: 6px solid var(--accent);
                   background: #f4f8fb; padding: 10px 18px 6px; margin: 16px 0 22px;
                   border-radius: 4px; font-size: 16px; }
section.headline ul { margin: 6px 0; padding-left: 20px; }
section.headline li { margin: 0 0 6px; }
.cx-verdict { font-size: 18px; font-weight: 700; margin: 4px 0 8px; }
details.cx-about { margin: 36px 0 0; border-top: 1px solid var(--line); padding-top: 10px; }
details.cx-about summary { cursor: pointer; font-weight: 600; color: var(--muted); }
.cx-meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0;
           font-size: 13px; color: var(--muted); }
.cx-meta dt { font-weight: 600; }
.cx-meta dd { margin: 0; overflow-wrap: anywhere; }
.cx-params, .cx-sources { border-collapse: collapse; font-size: 12.5px; margin: 2px 0 6px; }
.cx-params td, .cx-sources td { padding: 1px 10px 1px 0; vertical-align: top; }
.cx-hash { font-family: Menlo, Consolas, monospace; font-size: 11px; color: var(--muted); }
.cx-status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
             font-weight: 700; color: #fff; vertical-align: middle; }
.cx-status-ok { background: var(--ok); }
.cx-status-failed { background: var(--bad); }
.cx-banner-failed { border: 2px solid var(--bad); background: #fff4ee; padding: 12px 16px;
                    margin: 18px 0; border-radius: 4px; }
main { padding-top: 12px; padding-bottom: 40px; }
h1, h2, h3, h4 { line-height: 1.3; }
main h1 { font-size: 22px; } main h2 { font-size: 19px; margin-top: 32px; } main h3 { font-size: 16px; }
.cx-output { margin: 10px 0 18px; }
table.cx-table { width: 100%; table-layout: auto; }
table.cx-table th, table.cx-table td { overflow-wrap: break-word; word-break: normal;
                                       hyphens: manual; }
table.cx-table td { white-space: normal; }
table.cx-wide { font-size: 11.5px; }
table.cx-wide th, table.cx-wide td { padding: 3px 5px; }
details.cx-more-columns { font-size: 12.5px; color: var(--muted); margin: 0 0 8px; }
details.cx-more-columns summary { cursor: pointer; }
.cx-output svg { max-width: 100%; height: auto; }
.cx-output img { max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; }
td { font-variant-numeric: tabular-nums; }
th { border-bottom: 2px solid #c9ced4; font-weight: 600; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 4px; }
.cx-findings { border-left: 4px solid var(--accent); background: #f4f8fb; padding: 8px 16px;
               margin: 12px 0; }
.cx-findings h4 { margin: 4px 0; }
.cx-more { color: var(--muted); font-size: 12px; }
pre { background: #f6f7f9; padding: 8px 12px; overflow-x: auto; font-size: 12.5px;
      white-space: pre-wrap; overflow-wrap: anywhere; }
.cx-error { border: 2px solid var(--bad); border-radius: 4px; padding: 10px 14px; margin: 14px 0;
            background: #fff8f4; }
.cx-error h3 { margin: 0 0 6px; color: var(--bad); }
details.cx-stderr { color: var(--muted); font-size: 12.5px; margin: 6px 0; }
footer.cx-footer { color: var(--muted); font-size: 12px; padding-bottom: 30px;
                   border-top: 1px solid var(--line); padding-top: 10px; }
.cx-index td, .cx-index th { vertical-align: top; }
.cx-kv { margin: 0; padding: 0; list-style: none; font-size: 12.5px; }
@media print {
  @page { margin: 16mm 14mm; }
  body { font-size: 11pt; color: #000; }
  main, header.cx-header, footer.cx-footer { max-width: none; padding: 0; }
  header.cx-header { border-bottom-width: 2px; }
  a { color: inherit; text-decoration: none; }
  .cx-output, table, figure, .cx-findings, .cx-error, svg { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .cx-output { overflow: visible; }
  table { font-size: 7pt; max-width: 100%; }
  th, td { padding: 1px 3px; }
  th { overflow-wrap: normal; word-break: normal; }  /* headers break between words only */
  td { overflow-wrap: anywhere; }  /* a long value may wrap so that the table fits the page */
  table { font-size: 7.5pt; }
  table.cx-wide { font-size: 7pt; }
  pre { white-space: pre-wrap; }
  details.cx-stderr { display: none; }
  details.cx-more-columns { display: none; }  /* technical columns stay in the HTML, not on paper */
  section.headline { break-inside: avoid; border: 1px solid #000; background: none; }
  .cx-status { border: 1px solid #000; color: #000; background: none; }
}
"""
