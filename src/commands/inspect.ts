/**
 * `rnnfc inspect RUN`: how the training signal flowed back through time in a saved run (the
 * gradient-flow diagnostics train recorded, train/gradient-flow.ts): the verdict and what to try,
 * the norm of dL/dh_t at steps back from the forecast origin in each recurrent layer (last epoch),
 * and each weight group's gradient norm at the first, best and last epoch. `--json` prints the same
 * figures. A global panel's shared network is read as a single run's network is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetadataFile, MetricsFile } from '../artifacts/run-format.js';
import { isPanelRun, readPanelRun, readRun } from '../artifacts/run-reader.js';
import { parseTable } from '../data/parse-csv.js';
import { UsageError } from '../errors.js';
import { colourOn } from '../output/colour.js';
import { jsonSchema } from './common.js';
import { flowText } from './train.js';

export interface InspectOptions {
  json?: boolean;
}

/** The rows of a CSV file of the run, each by its column names. */
function recordsOf(file: string): Record<string, string>[] {
  const { header, rows } = parseTable(file, readFileSync(file, 'utf8'), undefined, ',');
  return rows.map((r) => Object.fromEntries(r.map((v, i) => [header[i], v])));
}

/** Steps back from the origin shown in the table: 0, 1, 2, 4, 8, ... and the window's first step. */
export function shownSteps(T: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < T; k = k === 0 ? 1 : 2 * k) out.push(k);
  if (T > 0 && out[out.length - 1] !== T - 1) out.push(T - 1);
  return out;
}

export async function inspectCommand(runDir: string, opts: InspectOptions): Promise<void> {
  // the whole run is checked first (manifest, checksums, formats): its figures are what train wrote
  if (isPanelRun(runDir)) {
    // a global panel's one network has the run's history and flow; a local panel's models each have only a verdict
    if (readPanelRun(runDir).panel.scope !== 'global')
      throw new UsageError(
        `${runDir} is a panel of local models: each series' gradient-flow verdict is in its entry of metrics.json; rnnfc inspect reads a single-series run or a global panel`,
      );
  } else readRun(runDir);
  const metadata = JSON.parse(readFileSync(join(runDir, 'metadata.json'), 'utf8')) as MetadataFile;
  const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')) as MetricsFile;
  const flow = metrics.gradient_flow;
  if (!flow)
    throw new UsageError(
      `${runDir} has no gradient-flow record: its training ran no epoch (the linear path alone), was run with training.gradient_flow: false, or predates the diagnostics`,
    );
  const history = recordsOf(join(runDir, 'history.csv'));
  const groups = Object.keys(history[0] ?? {})
    .filter((k) => k.startsWith('grad_norm_'))
    .map((k) => k.slice('grad_norm_'.length));
  const flowFile = join(runDir, 'gradient-flow.csv');
  const steps = existsSync(flowFile) ? recordsOf(flowFile) : [];
  const lastEpoch = history.length ? history[history.length - 1].epoch : '0';
  // the last epoch's norm of dL/dh_t at every step, per layer
  const byLayer = new Map<string, number[]>();
  for (const r of steps.filter((r) => r.epoch === lastEpoch)) {
    const list = byLayer.get(r.layer) ?? [];
    list[Number(r.t)] = Number(r.grad_h_norm);
    byLayer.set(r.layer, list);
  }
  const best = metadata.best_epoch;
  const epochsShown = [...new Set([history[0]?.epoch, String(best), lastEpoch])].filter(
    (e) => e !== undefined && e !== '0' && history.some((h) => h.epoch === e),
  );
  const groupNorms = Object.fromEntries(
    groups.map((g) => [g, Object.fromEntries(epochsShown.map((e) => [e, Number(history.find((h) => h.epoch === e)![`grad_norm_${g}`])]))]),
  );

  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({
        schema: jsonSchema('inspect'),
        run: runDir,
        epochs_run: history.length,
        best_epoch: best,
        gradient_flow: flow,
        steps: Object.fromEntries([...byLayer].map(([layer, norms]) => [layer, norms])),
        group_norms: groupNorms,
      })}\n`,
    );
    return;
  }
  const lines = [`${runDir}: ${history.length} epoch${history.length === 1 ? '' : 's'}, best ${best}`, flowText(flow, colourOn(process.stdout))];
  if (byLayer.size) {
    const T = Math.max(...[...byLayer.values()].map((n) => n.length));
    const ks = shownSteps(T);
    lines.push(`‖dL/dh_t‖ in epoch ${lastEpoch}, relative to its largest value, at steps back from the forecast origin (t = ${T - 1} - back):`);
    lines.push(['layer'.padEnd(12), ...ks.map((k) => `${k}`.padStart(9))].join(''));
    for (const [layer, norms] of byLayer) {
      const peak = Math.max(...norms);
      lines.push([layer.padEnd(12), ...ks.map((k) => (peak > 0 ? relText(norms[norms.length - 1 - k] / peak) : '-').padStart(9))].join(''));
    }
    for (const r of flow.reach)
      lines.push(
        `${r.layer}: above ${flow.vanish_fraction * 100}% of its largest value ${r.steps === r.of ? `at all ${r.of} steps` : `for ${r.steps} of ${r.of} steps back`}`,
      );
  }
  if (groups.length) {
    lines.push('gradient norm per weight group (before clipping, mean over the epoch):');
    lines.push(['group'.padEnd(28), ...epochsShown.map((e) => `epoch ${e}`.padStart(12))].join(''));
    for (const g of groups) lines.push([g.padEnd(28), ...epochsShown.map((e) => relText(groupNorms[g][e]).padStart(12))].join(''));
  }
  lines.push(`clipping engaged on ${(100 * flow.clipped).toFixed(1)}% of the batches`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A positive figure in 3 significant digits (exponent form below 0.001). */
function relText(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toPrecision(3);
}
