import { formatTime } from '../data/time.js';
import { settingsFor } from '../forecast/defaults.js';
import { prepareFit } from '../forecast/fit.js';
import { inputName } from '../io/input-file.js';
import { configFromOptions, type DataFlagOptions, machineLimits, readConfiguredSeries } from './common.js';

/**
 * `rnnfc check`: validates the config (every problem at once), reads the data, and runs every rule
 * `rnnfc train` runs before training (the config against the data, the split, the transforms, the
 * windows), so that a config check passes is one train accepts.
 */
export async function checkCommand(opts: DataFlagOptions): Promise<void> {
  const flagged = configFromOptions(opts);
  const s = readConfiguredSeries(flagged, opts);
  const cfg = settingsFor(flagged, s, { configless: !opts.config, lookback: opts.lookback });
  prepareFit(cfg, s, machineLimits(opts));
  const n = s.columns[cfg.data.target].length;
  const f = s.index.frequency;
  const first = formatTime(s.index.times[0], s.index.format);
  const last = formatTime(s.index.times[n - 1], s.index.format);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ok: true, rows: n, frequency: f, first, last, target: cfg.data.target, features: cfg.data.features }) + '\n');
  } else if (!opts.quiet) {
    process.stdout.write(
      `ok: ${inputName(cfg.data.path)}: ${n} rows, ${first} .. ${last}, every ${f.step} ${f.unit}; target ${cfg.data.target}, inputs ${cfg.data.features.join(', ')}\n`,
    );
  }
}
