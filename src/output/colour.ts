/**
 * Colour for what rnnfc prints on a terminal: on when the stream is a TTY, off with NO_COLOR (any
 * non-empty value, https://no-color.org), on with FORCE_COLOR (any value but 0 or false) even when
 * the stream is not a TTY. Only colour: a progress bar is drawn whatever these say.
 */

const CODES = { yellow: 33, green: 32, red: 31, dim: 2 } as const;
export type Colour = keyof typeof CODES;

/** Whether text written to `stream` gets colour (env: the environment to read, process.env by default). */
export function colourOn(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY);
}

/** `text` in `colour` when `on`, else as it is. */
export function paint(text: string, colour: Colour, on: boolean): string {
  return on ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}
