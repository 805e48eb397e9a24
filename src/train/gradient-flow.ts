/**
 * Gradient-flow diagnostics: how the training signal flows back through time in the model being
 * trained (the lectures' vanishing and exploding gradients), measured from the backward passes the
 * kernels compute anyway, and a verdict on it at the end of training.
 *
 * Measured per epoch (train/loop.ts):
 * - the gradient norm of each weight group (each layer's kernel, recurrent kernel, bias, ...),
 *   before clipping, averaged over the epoch's batches;
 * - the share of batches whose global gradient norm exceeded training.clip_norm (clipping engaged);
 * - per recurrent layer on the fused kernels, for every step t of the window, the norm of dL/dh_t
 *   (one window's, root-mean-square over the batch), averaged over the epoch's batches.
 *
 * The verdict, from the last epoch trained:
 * - vanishing: in a many-to-one model, the signal reaching the first steps of the window, in the
 *   first recurrent layer, is below VANISH_FRACTION of its largest value: those steps hardly train
 *   the model ("reach": how many steps back from the last the signal stays above the fraction);
 * - exploding: clipping engaged on more than half of all batches, or the mean gradient norm grew in
 *   each of the last GROWTH_EPOCHS epochs to more than GROWTH_FACTOR times where it was before;
 * - healthy otherwise; with what to try for the other two.
 */

/** The fraction of its largest value below which the signal at a step counts as vanished. */
export const VANISH_FRACTION = 0.01;
/** Epochs of uninterrupted growth of the gradient norm that count as exploding, */
export const GROWTH_EPOCHS = 5;
/** when the norm ends more than this many times where the growth started. */
export const GROWTH_FACTOR = 10;

/** One epoch's measurements. */
export interface EpochFlow {
  /** per weight group (TrainResult.groups), the mean pre-clip gradient norm */
  groupNorms: number[];
  /** share of batches whose global norm exceeded the clip norm (0 without clipping) */
  clipped: number;
  /** per recurrent layer on the fused kernels (TrainResult.flowLayers), per step: mean norm of dL/dh_t */
  steps: number[][];
}

export type FlowVerdict = 'vanishing' | 'exploding' | 'healthy';

/** The verdict and the figures behind it (metrics.json's gradient_flow). */
export interface FlowReport {
  verdict: FlowVerdict;
  /** why, in one sentence */
  reason: string;
  /** what to try (empty when healthy) */
  advice: string[];
  /** per recurrent layer measured: steps back from the last over which the signal stays above VANISH_FRACTION of its largest value */
  reach: { layer: string; steps: number; of: number }[];
  /** share of all batches on which clipping engaged */
  clipped: number;
  vanish_fraction: number;
}

/** Steps back from the last of `norms` over which they stay at or above `fraction` of their largest value (all of them: norms.length). */
export function reachOf(norms: ArrayLike<number>, fraction = VANISH_FRACTION): number {
  let peak = 0;
  for (let t = 0; t < norms.length; t++) peak = Math.max(peak, norms[t]);
  if (!(peak > 0)) return 0;
  for (let k = 0; k < norms.length; k++) if (norms[norms.length - 1 - k] < fraction * peak) return k;
  return norms.length;
}

/**
 * The verdict on a training's gradient flow. `epochs`: per epoch trained, its measurements and
 * mean gradient norm; `layers`: names of the recurrent layers measured; `sequenceOutput`: a one-to-one model (a loss term at every
 * step: reach is reported, not judged); `cell` and `clipNorm` shape the advice.
 */
export function flowVerdict(
  epochs: { flow: EpochFlow; gradNorm: number }[],
  layers: string[],
  opts: { sequenceOutput: boolean; cell: string; clipNorm: number; learningRate: number; linear?: boolean },
): FlowReport | null {
  if (epochs.length === 0) return null;
  const last = epochs[epochs.length - 1].flow;
  const reach = layers.map((layer, i) => ({ layer, steps: reachOf(last.steps[i] ?? []), of: last.steps[i]?.length ?? 0 }));
  const clipped = epochs.reduce((a, e) => a + e.flow.clipped, 0) / epochs.length;
  const base = { reach, clipped, vanish_fraction: VANISH_FRACTION };
  const norms = epochs.map((e) => e.gradNorm);
  const growing =
    norms.length > GROWTH_EPOCHS &&
    norms.slice(-GROWTH_EPOCHS - 1).every((v, i, a) => i === 0 || v > a[i - 1]) &&
    norms[norms.length - 1] > GROWTH_FACTOR * norms[norms.length - 1 - GROWTH_EPOCHS];
  if (clipped > 0.5 || growing) {
    const advice = [`a lower training.learning_rate (now ${opts.learningRate})`];
    if (!(opts.clipNorm > 0)) advice.push('clip gradients: training.clip_norm: 1');
    return {
      verdict: 'exploding',
      reason: growing
        ? `the gradient norm grew in each of the last ${GROWTH_EPOCHS} epochs, to ${fmt(norms[norms.length - 1] / norms[norms.length - 1 - GROWTH_EPOCHS])} times where it was`
        : `clipping engaged on ${Math.round(100 * clipped)}% of the batches (clip norm ${opts.clipNorm})`,
      advice,
      ...base,
    };
  }
  const first = reach[0];
  if (!opts.sequenceOutput && first && first.of > 0 && first.steps < first.of) {
    const advice = opts.cell === 'rnn' ? ['cell lstm or gru, whose cell state carries the signal further back'] : [];
    // with a linear path the window's length serves it too: the network's reach is reported, the lookback left
    if (!opts.linear) advice.push(`a shorter window.lookback (about ${Math.max(1, first.steps)} steps: the signal reaches no further)`);
    return {
      verdict: 'vanishing',
      reason:
        `in ${first.layer}, dL/dh_t falls below ${VANISH_FRACTION * 100}% of its largest value ${first.steps} step${first.steps === 1 ? '' : 's'} back from the last of ${first.of}: ` +
        (opts.linear
          ? `the network's correction learns from the window's last ${first.steps} steps (the linear path reads all ${first.of})`
          : `the window's first ${first.of - first.steps} steps hardly train the model`),
      advice,
      ...base,
    };
  }
  return {
    verdict: 'healthy',
    reason: opts.sequenceOutput
      ? 'no exploding gradient (one-to-one: every step has its own loss term, so reach is reported, not judged)'
      : first && first.of > 0
        ? `the signal reaches all ${first.of} steps of the window above ${VANISH_FRACTION * 100}% of its largest value, and the gradient does not explode`
        : 'the gradient does not explode (the signal through time is measured on the fused kernels only)',
    advice: [],
    ...base,
  };
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
