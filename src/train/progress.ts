import type { EpochInfo } from './loop.js';

export interface ProgressOptions {
  epochs: number;
  tty: boolean;
  quiet: boolean;
  stream: NodeJS.WriteStream;
}

export interface Progress {
  onEpoch(e: EpochInfo): void;
  done(): void;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function fmtLoss(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-4 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

/** Epoch progress: a redrawn bar on a TTY, one line per epoch otherwise, nothing when quiet. */
export function makeProgress(opts: ProgressOptions): Progress {
  const { epochs, tty, quiet, stream } = opts;
  let elapsed = 0;
  let drawn = false;
  const width = 20;
  return {
    onEpoch(e) {
      if (quiet) return;
      elapsed += e.seconds;
      const digits = String(epochs).length;
      const head = `epoch ${String(e.epoch).padStart(digits)}/${epochs}`;
      const val = e.valLoss === null ? '' : ` val ${fmtLoss(e.valLoss)}`;
      if (tty) {
        const frac = Math.min(1, e.epoch / Math.max(1, epochs));
        const filled = Math.round(frac * width);
        const bar = filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
        const eta = formatDuration((elapsed / e.epoch) * Math.max(0, epochs - e.epoch));
        stream.write(`\r${head} [${bar}] loss ${fmtLoss(e.loss)}${val} ETA ${eta}\x1b[K`);
        drawn = true;
      } else {
        stream.write(`${head} loss ${fmtLoss(e.loss)}${val} (${e.seconds.toFixed(2)}s)\n`);
      }
    },
    done() {
      if (quiet) return;
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
