/**
 * estimateKernelMemory (forecast/limits.ts) against the kernels themselves: real fits on the cpu
 * backend, with every allocation in the kernels' memory watched, reach the estimate's peak to
 * the byte (the estimate follows the buffers the kernels allocate; a change to them that the
 * estimate does not follow fails here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { fitSeries, prepareFit } from '../../src/forecast/fit.js';
import { estimateKernelMemory } from '../../src/forecast/limits.js';
import { getPool } from '../../src/kernels/pool.js';
import { loadBackend } from '../../src/model/backend.js';
import { monthlySeries, valuesOf } from '../series.js';

/** The highest end of a block the kernels' heap handed out since the last reset (Heap.alloc, watched). */
let peak = 0;
let base = 0;

beforeAll(() => {
  const heap = getPool().heap;
  base = heap.alloc(64);
  heap.free(base);
  const alloc = heap.alloc.bind(heap);
  heap.alloc = (bytes: number) => {
    const at = alloc(bytes);
    peak = Math.max(peak, at + Math.ceil(Math.max(bytes, 64) / 64) * 64);
    return at;
  };
});

const series = monthlySeries({ value: valuesOf(600, (i) => 100 + i + 10 * Math.sin(i / 3)) });

const cases: [string, Record<string, unknown>][] = [
  [
    'two LSTM layers, a batch split over two threads',
    { model: { cell: 'lstm', layers: [{ units: 32 }, { units: 48 }] }, training: { batch_size: 64, threads: 2 } },
  ],
  [
    'two LSTM layers with peepholes and coupled gates, a batch split over two threads',
    { model: { cell: 'lstm', peephole: true, coupled_gates: true, layers: [{ units: 24 }, { units: 36 }] }, training: { batch_size: 64, threads: 2 } },
  ],
  ['an LSTM layer with peepholes', { model: { cell: 'lstm', peephole: true, layers: [{ units: 20 }] }, training: { batch_size: 32, threads: 1 } }],
  ['a GRU layer and a dense layer', { model: { cell: 'gru', layers: [{ units: 20 }], dense: [{ units: 8 }] }, training: { batch_size: 64, threads: 1 } }],
  ['one-to-one', { window: { mode: 'one-to-one', lookback: 30, chunk: 50, horizon: 4 }, training: { batch_size: 8, threads: 2 } }],
  [
    'the validation loss over many windows',
    { model: { cell: 'lstm', layers: [{ units: 64 }] }, training: { batch_size: 4, validation_size: 200, threads: 2 } },
  ],
];

describe('estimateKernelMemory against the kernels', () => {
  for (const [name, over] of cases) {
    it(`a fit reaches the estimated peak exactly: ${name}`, async () => {
      const cfg = resolveConfig(
        {
          data: { path: 'synthetic.csv', target: 'value' },
          window: { lookback: 40, horizon: 6 },
          backend: 'cpu',
          ...over,
          training: { epochs: 2, validation_size: 20, ...(over.training as object) },
        },
        { file: '(test)' },
      );
      const { split } = prepareFit(cfg, series);
      const est = estimateKernelMemory(cfg, { rows: 600, columns: 1, split });
      peak = base;
      await fitSeries(cfg, series, { engine: () => loadBackend('cpu') });
      expect(peak - base).toBe(est.bytes);
      // everything given back
      expect(getPool().heap.used).toBe(0);
    });
  }
});
