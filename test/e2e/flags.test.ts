/** Flags every command should have, and rnnfc without a command. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { rnnfc, scratch } from './helpers.js';

const TRAIN = ['train', '--data', 'test/fixtures/e2e/monthly.csv', '--time-column', 'month', '--target', 'value', '--horizon', '6', '--lookback', '12'];

describe('flags (spawns bin/rnnfc)', () => {
  it('without a command prints the help on stderr and exits 2; --help exits 0', () => {
    const dir = scratch();
    const bare = rnnfc(dir, []);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^Usage: rnnfc \[options\] \[command\]/);
    expect(rnnfc(dir, ['--help']).code).toBe(0);
  });

  it('under --json every failure is one JSON object on stdout: code, message, hint and a config’s problems', () => {
    const dir = scratch();
    const usage = rnnfc(dir, ['train', '--bogus', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ schema: 'rnnfc/error@1', error: { code: 2, message: "unknown option '--bogus'" } });
    writeFileSync(join(dir, 'bad.yaml'), 'data: {path: x.csv, target: y}\nwindow: {lookback: 0}\n');
    const config = rnnfc(dir, ['check', '-c', 'bad.yaml', '--json']);
    expect(config.code).toBe(2);
    expect(JSON.parse(config.stdout).error.problems).toEqual(['window.lookback: must be a positive integer, got 0 (bad.yaml:2)']);
    const predict = rnnfc(dir, ['predict', '-m', 'no-such-run', '--json']);
    expect(predict.code).toBe(2);
    const e = JSON.parse(predict.stdout).error;
    expect(e.code).toBe(2);
    expect(predict.stderr.startsWith(`rnnfc: error: ${e.message}\n`)).toBe(true);
    // without --json, stdout stays empty
    expect(rnnfc(dir, ['train', '--bogus']).stdout).toBe('');
    // `where`: the file and line a data error names
    writeFileSync(join(dir, 'bad.csv'), 'month,value\n2000-01,1\n2000-02,x\n');
    const data = JSON.parse(rnnfc(dir, ['check', '--data', 'bad.csv', '--target', 'value', '--json']).stdout).error;
    expect(data).toMatchObject({ code: 2, where: 'bad.csv:3', message: expect.stringMatching(/^bad\.csv:3: column "value": "x" is not a number/) });
  });

  it('-o and --out name what a command writes, whichever of the two is given', () => {
    const dir = scratch();
    expect(rnnfc(dir, [...TRAIN, '--epochs', '1', '-o', 'a', '--quiet']).code).toBe(0);
    expect(existsSync(join(dir, 'a/forecast.csv'))).toBe(true);
    expect(rnnfc(dir, ['predict', '-m', 'a', '--out', 'p1.csv', '--quiet']).code).toBe(0);
    expect(rnnfc(dir, ['predict', '-m', 'a', '-o', 'p2.csv', '--quiet']).code).toBe(0);
    expect(readFileSync(join(dir, 'p1.csv'), 'utf8')).toBe(readFileSync(join(dir, 'p2.csv'), 'utf8'));
    expect(rnnfc(dir, ['report', 'a', '--out', 'r.html', '--quiet']).code).toBe(0);
    // (train's own report.html is the same page)
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(readFileSync(join(dir, 'a/report.html'), 'utf8'));
  });

  it('train --no-plot writes no plot.svg and --season sets the MASE season; both land in config.yaml', () => {
    const dir = scratch();
    const r = rnnfc(dir, [...TRAIN, '--epochs', '2', '--out', 'a', '--no-plot', '--season', '6', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'a/plot.svg'))).toBe(false);
    const config = readFileSync(join(dir, 'a/config.yaml'), 'utf8');
    expect(config).toMatch(/\n {2}season: 6\n/);
    expect(config).toMatch(/\n {2}plot: false\n/);
    expect(JSON.parse(readFileSync(join(dir, 'a/metrics.json'), 'utf8')).season).toBe(6);
    // without the flags the config's own values stand
    expect(rnnfc(dir, [...TRAIN, '--epochs', '2', '--out', 'b', '-q']).code).toBe(0);
    expect(existsSync(join(dir, 'b/plot.svg'))).toBe(true);
    expect(rnnfc(dir, [...TRAIN, '--season', '0', '--out', 'c']).code).toBe(2);
  });

  it('predict --horizon writes the first steps of the run’s forecast, at most its horizon', () => {
    const dir = scratch();
    expect(rnnfc(dir, [...TRAIN, '--epochs', '2', '--out', 'a', '-q']).code).toBe(0);
    const all = rnnfc(dir, ['predict', '-m', 'a']).stdout.trim().split('\n');
    const three = rnnfc(dir, ['predict', '-m', 'a', '--horizon', '3']);
    expect(three.code, three.stderr).toBe(0);
    expect(three.stdout.trim().split('\n')).toEqual(all.slice(0, 4));
    expect(JSON.parse(rnnfc(dir, ['predict', '-m', 'a', '--horizon', '3', '--json']).stdout).horizon).toBe(3);
    const more = rnnfc(dir, ['predict', '-m', 'a', '--horizon', '7']);
    expect(more.code).toBe(2);
    expect(more.stderr).toMatch(/--horizon 7: the run forecasts at most 6 steps/);
  });

  it('train --json holds the future forecast with its intervals, as predict gives it', () => {
    const dir = scratch();
    const t = rnnfc(dir, [...TRAIN, '--epochs', '2', '--out', 'a', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const future = JSON.parse(t.stdout).future as Record<string, string | number>[];
    expect(future).toHaveLength(6);
    const p = JSON.parse(rnnfc(dir, ['predict', '-m', 'a', '--json']).stdout).forecast as Record<string, string | number>[];
    expect(future).toEqual(p);
    expect(Object.keys(future[0])).toEqual(['time', 'forecast', 'lower_80', 'upper_80', 'lower_95', 'upper_95']);
  });

  it('every --json output starts with its schema, rnnfc/<command>@1, and validates against schemas/<command>.schema.json', () => {
    const dir = scratch();
    // a panel of three monthly series (one with a gap), semicolon-separated
    const panel = ['id;month;value'];
    for (const id of ['a', 'b', 'c'])
      for (let i = 0; i < 48; i++)
        if (!(id === 'b' && i === 20))
          panel.push(`${id};${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')};${100 + i + (id === 'c' ? 5 : 0)}`);
    writeFileSync(join(dir, 'panel.csv'), `${panel.join('\n')}\n`);
    const P = ['--data', 'panel.csv', '--id-column', 'id', '--time-column', 'month', '--target', 'value', '--horizon', '3', '--epochs', '2'];
    const outputs: [string, ReturnType<typeof rnnfc>][] = [
      ['train', rnnfc(dir, [...TRAIN, '--epochs', '2', '--out', 'a', '--json', '--max-mase', '1000'])],
      ['check', rnnfc(dir, ['check', ...TRAIN.slice(1), '--json'])],
      ['predict', rnnfc(dir, ['predict', '-m', 'a', '--json'])],
      ['backtest', rnnfc(dir, ['backtest', ...TRAIN.slice(1), '--epochs', '2', '--origins', '1', '--json'])],
      ['reproduce', rnnfc(dir, ['reproduce', 'a', '--json'])],
      ['inspect', rnnfc(dir, ['inspect', 'a', '--json'])],
      ['train', rnnfc(dir, ['train', ...P, '--scope', 'local', '--out', 'p', '--json'])],
      ['check', rnnfc(dir, ['check', ...P, '--json'])],
      ['predict', rnnfc(dir, ['predict', '-m', 'p', '--json'])],
      ['backtest', rnnfc(dir, ['backtest', ...P, '--scope', 'local', '--origins', '1', '--json'])],
      ['error', rnnfc(dir, ['train', '--data', 'missing.csv', '--target', 'value', '--json'])],
    ];
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    for (const [command, r] of outputs) {
      expect(r.code, `${command}: ${r.stderr}`).toBe(command === 'error' ? 2 : 0);
      const out = JSON.parse(r.stdout);
      expect(Object.keys(out)[0]).toBe('schema');
      expect(out.schema).toBe(`rnnfc/${command}@1`);
      const validate = ajv.getSchema(`urn:rnnfc:schema:${command}`) ?? ajv.compile(JSON.parse(readFileSync(`schemas/${command}.schema.json`, 'utf8')));
      expect(validate(out), `${command}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // and a schema holds: a future step without its forecast, or an unknown method score type, fails
    const train = JSON.parse(outputs[0][1].stdout);
    const validate = ajv.getSchema('urn:rnnfc:schema:train')!;
    expect(validate({ ...train, future: [{ time: '2020-01' }] })).toBe(false);
    expect(validate({ ...train, metrics: { model: { ...train.metrics.model, mase: 'low' } } })).toBe(false);
    expect(validate({ ...train, schema: 'rnnfc/train@2' })).toBe(false);
    // a backtest origin's parts name the model's forecast and only the known companions
    const bt = JSON.parse(outputs[3][1].stdout);
    const vb = ajv.getSchema('urn:rnnfc:schema:backtest')!;
    const o = bt.origins[0];
    expect(o.parts.model).toHaveLength(o.forecast.length);
    expect(vb({ ...bt, origins: [{ ...o, parts: { ...o.parts, arima: o.forecast } }] })).toBe(false);
    expect(vb({ ...bt, origins: [{ ...o, parts: { holt: o.forecast } }] })).toBe(false);
  });

  it('the summary says when training stopped early and which epoch it restored', () => {
    const dir = scratch();
    const r = rnnfc(dir, [...TRAIN, '--epochs', '400', '--out', 'a', '--pretrained', 'none']);
    expect(r.code, r.stderr).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1)!;
    const stopped = /stopped early after (\d+) of 400 epochs, restored epoch (\d+)/.exec(last);
    expect(stopped, last).not.toBeNull();
    const history = readFileSync(join(dir, 'a/history.csv'), 'utf8').trim().split('\n');
    expect(history).toHaveLength(Number(stopped![1]) + 1);
    expect(Number(stopped![2])).toBeLessThan(Number(stopped![1]));
  });
});
