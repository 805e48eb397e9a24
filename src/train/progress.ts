import type { EpochInfo } from './loop.js';

export interface ProgressOptions {
  epochs: number;
  tty: boolean;
  quiet: boolean;
  stream: NodeJS.WriteStream;
  /** Colour the bar (output/colour.ts colourOn); default false. */
  colour?: boolean;
}

/** The widest bar drawn, and the narrowest worth drawing. */
const BAR_MAX = 20;
const BAR_MIN = 5;

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
  return {
    onEpoch(e) {
      if (quiet) return;
      elapsed += e.seconds;
      const digits = String(epochs).length;
      const head = `epoch ${String(e.epoch).padStart(digits)}/${epochs}`;
      const val = e.valLoss === null ? '' : ` val ${fmtLoss(e.valLoss)}`;
      if (tty) {
        // an upper bound: early stopping may end training before the last epoch
        const eta = formatDuration((elapsed / e.epoch) * Math.max(0, epochs - e.epoch));
        const tail = ` loss ${fmtLoss(e.loss)}${val} at most ${eta} left`;
        // the line fits the terminal, so that no epoch leaves a wrapped line behind: the bar
        // narrows, then goes, then the line is cut
        const columns = stream.columns && stream.columns > 0 ? stream.columns : 80;
        const room = columns - 1 - head.length - tail.length - 3;
        const width = Math.min(BAR_MAX, room);
        let line: string;
        if (width >= BAR_MIN) {
          const filled = Math.round(Math.min(1, e.epoch / Math.max(1, epochs)) * width);
          const bar = filled >= width ? '='.repeat(width) : '='.repeat(filled) + '>' + ' '.repeat(width - filled - 1);
          line = `${head} [${opts.colour ? `\x1b[32m${bar}\x1b[0m` : bar}]${tail}`;
        } else line = `${head}${tail}`.slice(0, Math.max(1, columns - 1));
        stream.write(`\r${line}\x1b[K`);
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
