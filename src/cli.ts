import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS, CELLS, INTERVAL_METHODS, SCOPES, WINDOW_MODES } from './config/names.js';
import { CALENDAR_FEATURES } from './data/calendar.js';
import { UsageError } from './errors.js';
import { DEFAULT_MAX_INPUT_MB } from './io/limits.js';
import { VERSION } from './version.js';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}
/** pretrain --units: a positive integer up to 1024 (a larger network is not what a forecaster shipped in a package needs). */
function unitsArg(v: string): number {
  const n = positiveInt('--units')(v);
  if (n > 1024) throw new InvalidArgumentError('--units must be at most 1024');
  return n;
}
function nonNegativeInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}
function damping(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('--damping must be a number in (0, 1] (1: no damping)');
  return n;
}
/** A comma-separated list of distinct numbers strictly between 0 and `top` ('none': an empty list), ascending. */
function numberList(flag: string, top: number, example: string): (v: string) => number[] {
  return (v) => {
    if (v.trim() === 'none') return [];
    const xs = v.split(',').map((s) => Number(s.trim()));
    if (v.trim() === '' || xs.some((x) => !(x > 0 && x < top)))
      throw new InvalidArgumentError(`${flag} must be a comma-separated list of numbers between 0 and ${top}, such as ${example} (or none)`);
    if (new Set(xs).size !== xs.length) throw new InvalidArgumentError(`${flag} lists a value twice: ${v}`);
    return xs.sort((a, b) => a - b);
  };
}
/** --fail-if-worse-than and --max-mase: CI gates (exit 1 when one fails). */
function gateFlags(cmd: Command, what: string): Command {
  return cmd
    .addOption(
      new Option('--fail-if-worse-than <baseline>', `exit 1 when the model's MASE on ${what} is above this baseline's`).choices([
        'naive',
        'seasonal_naive',
        'drift',
      ]),
    )
    .option('--max-mase <x>', `exit 1 when the model's MASE on ${what} is above x`, positiveNumber('--max-mase'));
}
function positiveNumber(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a positive number`);
    return n;
  };
}
const LEVELS_HELP = 'prediction intervals to write and score, in percent, comma-separated; none for none (default 80,95)';
const QUANTILES_HELP = 'forecast quantiles to write and score, comma-separated, such as 0.1,0.5,0.9 (default none)';
function threadCount(v: string): number | 'auto' {
  if (v === 'auto') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--threads must be auto or a positive integer');
  return n;
}
function megabytes(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('--max-input-mb must be a positive number of MiB');
  return n;
}
const MAX_INPUT_HELP = `refuse input files (CSV, config) larger than this many MiB (default ${DEFAULT_MAX_INPUT_MB})`;
const MAX_MEMORY_HELP = "memory the size checks allow, e.g. 512M or 8G (K, M, G, T: powers of 1024; default: half of this machine's, or RNNFC_MAX_MEMORY)";
const THREADS_HELP = "threads for the fused LSTM/GRU kernels: a number or auto, the machine's cores (overrides training.threads)";
/** Collects a repeatable option's values. */
function collect(v: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), v];
}
function integer(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

/** Flags shared by train and predict/check that override config values. */
function dataFlags(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file ("-" for standard input)')
    .option('--data <csv>', 'CSV file with the series, "-" for standard input (overrides data.path)')
    .option('--time-column <name>', 'time column name, or "none" for row order (overrides data.time_column)')
    .option('--time-format <pattern>', 'how the times are written, e.g. "%m/%d/%Y" (overrides data.time_format; default: detected)')
    .option('--target <name>', 'column to forecast (overrides data.target); repeat for a wide panel, each column a series', collect)
    .option('--features <names>', 'comma-separated input columns (overrides data.features)')
    .option('--id-column <name>', 'key column of a panel in long format, each key a series; repeat for several (overrides data.id_column)', collect)
    .option(
      '--static-column <name>',
      'a column of a long panel with one value per series, an input of a global model; repeat for several (overrides data.static_columns)',
      collect,
    )
    .option(
      '--known-future <names>',
      "comma-separated columns whose future values the file gives, in rows after the target's last value (overrides data.known_future)",
    )
    .option('--calendar <names>', `comma-separated calendar inputs from the time column: ${CALENDAR_FEATURES.join(', ')} (overrides data.calendar)`)
    .addOption(new Option('--scope <scope>', "a panel's models: one per series, or one global network for all (overrides model.scope)").choices(SCOPES))
    .option('--pretrained <name>', 'a pretrained forecaster beside the model: none, builtin, or the folder rnnfc pretrain wrote (overrides model.pretrained)')
    .addOption(
      new Option('--theta <on|off>', 'with a pretrained forecaster, the Theta method joins the mean of it and the model (overrides model.theta)').choices([
        'on',
        'off',
      ]),
    )
    .addOption(
      new Option('--holt <on|off>', "Holt's damped-trend exponential smoothing joins the forecast's mean (overrides model.holt)").choices(['on', 'off']),
    )
    .addOption(
      new Option('--ets <on|off>', "the automatic ETS joins the forecast's mean (overrides model.ets; config-less: on for histories under 120 rows)").choices([
        'on',
        'off',
      ]),
    )
    .option(
      '--damping <phi>',
      'damp the trend the forecast extrapolates: step h carries phi + ... + phi^h steps of it; 1: none (overrides model.damping)',
      damping,
    )
    .option('--levels <list>', `${LEVELS_HELP} (overrides evaluation.levels)`, numberList('--levels', 100, '80,95'))
    .option('--quantiles <list>', `${QUANTILES_HELP} (overrides evaluation.quantiles)`, numberList('--quantiles', 1, '0.1,0.5,0.9'))
    .addOption(
      new Option(
        '--intervals <method>',
        "how intervals are sized: from past forecasts' errors (conformal, the default), or from those errors relative to the spread of the forecasts averaged (ensemble) or of quantile heads the network learns (quantile) (overrides evaluation.intervals)",
      ).choices(INTERVAL_METHODS),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'how windows map to outputs: many-to-one, one-to-one, or many-to-many (an encoder-decoder fed its own forecasts) (overrides window.mode)',
      ).choices(WINDOW_MODES),
    )
    .addOption(new Option('--cell <cell>', 'recurrent cell: lstm, gru, or rnn (the vanilla RNN) (overrides model.cell)').choices(CELLS))
    .option('--lookback <n>', 'input window length (overrides window.lookback)', positiveInt('--lookback'))
    .option('--horizon <n>', 'steps to forecast (overrides window.horizon)', positiveInt('--horizon'))
    .option('--epochs <n>', 'training epochs (overrides training.epochs)', positiveInt('--epochs'))
    .option('--seed <n>', 'random seed (overrides training.seed)', integer)
    .addOption(new Option('--backend <name>', 'compute backend (overrides backend)').choices(BACKENDS))
    .option('--max-input-mb <n>', MAX_INPUT_HELP, megabytes)
    .option('--max-memory <size>', MAX_MEMORY_HELP);
}

/** The commander program; each action lazily imports its command module. */
export function buildProgram(): Command {
  const program = new Command('rnnfc')
    .description('Forecast time series with recurrent neural networks (LSTM, GRU).')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(`rnnfc: ${s.replace(/^error: /, 'error: ')}`) })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  rnnfc examples airline-passengers          # copy a shipped config and its data here
  rnnfc train -c airline-passengers.yaml
  rnnfc predict -m runs/airline-passengers -o -
  rnnfc train --data my.csv --time-column date --target sales --horizon 12
  rnnfc check -c my.yaml
  rnnfc init --data my.csv > my.yaml

Exit codes: 0 ok, 1 a requested gate failed, 2 a problem you can fix (usage, config, data,
run directory), 3 an internal error, 4 some series of a panel could not be forecast (the
others were written; each failure is listed).`,
    );

  gateFlags(
    dataFlags(program.command('train').description('train a forecaster and write a run directory')),
    'the test part (a panel: the mean over its series)',
  )
    .option('-o, --out <dir>', 'run directory to write (default: a fresh name under output.dir)')
    .option('--threads <n>', THREADS_HELP, threadCount)
    .option('--overwrite', 'replace --out if it exists')
    .option('--season <m>', 'seasonal period for MASE and seasonal naive (overrides evaluation.season)', positiveInt('--season'))
    .option('--no-plot', 'write no plot.svg (overrides output.plot)')
    .option(
      '--plot-baselines <list>',
      'baselines plot.svg draws beside the test forecast: naive, seasonal_naive, drift (overrides output.plot_baselines)',
      (v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
    )
    .option(
      '--shard <i/n>',
      'a panel: train only the series of shard i of n (0-based; by a hash of the key); default: the Slurm array task or Kubernetes index in the environment',
    )
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc examples airline-passengers && rnnfc train -c airline-passengers.yaml --epochs 50 --out runs/air\n')
    .action(async (opts) => (await import('./commands/train.js')).trainCommand(opts));

  program
    .command('predict')
    .description('forecast the next horizon from a saved run')
    .requiredOption('-m, --model <dir>', 'run directory written by rnnfc train')
    .option('--data <csv>', 'CSV with the same columns, "-" for standard input (default: the data the run was trained on)')
    .option('--levels <list>', `${LEVELS_HELP.replace(' (default 80,95)', '')} (default: the run's evaluation.levels)`, numberList('--levels', 100, '80,95'))
    .option(
      '--quantiles <list>',
      `${QUANTILES_HELP.replace(' (default none)', '')} (default: the run's evaluation.quantiles)`,
      numberList('--quantiles', 1, '0.1,0.5,0.9'),
    )
    .option('--horizon <n>', "steps to forecast, at most the run's horizon (default: all of them)", positiveInt('--horizon'))
    .option('--shard <i/n>', 'a panel run: forecast only the series of shard i of n (0-based)')
    .option('--id <key>', "a panel run: forecast only this series (its key values joined by ' / '); repeat for several", collect)
    .option('--max-input-mb <n>', MAX_INPUT_HELP, megabytes)
    .option('--max-memory <size>', MAX_MEMORY_HELP)
    .option('-o, --output <file>', 'where to write the forecast ("-" for stdout)', '-')
    .option('--out <file>', 'the same as -o/--output, as train, merge and pretrain spell it')
    .addOption(new Option('--format <fmt>', 'output format').choices(['csv', 'json']))
    .addOption(new Option('--backend <name>', 'compute backend').choices(BACKENDS))
    .option('--json', 'print one JSON result on stdout (same as --format json -o -)')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc predict -m runs/airline-passengers -o forecast.csv\n')
    .action(async ({ out, ...opts }) => (await import('./commands/predict.js')).predictCommand({ ...opts, output: out ?? opts.output }));

  dataFlags(program.command('check').description('validate a config and its data; list every problem'))
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc check -c my.yaml\n')
    .action(async (opts) => (await import('./commands/check.js')).checkCommand(opts));

  gateFlags(
    dataFlags(program.command('backtest').description('rolling-origin evaluation: refit and forecast from several origins; writes nothing but --plot')),
    'the mean over the origins (a panel: pooled over its series)',
  )
    .option('--season <m>', 'seasonal period for MASE and seasonal naive (default: evaluation.season or from the frequency)', positiveInt('--season'))
    .option('--origins <k>', 'number of forecast origins', positiveInt('--origins'), 3)
    .option('--step <n>', 'rows between origins (default: ceil(horizon/2))', positiveInt('--step'))
    .option('--plot <file.svg>', "draw each origin's forecast against the actuals into this SVG file (one series)")
    .option('--threads <n>', THREADS_HELP, threadCount)
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc backtest --data my.csv --time-column month --target sales --horizon 18 --season 12 --origins 3 --json\n')
    .action(async (opts) => (await import('./commands/backtest.js')).backtestCommand(opts));

  program
    .command('reproduce')
    .description('train a run again from what it recorded and check that forecast.csv and metrics.json come out byte-identical (exit 1 when not)')
    .argument('<run>', 'run directory written by rnnfc train')
    .option('--data <csv>', 'the data, when it is not where the run recorded it (its SHA-256 must match)')
    .option('--out <dir>', 'keep the new run here (default: a temporary folder, removed)')
    .option('--max-input-mb <n>', MAX_INPUT_HELP, megabytes)
    .option('--max-memory <size>', MAX_MEMORY_HELP)
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc reproduce runs/airline-passengers\n')
    .action(async (run, opts) => (await import('./commands/reproduce.js')).reproduceCommand(run, opts));

  program
    .command('merge')
    .description('combine the shard runs of a panel (train --shard i/n) into one run, as if trained unsharded')
    .argument('<runs...>', 'the shard runs, one per shard')
    .requiredOption('--out <dir>', 'the run to write')
    .option('--overwrite', 'replace --out if it exists')
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc merge runs/sales-s0 runs/sales-s1 runs/sales-s2 runs/sales-s3 --out runs/sales\n')
    .action(async (runs, opts) => (await import('./commands/merge.js')).mergeCommand(runs, opts));

  program
    .command('pretrain')
    .description('train the pretrained forecaster: one global network on seeded synthetic series and the TSDL pretraining series')
    .requiredOption('--out <dir>', 'the folder to write the model to (model.json, weights.bin, pretrained.json, manifest.json)')
    .option('--overwrite', 'replace --out if it exists')
    .option('--seed <n>', "seed of the synthetic series and of training (default: the shipped model's)", integer)
    .option('--synthetic <n>', 'synthetic series in the corpus', nonNegativeInt('--synthetic'))
    .option('--tsdl <dir>', "the TSDL corpus folder (series.csv, meta.csv, split.csv), or none (default: the repository's datasets/tsdl)")
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'))
    .option('--units <n>', "units of the network's recurrent layer, at most 1024 (default: the shipped model's, 64)", unitsArg)
    .option('--threads <n>', 'threads of the fused kernels (results are reproducible for a given count)', positiveInt('--threads'))
    .option('--json', 'print one JSON result on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc pretrain --out pretrained/mine\n  rnnfc pretrain --synthetic 200 --tsdl none --epochs 2 --out /tmp/small\n')
    .action(async (opts) => (await import('./commands/pretrain.js')).pretrainCommand(opts));

  program
    .command('init')
    .description('print a starter config for a CSV file')
    .requiredOption('--data <csv>', 'CSV file with the series ("-" for standard input)')
    .option('--max-input-mb <n>', MAX_INPUT_HELP, megabytes)
    .option('--target <name>', 'column to forecast (default: the last numeric column)')
    .option('--time-column <name>', 'time column (default: detected)')
    .option('--time-format <pattern>', 'how the times are written, e.g. "%m/%d/%Y" (default: detected)')
    .option('--horizon <n>', "steps to forecast (default: train's, 12)", positiveInt('--horizon'))
    .addHelpText('after', '\nExample:\n  rnnfc init --data my.csv > my.yaml\n')
    .action(async (opts) => (await import('./commands/init.js')).initCommand(opts));

  program
    .command('report')
    .description("make a run's report.html again from its files (metrics, plots, what made the forecast, config, data), outside the run")
    .argument('<run>', 'the run directory')
    .option('-o, --output <file>', 'the file to write (default: report.html here; "-" for standard output; not inside the run)')
    .option('--out <file>', 'the same as -o/--output')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExample:\n  rnnfc report runs/airline-passengers -o airline.html\n')
    .action(async (run, { out, ...opts }) => (await import('./commands/report.js')).reportCommand(run, { ...opts, output: out ?? opts.output }));

  program
    .command('inspect')
    .description(
      'how the training signal flowed back through time in a run: the gradient-flow verdict (vanishing, exploding or healthy), dL/dh_t by step, gradient norms by weight group',
    )
    .argument('<run>', 'the run directory')
    .option('--json', 'print the figures as JSON (schemas/inspect.schema.json)')
    .addHelpText('after', '\nExample:\n  rnnfc inspect runs/airline-passengers\n')
    .action(async (run, opts) => (await import('./commands/inspect.js')).inspectCommand(run, opts));

  program
    .command('examples')
    .description('list the shipped example configs and datasets, or copy the ones named (or all) into a folder')
    .argument('[names...]', 'examples to copy (all: every one)')
    .option('--out <dir>', 'the folder to copy into (default: the current one)')
    .option('--overwrite', 'replace files that exist')
    .addHelpText('after', '\nExample:\n  rnnfc examples airline-passengers && rnnfc train -c airline-passengers.yaml\n')
    .action(async (names, opts) => (await import('./commands/examples.js')).examplesCommand(names, opts));

  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** For main.ts: what the command left to undo, and the stop signal it received (src/commands/interrupt.ts). */
export { receivedSignal, runCommandCleanups } from './commands/interrupt.js';
export { UsageError };
