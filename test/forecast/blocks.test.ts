import { describe, expect, it } from 'vitest';
import { testBlocks } from '../../src/forecast/forecast.js';

describe('testBlocks: the forecasts that cover the test rows', () => {
  it('is one forecast from the test origin unless rolling', () => {
    expect(testBlocks(100, 112, 6, false)).toEqual([{ start: 100, steps: 12 }]);
    expect(testBlocks(100, 104, 6, false)).toEqual([{ start: 100, steps: 4 }]);
  });
  it('rolling: one forecast from every horizon-th test row, the last cut at the end of the series', () => {
    expect(testBlocks(100, 112, 6, true)).toEqual([
      { start: 100, steps: 6 },
      { start: 106, steps: 6 },
    ]);
    expect(testBlocks(100, 114, 6, true)).toEqual([
      { start: 100, steps: 6 },
      { start: 106, steps: 6 },
      { start: 112, steps: 2 },
    ]);
    expect(testBlocks(100, 104, 6, true)).toEqual([{ start: 100, steps: 4 }]);
  });
});
