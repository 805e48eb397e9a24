import { describe, expect, it } from 'vitest';
import { chosenText } from '../../src/commands/train.js';
import { resolveConfig } from '../../src/config/resolve.js';

describe("train's line on what the config-less defaults chose", () => {
  const cfg = resolveConfig({
    data: { path: 'x.csv', target: 'y' },
    transforms: ['log', { deseasonalize: 12 }, { scale: 'standard' }],
    window: { lookback: 24, horizon: 12 },
    model: { linear: true, ridge: 0.0024412345 },
    training: { validation_size: 12 },
  });
  const epochs = (n: number) => Array.from({ length: n }, () => ({}) as never);

  it('names the transforms, lookback, ridge (3 digits), validation rows and what became of the network', () => {
    expect(chosenText(cfg, { history: epochs(30), bestEpoch: 20 })).toBe(
      'transforms log, deseasonalize 12, scale standard; lookback 24; ridge 0.00244; 12 validation rows; LSTM correction kept (epoch 20)',
    );
    expect(chosenText(cfg, { history: epochs(11), bestEpoch: 0 })).toMatch(/; LSTM left at zero \(the linear path alone did better on validation\)$/);
    expect(chosenText(cfg, { history: [], bestEpoch: 0 })).toMatch(/; LSTM not trained \(no validation rows to judge it by\): the linear path alone$/);
    const plain = resolveConfig({ data: { path: 'x.csv', target: 'y' }, transforms: [], model: { cell: 'gru' } });
    expect(chosenText(plain, { history: epochs(5), bestEpoch: 5 })).toMatch(/^transforms none; .*; GRU trained alone$/);
  });
});
