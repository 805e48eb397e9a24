/**
 * report.html: one self-contained page for a run (no script, no network: the charts are the run's
 * own SVG files, inlined) with what a reader of a forecast needs: the test scores of the model and
 * the baselines, its intervals' scores, the plots, what made the forecast and why, the config and
 * the data's fingerprint. Made from the run's files, so that `rnnfc report RUN` makes it again.
 */

import type { MetadataFile, PipelineFile } from '../artifacts/run-format.js';

/** The run's files a report is made of. */
export const REPORT_SOURCES = [
  'metrics.json',
  'metadata.json',
  'config.yaml',
  'pipeline.json',
  'forecast.csv',
  'plot.svg',
  'training.svg',
  'gradient-flow.svg',
] as const;

/** Their text (absent ones are left out of the page). */
export type ReportFiles = Partial<Record<(typeof REPORT_SOURCES)[number], string>>;

const htmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4)) : '-');

/** An SVG file as markup to inline: its XML declaration dropped, and nothing but the svg element. */
function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start < 0 ? '' : svg.slice(start).replace(/<script[\s\S]*?<\/script>/gi, '');
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${htmlText(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${htmlText(c)}</th>` : `<td>${htmlText(c)}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The page for a run forecasting `target`. */
export function reportHtml(target: string, files: ReportFiles): string {
  const metrics = files['metrics.json'] ? (JSON.parse(files['metrics.json']) as Record<string, unknown>) : null;
  const meta = files['metadata.json'] ? (JSON.parse(files['metadata.json']) as MetadataFile) : null;
  const pipeline = files['pipeline.json'] ? (JSON.parse(files['pipeline.json']) as PipelineFile) : null;
  const sections: string[] = [];
  if (metrics) {
    const methods = (metrics.methods ?? {}) as Record<string, Record<string, number | null>>;
    const names = Object.keys(methods);
    const point = ['mae', 'rmse', 'mape', 'smape', 'mase'];
    const intervals = Object.keys(methods[names[0]] ?? {}).filter((k) => k.startsWith('coverage_') || k === 'msis' || k === 'pinball');
    sections.push(
      `<h2>Test scores</h2><p>From the test origin ${htmlText(String(metrics.origin ?? ''))}, ${htmlText(String(metrics.test_size ?? ''))} steps; MASE with season ${htmlText(String(metrics.season ?? ''))}.</p>` +
        table(
          ['method', ...point.map((k) => k.toUpperCase())],
          names.map((m) => [m, ...point.map((k) => num(methods[m][k]))]),
        ) +
        (intervals.length
          ? `<h3>Prediction intervals</h3>${table(
              ['method', ...intervals.map((k) => (k.startsWith('coverage_') ? `coverage ${k.slice(9)}%` : k.toUpperCase()))],
              names.map((m) => [m, ...intervals.map((k) => num(methods[m][k]))]),
            )}`
          : ''),
    );
  }
  if (files['plot.svg']) sections.push(`<h2>Forecast</h2><figure class="chart" id="forecast">${inlineSvg(files['plot.svg'])}</figure>`);
  if (files['training.svg']) sections.push(`<h2>Training</h2><figure class="chart" id="training">${inlineSvg(files['training.svg'])}</figure>`);
  if (files['gradient-flow.svg'])
    sections.push(`<h2>Gradient flow</h2><figure class="chart" id="gradient-flow">${inlineSvg(files['gradient-flow.svg'])}</figure>`);
  const made: string[] = [];
  const io: Partial<PipelineFile['io']> = pipeline?.io ?? {};
  if (meta?.pretrained)
    made.push(
      `pretrained forecaster ${htmlText(String(meta.pretrained.source))}: ${meta.pretrained.use === 'mean' ? 'averaged in' : 'not used (the model was better on validation)'}` +
        (meta.pretrained.validation_mae
          ? `; validation MAE ${Object.entries(meta.pretrained.validation_mae as Record<string, number | null>)
              .map(([k, v]) => `${k} ${num(v)}`)
              .join(', ')}`
          : '; no validation rows to choose by'),
    );
  if (io.holt) made.push("Holt's damped trend averaged in");
  if (io.ets) made.push('the automatic ETS averaged in');
  if (io.damping !== undefined) made.push(`trend damped, phi ${num(io.damping)}`);
  if (meta)
    made.push(
      `trained ${htmlText(String(meta.epochs_run))} epochs, weights of epoch ${htmlText(String(meta.best_epoch))} kept; backend ${htmlText(String(meta.backend))}`,
    );
  if (made.length) sections.push(`<h2>What made the forecast</h2><ul>${made.map((m) => `<li>${m}</li>`).join('')}</ul>`);
  if (files['config.yaml']) sections.push(`<h2>Config</h2><pre>${htmlText(files['config.yaml'])}</pre>`);
  if (meta?.data)
    sections.push(
      `<h2>Data</h2>${table(
        ['', ''],
        [
          ['file', String(meta.data.path)],
          ['rows', String(meta.data.rows)],
          ['sha256', String(meta.data.sha256)],
          ['rnnfc', `${meta.rnnfc_version} (tfjs ${meta.tfjs_version}, node ${meta.node_version})`],
          ['created', String(meta.created)],
        ],
      )}`,
    );
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>rnnfc: ${htmlText(target)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .6rem;text-align:right;border-bottom:1px solid #ddd}thead th{border-bottom:2px solid #999}tbody th{text-align:left}pre{background:#f6f6f6;padding:.6rem;overflow:auto}figure.chart{margin:0;overflow:auto}figure.chart svg{max-width:100%;height:auto}</style>
</head><body>
<h1>rnnfc: ${htmlText(target)}</h1>
${sections.join('\n')}
</body></html>
`;
}
