// The system's error codes as a message says them: the words a person reads
// first, then the code a search finds ("no such file, ENOENT"), as Miller and
// Python say them beside their codes.

const WORDS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'a directory, not a file',
  ENOTDIR: 'a path through a file',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'a name too long',
  ENOSPC: 'no space left on the device',
  EROFS: 'a read-only file system',
};

export function errnoText(code: string | undefined): string {
  if (code === undefined) return 'error';
  const words = WORDS[code];
  return words === undefined ? code : `${words}, ${code}`;
}
