/**
 * Bad inputs (issue 15, items 6, 7, 8, 11, 12, 13, 14, 15): each case is refused by the contract of
 * refusal.ts (exit 2, one message naming what and where, no stack trace, nothing on stdout,
 * nothing written, under a 2 GiB address space and a time limit); then what still works: standard
 * input, the shipped configs from the repository root, and CSV output neutralised against
 * spreadsheet formulas.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, rnnfc, scratch } from './helpers.js';
import { expectRefused, type RefusalLimits } from './refusal.js';

const F = 'test/fixtures/e2e';
const MONTHLY = `${F}/monthly.csv`;
const M = ['--time-column', 'month', '--target', 'value', '--epochs', '1', '--horizon', '2', '--lookback', '3'];

/** `rows` monthly rows from January of `year`: month,value,temp (the columns of the tiny run). */
function monthly(year: number, rows: number, value = (i: number) => 10 + (i % 12)): string {
  const lines = ['month,value,temp'];
  for (let i = 0; i < rows; i++) lines.push(`${year + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01,${value(i)},${i % 7}`);
  return lines.join('\n') + '\n';
}

/** Nested anchors: 9 levels of 9 aliases, 9^10 nodes when expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

/** A copy of run directory `from` as `to` with config.yaml replaced, the manifest re-hashed (as a tamperer would). */
function tamperedRun(dir: string, from: string, to: string, configYaml: string): void {
  cpSync(join(dir, from), join(dir, to), { recursive: true });
  writeFileSync(join(dir, to, 'config.yaml'), configYaml);
  const manifestPath = join(dir, to, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const bytes = Buffer.from(configYaml);
  manifest.files['config.yaml'] = { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

type Case = [name: string, args: string[], message: RegExp, limits?: RefusalLimits];

const cases: Case[] = [
  // ---- not a regular file (item 7): refused at once, nothing read
  ['train --data /dev/zero', ['train', '--data', '/dev/zero', ...M], /cannot read \/dev\/zero: it is a character device, not a regular file/],
  ['train -c /dev/zero', ['train', '-c', '/dev/zero'], /cannot read config \/dev\/zero: it is a character device/],
  ['check -c /dev/zero', ['check', '-c', '/dev/zero'], /cannot read config \/dev\/zero: it is a character device/],
  ['init --data /dev/zero', ['init', '--data', '/dev/zero'], /cannot read \/dev\/zero: it is a character device/],
  ['predict --data /dev/zero', ['predict', '-m', 'run', '--data', '/dev/zero'], /cannot read \/dev\/zero: it is a character device/],
  ['train --data a FIFO without a writer', ['train', '--data', 'data.fifo', ...M], /cannot read data\.fifo: it is a named pipe \(FIFO\), not a regular file/],
  ['check -c a FIFO', ['check', '-c', 'data.fifo'], /cannot read config data\.fifo: it is a named pipe/],
  ['predict --data a FIFO', ['predict', '-m', 'run', '--data', 'data.fifo'], /cannot read data\.fifo: it is a named pipe/],
  ['init --data a FIFO', ['init', '--data', 'data.fifo'], /cannot read data\.fifo: it is a named pipe/],
  ['backtest --data a FIFO', ['backtest', '--data', 'data.fifo', ...M], /cannot read data\.fifo: it is a named pipe/],
  ['--data a directory', ['check', '--data', F, ...M], /cannot read test\/fixtures\/e2e: it is a directory/],
  [
    '--data /dev/stdin (a pipe: use -)',
    ['check', '--data', '/dev/stdin', ...M],
    /cannot read \/dev\/stdin: it is a (named pipe \(FIFO\)|socket), not a regular file[\s\S]*hint: .*pass -/,
    { input: 'month,value\n' },
  ],
  ['--data a path through a file', ['check', '--data', `${MONTHLY}/x.csv`, ...M], /monthly\.csv\/x\.csv: a part of the path is not a directory/],
  ['--data a missing file', ['check', '--data', 'none.csv', ...M], /cannot read none\.csv: no such file/],
  // ---- size limit (item 7)
  [
    '--data over --max-input-mb',
    ['check', '--data', MONTHLY, ...M, '--max-input-mb', '0.001'],
    /cannot read test\/fixtures\/e2e\/monthly\.csv: it is .* KiB, over the input size limit of 1 KiB[\s\S]*--max-input-mb/,
  ],
  [
    '--data - over the limit on standard input',
    ['check', '--data', '-', ...M, '--max-input-mb', '0.01'],
    /cannot read <stdin>: it is larger than the input size limit of 10\.2 KiB/,
    { input: monthly(2000, 1200) },
  ],
  [
    '-c over --max-input-mb',
    ['check', '-c', `${F}/tiny.yaml`, '--max-input-mb', '0.0001'],
    /cannot read config test\/fixtures\/e2e\/tiny\.yaml: it is .* over the input size limit of 104 bytes/,
  ],
  ['--max-input-mb 0', ['check', '--data', MONTHLY, ...M, '--max-input-mb', '0'], /--max-input-mb must be a positive number/],
  ['--max-input-mb abc', ['check', '--data', MONTHLY, ...M, '--max-input-mb', 'abc'], /--max-input-mb must be a positive number/],
  ['-c - with --data -', ['check', '-c', '-', '--data', '-'], /-c - and --data - cannot both read standard input/, { input: 'data: {target: value}\n' }],
  ['--data - with nothing on standard input', ['check', '--data', '-', ...M], /<stdin>: empty file/, { input: '' }],
  // ---- non-finite values (item 8)
  ['a cell 1e999', ['train', '--data', 'inf.csv', ...M], /inf\.csv:5: column "value": "1e999" is too large for a number/],
  [
    'a feature cell -1e400',
    ['train', '--data', 'inf-feature.csv', ...M, '--features', 'value,temp'],
    /inf-feature\.csv:7: column "temp": "-1e400" is too large/,
  ],
  // ---- sparse time grids (item 6)
  [
    'an integer index 1..144 and one row at 9999999',
    ['train', '--data', 'sparse.csv', '--time-column', 't', '--target', 'v', '--epochs', '1'],
    /sparse\.csv: the regular grid of every 1 integer from 1 to 9999999 would be mostly gaps.*between line 145 \(144\) and line 146 \(9999999\)/,
  ],
  ['daily data with one 9999-12-31 row', ['check', '--data', 'daily-9999.csv', '--target', 'v'], /daily-9999\.csv: .*mostly gaps.*line 62 \(9999-12-31\)/],
  // ---- item 15: year 9999, the largest integer, log, one row
  [
    'monthly data ending 9999-12',
    ['train', '--data', 'y9999.csv', ...M],
    /y9999\.csv: the 2 steps to forecast after 9999-12-01 \(every 1 month\) go past the year 9999/,
  ],
  ['check on data ending 9999-12 (as train refuses it)', ['check', '--data', 'y9999.csv', ...M], /go past the year 9999/],
  [
    'an integer index at the largest safe integer',
    ['train', '--data', 'maxint.csv', '--time-column', 't', '--target', 'v', '--epochs', '1', '--horizon', '2', '--lookback', '3'],
    /maxint\.csv: the 2 steps to forecast after 9007199254740991 go past the largest integer time/,
  ],
  [
    'log transform and a zero value',
    ['train', '-c', 'log-zero.yaml'],
    /zero\.csv:9: column "value": "0" is not positive; the log transform \(transforms\[0\]\) needs values > 0[\s\S]*hint: remove 'log'/,
  ],
  [
    'predict on a one-row file',
    ['predict', '-m', 'run', '--data', 'one-row.csv'],
    /one-row\.csv: too short: 1 row, but the model needs at least 12 to forecast/,
  ],
  ['predict on a one-row file with daily dates', ['predict', '-m', 'run', '--data', 'one-day.csv'], /one-day\.csv: too short: 1 row/],
  [
    'predict with a log run on data with a negative value',
    ['predict', '-m', 'run', '--data', 'negative.csv'],
    /negative\.csv:4: column "value": "-3" is not positive; the log transform \(the run's transforms\[0\]\)/,
  ],
  [
    'predict on data ending 9999-12',
    ['predict', '-m', 'run', '--data', 'y9999-long.csv'],
    /y9999-long\.csv: the 6 steps to forecast after 9999-12-01 .* go past the year 9999/,
  ],
  // ---- echoed input (item 12)
  ['a 10 MB cell', ['check', '--data', 'huge-cell.csv', ...M], /huge-cell\.csv:3: column "value": "x{60}…" \(10000000 characters\) is not a number/],
  ['terminal escapes in a cell', ['check', '--data', 'escape.csv', ...M], /escape\.csv:3: column "value": "\\x1b\[2J\\x1b\]0;owned\\x07" is not a number/],
  [
    'data.path: a file that is not a CSV of a series (as /etc/shadow)',
    ['check', '-c', 'shadow.yaml'],
    /shadow: no target column "passengers", and the file does not look like a CSV file of a series/,
  ],
  [
    'a 10 000-character target name',
    ['check', '--data', MONTHLY, '--time-column', 'month', '--target', 't'.repeat(10_000)],
    /no target column "t{60}…" \(10000 characters\); available columns: "month", "value", "temp"/,
  ],
  [
    'a 1 MB config value',
    ['check', '-c', 'big-value.yaml'],
    /data\.missing: must be one of interpolate, ffill, drop, error; got "v{60}…" \(1000000 characters\) \(big-value\.yaml:1\)/,
  ],
  [
    'a malformed CSV with a long field',
    ['check', '--data', 'bad-quote.csv', ...M],
    /bad-quote\.csv:2: malformed CSV: Invalid Opening Quote: .* value is "q{60}…" \(5001 characters\)/,
  ],
  // ---- YAML (item 11)
  ['train: alias bomb', ['train', '-c', 'bomb.yaml'], /invalid YAML in bomb\.yaml\n {2}bomb\.yaml: its aliases \(\*name\) expand to too many nodes/],
  ['check: alias bomb', ['check', '-c', 'bomb.yaml'], /bomb\.yaml: its aliases/],
  ['backtest: alias bomb', ['backtest', '-c', 'bomb.yaml'], /bomb\.yaml: its aliases/],
  ['an unknown tag !foo', ['check', '-c', 'tag.yaml'], /tag\.yaml:3:11: Unresolved tag: !foo \(rnnfc configs use no YAML tags; remove it\)/],
  ['an alias without its anchor', ['check', '-c', 'alias.yaml'], /alias\.yaml: Unresolved alias \(the anchor must be set before the alias\): nope/],
  [
    'predict: alias bomb in the run config.yaml',
    ['predict', '-m', 'run-bomb'],
    /invalid YAML in run-bomb\/config\.yaml\n {2}run-bomb\/config\.yaml: its aliases/,
  ],
  ['predict: an unknown tag in the run config.yaml', ['predict', '-m', 'run-tag'], /run-tag\/config\.yaml:2:\d+: Unresolved tag: !foo/],
  // ---- data.path relative to the config file (item 13)
  [
    'data.path written relative to the current directory',
    ['check', '-c', 'sub/old-rule.yaml'],
    /data\.path: test\/fixtures\/e2e\/monthly\.csv is relative to the config file's directory \(sub\), and there is no such file there; write \.\.\/test\/fixtures\/e2e\/monthly\.csv, or an absolute path \(sub\/old-rule\.yaml:2\)/,
  ],
  ['data.path that exists nowhere', ['check', '-c', 'sub/missing.yaml'], /cannot read sub\/none\.csv: no such file/],
];

describe('bad inputs are refused (exit 2, one message, nothing written, bounded time and memory)', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
    const w = (name: string, text: string) => writeFileSync(join(dir, name), text);
    execFileSync('mkfifo', [join(dir, 'data.fifo')]);
    const base = readFileSync(join(dir, MONTHLY), 'utf8').split('\n');
    const withCell = (line: number, col: number, value: string) =>
      base
        .map((l, i) =>
          i === line - 1
            ? l
                .split(',')
                .map((c, j) => (j === col ? value : c))
                .join(',')
            : l,
        )
        .join('\n');
    w('inf.csv', withCell(5, 1, '1e999'));
    w('inf-feature.csv', withCell(7, 2, '-1e400'));
    w('sparse.csv', `t,v\n${Array.from({ length: 144 }, (_, i) => `${i + 1},${i % 9}`).join('\n')}\n9999999,5\n`);
    const days = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10));
    w('daily-9999.csv', `date,v\n${days.map((d, i) => `${d},${i}`).join('\n')}\n9999-12-31,3\n`);
    w('y9999.csv', monthly(9998, 24));
    w('y9999-long.csv', monthly(9997, 36));
    w('maxint.csv', `t,v\n${Array.from({ length: 40 }, (_, i) => `${Number.MAX_SAFE_INTEGER - 39 + i},${i % 5}`).join('\n')}\n`);
    w('zero.csv', withCell(9, 1, '0'));
    w('log-zero.yaml', 'data: {path: zero.csv, time_column: month, target: value}\ntransforms: [log]\ntraining: {epochs: 1}\n');
    w('one-row.csv', 'month,value,temp\n2001-01-01,3,1\n');
    w('one-day.csv', 'month,value,temp\n2001-01-17,3,1\n');
    w(
      'negative.csv',
      monthly(2001, 30, (i) => (i === 2 ? -3 : 5 + i)),
    );
    w('huge-cell.csv', withCell(3, 1, 'x'.repeat(10_000_000)));
    w('escape.csv', withCell(3, 1, '"\x1b[2J\x1b]0;owned\x07"'));
    w('shadow', 'root:$6$salt$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n');
    w('shadow.yaml', 'data: {path: shadow, target: passengers}\n');
    w('big-value.yaml', `data: {path: ${MONTHLY}, target: value, missing: ${'v'.repeat(1_000_000)}}\n`);
    w('bad-quote.csv', `month,value\n${'q'.repeat(5000)} "x",1\n`);
    w('bomb.yaml', aliasBomb());
    w('tag.yaml', `data:\n  path: ${MONTHLY}\n  target: !foo value\n`);
    w('alias.yaml', `data:\n  path: ${MONTHLY}\n  target: *nope\n`);
    mkdirSync(join(dir, 'sub'));
    w('sub/old-rule.yaml', `data:\n  path: ${MONTHLY}\n  time_column: month\n  target: value\n`);
    w('sub/missing.yaml', 'data: {path: none.csv, target: value}\n');
    const t = rnnfc(dir, ['train', '-c', `${F}/tiny.yaml`, '--epochs', '1', '--out', 'run', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    const config = readFileSync(join(dir, 'run/config.yaml'), 'utf8');
    tamperedRun(dir, 'run', 'run-bomb', aliasBomb() + config);
    tamperedRun(dir, 'run', 'run-tag', config.replace(/^data:\n {2}path: /m, 'data:\n  path: !foo '));
  }, 120_000);

  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });
  for (const [name, args, message, limits] of cases) {
    it(name, () => {
      const stderr = expectRefused(dir, args, message, limits);
      // no control character but the newline reaches the terminal
      expect([...stderr].filter((ch) => ch !== '\n' && (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))).toEqual([]);
      expect(stderr).not.toContain('SECRET');
    });
  }
});

