/** Stock tfjs-layers recurrent class names (and rnnfc's LSTMVariant) and the fused classes that stand in for them. */
export const FUSED_CLASS = { LSTM: 'FusedLSTM', GRU: 'FusedGRU', SimpleRNN: 'FusedSimpleRNN', LSTMVariant: 'FusedLSTMVariant' } as const;
export const STOCK_CLASS = { FusedLSTM: 'LSTM', FusedGRU: 'GRU', FusedSimpleRNN: 'SimpleRNN', FusedLSTMVariant: 'LSTMVariant' } as const;
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
 * Why a stock LSTM/GRU/SimpleRNN layer config cannot run on the fused kernels, or null when it can:
 * the kernels compute tanh activation (SimpleRNN: tanh or relu), sigmoid recurrent activation
 * (LSTM, GRU), with bias, from a zero initial state or one passed in (not carried between calls:
 * not stateful), forward in time, no dropout, GRU with resetAfter=false, and apply no regularizer
 * or constraint. Accepts the config as a layer's getConfig() gives it or as model.json stores it;
 * `simple`: the config is a SimpleRNN's.
 */
export function unfusableReason(config: Record<string, unknown>, simple = false): string | null {
  const act = setting(config, 'activation');
  if (simple) {
    if (act !== 'tanh' && act !== 'relu') return `activation ${String(act)} (needs tanh or relu)`;
  } else {
    if (act !== 'tanh') return `activation ${String(act)} (needs tanh)`;
    const ra = setting(config, 'recurrentActivation');
    if (ra !== 'sigmoid') return `recurrent activation ${String(ra)} (needs sigmoid)`;
  }
  if (setting(config, 'useBias') === false) return 'no bias';
  for (const k of ['dropout', 'recurrentDropout']) if (Number(setting(config, k) ?? 0) !== 0) return `${k} > 0`;
  for (const k of OFF) if (setting(config, k) != null && setting(config, k) !== false) return `${k} set`;
  return null;
}
