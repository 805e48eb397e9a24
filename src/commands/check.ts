import { loadPretrained } from '../artifacts/pretrained-files.js';
import { type Config, isPanel } from '../config/types.js';
import { keyText, type Panel } from '../data/panel.js';
import { delimiterText, gapsText } from '../data/parse-csv.js';
import { formatTime } from '../data/time.js';
import { DataError, UserError } from '../errors.js';
import { panelSettingsFor, settingsFor } from '../forecast/defaults.js';
import { prepareFit } from '../forecast/fit.js';
import { checkSharedWindow, memberConfig, type PanelFailure, type Scope, sharedWindow } from '../forecast/panel-fit.js';
import { inputName } from '../io/input-file.js';
import { fitStaticEncoding, staticsFacts, staticsText } from '../panel/statics.js';
import { configFromOptions, type DataFlagOptions, defaultsOptions, jsonSchema, machineLimits, readConfiguredPanel, readConfiguredSeries } from './common.js';

/**
 * `rnnfc check`: validates the config (every problem at once), reads the data, and runs every rule
 * `rnnfc train` runs before training (the config against the data, the split, the transforms, the
 * windows), so that a config check passes is one train accepts. On a panel, per series: the
 * series train would skip are listed with the reason, and check fails only when none is left.
 */
export async function checkCommand(opts: DataFlagOptions): Promise<void> {
  const flagged = configFromOptions(opts);
  if (isPanel(flagged.data)) return checkPanel(flagged, opts);
  const s = readConfiguredSeries(flagged, opts);
  const cfg = settingsFor(flagged, s, defaultsOptions(opts));
  prepareFit(cfg, s, machineLimits(opts));
  // the pretrained forecaster train would open: there, whole, and of this rnnfc's windows
  if (cfg.model.pretrained !== 'none') loadPretrained(cfg.model.pretrained);
  const n = s.columns[cfg.data.target].length;
  const f = s.index.frequency;
  const first = formatTime(s.index.times[0], s.index.format, s.index.offset);
  const last = formatTime(s.index.times[n - 1], s.index.format, s.index.offset);
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('check'),
        ok: true,
        rows: n,
        frequency: f,
        first,
        last,
        target: cfg.data.target,
        features: cfg.data.features,
        delimiter: s.delimiter ?? ',',
        ...(s.gaps ? { gaps: s.gaps } : {}),
      }) + '\n',
    );
  } else if (!opts.quiet) {
    const filled = gapsText(s.gaps);
    process.stdout.write(
      `ok: ${inputName(cfg.data.path)}: ${n} rows, ${first} .. ${last}, every ${f.step} ${f.unit}; target ${cfg.data.target}, inputs ${[...cfg.data.features, ...(cfg.data.known_future ?? []).map((k) => `${k} (known ahead)`), ...(cfg.data.calendar ?? [])].join(', ')}` +
        `${s.delimiter ? `; fields separated by ${delimiterText(s.delimiter)}` : ''}\n` +
        (filled ? `data: ${filled}\n` : ''),
    );
  }
}

/** The series of a panel that train could fit with one scope, and those it would skip. */
interface ScopeCheck {
  scope: Scope;
  fitted: number;
  skipped: PanelFailure[];
}

/**
 * Every series prepared as train's fitPanel prepares it (src/forecast/panel-fit.ts): its own
 * settings (the config-less defaults chosen from its rows, or the config's), then prepareFit; a
 * global model also needs every series on the window shape most of them have (sharedWindow).
 */
function checkScope(cfg: Config, panel: Panel, scope: Scope, opts: DataFlagOptions): ScopeCheck {
  const settingsOf = panelSettingsFor({ ...cfg, model: { ...cfg.model, scope } }, panel.frequency, defaultsOptions(opts));
  const limits = machineLimits(opts);
  const skipped: PanelFailure[] = [];
  let fitted = 0;
  const settled: { m: Panel['members'][number]; settings: Config }[] = [];
  for (const m of panel.members) {
    try {
      settled.push({ m, settings: settingsOf(memberConfig(cfg, m), m.series) });
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      skipped.push({ key: m.key, reason: e.message });
    }
  }
  const shape = scope === 'global' ? sharedWindow(settled.map((s) => s.settings)) : undefined;
  for (const { m, settings } of settled) {
    try {
      if (scope === 'global') checkSharedWindow(settings, shape);
      prepareFit(settings, m.series, limits);
      fitted++;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      skipped.push({ key: m.key, reason: e.message });
    }
  }
  return { scope, fitted, skipped };
}