describe('inputs that work', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });

  it('--data - reads standard input once and the run records the hash of those bytes', () => {
    const text = readFileSync(join(ROOT, MONTHLY));
    const r = spawnSync(process.execPath, [BIN, 'train', '--data', '-', ...M, '--out', 'from-stdin', '--quiet'], { cwd: dir, input: text, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(dir, 'from-stdin/metadata.json'), 'utf8'));
    expect(meta.data.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(meta.data.rows).toBe(72);
    // the run records '-' as its data: predict asks for the history instead of reading a file named '-'
    expect(readFileSync(join(dir, 'from-stdin/config.yaml'), 'utf8')).toMatch(/^ {2}path: "-"$/m);
    const p = spawnSync(process.execPath, [BIN, 'predict', '-m', 'from-stdin'], { cwd: dir, input: '', encoding: 'utf8' });
    expect(p.status, p.stderr).toBe(2);
    expect(p.stderr).toMatch(/from-stdin was trained on data from standard input: pass its history with --data FILE\.csv/);
  });

  it('check, init and predict read standard input too', () => {
    const input = readFileSync(join(ROOT, MONTHLY));
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input, encoding: 'utf8' });
    const c = run(['check', '--data', '-', ...M]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^ok: <stdin>: 72 rows, 2000-01-01 \.\. 2005-12-01/);
    const i = run(['init', '--data', '-', '--target', 'value']);
    expect(i.status, i.stderr).toBe(0);
    expect(i.stdout).toContain('rnnfc config for <stdin>: 72 rows, every 1 month');
    const p = run(['predict', '-m', 'from-stdin', '--data', '-', '-o', '-']);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout.split('\n')[0]).toBe('month,forecast,lower_80,upper_80,lower_95,upper_95');
    expect(p.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('-c - reads the config from standard input, its data.path relative to the current directory', () => {
    const r = spawnSync(process.execPath, [BIN, 'check', '-c', '-'], {
      cwd: dir,
      input: `data: {path: ${MONTHLY}, time_column: month, target: value}\n`,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: test\/fixtures\/e2e\/monthly\.csv: 72 rows/);
  });

  it('the shipped configs resolve data.path against configs/ and run from the repository root or anywhere', () => {
    for (const c of ['airline-passengers', 'co2-mauna-loa', 'gold-daily', 'sunspots-monthly', 'taylor-electricity', 'ttrc-stock-ohlcv']) {
      const fromRoot = rnnfc(ROOT, ['check', '-c', `configs/${c}.yaml`]);
      expect(fromRoot.code, fromRoot.stderr).toBe(0);
      expect(fromRoot.stdout).toMatch(new RegExp(`^ok: datasets/${c}\\.csv: `));
      const elsewhere = rnnfc(dir, ['check', '-c', join(ROOT, 'configs', `${c}.yaml`), '--quiet']);
      expect(elsewhere.code, elsewhere.stderr).toBe(0);
    }
  });

  it('--data stays relative to the current directory, also with a config file in another directory', () => {
    mkdirSync(join(dir, 'cfg'), { recursive: true });
    writeFileSync(join(dir, 'cfg/c.yaml'), 'data: {path: elsewhere.csv, time_column: month, target: value}\n');
    const r = rnnfc(dir, ['check', '-c', 'cfg/c.yaml', '--data', MONTHLY]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok: test\/fixtures\/e2e\/monthly\.csv: /);
  });

  it('a formula in a header reaches forecast.csv and predict output neutralised; numbers stay numbers', () => {
    const csv = readFileSync(join(ROOT, MONTHLY), 'utf8').replace(/^month,/, '"=HYPERLINK(""http://x"")",');
    writeFileSync(join(dir, 'formula.csv'), csv);
    const t = rnnfc(dir, ['train', '--data', 'formula.csv', ...M, '--time-column', '=HYPERLINK("http://x")', '--out', 'formula-run', '--quiet']);
    expect(t.code, t.stderr).toBe(0);
    const forecast = readFileSync(join(dir, 'formula-run/forecast.csv'), 'utf8').split('\n');
    expect(forecast[0]).toBe(`"'=HYPERLINK(""http://x"")",part,actual,forecast,lower_80,upper_80,lower_95,upper_95`);
    expect(forecast[1]).toMatch(/^2005-\d\d-01,test(,-?\d+(\.\d+)?(e[+-]?\d+)?){6}$/);
    const p = rnnfc(dir, ['predict', '-m', 'formula-run', '-o', '-']);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout.split('\n')[0]).toBe(`"'=HYPERLINK(""http://x"")",forecast,lower_80,upper_80,lower_95,upper_95`);
  });
});
