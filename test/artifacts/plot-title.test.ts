import { describe, expect, it } from 'vitest';
import { forecastTitle } from '../../src/artifacts/run-writer.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ModelIO } from '../../src/forecast/forecast.js';

describe("plot.svg's title says what made the forecast", () => {
  const linear = resolveConfig({ data: { path: 'x.csv', target: 'y' }, model: { linear: true } });
  const io = (extra: Partial<ModelIO>) => ({ mode: 'many-to-one', ...extra }) as ModelIO;
  const epochs = (n: number) => Array.from({ length: n }, () => ({}) as never);

  it('the network kept, left at zero or alone, and what it was averaged with', () => {
    expect(forecastTitle(linear, { io: io({}), history: epochs(9), bestEpoch: 4 })).toBe('many-to-one linear path + LSTM');
    expect(forecastTitle(linear, { io: io({}), history: epochs(9), bestEpoch: 0 })).toBe('many-to-one linear path (LSTM at zero)');
    expect(forecastTitle(linear, { io: io({}), history: [], bestEpoch: 0 })).toBe('many-to-one linear path (LSTM at zero)');
    const gru = resolveConfig({ data: { path: 'x.csv', target: 'y' }, model: { cell: 'gru' } });
    expect(forecastTitle(gru, { io: io({ mode: 'one-to-one' }), history: epochs(3), bestEpoch: 3 })).toBe('one-to-one GRU');
    expect(
      forecastTitle(linear, { io: io({ pretrained: { use: 'mean', season: 12 }, holt: { season: 12 }, damping: 0.9 }), history: epochs(9), bestEpoch: 4 }),
    ).toBe("many-to-one linear path + LSTM, averaged with the pretrained network and Holt's damped trend, trend damped (phi 0.9)");
    // the model alone chosen: nothing averaged in
    expect(forecastTitle(linear, { io: io({ pretrained: { use: 'model', season: 12 } }), history: epochs(9), bestEpoch: 4 })).toBe(
      'many-to-one linear path + LSTM',
    );
  });
});