/** `rnnfc check` on a panel: the panel parsed, then each series checked as train would fit it. */
function checkPanel(cfg: Config, opts: DataFlagOptions): void {
  const { panel } = readConfiguredPanel(cfg, opts);
  // config-less without --scope, train chooses between local models and a global one (fitting
  // both): the local models decide whether train can run, the global one is shown beside them
  const chosen = !opts.config && opts.scope === undefined;
  const checks = chosen ? [checkScope(cfg, panel, 'local', opts), checkScope(cfg, panel, 'global', opts)] : [checkScope(cfg, panel, cfg.model.scope, opts)];
  const main = checks[0];
  const source = inputName(cfg.data.path);
  if (main.fitted === 0) {
    const shown = main.skipped.slice(0, 5).map((f) => `${keyText(f.key)}: ${f.reason}`);
    throw new DataError(
      `${source}: none of the ${main.skipped.length} series could be fitted:\n  ${shown.join('\n  ')}${main.skipped.length > 5 ? `\n  and ${main.skipped.length - 5} more` : ''}`,
    );
  }
  // static inputs encode as train's global model would encode them (too many levels is refused)
  const statics = cfg.data.static_columns?.length
    ? fitStaticEncoding(
        cfg.data.static_columns,
        panel.members.map((m) => m.statics ?? []),
      )
    : undefined;
  const rows = panel.members.map((m) => m.series.index.times.length);
  const fewest = rows.reduce((a, b) => Math.min(a, b));
  const most = rows.reduce((a, b) => Math.max(a, b));
  const f = panel.frequency;
  const target = cfg.data.targets ?? cfg.data.target;
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        schema: jsonSchema('check'),
        ok: true,
        series: panel.members.length,
        id_columns: panel.idColumns,
        frequency: f,
        rows: { min: fewest, max: most },
        target,
        scope: chosen ? 'chosen by train' : main.scope,
        scopes: checks.map((c) => ({ scope: c.scope, fitted: c.fitted, skipped: c.skipped })),
        delimiter: panel.delimiter ?? ',',
        ...(statics ? { statics: staticsFacts(statics) } : {}),
        gaps: panel.members.filter((m) => m.series.gaps).map((m) => ({ key: m.key, ...m.series.gaps })),
      }) + '\n',
    );
    return;
  }
  if (opts.quiet) return;
  const wide = cfg.data.targets !== undefined;
  const lines = [
    `ok: ${source}: ${panel.members.length} series (${wide ? 'one per target column' : `key ${panel.idColumns.join(', ')}; target ${cfg.data.target}`}), ` +
      `${fewest} to ${most} rows, every ${f.step} ${f.unit}${panel.delimiter ? `; fields separated by ${delimiterText(panel.delimiter)}` : ''}`,
  ];
  const gapped = panel.members.filter((m) => m.series.gaps);
  if (gapped.length > 0) {
    const rows = gapped.reduce((s, m) => s + m.series.gaps!.rows, 0);
    const most = gapped.reduce((a, m) => (m.series.gaps!.rows > a.series.gaps!.rows ? m : a));
    const how = cfg.data.missing === 'drop' ? 'dropped' : 'filled';
    lines.push(
      `data: ${how} ${rows} row${rows === 1 ? '' : 's'} with missing values in ${gapped.length} of ${panel.members.length} series; ` +
        `the most in ${keyText(most.key)}: ${gapsText(most.series.gaps)}`,
    );
  }
  if (statics) lines.push(`static inputs of a global model: ${staticsText(statics)}`);
  if (chosen) lines.push('scope: train chooses between local models and a global one on the rows before the test origin');
  for (const c of checks) {
    const what = c.scope === 'local' ? 'local models' : 'a global model';
    lines.push(`${what}: ${c.fitted} of ${panel.members.length} series can be fitted${c.skipped.length ? `; ${c.skipped.length} would be skipped:` : ''}`);
    // a reason of several lines (a config's problems) stays under its series
    for (const s of c.skipped.slice(0, 10)) lines.push(`  ${keyText(s.key)}: ${s.reason.replaceAll('\n', '\n    ')}`);
    if (c.skipped.length > 10) lines.push(`  and ${c.skipped.length - 10} more (--json lists them all)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
