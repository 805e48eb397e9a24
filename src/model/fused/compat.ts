/** Stock tfjs-layers recurrent class names and the fused classes that stand in for them. */
export const FUSED_CLASS = { LSTM: 'FusedLSTM', GRU: 'FusedGRU' } as const;
export const STOCK_CLASS = { FusedLSTM: 'LSTM', FusedGRU: 'GRU' } as const;
export type StockRecurrentClass = keyof typeof FUSED_CLASS;

/** camelCase (a live layer's getConfig) or snake_case (model.json) setting, whichever is present. */
function setting(config: Record<string, unknown>, camel: string): unknown {
  if (camel in config) return config[camel];
  return config[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

const OFF = [
  'returnState',
  'goBackwards',
  'stateful',
  'unitForgetBias',
  'resetAfter',
  'kernelRegularizer',
  'recurrentRegularizer',
  'biasRegularizer',
  'activityRegularizer',
  'kernelConstraint',
  'recurrentConstraint',
  'biasConstraint',
] as const;

/**
 * Why a stock LSTM/GRU layer config cannot run on the fused kernels, or null when it can: the
 * kernels compute tanh activation, sigmoid recurrent activation, with bias, from a zero initial
 * state or one passed in (not carried between calls: not stateful), forward in time, no dropout,
 * GRU with resetAfter=false, and apply no regularizer or constraint.
 * Accepts the config as a layer's getConfig() gives it or as model.json stores it.
 */
export function unfusableReason(config: Record<string, unknown>): string | null {
  if (setting(config, 'activation') !== 'tanh') return `activation ${String(setting(config, 'activation'))} (needs tanh)`;
  const ra = setting(config, 'recurrentActivation');
  if (ra !== 'sigmoid') return `recurrent activation ${String(ra)} (needs sigmoid)`;
  if (setting(config, 'useBias') === false) return 'no bias';
  for (const k of ['dropout', 'recurrentDropout']) if (Number(setting(config, k) ?? 0) !== 0) return `${k} > 0`;
  for (const k of OFF) if (setting(config, k) != null && setting(config, k) !== false) return `${k} set`;
  return null;
}
