/** The default input size limit in MiB (--max-input-mb raises or lowers it); a module of its own so the CLI can show it without loading the readers. */
export const DEFAULT_MAX_INPUT_MB = 512;
