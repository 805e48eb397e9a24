import type { Stats } from 'node:fs';

/** What a file system entry is, in words for messages: `a directory`, `a named pipe (FIFO)`, ... */
export function fileKind(s: Stats): string {
  if (s.isFile()) return 'a file';
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}
